#!/usr/bin/env node
// Fashion-MNIST with a LeNet-style CNN:
// conv 16@3×3 relu – maxpool 2 – conv 32@3×3 relu – maxpool 2 – dense 128 relu – dropout – dense 10 softmax.
//
//   node examples/fashion-mnist-cnn.mjs [--epochs 10]
import { fileURLToPath } from 'node:url';
import * as sinew from '../dist/index.js';
import { loadTensors } from './fashion-mnist-mlp.mjs';

export function buildCnn(seed = 1) {
  const init = (s) => sinew.initializers.heNormal(seed + s);
  return sinew.sequential({
    layers: [
      sinew.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: init(0) }),
      sinew.layers.maxPooling2d({ poolSize: 2 }),
      sinew.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      sinew.layers.maxPooling2d({ poolSize: 2 }),
      sinew.layers.flatten(),
      sinew.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init(2) }),
      sinew.layers.dropout({ rate: 0.25, seed }),
      sinew.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: sinew.initializers.glorotUniform(seed + 3) }),
    ],
  });
}

/** Trains; returns the model, test accuracy per epoch, samples/s and the loaded test tensors' predictions. */
export async function trainCnn({ epochs = 10, batchSize = 64, verbose = 1, seed = 1, onEpoch } = {}) {
  const { train, test, classNames } = await loadTensors([28, 28, 1]);
  const model = buildCnn(seed);
  model.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const testAcc = [], trainLoss = [], trainAcc = [];
  // Samples actually trained, not epochs × N: training may stop early
  // (model.stopTraining, EarlyStopping), and the rate must not count epochs that never ran.
  let trainMs = 0, t0 = 0, trained = 0;
  await model.fit(train.x, train.y, {
    epochs, batchSize, verbose, seed,
    callbacks: {
      onEpochBegin: () => { t0 = performance.now(); },
      onBatchEnd: (_batch, logs) => { trained += logs.size; },
      onEpochEnd: (epoch, logs) => {
        trainMs += performance.now() - t0;
        trainLoss.push(logs.loss);
        trainAcc.push(logs.acc);
        const { acc } = model.evaluateLogs(test.x, test.y);
        testAcc.push(acc);
        onEpoch?.(epoch, acc, model);
      },
    },
  });
  const samplesPerSec = trained / (trainMs / 1000);
  train.x.dispose();
  train.y.dispose();
  return { model, test, classNames, testAcc, trainLoss, trainAcc, samplesPerSec };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const epochs = process.argv.includes('--epochs') ? Number(process.argv[process.argv.indexOf('--epochs') + 1]) : 10;
  const info = await sinew.init();
  console.log(`Sinew ${info.build} build, ${info.threads} thread(s)`);
  const r = await trainCnn({ epochs, onEpoch: (e, acc) => console.log(`  test accuracy after epoch ${e + 1}: ${(100 * acc).toFixed(2)} %`) });
  console.log(`best test accuracy ${(100 * Math.max(...r.testAcc)).toFixed(2)} %, ${Math.round(r.samplesPerSec).toLocaleString('en-US')} training samples/s`);
}
