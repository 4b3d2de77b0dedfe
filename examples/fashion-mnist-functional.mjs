#!/usr/bin/env node
// The functional API on Fashion-MNIST: two inputs (the top and bottom halves
// of each image), a shared-width branch per half, a residual block, and two
// outputs — the 10 classes, and whether the item is worn on the upper body
// (T-shirt, pullover, dress, coat, shirt) — trained together with weighted
// losses. Prints the summary, then test accuracy of both outputs.
//
//   node examples/fashion-mnist-functional.mjs [--epochs 3] [--train 12000]
import { fileURLToPath } from 'node:url';
import * as sinew from '../dist/index.js';

const { layers } = sinew;
const UPPER_BODY = new Set([0, 2, 3, 4, 6]);

/** Two inputs [392] (rows 0-13 and 14-27), residual MLP, outputs `class` (softmax 10) and `upper` (sigmoid 1). */
export function buildModel(seed = 1) {
  const init = (s) => sinew.initializers.glorotUniform(seed + s);
  const top = sinew.input({ shape: [392], name: 'top' });
  const bottom = sinew.input({ shape: [392], name: 'bottom' });
  const ht = layers.dense({ units: 128, activation: 'relu', name: 'top_features', kernelInitializer: init(0) }).apply(top);
  const hb = layers.dense({ units: 128, activation: 'relu', name: 'bottom_features', kernelInitializer: init(1) }).apply(bottom);
  const h = layers.concatenate({ name: 'both' }).apply([ht, hb]);
  const block = layers.dense({ units: 256, activation: 'relu', name: 'block', kernelInitializer: init(2) }).apply(h);
  const res = layers.add({ name: 'residual' }).apply([h, block]);
  const cls = layers.dense({ units: 10, activation: 'softmax', name: 'class', kernelInitializer: init(3) }).apply(res);
  const upper = layers.dense({ units: 1, activation: 'sigmoid', name: 'upper', kernelInitializer: init(4) }).apply(res);
  return sinew.model({ inputs: [top, bottom], outputs: [cls, upper], name: 'halves' });
}

/** `count` images split into halves, with both targets. */
function tensors(part, count) {
  const n = Math.min(count, part.labels.length);
  const top = new Float32Array(n * 392), bottom = new Float32Array(n * 392), upper = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    top.set(part.images.subarray(i * 784, i * 784 + 392), i * 392);
    bottom.set(part.images.subarray(i * 784 + 392, (i + 1) * 784), i * 392);
    upper[i] = UPPER_BODY.has(part.labels[i]) ? 1 : 0;
  }
  return {
    x: { top: sinew.tensor(top, [n, 392]), bottom: sinew.tensor(bottom, [n, 392]) },
    y: { class: sinew.tensor(part.labels.subarray(0, n), [n], 'int32'), upper: sinew.tensor(upper, [n, 1]) },
  };
}

const dispose = (d) => [...Object.values(d.x), ...Object.values(d.y)].forEach((t) => t.dispose());

/** Trains on the first `trainSize` images; returns test accuracy of both outputs after each epoch. */
export async function trainHalves({ epochs = 3, trainSize = 12000, verbose = 1, seed = 1, onEpoch } = {}) {
  const ds = await sinew.data.loadFashionMnist();
  const train = tensors(ds.train, trainSize), test = tensors(ds.test, 10000);
  const model = buildModel(seed);
  model.compile({
    optimizer: new sinew.optimizers.Adam({ learningRate: 1e-3 }),
    loss: { class: 'sparseCategoricalCrossentropy', upper: 'binaryCrossentropy' },
    lossWeights: { class: 1, upper: 0.5 },
    metrics: ['accuracy'],
  });
  const history = [];
  await model.fit(train.x, train.y, {
    epochs, batchSize: 64, verbose, seed,
    callbacks: {
      onEpochEnd: (epoch) => {
        const r = model.evaluateLogs(test.x, test.y);
        history.push({ classAcc: r.class_acc, upperAcc: r.upper_acc });
        onEpoch?.(epoch, r, model);
      },
    },
  });
  dispose(train);
  dispose(test);
  return { model, history };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
  const info = await sinew.init();
  console.log(`Sinew ${info.build} build, ${info.threads} thread(s)`);
  const shown = buildModel();
  shown.summary();
  shown.dispose();
  const { model, history } = await trainHalves({
    epochs: arg('--epochs', 3), trainSize: arg('--train', 12000),
    onEpoch: (e, r) => console.log(`  epoch ${e + 1}: test accuracy ${(100 * r.class_acc).toFixed(2)} % (10 classes), ${(100 * r.upper_acc).toFixed(2)} % (upper body or not)`),
  });
  const last = history.at(-1);
  console.log(`final test accuracy: ${(100 * last.classAcc).toFixed(2)} % classes, ${(100 * last.upperAcc).toFixed(2)} % upper body`);
  model.dispose();
}
