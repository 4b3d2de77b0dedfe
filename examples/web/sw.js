// Service worker of the Sinew web example: after the first visit the app, the
// WASM builds and the training set come from the cache, so the page loads and
// trains offline. The build (scripts/sw-plugin.mjs) fills in the version and
// the list of files.
const VERSION = '__SINEW_VERSION__';
const PRECACHE = ['__SINEW_PRECACHE__'];
const CACHE = `sinew-web-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((u) => new Request(u, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('sinew-web-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    // The page: the network when there is one (a new build shows at once), else the cache.
    event.respondWith(
      fetch(req).catch(() => caches.open(CACHE).then((c) => c.match('./', { ignoreSearch: true }))),
    );
    return;
  }
  // Everything else has content-hashed names or is versioned with the cache: cache first.
  event.respondWith(caches.open(CACHE).then((c) => c.match(req, { ignoreSearch: true })).then((hit) => hit ?? fetch(req)));
});
