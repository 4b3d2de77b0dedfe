#!/usr/bin/env node
// Thread scaling of the threads+SIMD build, measured in one run:
// - matmul n×n and model.fit (issue 10's MLP and CNN, issue 12's text models) with 1 thread vs the
//   whole pool, interleaved repetitions, medians and spread of the ratio;
// - the pool's per-thread counters (tasks per kernel call, wake-ups and parks
//   per step, time working / spinning / parked) for each workload;
// - the same counters with pools of 3 and 4 threads (child processes), to
//   show the scheme does not depend on there being two threads;
// - Chromium (cross-origin isolated page, engine in a Worker).
// Writes benches/results/matmul-threads-<date>.json (a run with --sizes, --no-*
// or a --reps other than 7 writes matmul-threads-<date>-partial.json instead,
// so a probe never overwrites the day's full run).
//
//   node benches/matmul-threads.mjs [--reps 7] [--sizes 32,64,...] [--no-fit] [--no-browser] [--no-pools]
//   node benches/matmul-threads.mjs --pool 4     # one pool size only (what the parent runs)
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as sinew from '../dist/index.js';
import { ForeignCpu } from './lib/host-load.mjs';
import { FIT_WORKLOADS, fitStepMs, matmulMs, profile } from './lib/threads-probe.mjs';
import { table } from './lib/timing.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const reps = Number(opt('--reps', 7));
const sizes = opt('--sizes', '32,64,128,256,512,1024').split(',').map(Number);
const poolOnly = args.includes('--pool') ? Number(opt('--pool')) : null;
const withFit = !args.includes('--no-fit');
const withBrowser = !args.includes('--no-browser') && poolOnly === null;
const withPools = !args.includes('--no-pools') && poolOnly === null;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => os.loadavg()[0].toFixed(1);

/**
 * Ratios 1-thread ÷ N-thread over `reps` interleaved repetitions (the order
 * alternates, so drift in machine load hits both sides alike). In Node, also
 * the share of the cores other processes used during the N-thread runs
 * (`otherCpu`): a ratio measured while a neighbour held a core is the
 * neighbour's, not the pool's. (In Chromium the engine runs in other
 * processes, so this process cannot tell its CPU from a neighbour's.)
 */
async function ratios(host, workloads, time, n, warmMs) {
  const rows = [];
  // Warm-up: 1 and N threads alternately for at least `warmMs` per workload.
  // V8 optimizes the training loop's JavaScript on background threads for
  // thousands of steps (see PROFILES in lib/train-contenders.mjs), and that
  // work competes with an N-thread run for the cores, not with a 1-thread one.
  for (const w of workloads) {
    const t0 = performance.now();
    do {
      await time(w, 1);
      await time(w, n);
    } while (performance.now() - t0 < warmMs);
  }
  const samples = new Map(workloads.map((w) => [w, { one: [], all: [], foreign: new ForeignCpu() }]));
  for (let r = 0; r < reps; r++) {
    for (const w of workloads) {
      const s = samples.get(w);
      for (const t of r % 2 ? [n, 1] : [1, n]) {
        if (t === 1) s.one.push(await time(w, t));
        else s.all.push(await s.foreign.measure(() => time(w, t)));
      }
    }
  }
  for (const w of workloads) {
    const { one, all, foreign } = samples.get(w);
    const ratio = one.map((x, i) => x / all[i]);
    const otherCpu = host === 'node' ? foreign.share(os.availableParallelism()) : null;
    rows.push({ host, workload: w, threads: n, ms1: median(one), msN: median(all), ratio: median(ratio), ratioMin: Math.min(...ratio), ratioMax: Math.max(...ratio), otherCpu });
  }
  return rows;
}

const ratioTable = (rows) =>
  table(
    ['host', 'workload', 'ms 1 thread', 'ms N threads', 'N', 'ratio median', 'ratio min–max', 'other processes (N-thread runs)'],
    rows.map((r) => [
      r.host,
      r.workload,
      r.ms1.toFixed(3),
      r.msN.toFixed(3),
      r.threads,
      `${r.ratio.toFixed(2)}x`,
      `${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)}`,
      r.otherCpu !== null ? `${Math.round(r.otherCpu * 100)} % of the cores` : r.host === 'node' ? 'unknown (timed too briefly)' : '–',
    ]),
  );

/** Per-thread breakdown of one profiled run, per step (training step or matmul call). */
function statsTable(label, { steps, stats }) {
  const caller = stats.threads[0];
  const per = (x) => (x / steps).toFixed(2);
  const lines = [
    `${label}: ${steps} steps, ${per(caller.jobs)} parallel kernel calls/step, ${per(caller.wakes)} wake-ups/step, ` +
      `${per(caller.withdrawn)} posts withdrawn/step, ${stats.inline} nested loops run inline`,
    table(
      ['thread', 'tasks/call', 'calls joined', 'parks/step', 'work ms/step', 'spin ms/step', 'parked ms/step', 'join-wait ms/step'],
      stats.threads.map((t, i) => [
        i === 0 ? 'engine' : `worker ${i}`,
        (t.tasks / Math.max(1, caller.jobs)).toFixed(2),
        t.jobs,
        per(t.parks),
        per(t.workMs),
        per(t.spinMs),
        per(t.parkMs),
        per(t.joinMs),
      ]),
    ),
  ];
  return lines.join('\n');
}

async function measureHere(host, run, n) {
  const out = { matmul: [], fit: [], profiles: [] };
  out.matmul = await ratios(host, sizes, (size, t) => run('matmulMs', size, t), n, 300);
  if (withFit) out.fit = await ratios(host, Object.keys(FIT_WORKLOADS), (w, t) => run('fitStepMs', w, t), n, 2000);
  for (const w of [...(withFit ? Object.keys(FIT_WORKLOADS) : []), 256]) {
    out.profiles.push({ host, workload: w, threads: n, ...(await run('profile', w, n)) });
  }
  return out;
}

const info = await sinew.init({ backend: 'threads', ...(poolOnly ? { threads: poolOnly } : {}) });
const nodeRun = (fn, ...a) => ({ matmulMs, fitStepMs, profile })[fn](sinew, ...a);
const startLoad = load();
const node = await measureHere('node', nodeRun, info.poolSize);

if (poolOnly !== null) {
  // Child of the main run: report to the parent as JSON.
  console.log(JSON.stringify({ pool: poolOnly, ...node }));
  process.exit(0);
}

const pools = [];
if (withPools) {
  const run = promisify(execFile);
  for (const n of [3, 4]) {
    const { stdout } = await run(process.execPath, [fileURLToPath(import.meta.url), '--pool', String(n), '--reps', String(Math.max(3, Math.ceil(reps / 2))), '--sizes', '256', ...(withFit ? [] : ['--no-fit'])], { maxBuffer: 1 << 24 });
    pools.push(JSON.parse(stdout.trim().split('\n').pop()));
  }
}

const browser = [];
if (withBrowser) {
  const { launchChromium } = await import('../tests/browser/_browser.mjs');
  const { startServer } = await import('../scripts/serve.mjs');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const server = await startServer({ root, isolated: true });
  const chromium = await launchChromium();
  try {
    const page = await chromium.newPage();
    await page.goto(`${server.url}tests/browser/blank.html`);
    await page.evaluate(async () => {
      const { createEngine } = await import('/dist/browser/index.js');
      window.engine = await createEngine({ backend: 'threads' });
    });
    const poolSize = await page.evaluate(() => window.engine.info.poolSize);
    const run = (fn, ...a) => page.evaluate(([fn, a]) => window.engine.run('/benches/lib/threads-probe.mjs', fn, ...a), [fn, a]);
    browser.push(await measureHere('chromium', run, poolSize));
  } finally {
    await chromium.close();
    await server.close();
  }
}

const endLoad = load();
console.log(`Sinew threads+SIMD build: 1 thread vs a pool of ${info.poolSize} (the engine's thread + ${info.poolSize - 1} workers),`);
console.log(`${reps} interleaved repetitions; ${os.availableParallelism()} hardware threads; 1-min load average ${startLoad} at start, ${endLoad} at end.`);
console.log('ratio = 1-thread time ÷ N-thread time, per repetition. "other processes": CPU the rest of the machine used during the');
console.log('N-thread runs (/proc/stat busy time minus this process\'s, steal included), as a share of all cores: above ~10 % the');
console.log('ratio measures the neighbours, not the pool.\n');
const all = [node, ...browser];
console.log(ratioTable(all.flatMap((h) => [...h.matmul, ...h.fit])));
for (const p of all.flatMap((h) => h.profiles)) console.log('\n' + statsTable(`${p.host} ${p.workload}, ${p.threads} threads`, p));
for (const p of pools) {
  console.log(`\n--- pool of ${p.pool} threads on ${os.availableParallelism()} hardware threads ---`);
  console.log(ratioTable([...p.matmul, ...p.fit]));
  for (const q of p.profiles) console.log('\n' + statsTable(`node ${q.workload}, ${q.threads} threads`, q));
}
const full = reps === 7 && !args.includes('--sizes') && withFit && withBrowser && withPools;
const out = new URL(`./results/matmul-threads-${new Date().toISOString().slice(0, 10)}${full ? '' : '-partial'}.json`, import.meta.url);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: os.availableParallelism(), load: { start: startLoad, end: endLoad }, reps, results: { node, browser, pools } }, null, 2));
console.log(`\nwrote ${fileURLToPath(out)}`);
