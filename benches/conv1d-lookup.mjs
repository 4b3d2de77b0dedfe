#!/usr/bin/env node
// The text Conv1D's lookup kernels alone (Node, threads build): an
// Embedding's rows (table 1000×32, ids 64×100) into conv1d 64@5 with bias and
// ReLU, the forward and forward+gradient (table and filter), each timed with
// 1 and 2 kernel threads in interleaved rounds. Prints ms per call as median
// (min–max) and the pool's per-call counters at 2 threads (tasks, time
// working per thread), which show how evenly the work splits and how much
// more CPU the 2-thread run spends than the 1-thread one.
//
//   node benches/conv1d-lookup.mjs [--rounds 5] [--calls 200]
import * as sinew from '../dist/index.js';
import { fmtSpread, summarize } from './lib/stats.mjs';

const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const ROUNDS = arg('--rounds', 5), CALLS = arg('--calls', 200);

const info = await sinew.init();
if (info.threads < 2) throw new Error(`needs a pool of 2 threads, got ${info.threads} (${info.build})`);
const s = sinew;
const table = s.randomNormal([1000, 32], 0, 1, 'float32', 1);
const w = s.randomNormal([5, 32, 64], 0, 0.1, 'float32', 2);
const b = s.zeros([64]);
const ids = s.tensor(Int32Array.from({ length: 6400 }, (_, i) => (i * 7919) % 1000), [6400], 'int32');
// As the Embedding layer does: a gather of the flat ids, reshaped; the conv1d reads it as a lookup.
const rows = (t) => s.reshape(s.gather(t, ids), [64, 100, 32]);
const forward = () => s.tidy(() => void s.conv1d(rows(table), w, 1, 'valid', 1, b, 'relu'));
const gradients = s.grads((t, f) => s.sum(s.conv1d(rows(t), f, 1, 'valid', 1, b, 'relu')));
const both = () => s.tidy(() => void gradients([table, w]));

const times = {}, counters = {};
for (const [name, f] of [['forward', forward], ['forward + gradient', both]]) {
  for (let i = 0; i < 30; i++) f();
  for (let r = 0; r < ROUNDS; r++) {
    for (const threads of r % 2 ? [2, 1] : [1, 2]) {
      s.setNumThreads(threads);
      s.threadPoolStats({ reset: true, profile: threads > 1 });
      const t0 = performance.now();
      for (let i = 0; i < CALLS; i++) f();
      (times[`${name} ×${threads}`] ??= []).push((performance.now() - t0) / CALLS);
      if (threads > 1) (counters[name] ??= []).push(s.threadPoolStats().threads);
    }
  }
}
s.threadPoolStats({ profile: false });
console.log(`Conv1D lookup kernels (table 1000×32, ids 64×100, conv1d 64@5 + bias + ReLU), ${info.build} build, ${ROUNDS} rounds × ${CALLS} calls`);
for (const name of Object.keys(counters)) {
  const one = summarize(times[`${name} ×1`]), two = summarize(times[`${name} ×2`]);
  console.log(`  ${name}: ×1 ${fmtSpread(one, { digits: 3 })} ms, ×2 ${fmtSpread(two, { digits: 3 })} ms, ×2 ÷ ×1 speed-up ${(one.median / two.median).toFixed(2)}×`);
  const per = (k) => counters[name].map((run) => run.map((t) => t[k] / CALLS));
  const med = (k, i) => summarize(per(k).map((run) => run[i])).median;
  console.log(`    at ×2, per call: tasks ${[0, 1].map((i) => med('tasks', i).toFixed(0)).join(' + ')}, working ${[0, 1].map((i) => med('workMs', i).toFixed(3)).join(' + ')} ms (thread 0 = the engine's)`);
}
process.exit(0);
