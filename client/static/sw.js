// Service worker: keeps the app shell so the app opens with no network at all
// after one visit. Reports never pass through here: they live in the page's
// localStorage and sync over the /sync WebSocket; /api/* is always the network.
//
// BUILD is replaced by scripts/build-client.sh with a hash of the built files,
// so every new build installs a new cache and deletes the old one.
const BUILD = "__BUILD_HASH__";
const CACHE = "baocao-shell-" + BUILD;
const SHELL = [
  "/index.html",
  "/pkg/baocao_client.js",
  "/pkg/baocao_client_bg.wasm",
  "/style.css",
  "/manifest.webmanifest",
  "/icon.svg",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // cache: "reload" bypasses the HTTP cache, so the shell is this build's.
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
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
