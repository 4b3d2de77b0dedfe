// A name Sinew shares with TensorFlow.js means what it means there: argument
// order, argument objects, return shapes — checked against TF.js itself where
// it computes a value — and TF.js options Sinew does not implement are
// rejected with an error naming them instead of being ignored.
import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as sinew from '../../dist/index.js';
import { randomMatrix } from './_reference.mjs';

const { layers, initializers, regularizers, losses } = sinew;

test.before(async () => {
  await sinew.init();
  await tf.setBackend('cpu');
});

const value = (t) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

// Logits and one-hot labels where the two argument orders give very different values.
const LOGITS = [[2, -1, 0.5], [0.1, 3, -2], [-1, -1, 4]];
const LABELS = [[0, 1, 0], [1, 0, 0], [0, 0, 1]];

test('losses.softmaxCrossEntropy(labels, logits): TF.js order and value, also with labelSmoothing; the op takes the same order', (t) => {
  for (const smoothing of [0, 0.2]) {
    const ref = value(tf.losses.softmaxCrossEntropy(tf.tensor2d(LABELS), tf.tensor2d(LOGITS), undefined, smoothing));
    const got = value(losses.softmaxCrossEntropy(sinew.tensor(LABELS), sinew.tensor(LOGITS), undefined, smoothing));
    t.true(Math.abs(got - ref) < 1e-6, `labelSmoothing ${smoothing}: ${got} vs TF.js ${ref}`);
  }
  const swapped = value(tf.losses.softmaxCrossEntropy(tf.tensor2d(LOGITS), tf.tensor2d(LABELS)));
  const op = value(sinew.softmaxCrossEntropy(sinew.tensor(LABELS), sinew.tensor(LOGITS)));
  const ref = value(tf.losses.softmaxCrossEntropy(tf.tensor2d(LABELS), tf.tensor2d(LOGITS)));
  t.true(Math.abs(op - ref) < 1e-6 && Math.abs(swapped - ref) > 0.5, 'the fused op takes (labels, logits) too');
  // int32 class indices are accepted as labels
  t.true(Math.abs(value(losses.softmaxCrossEntropy(sinew.tensor([1, 0, 2], [3], 'int32'), sinew.tensor(LOGITS))) - ref) < 1e-6);
  // TF.js's weights / reductions Sinew lacks are refused, not ignored
  t.throws(() => losses.softmaxCrossEntropy(sinew.tensor(LABELS), sinew.tensor(LOGITS), sinew.tensor([1, 2, 3])), { instanceOf: sinew.InvalidArgumentError, message: /softmaxCrossEntropy: per-sample weights are not supported/ });
  t.throws(() => losses.softmaxCrossEntropy(sinew.tensor(LABELS), sinew.tensor(LOGITS), undefined, 0, losses.Reduction.SUM), { instanceOf: sinew.InvalidArgumentError, message: /only the mean reduction/ });
  t.throws(() => losses.meanSquaredError(sinew.tensor([1, 2]), sinew.tensor([1, 3]), sinew.tensor([1, 0])), { instanceOf: sinew.InvalidArgumentError, message: /meanSquaredError: per-sample weights/ });
});

test('losses.sigmoidCrossEntropy, meanSquaredError and absoluteDifference equal TF.js', (t) => {
  const labels = [[1, 0], [0, 1], [1, 1]];
  const logits = [[2, -1], [0.5, 3], [-1, 4]];
  for (const smoothing of [0, 0.1]) {
    const ref = value(tf.losses.sigmoidCrossEntropy(tf.tensor2d(labels), tf.tensor2d(logits), undefined, smoothing));
    const got = value(losses.sigmoidCrossEntropy(sinew.tensor(labels), sinew.tensor(logits), undefined, smoothing));
    t.true(Math.abs(got - ref) < 1e-6, `sigmoidCrossEntropy labelSmoothing ${smoothing}: ${got} vs ${ref}`);
  }
  t.true(Math.abs(value(losses.meanSquaredError(sinew.tensor(labels), sinew.tensor(logits))) - value(tf.losses.meanSquaredError(tf.tensor2d(labels), tf.tensor2d(logits)))) < 1e-6);
  t.true(Math.abs(value(losses.absoluteDifference(sinew.tensor(labels), sinew.tensor(logits))) - value(tf.losses.absoluteDifference(tf.tensor2d(labels), tf.tensor2d(logits)))) < 1e-6);
});

const valuesOf = (init, shape) => {
  const x = init(shape);
  const v = Array.from(x.dataSync());
  x.dispose();
  return v;
};

test("initializers take TF.js's argument objects; TF.js names and class names work as layer initializers", (t) => {
  t.deepEqual(valuesOf(initializers.glorotNormal({ seed: 3 }), [8, 8]), valuesOf(initializers.glorotNormal(3), [8, 8]));
  t.notDeepEqual(valuesOf(initializers.glorotNormal({ seed: 3 }), [8, 8]), valuesOf(initializers.glorotNormal({ seed: 4 }), [8, 8]));
  t.deepEqual(valuesOf(initializers.constant({ value: 0.5 }), [3]), [0.5, 0.5, 0.5]);
  t.throws(() => initializers.heNormal({ seed: 1.5 }), { instanceOf: sinew.InvalidArgumentError, message: /heNormal: seed must be an integer/ });
  t.throws(() => initializers.varianceScaling({ mode: 'fanSum' }), { instanceOf: sinew.InvalidArgumentError, message: /mode must be fanIn, fanOut or fanAvg/ });
  // varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal' }) is heNormal
  t.deepEqual(valuesOf(initializers.varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal', seed: 5 }), [6, 6]), valuesOf(initializers.heNormal({ seed: 5 }), [6, 6]));

  const kernel = (kernelInitializer) => {
    const l = layers.dense({ units: 50, inputShape: [40], kernelInitializer });
    const m = sinew.sequential({ layers: [l] });
    const [k, b] = l.getWeights();
    const v = Array.from(k.dataSync());
    for (const o of [k, b, m]) o.dispose();
    return v;
  };
  t.true(kernel('Zeros').every((v) => v === 0), "'Zeros' (class name)");
  t.true(kernel('zeros').every((v) => v === 0));
  // truncatedNormal: mean 0, stddev 0.05, nothing beyond 2 stddev
  const tn = kernel('truncatedNormal');
  t.true(tn.every((v) => Math.abs(v) <= 0.1 + 1e-7) && tn.some((v) => Math.abs(v) > 0.05), "'truncatedNormal'");
  // varianceScaling defaults: scale 1, fanIn, truncated normal: stddev ≈ sqrt(1/40), nothing beyond 2·(that / 0.8796)
  const vs = kernel('varianceScaling');
  const std = Math.sqrt(vs.reduce((s, v) => s + v * v, 0) / vs.length);
  t.true(Math.abs(std - Math.sqrt(1 / 40)) < 0.015, `'varianceScaling' stddev ${std}`);
  t.true(vs.every((v) => Math.abs(v) <= (2 * Math.sqrt(1 / 40)) / 0.8796256610342398 + 1e-6));
  t.throws(() => layers.dense({ units: 2, inputShape: [2], kernelInitializer: 'identity' }), { instanceOf: sinew.InvalidArgumentError, message: /unknown initializer 'identity'/ });
});

test("regularizers take TF.js's argument objects: l2({ l2 }) penalises exactly like l2(0.01); bad factors fail at once", async (t) => {
  const data = { x: sinew.tensor(randomMatrix(16, 3, 1), [16, 3]), y: sinew.tensor(randomMatrix(16, 1, 2), [16, 1]) };
  const train = async (kernelRegularizer) => {
    const m = sinew.sequential({ layers: [layers.dense({ units: 1, inputShape: [3], kernelInitializer: initializers.glorotUniform({ seed: 1 }), kernelRegularizer })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const h = await m.fit(data.x, data.y, { epochs: 3, verbose: 0, shuffle: false });
    m.dispose();
    return h.history.loss;
  };
  const plain = await train(undefined);
  const object = await train(regularizers.l2({ l2: 0.5 }));
  t.deepEqual(object, await train(regularizers.l2(0.5)));
  // TF.js's identifier 'l1l2' is l1l2 with its defaults (0.01, 0.01)
  t.deepEqual(await train('l1l2'), await train(regularizers.l1l2({ l1: 0.01, l2: 0.01 })));
  t.true(object[0] > plain[0] + 1e-3, 'the penalty is in the loss');
  t.throws(() => regularizers.l2({ l2: 'big' }), { instanceOf: sinew.InvalidArgumentError, message: /regularizers.l2: l2 must be a finite number ≥ 0, got big/ });
  t.throws(() => regularizers.l1l2({ l1: -1 }), { instanceOf: sinew.InvalidArgumentError, message: /l1 must be a finite number ≥ 0/ });
  for (const o of Object.values(data)) o.dispose();
});

test('layer.getWeights() / setWeights() as in TF.js: copies in weight order, shapes checked before anything changes', (t) => {
  const d = layers.dense({ units: 2, inputShape: [3] });
  const m = sinew.sequential({ layers: [d] });
  const [k, b] = d.getWeights();
  t.deepEqual([k.shape, b.shape], [[3, 2], [2]]);
  d.setWeights([sinew.tensor([[1, 2], [3, 4], [5, 6]]), sinew.tensor([0.5, -0.5])]);
  t.deepEqual(d.kernel.arraySync(), [[1, 2], [3, 4], [5, 6]]);
  t.deepEqual(d.getWeights(true).map((w) => w.shape), [[3, 2], [2]]);
  d.trainable = false;
  t.deepEqual(d.getWeights(true), [], 'trainableOnly of a frozen layer');
  t.throws(() => d.setWeights([sinew.tensor([[1, 2, 3], [4, 5, 6]]), sinew.tensor([0, 0])]), { instanceOf: sinew.ShapeError, message: /setWeights: weight 0 \(dense_\d+\/kernel\) has shape \[3,2\], got \[2,3\]/ });
  t.deepEqual(d.kernel.arraySync(), [[1, 2], [3, 4], [5, 6]], 'unchanged after a failed setWeights');
  t.throws(() => d.setWeights([k]), { instanceOf: sinew.InvalidArgumentError, message: /expected 2 tensors, got 1/ });
  for (const o of [k, b, m]) o.dispose();
});

test('model.evaluate returns what TF.js returns: a scalar without metrics, [loss, ...metrics] with them; evaluateLogs gives numbers by name', async (t) => {
  const x = sinew.tensor(randomMatrix(20, 4, 3), [20, 4]);
  const y = sinew.tensor(Array.from({ length: 20 }, (_, i) => i % 3), [20], 'int32');
  const m = sinew.sequential({ layers: [layers.dense({ units: 3, activation: 'softmax', inputShape: [4], kernelInitializer: initializers.glorotUniform({ seed: 2 }) })] });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const loss = m.evaluate(x, y);
  t.true(loss instanceof sinew.Tensor && loss.rank === 0);
  t.is(value(loss), m.evaluateLogs(x, y).loss);
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const out = m.evaluate(x, y, { batchSize: 7 });
  t.true(Array.isArray(out) && out.length === 2 && out.every((s) => s.rank === 0));
  const logs = m.evaluateLogs(x, y, { batchSize: 7 });
  t.deepEqual(out.map(value), [Math.fround(logs.loss), Math.fround(logs.acc)]);
  t.throws(() => m.evaluate(x, y, { sampleWeight: x }), { instanceOf: sinew.InvalidArgumentError, message: /evaluate: unknown or unsupported option 'sampleWeight'/ });
  t.throws(() => m.predict(x, { batchSize: 4, steps: 2 }), { instanceOf: sinew.InvalidArgumentError, message: /predict: unknown or unsupported option 'steps'/ });
  for (const o of [x, y, m]) o.dispose();
});

test('TF.js layer options Sinew does not implement are rejected by name, values it does honour are accepted', (t) => {
  const conv = (extra) => layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1], ...extra });
  t.throws(() => conv({ dilationRate: 2 }), { instanceOf: sinew.InvalidArgumentError, message: /conv2d_\d+: dilationRate 2 is not supported \(only 1 or \[1,1\]\)/ });
  t.throws(() => conv({ dataFormat: 'channelsFirst' }), { instanceOf: sinew.InvalidArgumentError, message: /dataFormat "channelsFirst" is not supported \(only "channelsLast"\)/ });
  t.throws(() => conv({ kernelConstraint: 'maxNorm' }), { instanceOf: sinew.InvalidArgumentError, message: /kernelConstraint "maxNorm" is not supported/ });
  t.throws(() => layers.dense({ units: 2, inputShape: [2], unitz: 3 }), { instanceOf: sinew.InvalidArgumentError, message: /dense_\d+: unknown or unsupported option 'unitz'/ });
  t.throws(() => layers.maxPooling2d({ poolSize: 2, dataFormat: 'channelsFirst' }), { instanceOf: sinew.InvalidArgumentError, message: /dataFormat/ });
  t.throws(() => layers.maxPooling2d({ padding: 'causal' }), { instanceOf: sinew.InvalidArgumentError, message: /padding must be 'same' or 'valid'/ });
  t.throws(() => layers.dropout({ rate: 0.5, noiseShape: [1, 4] }), { instanceOf: sinew.InvalidArgumentError, message: /noiseShape/ });
  t.throws(() => layers.dense({ units: 2, inputShape: [2], dtype: 'int32' }), { instanceOf: sinew.InvalidArgumentError, message: /dtype "int32" is not supported \(only "float32"\)/ });
  // The values Sinew honours are accepted, and the layer computes the same as without them.
  const a = conv({ dilationRate: [1, 1], dataFormat: 'channelsLast', kernelInitializer: initializers.glorotUniform({ seed: 1 }) });
  const m = sinew.sequential({ layers: [a] });
  t.deepEqual(m.outputShape, [null, 6, 6, 2]);
  // inputDim is TF.js's shorthand for inputShape: [inputDim]
  const d = sinew.sequential({ layers: [layers.dense({ units: 2, inputDim: 5 })] });
  t.deepEqual(d.inputShape, [null, 5]);
  for (const o of [m, d]) o.dispose();
});

test("fit: TF.js's classWeight / sampleWeight are refused; yieldEvery takes TF.js's 'batch' / 'epoch' / 'never' / 'auto' and they behave so", async (t) => {
  const x = sinew.tensor(randomMatrix(32, 2, 4), [32, 2]);
  const y = sinew.tensor(randomMatrix(32, 1, 5), [32, 1]);
  const m = sinew.sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  t.throws(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', weightedMetrics: ['mse'] }), { instanceOf: sinew.InvalidArgumentError, message: /compile: unknown or unsupported option 'weightedMetrics'/ });
  await t.throwsAsync(m.fit(x, y, { epochs: 1, verbose: 0, classWeight: { 0: 1, 1: 5 } }), { instanceOf: sinew.InvalidArgumentError, message: /fit: unknown or unsupported option 'classWeight'/ });
  await t.throwsAsync(m.fit(x, y, { epochs: 1, verbose: 0, stepsPerEpoch: 3 }), { instanceOf: sinew.InvalidArgumentError, message: /'stepsPerEpoch'/ });
  await t.throwsAsync(m.fit(x, y, { epochs: 1, verbose: 0, yieldEvery: 'sometimes' }), { instanceOf: sinew.InvalidArgumentError, message: /yieldEvery must be a number of milliseconds ≥ 0, 'auto', 'batch', 'epoch' or 'never'/ });
  /** The batch during which a timer set before `fit` runs (how often fit yields to the event loop). */
  const timerBatch = async (yieldEvery) => {
    let batch = -1, at = null;
    setTimeout(() => (at = batch), 0);
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, yieldEvery, callbacks: { onBatchEnd: (b) => { batch = b; } } });
    return at;
  };
  t.is(await timerBatch('batch'), 0, "'batch' yields after the first batch");
  t.is(await timerBatch('epoch'), 7, "'epoch' yields only at the end of the epoch (8 batches)");
  t.is(await timerBatch('never'), 7);
  t.is(await timerBatch(0), 0, '0 ms yields after every batch');
  for (const o of [x, y, m]) o.dispose();
});
