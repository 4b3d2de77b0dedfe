// Issue 13, data safety in training: a fit that fails leaves the weights as
// they were before the failing step (bad labels are found before the first
// step; a step with a non-finite loss or gradient is never applied), a
// TerminateOnNaN callback stops instead of throwing, a second concurrent fit
// is refused, and a disposed model cannot be used.
import test from 'ava';
import * as sinew from '../../dist/index.js';
import { randomMatrix } from './_reference.mjs';

const { layers, initializers } = sinew;

test.before(async () => {
  await sinew.init();
});

const N = 12;
function model(loss, units = 3, activation = 'softmax') {
  const m = sinew.sequential({
    layers: [
      layers.dense({ units: 6, activation: 'relu', inputShape: [4], kernelInitializer: initializers.glorotUniform(1) }),
      layers.dense({ units, activation, kernelInitializer: initializers.glorotUniform(2) }),
    ],
  });
  m.compile({ optimizer: new sinew.optimizers.SGD({ learningRate: 0.1 }), loss });
  return m;
}
const weightsOf = (m) => m.getWeights().map((w) => {
  const v = Array.from(w.dataSync());
  w.dispose();
  return v;
});

test.serial('a bad class label in the last batch fails before the first step: weights unchanged', async (t) => {
  const m = model('sparseCategoricalCrossentropy');
  const x = sinew.tensor(randomMatrix(N, 4, 3), [N, 4]);
  const labels = Array.from({ length: N }, (_, i) => i % 3);
  labels[N - 1] = 7; // batch 3 of 3 with batchSize 4
  const y = sinew.tensor(labels, [N], 'int32');
  const before = weightsOf(m);
  const e = await t.throwsAsync(() => m.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /y holds class index 7, outside \[0, 2\] for the model's 3 outputs/);
  t.deepEqual(weightsOf(m), before);
  for (const o of [m, x, y]) o.dispose();
});

test.serial('binaryCrossentropy labels outside [0, 1] are refused before training', async (t) => {
  const m = model('binaryCrossentropy', 1, 'sigmoid');
  const x = sinew.tensor(randomMatrix(N, 4, 3), [N, 4]);
  const y = sinew.tensor(Array.from({ length: N }, (_, i) => [i === 5 ? -1 : i === 6 ? 2 : i % 2]));
  const before = weightsOf(m);
  const e = await t.throwsAsync(() => m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /binaryCrossentropy needs y in \[0, 1\], got values from -1 to 2/);
  t.deepEqual(weightsOf(m), before);
  for (const o of [m, x, y]) o.dispose();
});

/** A one-layer regression that diverges under SGD(1e6): batch 1 is fine, a later one overflows. */
function diverging() {
  const m = sinew.sequential({ layers: [layers.dense({ units: 1, inputShape: [4], kernelInitializer: initializers.glorotUniform(1) })] });
  m.compile({ optimizer: new sinew.optimizers.SGD({ learningRate: 1e6 }), loss: 'mse' });
  return { m, x: sinew.fill([16, 4], 100), y: sinew.fill([16, 1], 1) };
}

test.serial('a diverging fit throws naming epoch and batch, and keeps the weights of the last good step (all finite)', async (t) => {
  const { m, x, y } = diverging();
  let lastGood = weightsOf(m);
  const seen = [];
  const cb = { onBatchEnd: (b, logs) => { seen.push(logs.loss); if (Number.isFinite(logs.loss)) lastGood = weightsOf(m); } };
  const e = await t.throwsAsync(() => m.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0, callbacks: cb }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /the loss became (NaN|Infinity) at epoch 1, batch \d; lower the learning rate or check the data\. That step was not applied/);
  t.false(Number.isFinite(seen.at(-1)));
  const now = weightsOf(m);
  t.true(now.flat().every(Number.isFinite), `weights: ${now}`);
  t.deepEqual(now, lastGood);
  for (const o of [m, x, y]) o.dispose();
});

test.serial('TerminateOnNaN stops the diverging fit without throwing, at the bad batch, weights finite', async (t) => {
  const { m, x, y } = diverging();
  const stop = new sinew.callbacks.TerminateOnNaN();
  const batches = [];
  const h = await m.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0, callbacks: [stop, { onBatchEnd: (b) => batches.push(b) }] });
  t.deepEqual(stop.stoppedAt, [0, batches.at(-1)]);
  t.is(h.epoch.length, 1, 'no epoch after the one that stopped');
  t.true(weightsOf(m).flat().every(Number.isFinite));
  t.true(sinew.callbacks.terminateOnNaN() instanceof sinew.TerminateOnNaN);
  for (const o of [m, x, y]) o.dispose();
});

test.serial('a second fit on a training model is refused; the first completes', async (t) => {
  const m = model('categoricalCrossentropy');
  const x = sinew.tensor(randomMatrix(N, 4, 3), [N, 4]);
  const y = sinew.oneHot(sinew.tensor(Array.from({ length: N }, (_, i) => i % 3), [N], 'int32'), 3);
  const [a, b] = await Promise.allSettled([m.fit(x, y, { epochs: 3, verbose: 0 }), m.fit(x, y, { epochs: 3, verbose: 0 })]);
  t.is(a.status, 'fulfilled');
  t.is(a.value.epoch.length, 3);
  t.is(b.status, 'rejected');
  t.true(b.reason instanceof sinew.InvalidArgumentError);
  t.regex(b.reason.message, /already training/);
  for (const o of [m, x, y]) o.dispose();
});

test.serial('a disposed model refuses use (it used to rebuild with fresh random weights); dispose during fit is refused', async (t) => {
  const m = model('categoricalCrossentropy');
  const x = sinew.tensor(randomMatrix(N, 4, 3), [N, 4]);
  const y = sinew.oneHot(sinew.tensor(Array.from({ length: N }, (_, i) => i % 3), [N], 'int32'), 3);
  const running = m.fit(x, y, { epochs: 2, verbose: 0 });
  t.throws(() => m.dispose(), { instanceOf: sinew.InvalidArgumentError, message: /the model is training/ });
  await running;
  m.dispose();
  t.true(m.isDisposed);
  t.throws(() => m.predict(x), { instanceOf: sinew.DisposedError, message: /predict: the model was disposed/ });
  t.throws(() => m.evaluate(x, y), { instanceOf: sinew.DisposedError });
  t.throws(() => m.getWeights(), { instanceOf: sinew.DisposedError });
  await t.throwsAsync(() => m.fit(x, y, { verbose: 0 }), { instanceOf: sinew.DisposedError });
  await t.throwsAsync(() => m.save('/tmp/never-written'), { instanceOf: sinew.DisposedError });
  for (const o of [x, y]) o.dispose();
});
