/* The door app's service worker (served as /checkin/sw.js, scope /checkin/). Online, every
   page and asset comes from the network and a copy is kept; offline, the copy is served, so the
   check-in page reloads without Wi-Fi. JSON endpoints and POSTs are never cached: the door list
   lives in IndexedDB (see checkin-store.js), and scans go to the server or to the queue.
   Background Sync (where the browser has it) sends the queue by itself once the network is back. */
"use strict";
var CACHE = "esof-checkin-v1";
var scope = self.registration.scope;
importScripts(new URL("../static/js/checkin-store.js", scope).href);

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll([new URL("../static/js/checkin-store.js", scope).href]).catch(function () {});
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// A Wi-Fi that is connected but carries nothing: after this long the kept copy is shown.
var PAGE_TIMEOUT_MS = 4000;
var ASSET_TIMEOUT_MS = 6000;

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (value) { clearTimeout(timer); resolve(value); },
                 function (error) { clearTimeout(timer); reject(error); });
  });
}

function cacheable(request, response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
}

function keep(urls) {
  return caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (cacheable(null, response)) { return cache.put(url, response); }
      }).catch(function () {});
    }));
  });
}

/* The page tells the worker which of its own files to keep (it knows their versioned URLs),
   and asks it to forget everything on log-out. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "keep" && Array.isArray(data.urls)) {
    event.waitUntil(keep(data.urls).then(function () {
      if (event.source) { event.source.postMessage({ type: "kept", count: data.urls.length }); }
    }));
  } else if (data.type === "forget") {
    event.waitUntil(caches.delete(CACHE));
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (/\.json$/.test(url.pathname) || url.pathname === new URL("sync", scope).pathname) { return; }
  var isPage = request.mode === "navigate";
  if (!isPage && url.pathname.indexOf("/static/") < 0 && url.pathname.indexOf(new URL(scope).pathname) !== 0) {
    return;
  }
  event.respondWith(withTimeout(fetch(request), isPage ? PAGE_TIMEOUT_MS : ASSET_TIMEOUT_MS).then(function (response) {
    if (cacheable(request, response)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) {
      if (hit || !isPage) { return hit || Response.error(); }
      // Another door's page (a different ?door=…) is the same page: show the one we have.
      return caches.match(request, { ignoreSearch: true }).then(function (any) { return any || Response.error(); });
    });
  }));
});

function tellPages(message) {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage(message); });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== "checkin-queue") { return; }
  event.waitUntil(self.CheckinStore.syncQueue(scope).then(function (answers) {
    return tellPages({ type: "synced", answers: answers });
  }));
});
