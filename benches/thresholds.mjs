#!/usr/bin/env node
// Where a second thread starts to pay, per kernel family: 1 thread vs the
// whole pool around each kernel's "stay on one thread below this" threshold
// (elementwise.rs PAR_MIN_ELEMS, reduce.rs FLAT_PAR_MIN_ELEMS, gemm.rs PAR_MIN_FLOPS).
// Interleaved repetitions (order alternating), median of the per-repetition
// ratio 1-thread time ÷ N-thread time; a ratio > 1 means the split pays.
// Only meaningful with idle cores: the 1-min load average is printed, and on
// a machine busier than its core count the N-thread side is starved.
//
//   node benches/thresholds.mjs [--reps 9]
//
// The sizes just below a threshold run single-threaded whatever the setting
// (ratio ≈ 1 by construction); the question each table answers is whether the
// first sizes at or above it already gain.
import os from 'node:os';
import * as sinew from '../dist/index.js';
import { table } from './lib/timing.mjs';

const args = process.argv.slice(2);
const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 9;
const info = await sinew.init({ backend: 'threads' });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fill = (n, s) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37 + s) * 0.5;
  return a;
};

/** ms per call of `fn` (enough calls for ~3 ms). */
function msPerCall(fn) {
  let calls = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    const ms = performance.now() - t0;
    if (ms >= 3 || calls >= 1 << 16) return ms / calls;
    calls *= 4;
  }
}

function ratioRow(label, fn) {
  const one = [], all = [], ratio = [];
  sinew.setNumThreads(1);
  fn();
  sinew.setNumThreads(0);
  fn();
  for (let r = 0; r < reps; r++) {
    const pair = {};
    for (const t of r % 2 ? [0, 1] : [1, 0]) {
      sinew.setNumThreads(t);
      pair[t] = msPerCall(fn);
    }
    one.push(pair[1]);
    all.push(pair[0]);
    ratio.push(pair[1] / pair[0]);
  }
  sinew.setNumThreads(0);
  return [label, (1000 * median(one)).toFixed(1), (1000 * median(all)).toFixed(1), `${median(ratio).toFixed(2)}x`, `${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)}`];
}

const load0 = os.loadavg()[0];
const head = ['size', 'µs 1 thread', `µs ${info.poolSize} threads`, 'ratio median', 'min–max'];
const elems = [1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 18, 1 << 20];
const sections = [];

const binary = elems.map((n) => {
  const a = sinew.tensor(fill(n, 1), [n]), b = sinew.tensor(fill(n, 2), [n]);
  return ratioRow(`${n}`, () => sinew.add(a, b).dispose());
});
sections.push(['element-wise add (elementwise.rs PAR_MIN_ELEMS = 65536 output elements)', binary]);
const unary = elems.map((n) => {
  const a = sinew.tensor(fill(n, 1), [n]);
  return ratioRow(`${n}`, () => sinew.exp(a).dispose());
});
sections.push(['element-wise exp (same threshold)', unary]);
const reduce = [...elems, 1 << 21, 1 << 22].map((n) => {
  const a = sinew.tensor(fill(n, 1), [n]);
  return ratioRow(`${n}`, () => sinew.sum(a).dispose());
});
sections.push(['sum of all elements (reduce.rs FLAT_PAR_MIN_ELEMS = 2097152 input elements)', reduce]);
const gemm = [[64, 64, 64], [96, 96, 96], [100, 100, 100], [128, 128, 128], [160, 160, 160], [128, 256, 32]].map(([m, k, n]) => {
  const a = sinew.tensor(fill(m * k, 1), [m, k]), b = sinew.tensor(fill(k * n, 2), [k, n]);
  return ratioRow(`${m}×${k}·${k}×${n} (${((2 * m * n * k) / 1e6).toFixed(2)} MFLOP)`, () => sinew.matmul(a, b).dispose());
});
sections.push(['matmul (gemm.rs PAR_MIN_FLOPS = 2 MFLOP)', gemm]);

console.log(`1 thread vs a pool of ${info.poolSize}, ${reps} interleaved repetitions; ${os.cpus().length} hardware threads; 1-min load average ${load0.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end.`);
for (const [title, rows] of sections) console.log(`\n${title}\n${table(head, rows)}`);
process.exit(0); // the pool's workers keep the process alive
