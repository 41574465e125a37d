/* What the door app keeps on the phone, shared by the page (checkin-offline.js) and the service
   worker (static/checkin/sw.js): the door list and the queue of offline scans in IndexedDB,
   the ticket-code rules (the same as esof/registration/tickets.py) and the sync. */
(function (root) {
  "use strict";
  var DB_NAME = "esof-checkin";
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var MAC_LENGTH = 7;
  var MIN_LENGTH = 12;
  var MAX_LENGTH = 16;
  var BATCH = 200;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = root.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("queue", { keyPath: "client_id" });
        db.createObjectStore("meta");
        db.createObjectStore("flags", { keyPath: "client_id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result = work(tx.objectStore(storeName));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all(storeName) { return run(storeName, "readonly", function (store) { return store.getAll(); }); }
  function put(storeName, value, key) {
    return run(storeName, "readwrite", function (store) { store.put(value, key); });
  }
  function remove(storeName, keys) {
    return run(storeName, "readwrite", function (store) { keys.forEach(function (key) { store.delete(key); }); });
  }
  function getMeta(key) { return run("meta", "readonly", function (store) { return store.get(key); }); }

  function clearAll() {
    return new Promise(function (resolve) {
      var request = root.indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }

  function normalise(text) {
    return String(text || "").toUpperCase().replace(/[\s\-_.]+/g, "")
      .replace(/O/g, "0").replace(/[IL]/g, "1");
  }

  function isSignedToken(text) { return (String(text || "").trim().match(/\./g) || []).length >= 2; }

  function isPaymentReference(text) {
    return /^ESOF\d{10}$/.test(String(text || "").toUpperCase().replace(/[\s\-_.]+/g, ""));
  }

  /* Luhn mod 32, as tickets._check_character. */
  function checkCharacter(body) {
    var factor = 2, total = 0;
    for (var i = body.length - 1; i >= 0; i -= 1) {
      var addend = factor * ALPHABET.indexOf(body.charAt(i));
      total += Math.floor(addend / 32) + (addend % 32);
      factor = factor === 2 ? 1 : 2;
    }
    return ALPHABET.charAt((32 - (total % 32)) % 32);
  }

  /* "ok", "mistyped" or "payment-reference" for a typed code, before any look-up. */
  function codeShape(text) {
    if (isPaymentReference(text)) { return "payment-reference"; }
    var code = normalise(text);
    if (code.length < MIN_LENGTH || code.length > MAX_LENGTH) { return "mistyped"; }
    for (var i = 0; i < code.length; i += 1) {
      if (ALPHABET.indexOf(code.charAt(i)) < 0) { return "mistyped"; }
    }
    return checkCharacter(code.slice(0, -1)) === code.slice(-1) ? "ok" : "mistyped";
  }

  function sha256Hex(text, length) {
    return root.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(function (digest) {
      return Array.prototype.map.call(new Uint8Array(digest), function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      }).join("").slice(0, length);
    });
  }

  /* tickets.door_code_hash: 16 hex characters of SHA-256 over the normalised code. */
  function codeHash(text) { return sha256Hex(normalise(text), 16); }

  /* tickets.door_nonce_hash of the nonce in a signed token's payload (its signature needs the
     server's key; the nonce is what a reissue changes). Resolves to null when unreadable. */
  function tokenNonceHash(text) {
    var parts = String(text || "").trim().split(".");
    var compressed = parts[0] === "";
    var payload = compressed ? parts[1] : parts[0];
    var bytes;
    try {
      var b64 = payload.replace(/-/g, "+").replace(/_/g, "/");
      var binary = root.atob(b64 + "===".slice((b64.length + 3) % 4));
      bytes = Uint8Array.from(binary, function (c) { return c.charCodeAt(0); });
    } catch (error) { return Promise.resolve(null); }
    var json = compressed && root.DecompressionStream
      ? new Response(new Blob([bytes]).stream().pipeThrough(new root.DecompressionStream("deflate"))).text()
      : Promise.resolve(compressed ? null : new TextDecoder().decode(bytes));
    return json.then(function (textPayload) {
      var data = textPayload ? JSON.parse(textPayload) : null;
      return data && typeof data.n === "string" ? sha256Hex(data.n, 12) : null;
    }).catch(function () { return null; });
  }

  function newId() {
    if (root.crypto.randomUUID) { return root.crypto.randomUUID(); }
    var b = root.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function fetchDoorList(base) {
    return fetch(new URL("door-list.json", base).href, {
      credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store"
    }).then(function (response) {
      // Sent to the log-in page: the session ended, the queue waits for a new log-in.
      if (response.redirected || response.status === 401 || response.status === 403) { throw new Error("login"); }
      if (!response.ok) { throw new Error("door list " + response.status); }
      return response.json();
    }).then(function (list) {
      list.fetched_at = new Date().toISOString();
      return put("meta", list, "door-list").then(function () { return list; });
    });
  }

  /* Send the queue in time order, in batches; the answers come back one per scan. Refused ones
     are kept as flags for the door staff to see. Resolves to the answers. */
  function syncQueue(base) {
    return all("queue").then(function (queued) {
      if (!queued.length) { return []; }
      queued.sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : a.scanned_at > b.scanned_at ? 1 : a.seq - b.seq; });
      return fetchDoorList(base).then(function (list) {
        var answers = [];
        var chain = Promise.resolve();
        for (var start = 0; start < queued.length; start += BATCH) {
          (function (chunk) {
            chain = chain.then(function () { return sendBatch(base, list.csrf, chunk); })
              .then(function (got) { answers = answers.concat(got); });
          })(queued.slice(start, start + BATCH));
        }
        return chain.then(function () { return answers; });
      });
    });
  }

  function sendBatch(base, csrf, chunk) {
    var byId = {};
    chunk.forEach(function (scan) { byId[scan.client_id] = scan; });
    return fetch(new URL("sync", base).href, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ scans: chunk.map(function (scan) {
        return { client_id: scan.client_id, code: scan.code, scanned_at: scan.scanned_at,
                 door: scan.door, direction: scan.direction };
      }) })
    }).then(function (response) {
      if (!response.ok) { throw new Error("sync " + response.status); }
      return response.json();
    }).then(function (body) {
      // A refusal the door already gave offline (unpaid, online only, cancelled) is no news.
      var flags = body.items.filter(function (answer) {
        var scan = byId[answer.client_id] || {};
        return answer.status === "refused" && !(answer.reason && scan.local_status === answer.reason);
      })
        .map(function (answer) {
          var scan = byId[answer.client_id] || {};
          return { client_id: answer.client_id, reason: answer.reason, message: answer.message,
                   name: answer.name || scan.local_name || "", code: scan.code || "",
                   scanned_at: scan.scanned_at || "", seen_offline_as: scan.local_status || "" };
        });
      return run("flags", "readwrite", function (store) { flags.forEach(function (flag) { store.put(flag); }); })
        .then(function () { return remove("queue", body.items.map(function (answer) { return answer.client_id; })); })
        .then(function () { return body.items; });
    });
  }

  root.CheckinStore = {
    all: all, put: put, remove: remove, getMeta: getMeta, clearAll: clearAll, normalise: normalise,
    isSignedToken: isSignedToken, codeShape: codeShape, codeHash: codeHash, tokenNonceHash: tokenNonceHash, newId: newId,
    fetchDoorList: fetchDoorList, syncQueue: syncQueue
  };
})(self);
