#!/usr/bin/env node
// Training throughput of a MobileNet-style block (conv 3×3/2 → BN → ReLU6 →
// depthwise 3×3 → BN → ReLU6 → pointwise 1×1 → BN → ReLU6 → zeroPadding2d →
// depthwise 3×3/2 → BN → ReLU6 → separable 3×3 → global average pooling →
// dense softmax) on 32×32×3 images, batch 32, Adam: Sinew (Node, threads
// build) with 1 and 2 kernel threads, and TensorFlow.js 4.22 cpu and wasm
// (a contender that cannot train is reported with its error). Rounds
// interleaved; prints samples/s as median (min–max over rounds).
//
//   node benches/mobile-block.mjs [--rounds 3] [--steps 4]
import * as sinew from '../dist/index.js';
import { loadTfjsNode } from './lib/tfjs-peer.mjs';
import { fmtSpread, ratesFrom, summarize } from './lib/stats.mjs';

const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const ROUNDS = arg('--rounds', 3), STEPS = arg('--steps', 4), BATCH = 32, SIZE = 32, CLASSES = 10;
const n = BATCH * STEPS;

/** The block, built with a Keras-style `layers` namespace (Sinew's or TF.js's). */
function block(L) {
  return [
    L.conv2d({ filters: 16, kernelSize: 3, strides: 2, padding: 'same', useBias: false, inputShape: [SIZE, SIZE, 3] }),
    L.batchNormalization(), L.reLU({ maxValue: 6 }),
    L.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false }),
    L.batchNormalization(), L.reLU({ maxValue: 6 }),
    L.conv2d({ filters: 32, kernelSize: 1, useBias: false }),
    L.batchNormalization(), L.reLU({ maxValue: 6 }),
    L.zeroPadding2d({ padding: [[0, 1], [0, 1]] }),
    L.depthwiseConv2d({ kernelSize: 3, strides: 2, useBias: false }),
    L.batchNormalization(), L.reLU({ maxValue: 6 }),
    L.separableConv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu6' }),
    L.globalAveragePooling2d({}),
    L.dense({ units: CLASSES, activation: 'softmax' }),
  ];
}

// Synthetic data (the speed does not depend on the values): deterministic pixels, labels by index.
const pixels = Float32Array.from({ length: n * SIZE * SIZE * 3 }, (_, i) => Math.sin(i * 0.37));
const labels = new Float32Array(n * CLASSES);
for (let i = 0; i < n; i++) labels[i * CLASSES + (i % CLASSES)] = 1;

/** A contender: `setup()` → `epoch()` (one pass over the n samples) or throws. */
function sinewContender(threads) {
  let model, x, y;
  return {
    name: `Sinew ${threads === 1 ? '1 thread' : `${threads} threads`}`,
    async setup() {
      model = sinew.sequential({ layers: block(sinew.layers) });
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      x = sinew.tensor(pixels, [n, SIZE, SIZE, 3]);
      y = sinew.tensor(labels, [n, CLASSES]);
    },
    async epoch() {
      sinew.setNumThreads(threads);
      await model.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0, shuffle: false });
    },
  };
}

function tfjsContender(backend) {
  let tf, model, x, y;
  return {
    name: `TF.js ${backend}`,
    async setup() {
      const t = await loadTfjsNode(backend, { layers: true });
      tf = t.tf;
      model = t.layers.sequential({ layers: block(t.layers.layers) });
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      x = tf.tensor(pixels, [n, SIZE, SIZE, 3]);
      y = tf.tensor(labels, [n, CLASSES]);
    },
    async epoch() {
      await tf.setBackend(backend);
      await model.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0, shuffle: false });
    },
  };
}

const info = await sinew.init();
console.log(`MobileNet-style block, ${SIZE}×${SIZE}×3, batch ${BATCH}, ${STEPS} steps per round, ${ROUNDS} rounds; Sinew ${info.build} (pool of ${info.threads}); machine may be shared: see spreads`);
const contenders = [sinewContender(1), sinewContender(2), tfjsContender('cpu'), tfjsContender('wasm')];
const ms = new Map(), failed = new Map();
for (const c of contenders) {
  try {
    await c.setup();
    await c.epoch(); // warm-up (V8 tiers WASM up; TF.js compiles its kernels)
    ms.set(c, []);
  } catch (e) {
    failed.set(c, String(e.message ?? e).split('\n')[0]);
  }
}
for (let r = 0; r < ROUNDS; r++) {
  for (const c of contenders.filter((c) => ms.has(c))) {
    const t0 = performance.now();
    await c.epoch();
    ms.get(c).push(performance.now() - t0);
  }
}
const rates = new Map([...ms].map(([c, list]) => [c, summarize(ratesFrom(list, n * 1000))]));
for (const c of contenders) console.log(`${c.name}: ${failed.has(c) ? `fails: ${failed.get(c)}` : `${fmtSpread(rates.get(c))} samples/s`}`);
const [one, two, cpu] = contenders.map((c) => rates.get(c)?.median);
if (one && two) console.log(`Sinew 2 threads / Sinew 1 thread (ratio of medians): ${(two / one).toFixed(2)}`);
if (two && cpu) console.log(`Sinew 2 threads / TF.js cpu (1 thread) (ratio of medians): ${(two / cpu).toFixed(1)}`);
sinew.setNumThreads(0);
process.exit(0); // the Sinew thread pool keeps handles open
