#!/usr/bin/env node
// The 2-2-1 network that guesses gender from weight and height (shifted by
// 135 lb and 66 in), trained with MSE and per-sample SGD at 0.1 for 1000 epochs.
//
//   node examples/gender.mjs
import { fileURLToPath } from 'node:url';
import * as sinew from '../dist/index.js';

export const PEOPLE = [
  ['Alice', [-2, -1], 1],
  ['Bob', [25, 6], 0],
  ['Charlie', [17, 4], 0],
  ['Diana', [-15, -6], 1],
];

export async function trainGenderNet({ epochs = 1000, seed = 7 } = {}) {
  const model = sinew.sequential({
    layers: [
      sinew.layers.dense({ units: 2, activation: 'sigmoid', inputShape: [2], kernelInitializer: sinew.initializers.randomNormal({ mean: 0, stddev: 1, seed: seed }), biasInitializer: sinew.initializers.randomNormal({ mean: 0, stddev: 1, seed: seed + 1 }) }),
      sinew.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: sinew.initializers.randomNormal({ mean: 0, stddev: 1, seed: seed + 2 }), biasInitializer: sinew.initializers.randomNormal({ mean: 0, stddev: 1, seed: seed + 3 }) }),
    ],
  });
  model.compile({ optimizer: new sinew.optimizers.SGD({ learningRate: 0.1 }), loss: 'meanSquaredError' });
  const x = sinew.tensor(PEOPLE.map((p) => p[1]));
  const y = sinew.tensor(PEOPLE.map((p) => [p[2]]));
  const history = await model.fit(x, y, { epochs, batchSize: 1, shuffle: false, verbose: 0 });
  x.dispose();
  y.dispose();
  return { model, history };
}

export function score(model, person) {
  return sinew.tidy(() => model.predict(sinew.tensor([person])).dataSync()[0]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await sinew.init();
  const { model, history } = await trainGenderNet();
  const loss = history.history.loss;
  for (const e of [0, 99, 499, 999]) console.log(`epoch ${e + 1}: loss ${loss[e].toFixed(4)}`);
  console.log(`Emily (-7, -3): ${score(model, [-7, -3]).toFixed(3)}  (1 = female)`);
  console.log(`Frank (20, 2):  ${score(model, [20, 2]).toFixed(3)}`);
}
