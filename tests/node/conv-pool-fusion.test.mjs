// A Conv2D whose output only a pooling layer reads runs as one engine call
// (conv2dPool): fused into one pass at inference (no tape), the two ops under
// a tape. Checked against the layers applied one by one (bit for bit: the
// fused pass computes the same values), against TF.js 4.22 (CPU) predicting
// and training with the same weights, and on graphs where fusing would be
// wrong (the convolution's output read twice, or a model output).
import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sinew from '../../dist/index.js';
import { FWD_TOL, trainBoth } from './_layer-peer.mjs';
import { randomMatrix, worstElementError as worst } from './_reference.mjs';

const { layers } = sinew;

test.before(async () => {
  await sinew.init();
  await tf.setBackend('cpu');
});

/** Every pair: relu + max (VALID), linear + average (3×3 stride 2, SAME), tanh + max (overlapping, stride 1). */
const chain = (L, inputShape) => [
  L.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', inputShape }),
  L.maxPooling2d({ poolSize: 2 }),
  L.conv2d({ filters: 5, kernelSize: 3, padding: 'same' }),
  L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
  L.conv2d({ filters: 4, kernelSize: 2, padding: 'same', activation: 'tanh' }),
  L.maxPooling2d({ poolSize: 2, strides: 1 }),
  L.flatten({}),
  L.dense({ units: 3, activation: 'softmax' }),
];

/** Counts the fused calls a layer makes (`callThenPool` returning a tensor). */
function countFused(layer) {
  const orig = layer.callThenPool.bind(layer);
  const count = { n: 0 };
  layer.callThenPool = (...a) => {
    const y = orig(...a);
    if (y) count.n++;
    return y;
  };
  return count;
}

/** The model's layers applied one by one (no pair fused). */
function layerByLayer(m, x) {
  return sinew.tidy(() => Array.from(m.layers.reduce((h, l) => l.apply(h), x).dataSync()));
}

test.serial('conv → pool pairs: predict equals the layers applied one by one exactly, and TF.js within 1e-5', (t) => {
  const shape = [7, 17, 15, 2];
  const data = randomMatrix(shape[0], 17 * 15 * 2, 91);
  const tm = tfl.sequential({ layers: chain(tfl.layers, shape.slice(1)) });
  tm.setWeights(tm.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.5, 0.5, 'float32', 40 + i)));
  const sm = sinew.sequential({ layers: chain(layers, shape.slice(1)) });
  const ws = tm.getWeights().map((w) => sinew.tensor(w.dataSync(), w.shape));
  sm.setWeights(ws);
  for (const w of ws) w.dispose();
  const fused = [0, 2, 4].map((i) => countFused(sm.layers[i]));
  const x = sinew.tensor(data, shape);
  for (const batchSize of [7, 3]) {
    const got = sm.predict(x, { batchSize });
    t.deepEqual(Array.from(got.dataSync()), layerByLayer(sm, x), `batchSize ${batchSize}`);
    const ref = tm.predict(tf.tensor(data, shape));
    const e = worst(got.dataSync(), ref.dataSync());
    t.true(e <= FWD_TOL, `vs TF.js: worst ${e}`);
    tf.dispose(ref);
    got.dispose();
  }
  t.deepEqual(fused.map((c) => c.n), [4, 4, 4], 'each pair ran fused, once per batch (1 + 3 batches)');
  // At a size where the fused pass splits over threads (Fashion-MNIST shapes, batch 64).
  const big = sinew.sequential({ layers: [
    layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2 }),
  ] });
  const bx = sinew.tensor(randomMatrix(64, 784, 92), [64, 28, 28, 1]);
  const one = (() => { sinew.setNumThreads(1); try { return big.predict(bx); } finally { sinew.setNumThreads(0); } })();
  const all = big.predict(bx);
  t.deepEqual(Array.from(all.dataSync()), layerByLayer(big, bx));
  t.deepEqual(Array.from(all.dataSync()), Array.from(one.dataSync()), 'same on every thread count');
  for (const v of [one, all, bx, x]) v.dispose();
  big.dispose();
  sm.dispose();
  tm.dispose();
});

test.serial('conv → pool pairs train through the tape as the two ops: 10 Adam steps match TF.js within 1e-4', async (t) => {
  const n = 80;
  const x = randomMatrix(n, 12 * 12 * 2, 93);
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) y[i * 3 + (x[i * 288] > 0 ? (x[i * 288 + 1] > 0 ? 0 : 1) : 2)] = 1;
  const build = (L) => [
    L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 12, 2] }),
    L.maxPooling2d({ poolSize: 2 }),
    L.conv2d({ filters: 3, kernelSize: 3, padding: 'valid' }),
    L.averagePooling2d({ poolSize: 2 }),
    L.flatten({}),
    L.dense({ units: 3, activation: 'softmax' }),
  ];
  await trainBoth(t, { tfLayers: () => build(tfl.layers), sinewLayers: () => build(layers), x, y, inShape: [12, 12, 2], loss: 'categoricalCrossentropy' });
});

test.serial('a convolution read by a pooling layer and another layer, or that is a model output, is not fused and predicts right', (t) => {
  const inp = sinew.input({ shape: [10, 10, 1] });
  const [conv, pool, flat, conv2, pool2] = [
    layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.flatten({}),
    layers.conv2d({ filters: 2, kernelSize: 2 }),
    layers.averagePooling2d({ poolSize: 2 }),
  ];
  const [fusedConv, fusedConv2] = [countFused(conv), countFused(conv2)];
  const c = conv.apply(inp);
  const c2 = conv2.apply(pool.apply(c));
  const m = sinew.model({ inputs: inp, outputs: [flat.apply(c), c2, pool2.apply(c2)] });
  const x = sinew.tensor(randomMatrix(4, 100, 94), [4, 10, 10, 1]);
  const [a, b, d] = m.predict(x);
  const ref = sinew.tidy(() => {
    const cv = conv.apply(x);
    const c2v = conv2.apply(pool.apply(cv));
    return [flat.apply(cv), c2v, pool2.apply(c2v)].map((v) => Array.from(v.dataSync()));
  });
  t.deepEqual([a, b, d].map((v) => Array.from(v.dataSync())), ref);
  t.deepEqual(d.shape, [4, 1, 1, 2]);
  t.deepEqual([fusedConv.n, fusedConv2.n], [0, 0], 'neither convolution was fused');
  for (const v of [a, b, d, x]) v.dispose();
  m.dispose();
});
