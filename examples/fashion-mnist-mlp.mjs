#!/usr/bin/env node
// Fashion-MNIST (Debian's dataset-fashion-mnist) with an MLP 784-256-128-10:
// relu, softmax, Adam 1e-3, batch 128. Prints test accuracy after each epoch.
//
//   node examples/fashion-mnist-mlp.mjs [--epochs 15]
import { fileURLToPath } from 'node:url';
import * as sinew from '../dist/index.js';

export function buildMlp(seed = 1) {
  const init = (s) => sinew.initializers.glorotUniform(seed + s);
  return sinew.sequential({
    layers: [
      sinew.layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: init(0) }),
      sinew.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(1) }),
      sinew.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
}

/** Loads Fashion-MNIST into engine tensors: images [n, 784] in [0, 1], labels int32 [n]. */
export async function loadTensors(shape = [784]) {
  const ds = await sinew.data.loadFashionMnist();
  const t = (part) => ({
    x: sinew.tensor(part.images, [part.labels.length, ...shape]),
    y: sinew.tensor(part.labels, [part.labels.length], 'int32'),
  });
  return { train: t(ds.train), test: t(ds.test), classNames: ds.classNames };
}

/** Trains and returns test accuracy per epoch and training samples/s. */
export async function trainMlp({ epochs = 15, verbose = 1, seed = 1, onEpoch } = {}) {
  const { train, test } = await loadTensors();
  const model = buildMlp(seed);
  model.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const testAcc = [];
  // Samples actually trained, not epochs × N: training may stop early
  // (model.stopTraining, EarlyStopping), and the rate must not count epochs that never ran.
  let trainMs = 0, t0 = 0, trained = 0;
  await model.fit(train.x, train.y, {
    epochs, batchSize: 128, verbose, seed,
    callbacks: {
      onEpochBegin: () => { t0 = performance.now(); },
      onBatchEnd: (_batch, logs) => { trained += logs.size; },
      onEpochEnd: (epoch) => {
        trainMs += performance.now() - t0;
        const { acc } = model.evaluateLogs(test.x, test.y);
        testAcc.push(acc);
        onEpoch?.(epoch, acc, model);
      },
    },
  });
  const samplesPerSec = trained / (trainMs / 1000);
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
  return { model, testAcc, samplesPerSec };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const epochs = process.argv.includes('--epochs') ? Number(process.argv[process.argv.indexOf('--epochs') + 1]) : 15;
  const info = await sinew.init();
  console.log(`Sinew ${info.build} build, ${info.threads} thread(s)`);
  const { model, testAcc, samplesPerSec } = await trainMlp({ epochs, onEpoch: (e, acc) => console.log(`  test accuracy after epoch ${e + 1}: ${(100 * acc).toFixed(2)} %`) });
  console.log(`best test accuracy ${(100 * Math.max(...testAcc)).toFixed(2)} %, ${Math.round(samplesPerSec).toLocaleString('en-US')} training samples/s`);
  model.dispose();
}
