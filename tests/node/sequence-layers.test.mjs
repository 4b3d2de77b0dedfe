// Embedding, Conv1D, 1-D / global pooling, LayerNormalization, the
// activation layers and TimeDistributed against TensorFlow.js layers 4.22
// (CPU): the same weights give the same outputs (tolerance 1e-5, float32 on
// both sides, only summation order differs); Embedding + Conv1D and
// LayerNormalization models trained 10 Adam steps from the same weights agree
// per weight element within 1e-4 (as keras-peer.test.mjs does for Dense);
// masks from `maskZero` reach global pooling; models move both ways in the
// TF.js layers format.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sinew from '../../dist/index.js';
import { randomMatrix, worstElementError as worst } from './_reference.mjs';
import { readSaved, writeTfArtifacts } from './_tfjs-io.mjs';
import { FWD_TOL, TRAIN_TOL, ids, sameForward, samePredictions, trainBoth } from './_layer-peer.mjs';

const { layers } = sinew;
let dir;

test.before(async () => {
  await sinew.init();
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'sinew-sequence-layers-'));
});
test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const FORWARD = [
  ['embedding 20→4 on [3,7] ids', () => tfl.layers.embedding({ inputDim: 20, outputDim: 4 }), () => layers.embedding({ inputDim: 20, outputDim: 4 }), [3, 7], { intIds: 20 }],
  ['embedding on float ids (cast as TF.js does)', () => tfl.layers.embedding({ inputDim: 9, outputDim: 3 }), () => layers.embedding({ inputDim: 9, outputDim: 3 }), [2, 5], { intIds: 9, floatIds: true }],
];
for (const padding of ['valid', 'same']) {
  for (const [strides, dilationRate] of [[1, 1], [2, 1], [3, 1], [1, 2], [1, 3]]) {
    FORWARD.push([`conv1d 4@3 ${padding} strides ${strides} dilation ${dilationRate} relu on [2,11,3]`,
      () => tfl.layers.conv1d({ filters: 4, kernelSize: 3, padding, strides, dilationRate, activation: 'relu' }),
      () => layers.conv1d({ filters: 4, kernelSize: 3, padding, strides, dilationRate, activation: 'relu' }), [2, 11, 3]]);
  }
}
FORWARD.push(
  ['conv1d 5@2 no bias, elu (unfused activation) on [2,6,2]', () => tfl.layers.conv1d({ filters: 5, kernelSize: 2, useBias: false, activation: 'elu' }), () => layers.conv1d({ filters: 5, kernelSize: 2, useBias: false, activation: 'elu' }), [2, 6, 2]],
  ['maxPooling1d 3/2 same', () => tfl.layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }), () => layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }), [2, 9, 3]],
  ['maxPooling1d default (2) valid', () => tfl.layers.maxPooling1d({}), () => layers.maxPooling1d(), [2, 9, 3]],
  ['averagePooling1d 3/1 valid', () => tfl.layers.averagePooling1d({ poolSize: 3, strides: 1 }), () => layers.averagePooling1d({ poolSize: 3, strides: 1 }), [2, 7, 2]],
  ['averagePooling1d 2 same', () => tfl.layers.averagePooling1d({ poolSize: 2, padding: 'same' }), () => layers.averagePooling1d({ poolSize: 2, padding: 'same' }), [2, 7, 2]],
  ['globalAveragePooling1d', () => tfl.layers.globalAveragePooling1d(), () => layers.globalAveragePooling1d(), [3, 5, 4]],
  ['globalMaxPooling1d', () => tfl.layers.globalMaxPooling1d(), () => layers.globalMaxPooling1d(), [3, 5, 4]],
  ['globalAveragePooling2d', () => tfl.layers.globalAveragePooling2d({}), () => layers.globalAveragePooling2d(), [2, 3, 4, 5]],
  ['globalMaxPooling2d', () => tfl.layers.globalMaxPooling2d({}), () => layers.globalMaxPooling2d(), [2, 3, 4, 5]],
  ['layerNormalization on [4,6]', () => tfl.layers.layerNormalization({}), () => layers.layerNormalization(), [4, 6]],
  ['layerNormalization on [2,3,5], epsilon 0.1, no center', () => tfl.layers.layerNormalization({ epsilon: 0.1, center: false }), () => layers.layerNormalization({ epsilon: 0.1, center: false }), [2, 3, 5]],
  ['reLU maxValue 0.5', () => tfl.layers.reLU({ maxValue: 0.5 }), () => layers.reLU({ maxValue: 0.5 }), [3, 6]],
  ['reLU', () => tfl.layers.reLU(), () => layers.reLU(), [3, 6]],
  ['leakyReLU default alpha', () => tfl.layers.leakyReLU(), () => layers.leakyReLU(), [3, 6]],
  ['leakyReLU alpha 0.1', () => tfl.layers.leakyReLU({ alpha: 0.1 }), () => layers.leakyReLU({ alpha: 0.1 }), [3, 6]],
  ['softmax', () => tfl.layers.softmax(), () => layers.softmax(), [3, 6]],
  ['prelu', () => tfl.layers.prelu(), () => layers.prelu(), [3, 6]],
  ['prelu sharedAxes [1] on [2,4,3]', () => tfl.layers.prelu({ sharedAxes: [1] }), () => layers.prelu({ sharedAxes: [1] }), [2, 4, 3]],
  ['timeDistributed(dense 5 tanh) on [2,4,3]', () => tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 5, activation: 'tanh' }) }), () => layers.timeDistributed({ layer: layers.dense({ units: 5, activation: 'tanh' }) }), [2, 4, 3]],
);
for (const [name, makeTf, makeSinew, shape, opts] of FORWARD) {
  test.serial(`${name}: same output as TF.js layers within ${FWD_TOL}`, (t) => {
    const e = sameForward(t, makeTf, makeSinew, shape, opts);
    if (process.env.SINEW_PEER_VERBOSE) t.log(`worst ${e.toExponential(2)}`);
  });
}

// TF.js 4.22 implements neither causal conv1d nor softmax over a non-last axis (nor gradients of dilated
// convolutions, so the training comparison uses dilation 1; dilation's gradient is checked in _gradcheck.mjs): they are checked against
// their definitions computed by TF.js (a 'valid' conv1d of the left-padded input; softmax of the transposed input).
for (const [strides, dilationRate] of [[1, 1], [2, 1], [1, 2], [1, 3]]) {
  test.serial(`conv1d causal strides ${strides} dilation ${dilationRate}: TF.js's 'valid' conv1d of the input left-padded by ${2 * dilationRate}`, (t) => {
    const shape = [2, 9, 3];
    const data = randomMatrix(1, 54, 17);
    const sl = layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', strides, dilationRate });
    const sx = sinew.tensor(data, shape);
    const got = sl.apply(sx);
    const [w, b] = sl.weights.map((v) => tf.tensor(v.dataSync(), [...v.shape]));
    const tx = tf.pad(tf.tensor(data, shape), [[0, 0], [2 * dilationRate, 0], [0, 0]]);
    const ref = tf.add(tf.conv1d(tx, w, strides, 'valid', 'NWC', dilationRate), b);
    t.deepEqual([...got.shape], ref.shape);
    const e = worst(got.dataSync(), ref.dataSync());
    t.true(e <= FWD_TOL, `worst ${e}`);
    tf.dispose([w, b, tx, ref]);
    got.dispose(); sx.dispose(); sl.dispose();
  });
}

test.serial('softmax layer over axis 1 of [2,4,3]: TF.js softmax of the input with axes 1 and 2 swapped', (t) => {
  const data = randomMatrix(1, 24, 19);
  const got = sinew.tidy(() => layers.softmax({ axis: 1 }).apply(sinew.tensor(data, [2, 4, 3])).dataSync());
  const refT = tf.tidy(() => tf.transpose(tf.softmax(tf.transpose(tf.tensor(data, [2, 4, 3]), [0, 2, 1])), [0, 2, 1]));
  const ref = refT.dataSync();
  refT.dispose();
  t.true(worst(got, ref) <= FWD_TOL);
});

test.serial('bad arguments throw typed errors naming the layer and the value', (t) => {
  const bad = [
    [() => layers.embedding({ inputDim: 0, outputDim: 3 }), /inputDim must be a positive integer, got 0/],
    [() => layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 }), /dilationRate 2 needs strides 1, got 2/],
    [() => layers.conv1d({ filters: 2, kernelSize: 3, padding: 'full' }), /padding must be 'same', 'valid' or 'causal', got 'full'/],
    [() => layers.maxPooling1d({ poolSize: 0 }), /poolSize must be a positive integer, got 0/],
    [() => layers.reLU({ negativeSlope: 0.1 }), /only negativeSlope 0 and threshold 0/],
    [() => layers.layerNormalization({ axis: 1 }), /only axis -1/],
  ];
  for (const [f, message] of bad) t.throws(f, { instanceOf: sinew.InvalidArgumentError, message });
  const before = sinew.memory().numTensors;
  sinew.tidy(() => {
    const e = layers.embedding({ inputDim: 5, outputDim: 2 });
    t.throws(() => e.apply(sinew.tensor([[1, 5]], [1, 2], 'int32')), { instanceOf: sinew.InvalidArgumentError, message: /index 5 is out of range/ });
    t.throws(() => e.apply(sinew.tensor([[1, 2.5]])), { instanceOf: sinew.InvalidArgumentError, message: /token ids must be integers/ });
    t.throws(() => layers.conv1d({ filters: 2, kernelSize: 3 }).apply(sinew.zeros([2, 5])), { instanceOf: sinew.ShapeError, message: /rank 3/ });
    t.throws(() => layers.timeDistributed({ layer: layers.dense({ units: 2 }) }).apply(sinew.zeros([2, 5])), { instanceOf: sinew.ShapeError, message: /rank ≥ 3/ });
    e.dispose();
  });
  // the engine is still usable
  t.deepEqual(Array.from(sinew.tidy(() => layers.globalMaxPooling1d().apply(sinew.tensor([[[1], [3], [2]]])).dataSync())), [3]);
  t.true(sinew.memory().numTensors - before <= 1);
});

test.serial('maskZero: padded steps are skipped by global average and max pooling (checked against plain JS)', (t) => {
  // Rows of ids with padding (0) at different places; embedding values chosen so the padding row would change the answers.
  const seqs = [[3, 1, 0, 0], [0, 0, 2, 2], [4, 4, 4, 4], [0, 0, 0, 0]];
  const table = [[9, 9], [1, -2], [0.5, 3], [-1, 0.25], [2, 2]];
  const x = sinew.input({ shape: [4], dtype: 'int32' });
  const emb = layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true });
  const h = emb.apply(x);
  const m = sinew.model({ inputs: x, outputs: [layers.globalAveragePooling1d().apply(h), layers.globalMaxPooling1d().apply(layers.dense({ units: 2, kernelInitializer: 'ones', useBias: false }).apply(h))] });
  const tt = sinew.tensor(table);
  emb.embeddings.assign(tt);
  tt.dispose();
  const xs = sinew.tensor(seqs, [4, 4], 'int32');
  const [avg, mx] = m.predict(xs);
  const expectAvg = [], expectMax = [];
  for (const s of seqs) {
    const real = s.filter((i) => i !== 0).map((i) => table[i]);
    expectAvg.push(...(real.length ? [0, 1].map((c) => real.reduce((a, r) => a + r[c], 0) / real.length) : [0, 0]));
    // dense with an all-ones kernel: both outputs are the row sum
    const sums = real.map((r) => r[0] + r[1]);
    expectMax.push(...(real.length ? [Math.max(...sums), Math.max(...sums)] : [0, 0]));
  }
  t.true(worst(avg.dataSync(), expectAvg) < 1e-6, `avg ${Array.from(avg.dataSync())} vs ${expectAvg}`);
  t.true(worst(mx.dataSync(), expectMax) < 1e-6, `max ${Array.from(mx.dataSync())} vs ${expectMax}`);
  // without maskZero the padding row (9, 9) takes part
  const plain = sinew.tidy(() => layers.globalAveragePooling1d().apply(emb.apply(xs)).dataSync());
  t.true(Math.abs(plain[0] - (table[3][0] + table[1][0] + 9 + 9) / 4) < 1e-6);
  for (const v of [avg, mx, xs]) v.dispose();
  m.dispose();
});

test.serial(`embedding → conv1d (same) → maxPooling1d → conv1d (valid) → globalMaxPooling1d → dense sigmoid: 10 Adam steps match TF.js within ${TRAIN_TOL}`, async (t) => {
  const n = 80, L = 12;
  const x = ids([n, L], 30, 41, 0);
  // label: does token 7 or 8 appear
  const y = Float32Array.from({ length: n }, (_, i) => (x.slice(i * L, (i + 1) * L).some((v) => v === 7 || v === 8) ? 1 : 0));
  await trainBoth(t, {
    tfLayers: () => [
      tfl.layers.embedding({ inputDim: 30, outputDim: 8, inputLength: L }),
      tfl.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.maxPooling1d({ poolSize: 2 }),
      tfl.layers.conv1d({ filters: 5, kernelSize: 2, padding: 'valid', activation: 'tanh' }),
      tfl.layers.globalMaxPooling1d(),
      tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
    sinewLayers: () => [
      layers.embedding({ inputDim: 30, outputDim: 8, inputLength: L }),
      layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.maxPooling1d({ poolSize: 2 }),
      layers.conv1d({ filters: 5, kernelSize: 2, padding: 'valid', activation: 'tanh' }),
      layers.globalMaxPooling1d(),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
    x, y, inShape: [L], loss: 'binaryCrossentropy', xInt: true,
  });
});

test.serial(`dense → layerNormalization → prelu → dense softmax: 10 Adam steps match TF.js within ${TRAIN_TOL}`, async (t) => {
  const n = 80;
  const x = randomMatrix(n, 6, 43);
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) y[i * 3 + (x[i * 6] > 0.3 ? 0 : x[i * 6 + 1] > 0 ? 1 : 2)] = 1;
  await trainBoth(t, {
    tfLayers: () => [tfl.layers.dense({ units: 8, inputShape: [6] }), tfl.layers.layerNormalization(), tfl.layers.prelu(), tfl.layers.dense({ units: 3, activation: 'softmax' })],
    sinewLayers: () => [layers.dense({ units: 8, inputShape: [6] }), layers.layerNormalization(), layers.prelu(), layers.dense({ units: 3, activation: 'softmax' })],
    x, y, inShape: [6], loss: 'categoricalCrossentropy',
  });
});

// ---------- the TF.js layers format, both ways ----------

function tfTextModel() {
  return tfl.sequential({ layers: [
    tfl.layers.embedding({ inputDim: 25, outputDim: 6, inputLength: 10 }),
    tfl.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'relu' }),
    tfl.layers.averagePooling1d({ poolSize: 2 }),
    tfl.layers.layerNormalization({ epsilon: 0.01 }),
    tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 5 }) }),
    tfl.layers.leakyReLU({ alpha: 0.2 }),
    tfl.layers.prelu({ sharedAxes: [1] }),
    tfl.layers.reLU({ maxValue: 6 }),
    tfl.layers.globalAveragePooling1d(),
    tfl.layers.dense({ units: 3 }),
    tfl.layers.softmax(),
  ] });
}

function randomize(tm) {
  tm.setWeights(tm.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.5, 0.5, 'float32', 80 + i)));
}

test.serial('a text model saved by TF.js layers 4.22 (embedding, dilated conv1d, pooling, layerNormalization, timeDistributed, activation layers) loads in Sinew and predicts the same', async (t) => {
  const tm = tfTextModel();
  randomize(tm);
  const path = join(dir, 'tfjs-text');
  const artifacts = await writeTfArtifacts(tm, path);
  t.regex(artifacts.generatedBy, /tfjs-layers v4\.22/);
  const sm = await sinew.loadLayersModel(pathToFileURL(path).href);
  samePredictions(t, sm, tm, ids([5, 10], 25, 47), [5, 10]);
  tm.dispose();
  sm.dispose();
});

test.serial('the same model saved by Sinew loads in TF.js layers and predicts the same; Sinew reloads it bit-identically', async (t) => {
  const tm = tfTextModel();
  randomize(tm);
  const p1 = join(dir, 'via-tfjs');
  await writeTfArtifacts(tm, p1);
  const sm = await sinew.loadLayersModel(pathToFileURL(p1).href);
  const p2 = join(dir, 'sinew-text');
  await sm.save(p2);
  const { json, weightData } = await readSaved(p2);
  const back = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
  samePredictions(t, sm, back, ids([5, 10], 25, 47), [5, 10]);
  const again = await sinew.loadLayersModel(pathToFileURL(p2).href);
  const x = sinew.tensor(ids([3, 10], 25, 49), [3, 10]);
  t.deepEqual(Array.from(again.predict(x).dataSync()), Array.from(sm.predict(x).dataSync()));
  x.dispose();
  for (const m of [tm, back]) m.dispose();
  sm.dispose(); again.dispose();
});
