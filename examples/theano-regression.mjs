#!/usr/bin/env node
// Regression of y = x² − 0.5 with a hand-written layer class built only from
// Sinew ops (as in the classic Theano tutorial): two layers 1→10 (relu) → 1,
// mean squared error, plain gradient descent, full batch.
//
//   node examples/theano-regression.mjs [--steps 1000] [--seed 1]
import { fileURLToPath } from 'node:url';
import * as sinew from '../dist/index.js';

/** A fully connected layer: W ~ N(0, 1) of shape [in, out], b = 0.1. */
export class Layer {
  constructor(inSize, outSize, activation, seed) {
    this.W = sinew.variable(sinew.randomNormal([inSize, outSize], 0, 1, 'float32', seed));
    this.b = sinew.variable(sinew.fill([outSize], 0.1));
    this.activation = activation;
  }
  apply(x) {
    const z = sinew.add(sinew.matmul(x, this.W), this.b);
    return this.activation ? this.activation(z) : z;
  }
  get params() {
    return [this.W, this.b];
  }
}

/** Noisy samples of y = x² − 0.5 on x ∈ [−1, 1], with seeded noise N(0, 0.05). */
export function makeData(n = 300, seed = 1) {
  return sinew.tidy(() => {
    const x = sinew.reshape(sinew.linspace(-1, 1, n), [n, 1]);
    const noise = sinew.randomNormal([n, 1], 0, 0.05, 'float32', seed);
    const y = sinew.add(sinew.sub(sinew.square(x), 0.5), noise);
    return { x, y };
  });
}

/** Trains and returns the cost after every step. */
export function train({ steps = 1000, lr = 0.05, seed = 1 } = {}) {
  const { x, y } = makeData(300, seed);
  const l1 = new Layer(1, 10, sinew.relu, seed + 1);
  const l2 = new Layer(10, 1, null, seed + 2);
  const params = [...l1.params, ...l2.params];
  const costs = [];
  for (let step = 0; step < steps; step++) {
    sinew.tidy(() => {
      const { value, grads } = sinew.variableGrads(() => sinew.mean(sinew.square(sinew.sub(l2.apply(l1.apply(x)), y))), params);
      for (const p of params) p.assign(sinew.sub(p, sinew.mul(grads[p.name], lr)));
      costs.push(value.dataSync()[0]);
    });
  }
  const fit = sinew.tidy(() => l2.apply(l1.apply(x)));
  const result = { costs, x: x.dataSync(), y: y.dataSync(), fit: fit.dataSync() };
  for (const t of [x, y, fit, ...params]) t.dispose();
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, d) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : d);
  await sinew.init();
  const { costs } = train({ steps: arg('--steps', 1000), seed: arg('--seed', 1) });
  for (const s of [0, 10, 100, 500, costs.length - 1]) if (s < costs.length) console.log(`step ${String(s + 1).padStart(4)}: cost ${costs[s].toFixed(5)}`);
}
