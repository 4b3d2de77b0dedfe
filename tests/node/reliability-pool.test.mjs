// A thread-pool worker that dies (Node worker_threads: exits, fails, or is
// terminated) must not leave the engine waiting forever on its next parallel
// kernel: the pending call and every later one end in EngineCrashedError
// naming the worker, within a bounded time, and a new engine (a fresh worker
// thread) still starts and computes correctly in the same process. Before the
// supervisor, a worker killed mid-kernel left the engine's thread spinning in
// the kernel's join forever (these runs then hit the time limit).
// Each case runs in its own process (tests/node/_isolated.mjs), threads build.
import test from 'ava';
import { isolated } from './_isolated.mjs';

const poolUrl = new URL('../../dist/engine/pool.js', import.meta.url).href;
const distUrl = new URL('../../dist/index.js', import.meta.url).href;

/** Starts a second engine in a new worker thread of the same process; resolves to its pool size and a matmul result. */
const newEngine = `
  const { Worker } = await import('node:worker_threads');
  const fresh = await new Promise((resolve, reject) => {
    const w = new Worker(\`
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(distUrl)}).then(async (s) => {
        await s.init({ backend: 'threads', threads: 2 });
        const a = s.tensor([1, 2, 3, 4], [2, 2]);
        parentPort.postMessage({ pool: s.probeThreadPool(), product: [...s.matmul(a, a).dataSync()] });
        process.exit(0);
      }, (e) => parentPort.postMessage({ error: String(e) }));
    \`, { eval: true, execArgv: [] });
    w.once('message', resolve);
    w.once('error', reject);
  });
`;

test('a pool worker killed while kernels run: the pending call rejects with EngineCrashedError within seconds, later calls too; a new engine works', async (t) => {
  const r = await isolated(`
    const { terminatePoolWorker } = await import(${JSON.stringify(poolUrl)});
    const pool = sinew.probeThreadPool();
    const a = sinew.randomNormal([768, 768], 0, 1, 'float32', 1);
    const want = sinew.tidy(() => sinew.sum(sinew.matmul(a, a)).dataSync()[0]);
    terminatePoolWorker(0, 300);   // the supervisor's timer: fires while this thread is busy below
    const t0 = performance.now();
    let calls = 0, err = null, wrong = 0;
    try {
      while (performance.now() - t0 < 20000) {
        const got = sinew.tidy(() => sinew.sum(sinew.matmul(a, a)).dataSync()[0]);
        if (got !== want) wrong++;
        calls++;
      }
    } catch (e) {
      err = { name: e.name, message: e.message };
    }
    const ms = performance.now() - t0;
    let later = null;
    try { sinew.matmul(a, a); } catch (e) { later = { name: e.name, message: e.message }; }
    ${newEngine}
    return { pool, calls, wrong, ms, err, later, fresh };
  `, { timeoutMs: 60_000 });
  t.false(r.timedOut, `hung: ${r.stderr}`);
  const v = r.value;
  t.truthy(v, JSON.stringify(r));
  t.is(v.pool, 2, 'two threads took part before the kill');
  t.is(v.err?.name, 'EngineCrashedError', JSON.stringify(v.err));
  // Killed mid-kernel (the usual case: the kernel traps) or between two kernels (the next call sees the flag).
  t.regex(v.err.message, /^(thread-pool worker 1 of 1 stopped while a kernel ran: the engine cannot be used any more|the engine crashed earlier \(thread-pool worker 1 of 1 stopped)/);
  t.true(v.ms < 5000, `the error came ${v.ms.toFixed(0)} ms after the loop started (kill at 300 ms)`);
  t.true(v.calls >= 1, 'kernels ran before the kill');
  t.is(v.wrong, 0, 'every result before the kill was right');
  t.is(v.later?.name, 'EngineCrashedError');
  t.regex(v.later.message, /thread-pool worker 1 of 1 stopped/);
  t.deepEqual(v.fresh, { pool: 2, product: [7, 10, 15, 22] });
  t.log(`${v.calls} matmul 768² before the kill; error after ${v.ms.toFixed(0)} ms: ${v.err.message}`);
});

test('a pool worker that dies while the engine is idle: the next call is EngineCrashedError at once, not a wrong or partial result', async (t) => {
  const r = await isolated(`
    const { terminatePoolWorker } = await import(${JSON.stringify(poolUrl)});
    const a = sinew.randomNormal([256, 256], 0, 1, 'float32', 2);
    sinew.matmul(a, a).dispose();
    terminatePoolWorker(0);
    await new Promise((res) => setTimeout(res, 500));
    const t0 = performance.now();
    let err = null;
    try { sinew.matmul(a, a); } catch (e) { err = { name: e.name, message: e.message, isSinew: e instanceof sinew.SinewError }; }
    let info = null;
    try { sinew.backendInfo(); } catch (e) { info = e.name; }
    ${newEngine}
    return { err, ms: performance.now() - t0, info, fresh };
  `, { timeoutMs: 60_000 });
  t.false(r.timedOut, `hung: ${r.stderr}`);
  const v = r.value;
  t.truthy(v, JSON.stringify(r));
  t.deepEqual(v.err, { name: 'EngineCrashedError', message: 'the engine crashed earlier (thread-pool worker 1 of 1 stopped (exit code 1)) and cannot be used', isSinew: true });
  t.is(v.info, 'EngineCrashedError');
  t.deepEqual(v.fresh, { pool: 2, product: [7, 10, 15, 22] });
});
