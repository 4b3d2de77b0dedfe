#!/usr/bin/env node
/**
 * A tiny static file server for the browser tests, benchmarks and the web
 * example. With `isolated: true` it sends the COOP/COEP headers that make a
 * page cross-origin isolated (SharedArrayBuffer, hence Sinew's threads build).
 *
 *   node scripts/serve.mjs [root] [--port 8080] [--no-isolation]
 */
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
  '.gz': 'application/gzip',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Serves `root` on 127.0.0.1; resolves to `{ url, close(), notFound }`:
 * `notFound` lists the paths answered 404 (Workers' requests included).
 */
export async function startServer({ root, port = 0, isolated = true }) {
  const notFound = [];
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      let file = normalize(join(base, path));
      if (!file.startsWith(base)) throw Object.assign(new Error('outside root'), { code: 'ENOENT' });
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      const headers = { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' };
      if (isolated) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      res.writeHead(200, headers).end(body);
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'EISDIR') notFound.push(new URL(req.url, 'http://x').pathname);
      res.writeHead(e.code === 'ENOENT' || e.code === 'EISDIR' ? 404 : 500, { 'Content-Type': 'text/plain' }).end(String(e.message));
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    notFound,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : 8080;
  const root = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--port') ?? '.';
  const isolated = !args.includes('--no-isolation');
  const { url } = await startServer({ root, port, isolated });
  console.log(`serving ${resolve(root)} at ${url} (${isolated ? 'cross-origin isolated: COOP/COEP on' : 'no COOP/COEP'})`);
}
