// Metrics of per-step (sequence) outputs: a recurrent layer with
// returnSequences and a classifier at every step, labels per step. Keras
// counts every step of every sample: accuracy = correct steps / all steps.
// Each figure is checked against the same count done by hand (argmax of the
// model's own predictions before the step), in fit, evaluate and validation.
import test from 'ava';
import * as sinew from '../../dist/index.js';

const n = 6, steps = 5, V = 7, C = 4;
const ids = Int32Array.from({ length: n * steps }, (_, i) => (i * 3 + (i >> 2)) % V);
const labels = Int32Array.from({ length: n * steps }, (_, i) => (i * 5 + (i >> 1)) % C);

test.before(async () => {
  await sinew.init();
});

/** embedding → LSTM (every step) → `head` layers. */
function model(head, seed = 3) {
  const { layers, initializers } = sinew;
  return sinew.sequential({
    layers: [
      layers.embedding({ inputDim: V, outputDim: 3, inputLength: steps, embeddingsInitializer: initializers.randomUniform({ minval: -1, maxval: 1, seed }) }),
      layers.lstm({ units: 8, returnSequences: true, kernelInitializer: initializers.glorotUniform(seed + 1), recurrentInitializer: initializers.orthogonal({ seed: seed + 2 }) }),
      ...head(layers, initializers, seed + 3),
    ],
  });
}
const softmaxHead = (layers, init, seed) => [layers.dense({ units: C, activation: 'softmax', kernelInitializer: init.glorotUniform(seed) })];

/** Fraction of steps whose argmax prediction is the label, over rows `from..to`. */
function handAccuracy(probs, from = 0, to = n) {
  let ok = 0;
  for (let i = from; i < to; i++) {
    for (let s = 0; s < steps; s++) {
      const p = probs[i][s];
      const best = p.indexOf(Math.max(...p));
      t0Unique(p, best);
      ok += best === labels[i * steps + s] ? 1 : 0;
    }
  }
  return ok / ((to - from) * steps);
}
/** The hand count is only meaningful without ties. */
function t0Unique(p, best) {
  if (p.filter((v) => v === p[best]).length > 1) throw new Error(`tie in ${p}`);
}

const x = () => sinew.tensor(ids, [n, steps], 'int32');
/** evaluate averages f32 batch means weighted by batch size (in f64): equal to the count up to rounding. */
const close = (t, got, want, what) => t.true(Math.abs(got - want) < 1e-6, `${what ?? ''} ${got} vs ${want}`);
const sparse = (shape = [n, steps]) => sinew.tensor(labels, shape, 'int32');

test('sparse per-step labels [n, steps]: fit, evaluate and validation accuracy count every step (hand-computed)', async (t) => {
  const m = model(softmaxHead);
  m.compile({ optimizer: sinew.train.sgd(0.5), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const probs = m.predict(x()).arraySync();
  const want = handAccuracy(probs);
  t.true(want > 0 && want < 1, `a fraction that can be wrong (${want})`);
  // Uneven batches (4 + 2): evaluate's mean is weighted by batch size, i.e. still over all 30 steps.
  close(t, m.evaluateLogs(x(), sparse(), { batchSize: 4 }).acc, want);
  const [, accTensor] = m.evaluate(x(), sparse(), { batchSize: n });
  t.is(accTensor.dataSync()[0], Math.fround(want));
  // One batch: the logged accuracy is that of the forward pass before the update.
  const h = await m.fit(x(), sparse(), { epochs: 1, batchSize: n, shuffle: false, verbose: 0, validationData: [x(), sparse()] });
  t.is(h.history.acc[0], Math.fround(want));
  const after = handAccuracy(m.predict(x()).arraySync());
  t.is(h.history.val_acc[0], Math.fround(after), 'validation accuracy: after the update');
  t.is(m.evaluateLogs(x(), sparse([n, steps, 1])).acc, Math.fround(after), 'labels [n, steps, 1] count the same');
});

test('explicit sparseCategoricalAccuracy on an unfused softmax, and one-hot per-step labels with categoricalCrossentropy', async (t) => {
  const unfused = model((layers, init, seed) => [layers.dense({ units: C, kernelInitializer: init.glorotUniform(seed) }), layers.softmax()]);
  unfused.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['sparseCategoricalAccuracy'] });
  const probs = unfused.predict(x()).arraySync();
  const want = handAccuracy(probs);
  const logs = unfused.evaluateLogs(x(), sparse(), { batchSize: 4 });
  close(t, logs.sparseCategoricalAccuracy, want);
  // Its (unfused) loss takes the per-step labels too: the mean of −log p(label) over every step.
  let ce = 0;
  for (let i = 0; i < n; i++) for (let s = 0; s < steps; s++) ce -= Math.log(probs[i][s][labels[i * steps + s]]);
  t.true(Math.abs(logs.loss - ce / (n * steps)) < 1e-5, `loss ${logs.loss} vs ${ce / (n * steps)}`);

  const oneHot = sinew.reshape(sinew.oneHot(sinew.tensor(labels, [n * steps], 'int32'), C), [n, steps, C]);
  const cat = model(softmaxHead, 11);
  cat.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const wantCat = handAccuracy(cat.predict(x()).arraySync());
  const h = await cat.fit(x(), oneHot, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
  t.is(h.history.acc[0], Math.fround(wantCat));
});

test('binary per-step labels [n, steps, 1]: sigmoid at every step, accuracy over every step', async (t) => {
  const bits = Float32Array.from(labels, (v) => v % 2);
  const m = model((layers, init, seed) => [layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init.glorotUniform(seed) })], 5);
  m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const p = m.predict(x()).dataSync();
  let ok = 0;
  p.forEach((v, i) => (ok += (v > 0.5) === (bits[i] === 1) ? 1 : 0));
  const want = ok / (n * steps);
  t.true(want > 0 && want < 1, `${want}`);
  close(t, m.evaluateLogs(x(), sinew.tensor(bits, [n, steps, 1]), { batchSize: 4 }).acc, want);
});
