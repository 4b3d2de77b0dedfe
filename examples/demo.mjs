#!/usr/bin/env node
// The main demo (`npm run demo`): trains a LeNet-style CNN on Fashion-MNIST
// (Debian's dataset-fashion-mnist, read offline) with the progress bar, then
// prints test accuracy, a confusion matrix and training speed, saves the
// model (TensorFlow.js layers format) and writes a loss/accuracy chart.
//
//   npm run demo                 # 3 epochs
//   node examples/demo.mjs --epochs 10 --out demo-output
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as sinew from '../dist/index.js';
import { lineChart } from '../benches/lib/svg.mjs';
import { trainCnn } from './fashion-mnist-cnn.mjs';

const arg = (name, d) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : d);
const epochs = Number(arg('--epochs', 3));
const out = resolve(arg('--out', 'demo-output'));

const info = await sinew.init();
console.log(`Sinew ${info.version} — ${info.build} build (${info.simd ? 'SIMD128' : 'no SIMD'}), ${info.threads} thread(s): ${info.reason}`);
console.log(`Training a CNN on Fashion-MNIST (60,000 training / 10,000 test images) for ${epochs} epoch(s)\n`);

const r = await trainCnn({ epochs, onEpoch: (e, acc) => console.log(`  test accuracy after epoch ${e + 1}: ${(100 * acc).toFixed(2)} %`) });
r.model.summary();

// Confusion matrix on the test set: rows = true class, columns = predicted.
const predicted = sinew.tidy(() => sinew.argMax(r.model.predict(r.test.x), -1).dataSync());
const truth = r.test.y.dataSync();
const k = r.classNames.length;
const cm = Array.from({ length: k }, () => new Array(k).fill(0));
for (let i = 0; i < truth.length; i++) cm[truth[i]][predicted[i]]++;
const correct = cm.reduce((s, row, i) => s + row[i], 0);
const short = r.classNames.map((c) => c.slice(0, 7));
console.log(`\nConfusion matrix (rows: true class, columns: predicted)`);
console.log(`${''.padEnd(12)}${short.map((c) => c.padStart(8)).join('')}`);
cm.forEach((row, i) => console.log(`${r.classNames[i].padEnd(12)}${row.map((v) => String(v).padStart(8)).join('')}`));

const acc = correct / truth.length;
console.log(`\nTest accuracy: ${(100 * acc).toFixed(2)} %   Training speed: ${Math.round(r.samplesPerSec).toLocaleString('en-US')} samples/s`);

await mkdir(out, { recursive: true });
await r.model.save(`${out}/model`);
const epochsAxis = r.testAcc.map((_, i) => i + 1);
await writeFile(
  `${out}/training.svg`,
  lineChart({
    title: 'Fashion-MNIST CNN: loss and accuracy per epoch',
    xLabel: 'epoch',
    series: [
      { name: 'train loss', points: epochsAxis.map((e, i) => [e, r.trainLoss[i]]) },
      { name: 'train accuracy', points: epochsAxis.map((e, i) => [e, r.trainAcc[i]]) },
      { name: 'test accuracy', points: epochsAxis.map((e, i) => [e, r.testAcc[i]]) },
    ],
  }),
);
console.log(`Saved the model to ${out}/model (model.json + weights.bin) and the chart to ${out}/training.svg`);
