// What fit's per-step gradient check (a step with a NaN/Inf gradient is not
// applied) costs next to the step itself: MLP 784-256-128-10, batch 128,
// threads build. Medians of 7 rounds (40 steps; 200 checks each).
//   node benches/gradient-check.mjs
import * as sinew from '../dist/index.js';
await sinew.init({ backend: 'threads' });
const m = sinew.sequential({ layers: [sinew.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }), sinew.layers.dense({ units: 128, activation: 'relu' }), sinew.layers.dense({ units: 10, activation: 'softmax' })] });
m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
const n = 128 * 40;
const x = sinew.randomUniform([n, 784], 0, 1, 'float32', 1);
const y = sinew.oneHot(sinew.tensor(Int32Array.from({ length: n }, (_, i) => i % 10), [n], 'int32'), 10);
const { call } = await import('../dist/engine/backend.js');
const ids = Uint32Array.from(m.trainableWeights.map((w) => w.id));
const med = (a) => a.sort((p, q) => p - q)[a.length >> 1];
const steps = [], checks = [];
for (let r = 0; r < 7; r++) {
  let t0 = performance.now();
  await m.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 });
  steps.push((performance.now() - t0) / 40);
  t0 = performance.now();
  for (let i = 0; i < 200; i++) call((g) => g.tensors_all_finite(ids));
  checks.push((performance.now() - t0) / 200);
}
console.log(`step ms median ${med(steps).toFixed(3)} (min ${Math.min(...steps).toFixed(3)} max ${Math.max(...steps).toFixed(3)}); gradient check ms median ${med(checks).toFixed(4)} (min ${Math.min(...checks).toFixed(4)} max ${Math.max(...checks).toFixed(4)}) on ${sinew.backendInfo().threads} threads`);
