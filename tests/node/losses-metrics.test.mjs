// Losses, metrics, activations and ReduceLROnPlateau added for TF.js users:
// each value against TF.js 4.22 itself (tf.losses.* in tfjs-core, the loss
// strings through a TF.js model's evaluate), or against Keras's documented
// values where TF.js has none (topKCategoricalAccuracy, ReduceLROnPlateau).
import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sinew from '../../dist/index.js';
import { randomMatrix } from './_reference.mjs';

const { losses, metrics } = sinew;

test.before(async () => {
  await sinew.init();
  await tf.setBackend('cpu');
});

const num = (t) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};
const close = (t, got, want, tol, what) => t.true(Math.abs(got - want) <= tol * (1 + Math.abs(want)), `${what}: ${got} vs TF.js ${want}`);

const N = 12, D = 4;
const LABELS = randomMatrix(N, D, 31);
const PREDS = randomMatrix(N, D, 32).map((v) => 2 * v);
const BINARY = LABELS.map((v) => (v > 0 ? 1 : 0));
const SIGNS = LABELS.map((v) => (v > 0 ? 1 : -1));
// Rows of positive values summing to 1 (distributions, for the KL divergence).
const dist = (m) => {
  const e = m.map(Math.exp);
  for (let r = 0; r < N; r++) {
    let s = 0;
    for (let c = 0; c < D; c++) s += e[r * D + c];
    for (let c = 0; c < D; c++) e[r * D + c] /= s;
  }
  return e;
};
const P = dist(LABELS), Q = dist(PREDS);

test('activations selu and relu6 equal TF.js tf.selu / tf.relu6; hardSigmoid equals the TF.js layers activation', (t) => {
  const x = Float32Array.from({ length: 41 }, (_, i) => -10 + i * 0.5);
  const ours = (f) => Array.from(f(sinew.tensor(x)).dataSync());
  const pairs = [
    ['selu', ours(sinew.selu), tf.selu(tf.tensor(x)).dataSync()],
    ['relu6', ours(sinew.relu6), tf.relu6(tf.tensor(x)).dataSync()],
    ['hardSigmoid', ours(sinew.hardSigmoid), tfl.layers.activation({ activation: 'hardSigmoid' }).apply(tf.tensor(x)).dataSync()],
  ];
  for (const [name, a, b] of pairs) {
    a.forEach((v, i) => close(t, v, b[i], 1e-6, `${name}(${x[i]})`));
  }
});

test('tf.losses forms: huberLoss (delta 1 and 0.4), hingeLoss (0/1 labels), cosineDistance equal TF.js', (t) => {
  const [tl, tp, sl, sp] = [tf.tensor(LABELS, [N, D]), tf.tensor(PREDS, [N, D]), sinew.tensor(LABELS, [N, D]), sinew.tensor(PREDS, [N, D])];
  for (const delta of [1, 0.4]) {
    close(t, num(losses.huberLoss(sl, sp, undefined, delta)), num(tf.losses.huberLoss(tl, tp, undefined, delta)), 1e-6, `huberLoss delta ${delta}`);
  }
  const [tb, sb] = [tf.tensor(BINARY, [N, D]), sinew.tensor(BINARY, [N, D])];
  close(t, num(losses.hingeLoss(sb, sp)), num(tf.losses.hingeLoss(tb, tp)), 1e-6, 'hingeLoss');
  for (const axis of [1, 0]) {
    close(t, num(losses.cosineDistance(sl, sp, axis)), num(tf.losses.cosineDistance(tl, tp, axis)), 1e-6, `cosineDistance axis ${axis}`);
  }
  // Keras's huber (delta 1) is the same value.
  close(t, num(losses.huber(sl, sp)), num(tf.losses.huberLoss(tl, tp)), 1e-6, 'huber');
  // Options Sinew does not implement are refused, not ignored.
  t.throws(() => losses.huberLoss(sl, sp, sl), { instanceOf: sinew.InvalidArgumentError, message: /per-sample weights/ });
  t.throws(() => losses.huberLoss(sl, sp, undefined, 0), { instanceOf: sinew.InvalidArgumentError, message: /delta must be a positive number/ });
});

/** What a TF.js model with identity weights reports as its loss for `name`: the loss string's own value. */
function tfjsLoss(name, yTrue, yPred) {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ units: D, inputShape: [D], useBias: false, kernelInitializer: 'identity' })] });
  m.compile({ optimizer: 'sgd', loss: name });
  const v = num(m.evaluate(tf.tensor(yPred, [N, D]), tf.tensor(yTrue, [N, D]), { batchSize: N }));
  m.dispose();
  return v;
}

test("loss strings 'hinge', 'logcosh', 'kullbackLeiblerDivergence', 'cosineProximity' equal TF.js's; Keras spellings resolve to them", (t) => {
  const cases = [
    ['hinge', SIGNS, PREDS, ['hinge']],
    ['logcosh', LABELS, PREDS, ['log_cosh', 'logCosh']],
    ['kullbackLeiblerDivergence', P, Q, ['kld', 'kl_divergence', 'kullback_leibler_divergence']],
    ['cosineProximity', LABELS, PREDS, ['cosine_similarity']],
  ];
  for (const [name, yTrue, yPred, spellings] of cases) {
    const ref = tfjsLoss(name, yTrue, yPred);
    const direct = num(losses[name](sinew.tensor(yTrue, [N, D]), sinew.tensor(yPred, [N, D])));
    close(t, direct, ref, 1e-5, `losses.${name}`);
    // The string through compile + evaluate, on a model whose output is its input.
    for (const spelled of [name, ...spellings]) {
      const m = sinew.sequential({ layers: [sinew.layers.dense({ units: D, inputShape: [D], useBias: false })] });
      m.setWeights([sinew.tensor(Float32Array.from({ length: D * D }, (_, i) => (i % (D + 1) === 0 ? 1 : 0)), [D, D])]);
      m.compile({ optimizer: 'sgd', loss: spelled });
      const r = m.evaluate(sinew.tensor(yPred, [N, D]), sinew.tensor(yTrue, [N, D]));
      close(t, num(Array.isArray(r) ? r[0] : r), ref, 1e-5, `compile loss '${spelled}'`);
      m.dispose();
    }
  }
  t.is(losses.kld, losses.kullbackLeiblerDivergence);
  t.is(losses.logCosh, losses.logcosh);
});

test('logcosh stays finite for large errors (log cosh(100) = 100 − log 2)', (t) => {
  close(t, num(losses.logcosh(sinew.tensor([0, 0]), sinew.tensor([100, -100]))), 100 - Math.LN2, 1e-6, 'logcosh(±100)');
});

test('the new losses train: loss falls with each of them as the compile string', async (t) => {
  for (const loss of ['huber', 'logcosh', 'hinge', 'kld', 'cosineProximity']) {
    const m = sinew.sequential({ layers: [sinew.layers.dense({ units: D, inputShape: [D], activation: loss === 'kld' ? 'softmax' : 'linear', kernelInitializer: sinew.initializers.glorotUniform({ seed: 1 }) })] });
    m.compile({ optimizer: new sinew.SGD({ learningRate: 0.5 }), loss });
    const y = loss === 'kld' ? P : loss === 'hinge' ? SIGNS : LABELS;
    const h = await m.fit(sinew.tensor(LABELS, [N, D]), sinew.tensor(y, [N, D]), { epochs: 20, batchSize: N, verbose: 0 });
    const l = h.history.loss;
    t.true(l[l.length - 1] < 0.9 * l[0], `${loss}: ${l[0]} -> ${l[l.length - 1]}`);
    m.dispose();
  }
});

test('metrics.precision / recall equal TF.js on 0/1 predictions, threshold 0.5 on probabilities (Keras), 0 with no positives', (t) => {
  const yt = [1, 0, 1, 1, 0, 0, 1, 0], yp = [1, 1, 0, 1, 0, 1, 1, 0];
  for (const name of ['precision', 'recall']) {
    close(t, num(metrics[name](sinew.tensor(yt), sinew.tensor(yp))), num(tfl.metrics[name](tf.tensor(yt), tf.tensor(yp))), 1e-7, name);
  }
  // tp 3, fp 2, fn 1 once probabilities are thresholded.
  const probs = [0.9, 0.6, 0.4, 0.51, 0.1, 0.7, 0.8, 0.2];
  close(t, num(metrics.precision(sinew.tensor(yt), sinew.tensor(probs))), 3 / 5, 1e-7, 'precision on probabilities');
  close(t, num(metrics.recall(sinew.tensor(yt), sinew.tensor(probs))), 3 / 4, 1e-7, 'recall on probabilities');
  t.is(num(metrics.precision(sinew.tensor([1, 0]), sinew.tensor([0, 0]))), 0);
  t.is(num(metrics.recall(sinew.tensor([0, 0]), sinew.tensor([1, 0]))), 0);
});

test("topKCategoricalAccuracy: Keras's documented example (k 1: 0.5, k 2: 1); ties count as in the top k", (t) => {
  const yt = sinew.tensor([[0, 0, 1], [0, 1, 0]]), yp = sinew.tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
  t.is(num(metrics.topKCategoricalAccuracy(yt, yp, 1)), 0.5);
  t.is(num(metrics.topKCategoricalAccuracy(yt, yp, 2)), 1);
  t.is(num(metrics.topKCategoricalAccuracy(yt, yp)), 1);
  t.is(num(metrics.topKCategoricalAccuracy(sinew.tensor([[0, 1, 0]]), sinew.tensor([[0.5, 0.5, 0]]), 1)), 1);
  t.throws(() => metrics.topKCategoricalAccuracy(yt, yp, 0), { instanceOf: sinew.InvalidArgumentError });
});

test('metric strings precision, recall, mse/MSE/meanSquaredError, mae, categoricalAccuracy, topKCategoricalAccuracy in fit logs and evaluate', async (t) => {
  const x = sinew.tensor(LABELS, [N, D]);
  const m = sinew.sequential({ layers: [sinew.layers.dense({ units: D, inputShape: [D], activation: 'softmax' })] });
  const onehot = sinew.oneHot(sinew.tensor(Int32Array.from({ length: N }, (_, i) => i % D), [N], 'int32'), D);
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['precision', 'recall', 'MSE', 'meanAbsoluteError', 'categoricalAccuracy', 'top_k_categorical_accuracy'] });
  const h = await m.fit(x, onehot, { epochs: 1, batchSize: N, verbose: 0 });
  t.deepEqual(Object.keys(h.history).sort(), ['categoricalAccuracy', 'loss', 'mae', 'mse', 'precision', 'recall', 'topKCategoricalAccuracy']);
  // Every row's true class is among the top 5 of 4 classes.
  t.is(h.history.topKCategoricalAccuracy[0], 1);
  const p = m.predict(x);
  const r = m.evaluate(x, onehot);
  const want = [num(metrics.precision(onehot, p)), num(metrics.recall(onehot, p)), num(metrics.mse(onehot, p))];
  r.slice(1, 4).forEach((v, i) => close(t, num(v), want[i], 1e-6, `evaluate metric ${i}`));
  // The training config names them as Keras reads them.
  let artifacts;
  await m.save({ save: async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; } });
  t.deepEqual(artifacts.trainingConfig.metrics, ['precision', 'recall', 'mse', 'mae', 'categorical_accuracy', 'top_k_categorical_accuracy']);
  m.dispose();
});

test("ReduceLROnPlateau follows Keras's rules: patience, cooldown, minLr floor, minDelta", (t) => {
  const opt = new sinew.SGD({ learningRate: 0.1 });
  const cb = new sinew.ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2, cooldown: 1, minLr: 0.03, minDelta: 0 });
  cb.setModel({ compiled: { optimizer: opt } });
  cb.onTrainBegin();
  const seq = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.8];
  // Traced by hand through Keras's on_epoch_end: reductions at epochs 3 and 5, the second floored at minLr; at minLr no more.
  const want = [0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03, 0.03];
  seq.forEach((v, e) => {
    cb.onEpochEnd(e, { val_loss: v });
    close(t, opt.learningRate, want[e], 1e-12, `lr after epoch ${e}`);
  });
  // minDelta: a gain smaller than it is not an improvement.
  const opt2 = new sinew.SGD({ learningRate: 1 });
  const cb2 = sinew.callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 1, minDelta: 0.1 });
  cb2.setModel({ compiled: { optimizer: opt2 } });
  cb2.onTrainBegin();
  cb2.onEpochEnd(0, { loss: 1 });
  cb2.onEpochEnd(1, { loss: 0.95 });
  close(t, opt2.learningRate, 0.1, 1e-12, 'lr after a gain below minDelta');
  // Mode 'auto' maximises accuracy-like keys.
  const opt3 = new sinew.SGD({ learningRate: 1 });
  const cb3 = new sinew.ReduceLROnPlateau({ monitor: 'val_acc', patience: 1 });
  cb3.setModel({ compiled: { optimizer: opt3 } });
  cb3.onTrainBegin();
  cb3.onEpochEnd(0, { val_acc: 0.5 });
  cb3.onEpochEnd(1, { val_acc: 0.7 });
  t.is(opt3.learningRate, 1);
  cb3.onEpochEnd(2, { val_acc: 0.6 });
  close(t, opt3.learningRate, 0.1, 1e-12, 'val_acc fell');
  t.throws(() => new sinew.ReduceLROnPlateau({ factor: 1 }), { instanceOf: sinew.InvalidArgumentError, message: /factor must be in \[0, 1\)/ });
  t.throws(() => cb3.onEpochEnd(3, { loss: 1 }), { instanceOf: sinew.InvalidArgumentError, message: /'val_acc' is not in the epoch logs/ });
});

test('ReduceLROnPlateau inside fit lowers the rate the optimizer steps with', async (t) => {
  const m = sinew.sequential({ layers: [sinew.layers.dense({ units: 1, inputShape: [D] })] });
  const opt = new sinew.SGD({ learningRate: 0.1 });
  m.compile({ optimizer: opt, loss: 'mse' });
  const seen = [];
  // A minDelta no epoch can beat: every epoch after the first lowers the rate.
  const cb = new sinew.ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1, minDelta: 1e9 });
  const logged = [];
  const h = await m.fit(sinew.tensor(LABELS, [N, D]), sinew.tensor(LABELS.slice(0, N), [N, 1]), {
    epochs: 4, batchSize: N, verbose: 0, callbacks: [cb, { onEpochBegin: () => { seen.push(opt.currentLearningRate()); }, onEpochEnd: (e, logs) => { logged.push(logs.lr); } }],
  });
  t.deepEqual(seen, [0.1, 0.1, 0.05, 0.025]);
  // As Keras logs it: `lr` = the rate each epoch trained with (before that epoch's reduction), in History and to later callbacks.
  t.deepEqual(h.history.lr, [0.1, 0.1, 0.05, 0.025]);
  t.deepEqual(logged, [0.1, 0.1, 0.05, 0.025]);
  m.dispose();
});
