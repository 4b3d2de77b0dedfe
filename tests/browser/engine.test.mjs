// The engine in a real browser: Debian's Chromium, pages served with and
// without the COOP/COEP headers that make them cross-origin isolated.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { launchChromium, openPage } from './_browser.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
let browser, isolated, plain;

test.before(async () => {
  browser = await launchChromium();
  isolated = await startServer({ root, isolated: true });
  plain = await startServer({ root, isolated: false });
});

test.after.always(async () => {
  await browser?.close();
  await isolated?.close();
  await plain?.close();
});

// Runs in the page: starts the Worker engine, multiplies, compares with a
// plain-JS product, and checks the typed shape error crosses the Worker.
async function matmulInWorker(options = {}) {
  const { createEngine, ShapeError } = await import('/dist/browser/index.js');
  const engine = await createEngine(options);
  const [m, k, n] = [65, 70, 33];
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.7));
  const c = await engine.data(await engine.matmul(await engine.tensor(a, [m, k]), await engine.tensor(b, [k, n])));
  let err = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      err = Math.max(err, Math.abs(s - c[i * n + j]));
    }
  let shapeError = null;
  try {
    await engine.matmul(await engine.tensor(a, [m, k]), await engine.tensor(a, [m, k]));
  } catch (e) {
    shapeError = { isShapeError: e instanceof ShapeError, message: e.message };
  }
  const sum = await engine.data(await engine.add(await engine.tensor([1, 2]), await engine.tensor([3, 4])));
  const info = await engine.backendInfo();
  engine.terminate();
  return { info, err, shapeError, sum: Array.from(sum), isolated: self.crossOriginIsolated };
}

test.serial('cross-origin isolated page: the Worker engine runs threads+relaxed SIMD on 2+ workers', async (t) => {
  const { page, errors } = await openPage(browser, `${isolated.url}tests/browser/blank.html`);
  const r = await page.evaluate(matmulInWorker);
  t.true(r.isolated);
  // Chromium has WebAssembly relaxed SIMD: the fused multiply-add build is picked.
  t.is(r.info.build, 'threads-relaxed');
  t.true(r.info.relaxedSimd);
  t.is(r.info.reason, 'SIMD + relaxed SIMD + shared memory available');
  t.is(r.info.environment, 'browser-worker');
  t.true(r.info.poolSize >= 2, `pool size ${r.info.poolSize}`);
  t.true(r.err < 1e-3, `max abs error ${r.err}`);
  t.deepEqual(r.shapeError, { isShapeError: true, message: 'matmul: [65,70] x [65,70]: inner dimensions 70 and 65 differ' });
  t.deepEqual(r.sum, [4, 6]);
  t.deepEqual(errors, []);
});

test.serial('cross-origin isolated page: the plain threads build (no relaxed SIMD) still runs when forced', async (t) => {
  const { page, errors } = await openPage(browser, `${isolated.url}tests/browser/blank.html`);
  const r = await page.evaluate(matmulInWorker, { backend: 'threads' });
  t.is(r.info.build, 'threads');
  t.false(r.info.relaxedSimd);
  t.true(r.info.poolSize >= 2, `pool size ${r.info.poolSize}`);
  t.true(r.err < 1e-3, `max abs error ${r.err}`);
  t.deepEqual(r.sum, [4, 6]);
  t.deepEqual(errors, []);
});

test.serial('page without COOP/COEP: the single-thread SIMD build is chosen and correct', async (t) => {
  const { page, errors } = await openPage(browser, `${plain.url}tests/browser/blank.html`);
  const r = await page.evaluate(matmulInWorker);
  t.false(r.isolated);
  t.is(r.info.build, 'simd-relaxed');
  t.is(r.info.poolSize, 1);
  t.is(r.info.reason, 'page is not cross-origin isolated');
  t.true(r.err < 1e-3, `max abs error ${r.err}`);
  t.deepEqual(r.sum, [4, 6]);
  t.deepEqual(errors, []);
});

test.serial('main thread of an isolated page: the sync API runs SIMD (threads would block the page)', async (t) => {
  const { page, errors } = await openPage(browser, `${isolated.url}tests/browser/blank.html`);
  const r = await page.evaluate(async () => {
    const sinew = await import('/dist/index.js');
    const info = await sinew.init();
    const c = sinew.matmul(sinew.tensor([[1, 2], [3, 4]]), sinew.tensor([[5, 6], [7, 8]]));
    let forced = null;
    try {
      await sinew.init({ backend: 'threads' });
    } catch (e) {
      forced = e.name;
    }
    return { info, c: c.arraySync(), forced };
  });
  t.is(r.info.build, 'simd-relaxed');
  t.is(r.info.environment, 'browser-main');
  t.deepEqual(r.c, [[19, 22], [43, 50]]);
  t.is(r.forced, 'UnsupportedError');
  t.deepEqual(errors, []);
});

test.serial('the engine Worker failing mid-run: the pending call and every later one reject with EngineCrashedError', async (t) => {
  const { page } = await openPage(browser, `${plain.url}tests/browser/blank.html`);
  const r = await page.evaluate(async () => {
    const { createEngine, EngineCrashedError } = await import('/dist/browser/index.js');
    const engine = await createEngine();
    const outcome = await Promise.race([
      engine.run('/tests/browser/worker-dies.mjs', 'train').then(() => 'resolved', (e) => ({ crashed: e instanceof EngineCrashedError, message: e.message })),
      new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000)),
    ]);
    const later = await engine.backendInfo().then(() => 'answered', (e) => e instanceof EngineCrashedError);
    return { outcome, later };
  });
  t.true(r.outcome.crashed, JSON.stringify(r.outcome));
  t.regex(r.outcome.message, /the engine Worker failed: .*worker died mid-training/);
  t.true(r.later);
});

// The page's own Worker objects (recorded by an init script), so a test can
// terminate the engine Worker behind RemoteEngine's back, as the browser does
// when it kills one.
function recordWorkers() {
  const Native = globalThis.Worker;
  globalThis.__workers = [];
  globalThis.Worker = class extends Native {
    constructor(...a) {
      super(...a);
      globalThis.__workers.push(this);
    }
  };
}

// Runs in the page: starts an engine, makes `kill(engine)` end its Worker
// while a call is pending, and reports how the pending and a later call end.
async function pendingCallWhenWorkerEnds(how) {
  const { createEngine, EngineCrashedError } = await import('/dist/browser/index.js');
  const engine = await createEngine();
  const pending = engine.run('/tests/browser/worker-closes.mjs', how === 'close' ? 'train' : 'waitForever');
  // The engine Worker is the page's only Worker (its pool workers are the engine Worker's own).
  if (how === 'terminate') setTimeout(() => globalThis.__workers[0].terminate(), 50);
  const outcome = await Promise.race([
    pending.then(() => 'resolved', (e) => ({ name: e.name, crashed: e instanceof EngineCrashedError, message: e.message })),
    new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000)),
  ]);
  const later = await Promise.race([
    engine.backendInfo().then(() => 'answered', (e) => e.name),
    new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5_000)),
  ]);
  return { outcome, later };
}

for (const [how, what] of [['close', 'closes itself (no error event)'], ['terminate', 'is terminated from outside (as the browser kills one)']]) {
  test.serial(`the engine Worker ${what} mid-call: the pending call and every later one reject with EngineCrashedError`, async (t) => {
    const page = await browser.newPage();
    await page.addInitScript(recordWorkers);
    await page.goto(`${isolated.url}tests/browser/blank.html`);
    const r = await page.evaluate(pendingCallWhenWorkerEnds, how);
    t.true(r.outcome.crashed, JSON.stringify(r.outcome));
    t.regex(r.outcome.message, /the engine Worker stopped without an error/);
    t.is(r.later, 'EngineCrashedError');
    await page.close();
  });
}
