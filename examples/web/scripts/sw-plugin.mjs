/**
 * Writes dist/sw.js after the build: the service worker template (sw.js) with
 * the list of every built file (HTML, JS, the three WASM builds, the data) to
 * precache, and a cache name derived from their contents, so a rebuild
 * replaces the cache and an unchanged build keeps it.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

async function listFiles(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

export function serviceWorkerPlugin() {
  let outDir, root;
  return {
    name: 'sinew-example-service-worker',
    apply: 'build',
    configResolved(config) {
      root = config.root;
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const files = (await listFiles(outDir))
        .map((f) => relative(outDir, f).split('\\').join('/'))
        .filter((f) => f !== 'sw.js' && !f.startsWith('.'))
        .sort();
      const hash = createHash('sha256');
      for (const f of files) hash.update(f).update(await readFile(join(outDir, f)));
      const version = hash.digest('hex').slice(0, 16);
      const template = await readFile(join(root, 'sw.js'), 'utf8');
      const precache = ['./', ...files.map((f) => `./${f}`)];
      await writeFile(
        join(outDir, 'sw.js'),
        template.replace("'__SINEW_VERSION__'", JSON.stringify(version)).replace("['__SINEW_PRECACHE__']", JSON.stringify(precache, null, 2)),
      );
    },
  };
}
