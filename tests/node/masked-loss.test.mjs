// Padded steps leave the loss and the metrics, as in Keras: with
// `embedding({ maskZero: true })` → recurrent layer (`returnSequences`) →
// dense at every step, the mask reaches the output; the loss of a batch is
// Σ loss·mask / Σ mask (Keras's `sum_over_batch_size` with a mask, 0 when the
// batch has no real step), an epoch's loss the batch-size-weighted mean of
// those, and accuracy counts real steps only (tf.keras weights metrics by the
// mask).
//
// TF.js layers 4.22 ignores masks in its loss and metrics (training.js:
// "TODO(cais): Add weighting and masking"), so the reference here is TF.js
// with Keras's masked loss written out as a custom loss (one-hot labels whose
// padded rows are zero, divided by the number of real steps) and the same
// weights: losses of 10 Adam steps and the final weights agree within 1e-4.
// Evaluation figures are checked against hand counts from `predict`.
import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sinew from '../../dist/index.js';
import { worstElementError as worst } from './_reference.mjs';
import { TRAIN_TOL } from './_layer-peer.mjs';

const STEPS = 10, BATCH = 8, n = STEPS * BATCH, T = 6, V = 9, C = 4, UNITS = 8;

/** Real length of row i: 0..T (row 5 is all padding); odd rows padded before, even rows after. */
const length = (i) => (i * 5 + 3) % (T + 1);
const real = (i, s) => (i % 2 ? s >= T - length(i) : s < length(i));
const ids = Int32Array.from({ length: n * T }, (_, k) => {
  const i = Math.floor(k / T), s = k % T;
  return real(i, s) ? 1 + ((i * 7 + s * 3) % (V - 1)) : 0;
});
// Labels at padded steps are deliberately arbitrary: they must not count.
const labels = Int32Array.from({ length: n * T }, (_, k) => (ids[k] ? (ids[k] * 3 + (k % 5)) % C : (k * 7) % C));
const realSteps = (from, to) => ids.slice(from * T, to * T).filter((v) => v !== 0).length;

test.before(async () => {
  await sinew.init();
  await tf.setBackend('cpu');
});

function sinewModel(head = 'fused') {
  const { layers } = sinew;
  return sinew.sequential({
    layers: [
      layers.embedding({ inputDim: V, outputDim: 3, inputLength: T, maskZero: true }),
      layers.lstm({ units: UNITS, returnSequences: true }),
      ...(head === 'fused' ? [layers.dense({ units: C, activation: 'softmax' })] : [layers.timeDistributed({ layer: layers.dense({ units: C }) }), layers.softmax()]),
    ],
  });
}

/** Keras's masked sparse cross-entropy for TF.js: one-hot labels, zero rows at padded steps. */
function maskedCrossEntropy(yTrue, yPred) {
  const ce = tf.neg(tf.sum(tf.mul(yTrue, tf.log(tf.clipByValue(yPred, 1e-7, 1 - 1e-7))), -1));
  return tf.div(tf.sum(ce), tf.sum(yTrue));
}

function sharedWeights() {
  const tm = tfl.sequential({
    layers: [
      tfl.layers.embedding({ inputDim: V, outputDim: 3, inputLength: T, maskZero: true }),
      // TF.js's orthogonal initializer needs tfjs-core's chained ops; the weights are replaced anyway.
      tfl.layers.lstm({ units: UNITS, returnSequences: true, recurrentInitializer: 'glorotUniform' }),
      tfl.layers.dense({ units: C, activation: 'softmax' }),
    ],
  });
  tm.setWeights(tm.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.5, 0.5, 'float32', 80 + i)));
  return tm;
}

function setSinewWeights(sm, tm) {
  const ws = tm.getWeights().map((w) => sinew.tensor(w.dataSync(), w.shape));
  sm.setWeights(ws);
  for (const w of ws) w.dispose();
}

/** Per-batch masked mean cross-entropy and correct real steps, counted from Sinew's own predictions. */
function handFigures(probs, from, to) {
  let ce = 0, correct = 0, count = 0;
  for (let i = from; i < to; i++) {
    for (let s = 0; s < T; s++) {
      if (!real(i, s)) continue;
      const p = probs[i][s], label = labels[i * T + s];
      ce -= Math.log(p[label]);
      const best = p.indexOf(Math.max(...p));
      correct += best === label ? 1 : 0;
      count++;
    }
  }
  return { loss: count ? ce / count : 0, correct, count };
}

test('masked per-step loss: 10 Adam steps match TF.js with Keras\'s masked mean (losses and weights within 1e-4)', async (t) => {
  const tm = sharedWeights();
  tm.compile({ optimizer: tf.train.adam(0.01, 0.9, 0.999, 1e-10), loss: maskedCrossEntropy });
  const sm = sinewModel();
  sm.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-10 }), loss: 'sparseCategoricalCrossentropy' });
  setSinewWeights(sm, tm);
  const init = tm.getWeights().map((w) => w.dataSync().slice());

  const oneHot = Float32Array.from({ length: n * T * C }, (_, k) => {
    const step = Math.floor(k / C);
    return ids[step] !== 0 && labels[step] === k % C ? 1 : 0;
  });
  const tx = tf.tensor(Float32Array.from(ids), [n, T]), ty = tf.tensor(oneHot, [n, T, C]);
  const tfLoss = [];
  for (let s = 0; s < STEPS; s++) {
    const xb = tf.slice(tx, s * BATCH, BATCH), yb = tf.slice(ty, s * BATCH, BATCH);
    tfLoss.push(await tm.trainOnBatch(xb, yb));
    tf.dispose([xb, yb]);
  }
  const sx = sinew.tensor(ids, [n, T], 'int32'), sy = sinew.tensor(labels, [n, T], 'int32');
  const sLoss = [];
  await sm.fit(sx, sy, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0, callbacks: { onBatchEnd: (_, logs) => sLoss.push(logs.loss) } });
  const le = worst(sLoss, tfLoss);
  t.true(le <= TRAIN_TOL, `loss per step: worst ${le}\n sinew ${sLoss}\n tfjs  ${tfLoss}`);
  const tw = tm.getWeights(), sw = sm.getWeights();
  const errs = sw.map((w, i) => worst(w.dataSync(), tw[i].dataSync()));
  errs.forEach((e, i) => {
    t.true(e <= TRAIN_TOL, `weight ${i}: worst ${e}`);
    t.true(worst(tw[i].dataSync(), init[i]) > 10 * TRAIN_TOL, `weight ${i} moved`);
  });
  t.log(`worst loss difference ${le.toExponential(2)}, weights ${errs.map((e) => e.toExponential(1)).join(' ')}`);

  // The same TF.js model with its own built-in loss counts padded steps: a first loss that differs by far more than
  // the tolerance (the predictions start near uniform, so by about 7e-3 here), so the check above can fail.
  const plain = sharedWeights();
  plain.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const fresh = sinewModel();
  fresh.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  setSinewWeights(fresh, plain);
  const xb = tf.slice(tx, 0, BATCH);
  const unmasked = await plain.evaluate(xb, tf.tensor(Float32Array.from(labels.slice(0, BATCH * T)), [BATCH, T, 1])).data();
  const masked = fresh.evaluateLogs(sinew.tensor(ids.slice(0, BATCH * T), [BATCH, T], 'int32'), sinew.tensor(labels.slice(0, BATCH * T), [BATCH, T], 'int32')).loss;
  t.true(Math.abs(unmasked[0] - masked) > 20 * TRAIN_TOL, `counting padded steps changes the loss (${unmasked[0]} vs ${masked})`);
  tf.dispose([tx, ty, xb]);
  for (const w of sw) w.dispose();
  sx.dispose(); sy.dispose();
  tm.dispose(); plain.dispose(); sm.dispose(); fresh.dispose();
});

for (const head of ['fused', 'unfused']) {
  test(`evaluate (${head} softmax): loss = batch-size-weighted mean of masked batch means, accuracy = correct real steps / real steps (hand counts)`, (t) => {
    const tm = sharedWeights();
    const sm = sinewModel(head);
    sm.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    setSinewWeights(sm, tm);
    tm.dispose();
    const x = sinew.tensor(ids, [n, T], 'int32'), y = sinew.tensor(labels, [n, T], 'int32');
    const probs = sm.predict(x).arraySync();
    const bs = 24; // batches of 24, 24, 24 and 8 rows with different numbers of real steps
    let loss = 0, correct = 0, count = 0;
    for (let s = 0; s < n; s += bs) {
      const to = Math.min(n, s + bs);
      const h = handFigures(probs, s, to);
      loss += h.loss * (to - s);
      correct += h.correct;
      count += h.count;
    }
    t.is(count, realSteps(0, n));
    t.true(count < n * T, 'some steps are padding');
    const logs = sm.evaluateLogs(x, y, { batchSize: bs });
    t.true(Math.abs(logs.loss - loss / n) < 1e-5, `loss ${logs.loss} vs hand ${loss / n}`);
    t.true(Math.abs(logs.acc - correct / count) < 1e-6, `acc ${logs.acc} vs hand ${correct / count}`);
    x.dispose(); y.dispose();
    sm.dispose();
  });
}

test('a batch of padding only: loss 0 and accuracy 0 (no real step), and a training step on it changes nothing', async (t) => {
  const tm = sharedWeights();
  const sm = sinewModel();
  sm.compile({ optimizer: sinew.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  setSinewWeights(sm, tm);
  tm.dispose();
  const empty = [5, 12]; // rows of length 0
  t.deepEqual(empty.map(length), [0, 0]);
  const x = sinew.tensor(new Int32Array(2 * T), [2, T], 'int32');
  const y = sinew.tensor(Int32Array.from(empty.flatMap((i) => [...labels.slice(i * T, (i + 1) * T)])), [2, T], 'int32');
  t.deepEqual(sm.evaluateLogs(x, y), { loss: 0, acc: 0 });
  const before = sm.getWeights().map((w) => w.dataSync().slice());
  const h = await sm.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
  t.deepEqual(h.history, { loss: [0], acc: [0] });
  sm.getWeights().forEach((w, i) => t.deepEqual(w.dataSync(), before[i], `weight ${i} unchanged`));
  x.dispose(); y.dispose();
  sm.dispose();
});

test('fitDataset / evaluateDataset weigh masked batches as fit / evaluate do (same history, weights and figures)', async (t) => {
  const tm = sharedWeights();
  const make = () => {
    const m = sinewModel();
    m.compile({ optimizer: sinew.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    setSinewWeights(m, tm);
    return m;
  };
  const a = make(), b = make();
  tm.dispose();
  const rows = Array.from({ length: n }, (_, i) => ({ xs: [...ids.slice(i * T, (i + 1) * T)], ys: [...labels.slice(i * T, (i + 1) * T)] }));
  const ds = sinew.data.array(rows).batch(24); // 24, 24, 24, 8 rows: uneven real steps per batch
  const x = sinew.tensor(ids, [n, T], 'int32'), y = sinew.tensor(labels, [n, T], 'int32');
  const ev = a.evaluateLogs(x, y, { batchSize: 24 });
  const [evLoss, evAcc] = (await a.evaluateDataset(ds)).map((v) => v.dataSync()[0]);
  t.true(Math.abs(evLoss - ev.loss) < 1e-6 && Math.abs(evAcc - ev.acc) < 1e-6, `${evLoss}, ${evAcc} vs ${ev.loss}, ${ev.acc}`);
  const ha = await a.fit(x, y, { epochs: 2, batchSize: 24, shuffle: false, verbose: 0 });
  const hb = await b.fitDataset(ds, { epochs: 2 });
  for (const k of ['loss', 'acc']) {
    ha.history[k].forEach((v, e) => t.true(Math.abs(v - hb.history[k][e]) < 1e-6, `${k} epoch ${e}: ${v} vs ${hb.history[k][e]}`));
  }
  a.getWeights().forEach((w, i) => t.true(worst(w.dataSync(), b.getWeights()[i].dataSync()) < 1e-6, `weight ${i}`));
  x.dispose(); y.dispose();
  a.dispose(); b.dispose();
});
