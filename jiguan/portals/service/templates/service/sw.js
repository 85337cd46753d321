/* Service worker of the service portal (scope /service/).
 * - install: precache the app shell (offline page, styles, scripts, icons);
 * - pages: always from the network (they hold personal data and are never stored); when the network
 *   is down, the offline page;
 * - static files: from the cache at once, refreshed in the background (stale-while-revalidate).
 */
const CONFIG = {{ config|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CONFIG.cache).then((cache) => cache.addAll(CONFIG.shell)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith("jiguan-service-") && key !== CONFIG.cache).map((key) => caches.delete(key))
      ))
      .then(() => self.clients.claim())
  );
});

function fromCacheThenRefresh(request) {
  return caches.open(CONFIG.cache).then((cache) =>
    cache.match(request, { ignoreSearch: true }).then((cached) => {
      const refreshed = fetch(request).then((response) => {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
      if (cached) {
        refreshed.catch(() => undefined);
        return cached;
      }
      return refreshed;
    })
  );
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(CONFIG.offline)));
  } else if (url.pathname.startsWith(CONFIG.static)) {
    event.respondWith(fromCacheThenRefresh(request));
  }
});
