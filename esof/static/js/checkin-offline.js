/* The door app without Wi-Fi (progressive enhancement of the check-in page). Online, a typed
   code goes to the server as the camera's scans do. Offline (or when the server cannot be
   reached) it is checked against the door list downloaded while online, answered in words at
   once, and queued in IndexedDB with its time and its own id; the queue is sent in order when
   the network is back (Background Sync, else the `online` event and page load), and what the
   server refuses is listed for the door staff. Log-out from this page clears list and queue. */
(function () {
  "use strict";
  var box = document.getElementById("offline");
  var store = window.CheckinStore;
  if (!box || !store || !window.indexedDB) { return; }
  var base = new URL(box.getAttribute("data-base"), window.location.href).href;
  var statusLine = document.getElementById("connection-status");
  var output = document.getElementById("scan-result");
  var flagsBox = document.getElementById("sync-flags");
  var form = document.querySelector("form.token-form");
  var presentCell = document.getElementById("door-present");
  var label = function (name) { return box.getAttribute("data-label-" + name) || ""; };
  var door = box.getAttribute("data-door");
  var direction = box.getAttribute("data-direction");
  var tickets = null;   // code hash -> row of the door list
  var byNonce = null;   // nonce hash (signed tokens of printed badges) -> row
  var list = null;
  var queueLength = 0;
  var syncing = false;
  var seq = Date.now();
  var lastReport = "";  // what the last sync answered, kept on the status line
  var LIST_REFRESH_MS = 5 * 60 * 1000;
  var ONLINE_TIMEOUT_MS = 3000;

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return values[key] === undefined ? "" : values[key]; });
  }

  function useList(doorList) {
    if (!doorList || (doorList.expires_at && Date.parse(doorList.expires_at) < Date.now())) {
      list = null; tickets = null; byNonce = null;
      return;
    }
    list = doorList;
    tickets = new Map();
    byNonce = new Map();
    doorList.tickets.forEach(function (row) { tickets.set(row[0], row); byNonce.set(row[1], row); });
  }

  function showStatus() {
    var online = navigator.onLine;
    box.classList.toggle("is-offline", !online);
    var words = online ? label("online") : label("offline");
    var parts = [words, fill(label("queue"), { n: queueLength })];
    if (list) {
      var at = new Date(list.fetched_at || list.generated_at);
      parts.push(fill(label("list"), { n: list.tickets.length, time: at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) }));
    } else {
      parts.push(label("no-list"));
    }
    if (lastReport) { parts.push(lastReport); }
    statusLine.textContent = parts.join(" · ");
    box.setAttribute("data-queue", String(queueLength));
  }

  function countQueue() {
    return store.all("queue").then(function (queued) { queueLength = queued.length; showStatus(); });
  }

  var words = JSON.parse(box.getAttribute("data-answers") || "{}");

  /* An answer from the door list, in the server's words (data-answers) where it has them. */
  function show(kind, title, lines) {
    // "unchecked" (no door list yet) has no verdict: recorded now, decided by the server later.
    var said = kind === "unchecked" ? { tone: "check" }
      : words[{ valid: "ok", warning: "check", mistyped: "unknown" }[kind] || kind] || words.unknown || {};
    var panel = { kind: kind, tone: said.tone || "stop", headline: said.headline || title,
                  who: said.headline ? title : "", advice: said.advice || "", notes: lines || [] };
    if (window.EsofScanner) {
      window.EsofScanner.render(panel);
    } else {
      output.textContent = "";
      output.appendChild(element("p", panel.headline, "answer-headline result-title"));
      if (panel.who) { output.appendChild(element("p", panel.who, "answer-who")); }
    }
    output.className = "scan-result offline-answer answer-" + kind + " tone-" + panel.tone;
  }

  function warningWords(codes) {
    return (codes || "").split(" ").filter(Boolean).map(function (code) { return label("warning-" + code) || code; });
  }

  function queue(code, localStatus, localName) {
    seq += 1;
    var scan = { client_id: store.newId(), seq: seq, code: code, scanned_at: new Date().toISOString(), door: door,
                 direction: direction, local_status: localStatus, local_name: localName };
    return store.put("queue", scan).then(countQueue).then(function () {
      if (navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (reg) {
          if (reg.sync) { return reg.sync.register("checkin-queue"); }
        }).catch(function () {});
      }
    });
  }

  /* Answer from the door list; the answer is on screen before the queue write starts. */
  function offlineScan(text) {
    var started = performance.now();
    var done = function () { output.setAttribute("data-answer-ms", (performance.now() - started).toFixed(1)); };
    var token = store.isSignedToken(text);
    var shape = token ? "ok" : store.codeShape(text);
    if (shape !== "ok") {
      show("mistyped", label(shape));
      done();
      return Promise.resolve();
    }
    var lookup = token
      ? store.tokenNonceHash(text).then(function (hash) { return hash && byNonce ? byNonce.get(hash) : null; })
      : store.codeHash(text).then(function (hash) { return tickets ? tickets.get(hash) : null; });
    return lookup.then(function (row) {
      // row: code hash, nonce hash, "Jane D.", category index, valid/cancelled, warnings
      var localStatus = row ? row[4] : (tickets ? "unknown" : "unchecked");
      var category = row ? list.categories[row[3]] : "";
      var codes = row ? (row[5] || "").split(" ").filter(Boolean) : [];
      // The door list knows who may not come in: the same stops as the server's answer.
      var stop = localStatus === "valid" && direction === "in"
        ? ["online-only", "unpaid"].filter(function (code) { return codes.indexOf(code) >= 0; })[0] : null;
      if (!row) {
        show(localStatus, tickets ? label("unknown") : label("unchecked"));
      } else if (stop) {
        localStatus = stop;
        show(stop, fill(label("who"), { name: row[2], category: category }), warningWords(row[5]));
      } else if (localStatus === "valid") {
        var warnings = warningWords(row[5]);
        show(warnings.length ? "warning" : "valid", fill(label("valid"), { name: row[2], category: category }), warnings);
      } else {
        show("cancelled", fill(label("cancelled"), { name: row[2], category: category }));
      }
      done();
      return queue(token ? text.trim() : store.normalise(text), localStatus, row ? row[2] : "");
    });
  }

  function onlineScan(text) {
    // A Wi-Fi that is connected but carries nothing would keep the queue waiting: give the
    // server a few seconds, then answer from the door list (a scan the server did get counts
    // once anyway: the synced copy is the same stay).
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, ONLINE_TIMEOUT_MS) : null;
    return fetch(box.getAttribute("data-scan-url"), {
      method: "POST", credentials: "same-origin", signal: controller ? controller.signal : undefined,
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": box.getAttribute("data-csrf") },
      body: JSON.stringify({ door: door, direction: direction, code: text })
    }).then(function (response) {
      window.clearTimeout(timer);
      return response.json().then(function (result) {
        if (window.EsofScanner) { window.EsofScanner.show(result); return; }
        show(result.ok ? "valid" : "refused", result.ok ? result.name + " (" + result.category + ")" : result.reason);
      });
    });
  }

  /* The one entry for typed and camera scans: the server when it answers, the list otherwise. */
  function scan(text) {
    if (!navigator.onLine) { return offlineScan(text); }
    return onlineScan(text).catch(function () { return offlineScan(text); });
  }

  function showFlags() {
    return store.all("flags").then(function (flags) {
      var items = flagsBox.querySelector("ul");
      items.textContent = "";
      flags.sort(function (a, b) { return a.scanned_at < b.scanned_at ? -1 : 1; });
      flags.forEach(function (flag) {
        var time = flag.scanned_at ? new Date(flag.scanned_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
        var who = flag.name || flag.code;
        items.appendChild(element("li", fill(label("flag"), { time: time, who: who, message: flag.message })));
      });
      flagsBox.hidden = flags.length === 0;
    });
  }

  function reportSync(answers) {
    if (!answers || !answers.length) { return; }
    var counts = { accepted: 0, duplicate: 0, refused: 0 };
    answers.forEach(function (answer) { counts[answer.status] += 1; });
    var mine = answers.filter(function (answer) { return answer.present !== null && answer.door; });
    if (presentCell && mine.length) { presentCell.textContent = String(mine[mine.length - 1].present); }
    box.setAttribute("data-synced", String((Number(box.getAttribute("data-synced")) || 0) + answers.length));
    lastReport = fill(label("synced"), { n: answers.length, accepted: counts.accepted,
                                         duplicate: counts.duplicate, refused: counts.refused });
    return countQueue().then(showFlags);
  }

  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(); }
    syncing = true;
    return store.syncQueue(base).then(reportSync).catch(function (error) {
      if (error && error.message === "login") { lastReport = label("login-again"); }
    })
      .then(function () { return store.getMeta("door-list"); }).then(useList)
      .then(function () { syncing = false; showStatus(); })
      .then(countQueue);
  }

  function refreshList() {
    if (!navigator.onLine) { return Promise.resolve(); }
    return store.fetchDoorList(base).then(useList).then(function () { showStatus(); }).catch(function () {});
  }

  function keepForOffline() {
    if (!navigator.serviceWorker) { return; }
    navigator.serviceWorker.register(box.getAttribute("data-worker"), { scope: box.getAttribute("data-scope") })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (reg) {
        var urls = [window.location.href];
        document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=manifest], link[rel=icon]")
          .forEach(function (node) { urls.push(node.src || node.href); });
        (reg.active || navigator.serviceWorker.controller).postMessage({ type: "keep", urls: urls });
      }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "kept") { box.setAttribute("data-kept", "yes"); }
      if (data.type === "synced") { reportSync(data.answers); }
    });
  }

  function forgetOnLogout() {
    document.querySelectorAll("form[action$='/logout']").forEach(function (logout) {
      logout.addEventListener("submit", function (event) {
        if (logout.getAttribute("data-cleared")) { return; }
        event.preventDefault();
        // Send what is queued first: clearing the phone must not lose scans nobody has counted.
        sync().then(function () {
          if (queueLength && !window.confirm(fill(label("logout-unsent"), { n: queueLength }))) { return; }
          logout.setAttribute("data-cleared", "yes");
          var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
          if (worker) { worker.postMessage({ type: "forget" }); }
          var caches = window.caches ? window.caches.keys().then(function (names) {
            return Promise.all(names.map(function (name) { return window.caches.delete(name); }));
          }) : Promise.resolve();
          return Promise.all([store.clearAll(), caches]).catch(function () {}).then(function () { logout.submit(); });
        });
      });
    });
  }

  if (form && door) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[name=code]");
      if (!input || !input.value.trim()) { return; }
      event.preventDefault();
      var text = input.value;
      scan(text).then(function () { input.value = ""; input.focus(); });
    });
  }

  window.EsofOffline = { scan: scan, sync: sync };
  window.addEventListener("online", function () { showStatus(); sync().then(refreshList); });
  window.addEventListener("offline", function () { showStatus(); });
  box.hidden = false;
  keepForOffline();
  forgetOnLogout();
  store.getMeta("door-list").then(useList).catch(function () {})
    .then(countQueue).then(showFlags)
    .then(function () { return navigator.onLine ? sync().then(refreshList) : null; })
    .then(function () { box.setAttribute("data-ready", "yes"); });
  window.setInterval(function () {
    if (navigator.onLine) { (queueLength ? sync() : Promise.resolve()).then(refreshList); }
  }, LIST_REFRESH_MS);
  window.setInterval(function () { if (navigator.onLine && queueLength) { sync(); } }, 30000);
})();
