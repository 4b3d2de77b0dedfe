#!/usr/bin/env node
// Regression of y = x² − 0.5 from noisy points with a Keras-style model:
// Sequential([Dense(10, relu), Dense(1)]), MSE. Writes an SVG of data and fit.
//
//   node examples/regression.mjs [out.svg]
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as sinew from '../dist/index.js';
import { lineChart } from '../benches/lib/svg.mjs';

export async function fitParabola({ epochs = 500, seed = 3 } = {}) {
  const n = 300;
  const x = sinew.tidy(() => sinew.reshape(sinew.linspace(-1, 1, n), [n, 1]));
  const y = sinew.tidy(() => sinew.add(sinew.sub(sinew.square(x), 0.5), sinew.randomNormal([n, 1], 0, 0.05, 'float32', seed)));
  const model = sinew.sequential({
    layers: [
      sinew.layers.dense({ units: 10, activation: 'relu', inputShape: [1], kernelInitializer: sinew.initializers.heNormal(seed) }),
      sinew.layers.dense({ units: 1, kernelInitializer: sinew.initializers.glorotUniform(seed + 1) }),
    ],
  });
  model.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 0.02 }), loss: 'meanSquaredError' });
  const history = await model.fit(x, y, { epochs, batchSize: 32, verbose: 0, seed });
  const pred = model.predict(x);
  const result = { x: Array.from(x.dataSync()), y: Array.from(y.dataSync()), fit: Array.from(pred.dataSync()), loss: history.history.loss };
  for (const t of [x, y, pred]) t.dispose();
  model.dispose();
  return result;
}

export function plot({ x, y, fit }) {
  return lineChart({
    title: 'y = x² − 0.5: noisy data and the fitted network',
    xLabel: 'x',
    series: [
      { name: 'data', points: x.map((v, i) => [v, y[i]]), dots: true, color: '#999' },
      { name: 'network', points: x.map((v, i) => [v, fit[i]]), color: '#1b6ca8' },
      { name: 'x² − 0.5', points: x.map((v) => [v, v * v - 0.5]), color: '#e07a5f' },
    ],
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await sinew.init();
  const r = await fitParabola();
  const out = process.argv[2] ?? 'regression.svg';
  await writeFile(out, plot(r));
  console.log(`final MSE ${r.loss.at(-1).toFixed(5)} (noise variance 0.0025); wrote ${out}`);
}
