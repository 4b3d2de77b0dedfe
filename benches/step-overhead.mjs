#!/usr/bin/env node
// The engine thread's fixed costs around the kernels of a training step,
// which no second thread can share:
// - one Adam step on 6 tiny variables (the optimizer call itself: handles,
//   hyperparameters, one engine call), 1 thread;
// - one `model.fit` step of a tiny 16-16-16-10 MLP at batch 4 (JS glue and
//   every engine call of a step, kernels nearly free), 1 thread;
// - fit's check of its whole input for NaN/infinity (once per `fit` call),
//   over 2,048×784 and 60,000×784 values, 1 thread and the whole pool.
// Prints the median (min–max) of 9 timed runs after a warm-up.
//
//   node benches/step-overhead.mjs
import * as s from '../dist/index.js';
import { countNonFinite } from '../dist/ops/nn.js';
import { fmtSpread, summarize } from './lib/stats.mjs';

const info = await s.init({ backend: 'threads' });
const fmt = (xs, unit) => `${fmtSpread(summarize(xs), { digits: 2 })} ${unit}`;

/** µs per call of `f` (sync or async), 9 runs of `calls` calls after `calls` warm-up calls. */
async function perCall(f, calls) {
  for (let i = 0; i < calls; i++) await f();
  const runs = [];
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await f();
    runs.push(((performance.now() - t0) / calls) * 1000);
  }
  return runs;
}

console.log(`${info.build} build, pool of ${info.poolSize}; median (min–max) of 9 runs`);
s.setNumThreads(1);

const vars = Array.from({ length: 6 }, (_, i) => s.variable(s.tensor(new Float32Array(16).fill(i), [16])));
const grads = vars.map(() => s.tensor(new Float32Array(16).fill(0.01), [16]));
const adam = new s.optimizers.Adam({ learningRate: 1e-3 });
console.log(`  Adam applyGradients, 6 × 16 values, 1 thread      ${fmt(await perCall(() => adam.applyGradients(vars, grads), 5000), 'µs')}`);

const L = s.layers;
const model = s.sequential({ layers: [L.dense({ units: 16, activation: 'relu', inputShape: [16] }), L.dense({ units: 16, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' })] });
model.compile({ optimizer: new s.optimizers.Adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
const steps = 64, batch = 4;
const x = s.tensor(new Float32Array(steps * batch * 16).map((_, i) => (i % 97) / 97), [steps * batch, 16]);
const y = s.tensor(new Int32Array(steps * batch).map((_, i) => i % 10), [steps * batch], 'int32');
const epoch = () => model.fit(x, y, { epochs: 1, batchSize: batch, shuffle: false, verbose: 0, yieldEvery: Infinity });
const fitRuns = (await perCall(epoch, 40)).map((us) => us / steps);
console.log(`  fit step, MLP 16-16-16-10, batch 4, 1 thread       ${fmt(fitRuns, 'µs')}`);

for (const rows of [2048, 60000]) {
  const big = s.tensor(new Float32Array(rows * 784).map((_, i) => (i % 255) / 255), [rows, 784]);
  for (const t of [1, 0]) {
    s.setNumThreads(t);
    const ms = (await perCall(() => countNonFinite(big), rows > 10000 ? 2 : 50)).map((us) => us / 1000);
    console.log(`  fit's input check, ${rows}×784 values, ${t === 1 ? 1 : info.poolSize} thread(s)`.padEnd(52) + fmt(ms, 'ms'));
  }
  big.dispose();
}
process.exit(0);
