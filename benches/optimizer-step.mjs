#!/usr/bin/env node
// One optimizer step alone (`optimizer.applyGradients`, one engine call for
// all the tensors) on the MLP 784-256-128-10's weights (235,146 values), the
// threads build with 1 and 2 threads interleaved in one process: Adam without
// clipping (the usual case), Adam with clipvalue (every gradient goes through
// the clamp) and plain SGD. Prints ms per step and ns per value, median
// (min–max) over --rounds rounds of --steps steps.
//
// With --cold, an untimed pass over 16 MB (a 2048² element-wise product)
// runs before every step, so the step reads its 6.6 MB (parameters,
// gradients, two slots; and writes three) from memory, as in training,
// where a step's products evict them, rather than from cache.
//
//   node benches/optimizer-step.mjs [--rounds 9] [--steps 200] [--cold]
import * as s from '../dist/index.js';
import { fmtSpread, summarize } from './lib/stats.mjs';
import { table } from './lib/timing.mjs';

const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const ROUNDS = arg('--rounds', 9), STEPS = arg('--steps', 200);
const COLD = process.argv.includes('--cold');
const info = await s.init({ backend: 'threads' });
const shapes = [[784, 256], [256], [256, 128], [128], [128, 10], [10]];
const values = shapes.reduce((n, sh) => n + sh.reduce((a, b) => a * b, 1), 0);
const vars = shapes.map((sh, i) => s.variable(s.randomNormal(sh, 0, 0.05, 'float32', i + 1)));
const grads = shapes.map((sh, i) => s.randomNormal(sh, 0, 0.01, 'float32', i + 11));
const rules = {
  'Adam': new s.optimizers.Adam({ learningRate: 1e-3 }),
  'Adam, clipvalue 1': new s.optimizers.Adam({ learningRate: 1e-3, clipvalue: 1 }),
  'SGD': new s.optimizers.SGD({ learningRate: 1e-3 }),
};
const evict = COLD ? s.randomNormal([2048, 2048], 0, 1, 'float32', 99) : null;
const threads = [1, Math.min(2, info.poolSize)];
const ms = new Map();
const step = (opt) => {
  let ms = 0;
  for (let i = 0; i < STEPS; i++) {
    if (evict) s.tidy(() => void s.mul(evict, 1.0001));
    const t0 = performance.now();
    opt.applyGradients(vars, grads);
    ms += performance.now() - t0;
  }
  return ms / STEPS;
};
for (const opt of Object.values(rules)) for (const t of threads) (s.setNumThreads(t), step(opt)); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, opt] of Object.entries(rules)) {
    for (const t of r % 2 ? [...threads].reverse() : threads) {
      s.setNumThreads(t);
      const key = `${name} ×${t}`;
      ms.set(key, [...(ms.get(key) ?? []), step(opt)]);
    }
  }
}
console.log(`${info.build} build, ${values.toLocaleString('en-US')} values (MLP 784-256-128-10), ${ROUNDS} interleaved rounds × ${STEPS} steps${COLD ? ', caches flushed before each step' : ''}`);
console.log(
  table(
    ['optimizer ×threads', 'ms/step', 'ns/value'],
    [...ms].map(([k, v]) => [k, fmtSpread(summarize(v), { digits: 3 }), (summarize(v).median * 1e6 / values).toFixed(2)]),
  ),
);
process.exit(0);
