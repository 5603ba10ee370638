// Service worker: keeps the app shell so the app opens with no network at all
// after one visit. Reports never pass through here: they live in the page's
// storage and sync over the /sync WebSocket; /api/* is always the network.
//
// scripts/build-client.sh replaces BUILD with a hash of the built files and
// SHELL with the list of them (content-hashed names for the code and style),
// so every build installs a new cache next to the old one.
//
// Updates are safe for someone typing: a new worker installs in the
// background and then *waits*. It takes over only when no page of the app is
// open (the next start), never in the middle of an edit — an old page keeps
// the old shell it started with, whose files stay in the old cache until the
// new worker activates. The page may ask for the switch explicitly (its
// "reopen the app" button, shown when the server speaks another API version):
// it posts "skip-waiting" and reloads once the new worker controls it.
const BUILD = "__BUILD_HASH__";
const CACHE = "baocao-shell-" + BUILD;
const SHELL = __SHELL_FILES__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // cache: "reload" bypasses the HTTP cache, so the shell is this build's.
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith("baocao-shell-") && key !== CACHE)
            .map((key) => caches.delete(key))
        )
      )
      // The first install takes the open page at once, so it works offline
      // from its first visit; later activations happen with no page open.
      .then(() => self.clients.claim())
  );
});

function isNetworkOnly(url) {
  return url.pathname.startsWith("/api/") || url.pathname === "/sync" || url.pathname === "/sw.js";
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isNetworkOnly(url)) return;

  if (request.mode === "navigate") {
    // Every app path (/reports, /report/…, /district/…) is the same shell:
    // answer from the cache at once, so a page opens even on a dead link.
    event.respondWith(
      caches
        .open(CACHE)
        .then((cache) => cache.match("/index.html"))
        .then((cached) => cached || fetch(request))
    );
    return;
  }

  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(request, { ignoreSearch: true }))
      .then((cached) => cached || fetch(request))
  );
});
