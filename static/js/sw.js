// The service worker (served at /sw.js, scope "/"): lessons read once open again offline,
// a course can be downloaded for reading offline, and any page not stored shows the offline
// page. It stores ONLY what the allow-list below names: the static files, the home page, course
// pages, lessons and their images, of the person logged in. Attempt pages, quizzes, staff
// pages, exports and every other URL are never stored. Logging out clears it all (the
// logout response's Clear-Site-Data, and the "forget" message from offline.js).
"use strict";

var VERSION = "v1";
var STATIC = "static-" + VERSION;   // the app's files and the offline page
var PAGES = "pages";                // lessons, course pages, images: the person's reading
var OFFLINE_URL = "/offline";
var PRECACHE = [OFFLINE_URL, "/static/css/app.css", "/static/js/offline.js",
  "/static/favicon.svg", "/static/icons/icon-192.png"];

// What may be stored, by path. Anything else goes to the network only.
var STORABLE = [
  /^\/$/,
  /^\/courses\/[^/]+$/,
  /^\/courses\/[^/]+\/lessons\/[^/]+$/,
  /^\/courses\/[^/]+\/lessons\/media\/[^/]+$/
];
var storable = function (url) {
  if (url.origin !== self.location.origin || url.search) { return false; }
  return STORABLE.some(function (pattern) { return pattern.test(url.pathname); });
};
var isStatic = function (url) {
  return url.origin === self.location.origin && url.pathname.indexOf("/static/") === 0;
};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) {
    return cache.addAll(PRECACHE);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("static-") === 0 && name !== STATIC;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// A response worth keeping: a whole, successful page or file of this site, not a redirect
// (the login page answers for an expired session).
var keepable = function (response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
};

var store = function (request, response) {
  var copy = response.clone();
  return caches.open(PAGES).then(function (cache) { return cache.put(request, copy); });
};

var offlinePage = function () {
  return caches.match(OFFLINE_URL).then(function (page) {
    return page || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  });
};

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // saves, submits, logout: the network only
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (isStatic(url)) {
    // Network first (the files change with releases), the stored copy when offline.
    event.respondWith(fetch(request).then(function (response) {
      if (keepable(response)) {
        var copy = response.clone();
        caches.open(STATIC).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request, { ignoreSearch: true }).then(function (hit) {
        return hit || Response.error();
      });
    }));
    return;
  }
  if (storable(url)) {
    // Network first: a lesson read online is stored as read; offline, the stored copy.
    event.respondWith(fetch(request).then(function (response) {
      if (keepable(response)) { event.waitUntil(store(request, response)); }
      return response;
    }).catch(function () {
      return caches.match(request, { cacheName: PAGES }).then(function (hit) {
        if (hit) { return hit; }
        return request.mode === "navigate" ? offlinePage() : Response.error();
      });
    }));
    return;
  }
  if (request.mode === "navigate") {
    // Never stored; offline, the plain page saying what is available.
    event.respondWith(fetch(request).catch(offlinePage));
  }
});

// Messages from offline.js: download a course, list what is stored, forget everything.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var reply = function (message) {
    if (event.ports && event.ports[0]) { event.ports[0].postMessage(message); }
  };
  if (data.type === "forget") {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.map(function (name) { return caches.delete(name); }));
    }).then(function () { reply({ done: true }); }));
    return;
  }
  if (data.type === "download") {
    var urls = (data.urls || []).filter(function (u) { return storable(new URL(u, self.location.origin)); });
    var bytes = 0, stored = 0;
    event.waitUntil(caches.open(PAGES).then(function (cache) {
      // One at a time: a slow connection is not flooded, and a failure stops nothing else.
      return urls.reduce(function (chain, u) {
        return chain.then(function () {
          return fetch(u, { credentials: "same-origin", headers: { "X-Offline-Download": "1" } })
            .then(function (response) {
              if (!keepable(response)) { return null; }
              return response.clone().arrayBuffer().then(function (body) {
                bytes += body.byteLength; stored += 1;
                return cache.put(u, response);
              });
            }).catch(function () { return null; });
        });
      }, Promise.resolve());
    }).then(function () { reply({ stored: stored, total: urls.length, bytes: bytes }); }));
    return;
  }
  if (data.type === "status") {
    var wanted = data.urls || [];
    event.waitUntil(caches.open(PAGES).then(function (cache) {
      return Promise.all(wanted.map(function (u) {
        return cache.match(u).then(function (hit) {
          return hit ? hit.clone().arrayBuffer().then(function (b) { return b.byteLength; }) : -1;
        });
      }));
    }).then(function (sizes) {
      var have = sizes.filter(function (s) { return s >= 0; });
      reply({ stored: have.length, total: wanted.length,
        bytes: have.reduce(function (a, b) { return a + b; }, 0) });
    }));
  }
});
