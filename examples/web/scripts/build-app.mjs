#!/usr/bin/env node
/**
 * Builds the web example with Vite when its output is missing or older than
 * any input (the app's sources, this folder's scripts, the built Sinew package
 * in ../../dist). Used by `npm run web` and tests/browser/web-app.test.mjs.
 *
 *   node examples/web/scripts/build-app.mjs [--force]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = resolve(APP_DIR, '../..');
export const APP_DIST = join(APP_DIR, 'dist');
const STAMP = join(APP_DIST, '.build-stamp');

async function newest(path) {
  if (!existsSync(path)) return 0;
  const s = await stat(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const e of await readdir(path)) if (e !== 'node_modules') t = Math.max(t, await newest(join(path, e)));
  return t;
}

/** Resolves to true when it built, false when the output was up to date. */
export async function ensureAppBuilt({ force = false, log = (m) => console.error(m) } = {}) {
  if (!existsSync(join(REPO, 'dist/index.js'))) throw new Error('the Sinew package is not built: run `bash build.sh` first');
  const inputs = ['index.html', 'sw.js', 'vite.config.js', 'src', 'scripts'].map((p) => join(APP_DIR, p));
  inputs.push(join(REPO, 'dist'), join(REPO, 'package.json'), join(REPO, 'examples/text-models.mjs'));
  const newestInput = Math.max(...(await Promise.all(inputs.map(newest))));
  if (!force && existsSync(STAMP) && (await stat(STAMP)).mtimeMs >= newestInput) return false;
  log('[web] vite build (examples/web → examples/web/dist)');
  const require = createRequire(join(REPO, 'package.json'));
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin/vite.js');
  await new Promise((ok, fail) => {
    const p = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
      cwd: APP_DIR,
      stdio: ['ignore', 'inherit', 'inherit'],
      // A production build whoever runs it (ava sets NODE_ENV=test, which would
      // turn import.meta.env.PROD off and with it the service worker).
      env: { ...process.env, NODE_ENV: 'production' },
    });
    p.on('error', fail);
    p.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`vite build exited with ${code}`))));
  });
  await writeFile(STAMP, new Date().toISOString() + '\n');
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await ensureAppBuilt({ force: process.argv.includes('--force') });
}
