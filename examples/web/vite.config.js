// Vite config of the web example. The app imports 'sinew-nn' like any user; the
// alias below maps the package's own `exports` (../../package.json) to the
// built package in ../../dist, so the app sees exactly what `npm install
// sinew` would give it, never the ts/ sources.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { defineConfig } from 'vite';
import { makeData, makeTextData, DATA_FILE, TEXT_DATA_FILE } from './scripts/make-data.mjs';
import { serviceWorkerPlugin } from './scripts/sw-plugin.mjs';
import { existsSync, statSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const pkg = JSON.parse(readFileSync(resolve(repo, 'package.json'), 'utf8'));

/** `sinew-nn`, `sinew-nn/browser`, ... → the files the package's exports point to. */
const packageAlias = Object.entries(pkg.exports)
  .filter(([sub, target]) => typeof target === 'object' && target.default?.endsWith('.js'))
  .map(([sub, target]) => ({
    find: new RegExp(`^${(pkg.name + sub.slice(1)).replace(/[/.]/g, '\\$&')}$`),
    replacement: resolve(repo, target.default),
  }));

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: here,
  base: './',
  resolve: { alias: packageAlias },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // Sinew's typed errors take their name from their class (ShapeError,
    // InvalidArgumentError...): keep class names through minification.
    rolldownOptions: { output: { keepNames: true } },
  },
  // The pool workers that Sinew starts from the app's training worker are
  // nested module workers: the worker bundles must be ES modules too.
  worker: { format: 'es', rolldownOptions: { output: { keepNames: true } } },
  optimizeDeps: { exclude: [pkg.name, `${pkg.name}/browser`] },
  server: { headers: isolationHeaders, fs: { allow: [repo] } },
  preview: { headers: isolationHeaders },
  plugins: [
    {
      name: 'sinew-example-data',
      async buildStart() {
        const script = resolve(here, 'scripts/make-data.mjs');
        const stale = (f) => !existsSync(f) || statSync(f).mtimeMs < statSync(script).mtimeMs;
        if (stale(DATA_FILE)) await makeData();
        if (stale(TEXT_DATA_FILE)) await makeTextData();
      },
    },
    serviceWorkerPlugin(),
  ],
});
