// ketpath's service worker: the app shell and the last Today page, offline (issue 14, point 4).
//
// Served at /sw.js, scope "/", by web/offline.py, which puts one line in front of this
// file: self.KETPATH_SHELL = {version, urls}, the app-shell files and a version made from
// their contents (so a changed stylesheet installs a new worker, which fetches the shell
// afresh and deletes the old copy).
//
// Hand-written, not Workbox: what it does is three small strategies, about 150 lines a
// reviewer can read in one sitting and audit for what it keeps on the phone. Workbox
// would be a vendored bundle (or a build step to pick its modules) configured to do the
// same three things, with more code on the phone than the app it serves, and its
// defaults would have to be checked line by line against the rule below anyway.
//
// What it keeps, and why no more (pages hold health data and are sent no-store):
// - "ketpath-shell-<version>": the CSS, scripts, icons, the manifest and the offline page,
//   fetched without cookies: no one's data. Served cache-first.
// - "ketpath-today": the last Today page ("/") fetched while signed in, because the issue
//   asks that it open offline. It is the one exception to no-store, made deliberately: one
//   response, replaced on every visit, deleted on logout (a POST /logout navigation, or
//   the page's "logout" or "lock" message) and whenever the server answers "/" with anything but the
//   Today page (the session ended: a redirect to /login).
// - Nothing else: other pages go to the network and, offline, get the offline page; the
//   JSON API, the offline entries' route and every non-GET request pass through untouched.
//
// Entries made offline are queued in IndexedDB by static/offline-queue.js in the page, not
// here; its header says why.
"use strict";

var SHELL = self.KETPATH_SHELL || { version: "dev", urls: [] };
var SHELL_PREFIX = "ketpath-shell-";
var SHELL_CACHE = SHELL_PREFIX + SHELL.version;
var TODAY_CACHE = "ketpath-today";
var TODAY = "/";
var OFFLINE_PAGE = "/offline";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then(function (cache) {
        return cache.addAll(
          SHELL.urls.map(function (url) {
            return new Request(url, { cache: "reload", credentials: "omit" });
          })
        );
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf(SHELL_PREFIX) === 0 && name !== SHELL_CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function forgetPersonalPages() {
  return caches.delete(TODAY_CACHE);
}

// "logout" from the page's logout form; "lock" for an app lock, so that nothing with
// health data is shown from here behind it.
self.addEventListener("message", function (event) {
  if (event.data === "logout" || event.data === "lock") {
    event.waitUntil(forgetPersonalPages());
  }
});

function offlinePage() {
  return caches.match(OFFLINE_PAGE, { cacheName: SHELL_CACHE }).then(function (cached) {
    return (
      cached ||
      new Response("You are offline.", {
        status: 503,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      })
    );
  });
}

// Network first; the Today page as last seen when the network fails.
function today(event) {
  return fetch(event.request).then(
    function (response) {
      // A navigation is fetched with redirect "manual": a redirect (to /login, or a
      // clinician's /patients) comes back opaque, and is not the Today page.
      if (response.status === 200 && response.type === "basic") {
        var copy = response.clone();
        event.waitUntil(
          caches.open(TODAY_CACHE).then(function (cache) {
            return cache.put(TODAY, copy);
          })
        );
      } else {
        event.waitUntil(forgetPersonalPages());
      }
      return response;
    },
    function () {
      return caches.match(TODAY, { cacheName: TODAY_CACHE }).then(function (cached) {
        return cached || offlinePage();
      });
    }
  );
}

// Network only; the offline page when the network fails.
function page(request) {
  return fetch(request).catch(offlinePage);
}

// Cache first: the shell only changes with a new worker.
function fromShell(request, path) {
  return caches.match(path, { cacheName: SHELL_CACHE }).then(function (cached) {
    return cached || fetch(request);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method !== "GET") {
    if (request.mode === "navigate" && url.pathname === "/logout") {
      event.waitUntil(forgetPersonalPages());
    }
    return;
  }
  if (url.pathname.indexOf("/api/") === 0) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(url.pathname === TODAY ? today(event) : page(request));
    return;
  }
  if (SHELL.urls.indexOf(url.pathname) !== -1) {
    event.respondWith(fromShell(request, url.pathname));
  }
});
