#!/usr/bin/env node
// One-thread GEMM efficiency with ratios a busy machine cannot skew much:
// the register-only SIMD mul+add loop (the peak), GEMM's micro-kernel alone
// on L1-resident panels, Sinew's matmul (threads build, 1 thread) and
// TF.js-wasm's all run in ONE process, in interleaved rounds (each round
// times every one of them, in an order that alternates), so a slow minute
// lands on all. Every repetition is timed twice: by the wall clock and by
// this process's CPU time (process.cpuUsage), which leaves out the time the
// process waited for a core while neighbours ran (it still includes what
// they cost it in caches). Products follow the bench's read-back rule
// (`c = matmul(a, b); c.dataSync(); c.dispose()`, as in kernels-contender);
// Sinew is also timed without the read-back, to show what the copy into
// JavaScript costs.
//
//   node benches/gemm-efficiency.mjs [--rounds 15] [--sizes 256,512,1024] [--no-tfjs]
import { loadavg } from 'node:os';
import * as sinew from '../dist/index.js';
import { fill } from './lib/kernel-workloads.mjs';
import { fmtSpread, median, quantile, summarize } from './lib/stats.mjs';
import { loadTfjsNode } from './lib/tfjs-peer.mjs';
import { table } from './lib/timing.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const rounds = Number(opt('--rounds', 15));
const sizes = opt('--sizes', '256,512,1024').split(',').map(Number);

await sinew.init({ backend: 'threads' });
sinew.setNumThreads(1);
const glue = await import('../dist/wasm/threads/sinew_wasm.js');
const tf = args.includes('--no-tfjs') ? null : (await loadTfjsNode('wasm')).tf;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Workloads: name, flops per call, the call. */
const PEAK_ITERS = 5_000_000, L1_TILES = 5_000;
const work = [
  { name: 'peak loop', flops: glue.bench_simd_peak_flops(PEAK_ITERS), run: () => glue.bench_simd_peak(PEAK_ITERS) },
  { name: 'micro-kernel, L1', flops: glue.bench_gemm_l1_kernel_flops(L1_TILES), run: () => glue.bench_gemm_l1_kernel(L1_TILES) },
];
for (const n of sizes) {
  const a = sinew.tensor(fill(n * n, 1), [n, n]), b = sinew.tensor(fill(n * n, 2), [n, n]);
  const flops = 2 * n ** 3;
  work.push({ name: `Sinew×1 ${n}²`, size: n, flops, run: () => { const c = sinew.matmul(a, b); c.dataSync(); c.dispose(); } });
  work.push({ name: `Sinew×1 ${n}², no read-back`, size: n, flops, run: () => sinew.matmul(a, b).dispose() });
  if (tf) {
    const ta = tf.tensor(fill(n * n, 1), [n, n]), tb = tf.tensor(fill(n * n, 2), [n, n]);
    work.push({ name: `TF.js-wasm×1 ${n}²`, size: n, flops, tfjs: true, run: () => { const c = tf.matMul(ta, tb); c.dataSync(); c.dispose(); } });
  }
}
for (const w of work) {
  // Warm-up (V8 tier-up), then enough repetitions per round for ~100 ms.
  const t0 = performance.now();
  for (let i = 0; i < 3 || performance.now() - t0 < 150; i++) w.run();
  const ms = (performance.now() - t0) / 3;
  w.reps = Math.max(2, Math.min(30, Math.round(100 / Math.max(ms, 0.01))));
  w.cpu = [];
  w.wall = [];
}
const load0 = loadavg()[0];
for (let r = 0; r < rounds; r++) {
  for (const w of r % 2 ? [...work].reverse() : work) {
    for (let i = 0; i < w.reps; i++) {
      const c0 = cpuMs(), t0 = performance.now();
      w.run();
      const t1 = performance.now(), c1 = cpuMs();
      w.wall.push(w.flops / ((t1 - t0) * 1e6));
      w.cpu.push(w.flops / (Math.max(c1 - c0, 1e-3) * 1e6));
    }
  }
}

// Neighbours only ever slow a repetition down, so beside the medians the
// upper quartiles (q3) are compared too: closer to what a quiet machine gives.
const q3 = (xs) => quantile(xs, 0.75);
const rel = (w, clock, stat, ref) => stat(w[clock]) / stat(ref[clock]);
const pct = (w, clock, stat) => `${Math.round(100 * rel(w, clock, stat, work[0]))} %`;
const tfOf = (w) => work.find((x) => x.tfjs && x.size === w.size);
const vsTf = (w, clock, stat) => (tfOf(w) && !w.tfjs ? `${rel(w, clock, stat, tfOf(w)).toFixed(2)}×` : '–');
console.log(`GEMM on one thread, ${rounds} interleaved rounds in one process; load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end.`);
console.log('GFLOPS median (q1–q3). "% of peak" and "÷ TF.js-wasm×1" divide medians (and, after the slash, upper quartiles) taken with the same clock.\n');
console.log(
  table(
    ['workload', 'GFLOPS, CPU time', '% of peak', '÷ TF.js-wasm×1', 'GFLOPS, wall', '% of peak', '÷ TF.js-wasm×1'],
    work.map((w) => [
      w.name,
      ...['cpu', 'wall'].flatMap((clock) => [
        fmtSpread(summarize(w[clock]), { iqr: true }),
        `${pct(w, clock, median)} / ${pct(w, clock, q3)}`,
        tfOf(w) && !w.tfjs ? `${vsTf(w, clock, median)} / ${vsTf(w, clock, q3)}` : '–',
      ]),
    ]),
  ),
);
process.exit(0); // the Sinew thread pool keeps handles open
