// The packed tarball in a fresh project, bundled as users bundle it, run in
// Chromium on a cross-origin isolated page (COOP/COEP), one page load each:
// - Vite: `vite build` with no config at all (the headers are the server's);
// - esbuild: `--bundle --format=esm` (the one flag: Sinew finds its files
//   through import.meta.url), with the package's dist/ copied beside the page
//   and `wasmPaths` pointing at it, because esbuild does not emit the
//   `new URL(…, import.meta.url)` files (Workers, .wasm). The copy lacks
//   pool-worker.js here, so this page also checks the fallback: the engine
//   runs on one thread and says why.
import test from 'ava';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer } from '../../scripts/serve.mjs';
import { installTarball, repo, run } from '../_tarball.mjs';
import { launchChromium } from './_browser.mjs';

// One app for both bundlers: the library in the page (single-threaded) and
// the Worker engine (threads), tensor methods, a model, canvas pixels.
const APP = `import * as sinew from 'sinew-nn';
import { createEngine } from 'sinew-nn/browser';

const wasmPaths = globalThis.SINEW_WASM_PATHS;
const options = wasmPaths ? { wasmPaths } : {};
async function main() {
  const info = await sinew.init(options);
  const model = sinew.sequential({ layers: [sinew.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })] });
  const engine = await createEngine(options);
  const c = await engine.matmul(await engine.tensor([[1, 2]]), await engine.tensor([[3], [4]]));
  // browser.fromPixels of a canvas, and toPixels back onto another.
  const canvas = Object.assign(document.createElement('canvas'), { width: 2, height: 1 });
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = 'rgb(255, 0, 10)';
  ctx.fillRect(0, 0, 1, 1);
  ctx.fillStyle = 'rgb(1, 2, 3)';
  ctx.fillRect(1, 0, 1, 1);
  const pixels = sinew.browser.fromPixels(canvas);
  const target = document.createElement('canvas');
  await sinew.browser.toPixels(pixels, target);
  return {
    fromPixels: pixels.arraySync(),
    toPixels: Array.from(target.getContext('2d').getImageData(0, 0, 2, 1).data),
    page: info.build,
    methods: sinew.tensor2d([[1, 2], [3, 4]]).sub(1).mul(2).sum(-1).arraySync(),
    predict: Array.from(model.predict(sinew.tensor2d([[1, 2]])).dataSync()),
    worker: { build: engine.info.build, poolSize: engine.info.poolSize, reason: engine.info.reason },
    matmul: Array.from(await engine.data(c)),
  };
}
globalThis.result = main().catch((e) => ({ error: String(e?.stack ?? e) }));
`;
const PAGE = (script, extra = '') => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>sinew ${script}</title>${extra}<script type="module" src="${script}"></script>`;

let project, browser;
test.before(async () => {
  project = await installTarball('sinew-bundlers-');
  browser = await launchChromium();
});
test.after.always(async () => {
  await browser?.close();
  if (project) await rm(project.scratch, { recursive: true, force: true });
});

/** JS files under `dir`, recursively. */
async function scripts(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith('.js')) out.push(join(e.parentPath, e.name));
  return out;
}

/** Serves `root` cross-origin isolated; returns what the app computed, page errors, warnings and failed requests. */
async function runApp(root) {
  const server = await startServer({ root, isolated: true });
  const page = await browser.newPage();
  const [errors, warnings] = [[], []];
  try {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    // Failed requests are collected by URL below; other console errors are errors.
    page.on('console', (m) => (m.type() === 'warning' ? warnings : m.type() === 'error' && !/status of 404/.test(m.text()) ? errors : []).push(m.text()));
    await page.goto(server.url);
    const result = await page.evaluate(() => globalThis.result);
    return { result, errors, warnings, missing: server.notFound };
  } finally {
    await page.close();
    await server.close();
  }
}

const EXPECTED = { page: 'simd-relaxed', methods: [2, 10], predict: [3], matmul: [11], fromPixels: [[[255, 0, 10], [1, 2, 3]]], toPixels: [255, 0, 10, 255, 1, 2, 3, 255] };

test.serial('vite build with no config: runs in Chromium, threads in the Worker engine, no node: imports', async (t) => {
  const dir = join(project.scratch, 'vite-app');
  await cp(join(project.scratch, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  await writeFile(join(dir, 'main.js'), APP);
  await writeFile(join(dir, 'index.html'), PAGE('./main.js'));
  await run(process.execPath, [join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: dir, maxBuffer: 1 << 24 });
  const built = join(dir, 'dist');
  for (const f of await scripts(built)) t.false(/(?:import\s*\(|from|require\s*\()\s*["'`]node:/.test(await readFile(f, 'utf8')), `${f} has no node: import`);
  const { result, errors, missing } = await runApp(built);
  t.deepEqual([errors, missing], [[], []]);
  const { worker, ...rest } = result;
  t.deepEqual(rest, EXPECTED, JSON.stringify(result));
  t.is(worker.build, 'threads-relaxed');
  t.true(worker.poolSize >= 2, `pool of ${worker.poolSize}`);
});

test.serial('esbuild --bundle --format=esm + wasmPaths into a dist/ copy: runs; a pool worker that cannot load leaves one thread and a warning', async (t) => {
  const dir = join(project.scratch, 'esbuild-app');
  await cp(join(project.scratch, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  await writeFile(join(dir, 'main.js'), APP);
  await run(join(repo, 'node_modules/.bin/esbuild'), ['main.js', '--bundle', '--format=esm', '--outdir=public', '--log-level=error'], { cwd: dir });
  const pub = join(dir, 'public');
  t.false(/(?:import\s*\(|from|require\s*\()\s*["'`]node:/.test(await readFile(join(pub, 'main.js'), 'utf8')), 'the bundle has no node: import');
  await cp(join(dir, 'node_modules/sinew-nn/dist'), join(pub, 'sinew'), { recursive: true });
  await rm(join(pub, 'sinew/engine/pool-worker.js'));
  await writeFile(join(pub, 'index.html'), PAGE('./main.js', `<script>globalThis.SINEW_WASM_PATHS = './sinew/wasm/';</script>`));
  const { result, errors, warnings, missing } = await runApp(pub);
  const { worker, ...rest } = result;
  t.deepEqual(rest, EXPECTED, JSON.stringify(result));
  t.is(worker.build, 'threads-relaxed');
  t.is(worker.poolSize, 1);
  t.regex(worker.reason, /pool workers did not start \(thread pool worker \(pool-worker\.js beside http:\/\/[^)]+\/sinew\/engine\/pool\.js\) failed: the script did not load\): running on 1 thread/);
  t.deepEqual(errors, []);
  // What did not load: the bundle's own engine-worker.js (so the copy's was used) and the pool worker removed above.
  t.deepEqual(missing.sort(), ['/engine-worker.js', '/sinew/engine/pool-worker.js']);
  t.true(warnings.some((w) => w.startsWith('sinew: 1 of 1 pool workers did not start')), warnings.join('\n'));
});
