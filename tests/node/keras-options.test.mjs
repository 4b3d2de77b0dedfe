// Every Keras-style option has a test that fails if the option were ignored.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sinew from '../../dist/index.js';
import { randomMatrix } from './_reference.mjs';

const { layers, initializers, optimizers, regularizers } = sinew;

test.before(async () => {
  await sinew.init();
});

/** Values of every weight, as plain arrays. */
function weightsOf(model) {
  return model.getWeights().map((t) => {
    const a = Array.from(t.dataSync());
    t.dispose();
    return a;
  });
}

const maxAbsDiff = (a, b) => a.flat().reduce((m, v, i) => Math.max(m, Math.abs(v - b.flat()[i])), 0);

/** A small regression problem: x [n, 4] in [-1, 1), y [n, 1] a fixed nonlinear function of x. */
function regressionData(n = 64, seed = 5) {
  const xv = randomMatrix(n, 4, seed);
  const yv = new Float32Array(n);
  for (let i = 0; i < n; i++) yv[i] = Math.sin(2 * xv[i * 4]) + xv[i * 4 + 1] * xv[i * 4 + 2] - 0.3 * xv[i * 4 + 3];
  return { x: sinew.tensor(xv, [n, 4]), y: sinew.tensor(yv, [n, 1]) };
}

/** 4 → 8 tanh → 1 with seeded weights: two calls give identical models. */
function mlp({ seed = 1, dense0 = {}, extra = [] } = {}) {
  return sinew.sequential({
    layers: [
      layers.dense({ units: 8, activation: 'tanh', inputShape: [4], kernelInitializer: initializers.glorotUniform(seed), biasInitializer: initializers.randomNormal({ mean: 0, stddev: 0.1, seed: seed + 1 }), ...dense0 }),
      ...extra,
      layers.dense({ units: 1, kernelInitializer: initializers.glorotUniform(seed + 2) }),
    ],
  });
}

async function trainMlp({ optimizer, fitArgs = {}, modelArgs = {}, data = regressionData() }) {
  const model = mlp(modelArgs);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const history = await model.fit(data.x, data.y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0, ...fitArgs });
  const w = weightsOf(model);
  model.dispose();
  data.x.dispose();
  data.y.dispose();
  return { w, loss: history.history.loss };
}

// --- optimizers ---------------------------------------------------------------

test('SGD nesterov: true changes the trajectory against plain momentum (and matches the Keras formula)', async (t) => {
  const plain = await trainMlp({ optimizer: new optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: false }) });
  const nesterov = await trainMlp({ optimizer: new optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true }) });
  const again = await trainMlp({ optimizer: new optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true }) });
  t.deepEqual(nesterov.w, again.w, 'deterministic');
  t.true(maxAbsDiff(plain.w, nesterov.w) > 1e-3, `max weight difference ${maxAbsDiff(plain.w, nesterov.w)}`);
  t.notDeepEqual(plain.loss, nesterov.loss);

  // On p = 1 with a constant gradient 1, lr 0.1, momentum 0.9 (Keras: v = 0.9·v − 0.1·g;
  // plain p += v; Nesterov p += 0.9·v − 0.1·g): plain 0.9, 0.71; Nesterov 0.81, 0.539.
  for (const [nest, want] of [[false, [0.9, 0.71]], [true, [0.81, 0.539]]]) {
    const p = sinew.variable(sinew.tensor([1]));
    const g = sinew.tensor([1]);
    const opt = new optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: nest });
    const got = [];
    for (let i = 0; i < 2; i++) {
      opt.applyGradients([p], [g]);
      got.push(p.dataSync()[0]);
    }
    want.forEach((w, i) => t.true(Math.abs(got[i] - w) < 1e-6, `nesterov ${nest} step ${i + 1}: ${got[i]} vs ${w}`));
    opt.dispose();
    p.dispose();
    g.dispose();
  }
});

test('learning-rate schedules change the trajectory; a schedule is read at every step', async (t) => {
  const constant = await trainMlp({ optimizer: new optimizers.SGD({ learningRate: 0.1 }) });
  const decayed = await trainMlp({ optimizer: new optimizers.SGD({ learningRate: optimizers.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 }) }) });
  t.true(maxAbsDiff(constant.w, decayed.w) > 1e-3);
  // A decay rate of 1 is the constant rate: the same weights exactly.
  const flat = await trainMlp({ optimizer: new optimizers.SGD({ learningRate: optimizers.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 1 }) }) });
  t.deepEqual(flat.w, constant.w);
  // 0.1 for steps 0..4, then 0: 12 steps end where 5 steps at 0.1 end.
  const stop = await trainMlp({ optimizer: new optimizers.SGD({ learningRate: optimizers.piecewiseConstantDecay({ boundaries: [4], values: [0.1, 0] }) }) });
  // 5 constant steps over the same batches: the 64 samples then the first 16 again, one epoch.
  const fiveSteps = await trainMlp({ optimizer: new optimizers.SGD({ learningRate: 0.1 }), fitArgs: { epochs: 1, batchSize: 16 }, data: (() => {
    const d = regressionData();
    const out = sinew.tidy(() => ({ x: sinew.concat([d.x, sinew.slice(d.x, [0, 0], [16, 4])], 0), y: sinew.concat([d.y, sinew.slice(d.y, [0, 0], [16, 1])], 0) }));
    d.x.dispose(); d.y.dispose();
    return out;
  })() });
  t.true(maxAbsDiff(stop.w, fiveSteps.w) < 1e-7, `piecewise [0.1 → 0 after step 4] vs 5 constant steps: ${maxAbsDiff(stop.w, fiveSteps.w)}`);
  t.true(maxAbsDiff(stop.w, constant.w) > 1e-3);
});

test('clipvalue bounds every element of an update, clipnorm the norm of each variable\'s update, globalClipnorm the norm of all of them', async (t) => {
  // A linear 4 → 3 model with targets of 1000: raw gradients are in the thousands.
  async function step(opts) {
    const model = sinew.sequential({ layers: [layers.dense({ units: 3, inputShape: [4], kernelInitializer: initializers.glorotUniform(9) })] });
    model.compile({ optimizer: new optimizers.SGD({ learningRate: 1, ...opts }), loss: 'mse' });
    const x = sinew.tensor(randomMatrix(16, 4, 3), [16, 4]);
    const y = sinew.fill([16, 3], 1000);
    const before = weightsOf(model);
    await model.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    const after = weightsOf(model);
    model.dispose();
    x.dispose();
    y.dispose();
    return after.map((w, i) => w.map((v, j) => v - before[i][j]));
  }
  const norm = (d) => Math.sqrt(d.reduce((s, v) => s + v * v, 0));
  const raw = await step({});
  t.true(Math.max(...raw.flat().map(Math.abs)) > 100, 'unclipped updates are large');

  const byValue = await step({ clipvalue: 0.01 });
  const maxElem = Math.max(...byValue.flat().map(Math.abs));
  t.true(maxElem <= 0.01 * (1 + 1e-5) && maxElem > 0.0099, `max |Δw| ${maxElem}`);

  const byNorm = await step({ clipnorm: 0.05 });
  for (const d of byNorm) t.true(Math.abs(norm(d) - 0.05) < 1e-5, `‖Δ‖ ${norm(d)}`);
  // each variable is clipped on its own: the direction is kept
  const cos = byNorm[0].reduce((s, v, i) => s + v * raw[0][i], 0) / (norm(byNorm[0]) * norm(raw[0]));
  t.true(cos > 0.99999);

  const global = await step({ globalClipnorm: 0.05 });
  t.true(Math.abs(norm(global.flat()) - 0.05) < 1e-5, `global ‖Δ‖ ${norm(global.flat())}`);
  // per-variable clipnorm let the two variables reach 0.05 each (total 0.05·√2); the global one scales both by one factor
  t.true(Math.abs(norm(byNorm.flat()) - 0.05 * Math.SQRT2) < 1e-5);
  const [f0, f1] = [norm(global[0]) / norm(raw[0]), norm(global[1]) / norm(raw[1])];
  t.true(Math.abs(f0 / f1 - 1) < 1e-3, `scale factors ${f0} ${f1}`);
});

// --- callbacks ----------------------------------------------------------------

/**
 * w·x with w from 0, trained on y = 2x, validated on y = x (x = ±1), SGD 0.1
 * full batch: w after epoch e is 0.4, 0.72, 0.976, 1.1808, 1.34464, ... and
 * val_loss = (w − 1)² is best after epoch 2 (index 2), then worse.
 */
function vShaped() {
  const model = sinew.sequential({ layers: [layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' })] });
  model.compile({ optimizer: new optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
  const x = sinew.tensor([[1], [-1]]);
  const y = sinew.tensor([[2], [-2]]);
  const vx = sinew.tensor([[1], [-1]]);
  const vy = sinew.tensor([[1], [-1]]);
  const free = () => [model, x, y, vx, vy].forEach((o) => o.dispose());
  return { model, x, y, val: [vx, vy], free };
}

const W = [0.4, 0.72, 0.976, 1.1808, 1.34464, 1.475712];

test('EarlyStopping stops `patience` epochs after the best one (Keras / TF.js semantics)', async (t) => {
  for (const patience of [0, 1, 2]) {
    const v = vShaped();
    const es = new sinew.EarlyStopping({ monitor: 'val_loss', patience });
    const h = await v.model.fit(v.x, v.y, { epochs: 20, batchSize: 2, shuffle: false, verbose: 0, validationData: v.val, callbacks: [es] });
    // best epoch 2; epochs 3, 4, ... do not improve; stop at the `patience`-th of them (at least one)
    const stopped = 2 + Math.max(1, patience);
    t.is(es.bestEpoch, 2, `patience ${patience}`);
    t.is(es.stoppedEpoch, stopped, `patience ${patience}`);
    t.is(h.history.loss.length, stopped + 1, `patience ${patience}`);
    t.deepEqual(h.epoch, Array.from({ length: stopped + 1 }, (_, i) => i));
    t.true(Math.abs(v.model.layers[0].kernel.dataSync()[0] - W[stopped]) < 1e-5, 'weights of the last epoch (no restore)');
    v.free();
  }
  // without a stop it runs every epoch
  const v = vShaped();
  const es = new sinew.EarlyStopping({ monitor: 'loss', patience: 0 });
  const h = await v.model.fit(v.x, v.y, { epochs: 6, batchSize: 2, shuffle: false, verbose: 0, callbacks: [es] });
  t.is(h.history.loss.length, 6);
  t.is(es.stoppedEpoch, -1);
  v.free();
});

test('EarlyStopping minDelta: improvements smaller than minDelta do not count', async (t) => {
  const v = vShaped();
  // val_loss: 0.36, 0.0784, 0.000576, ... — the step 0.0784 → 0.000576 (0.078) is below minDelta 0.1
  const es = new sinew.EarlyStopping({ monitor: 'val_loss', patience: 0, minDelta: 0.1 });
  const h = await v.model.fit(v.x, v.y, { epochs: 20, batchSize: 2, shuffle: false, verbose: 0, validationData: v.val, callbacks: [es] });
  t.is(es.bestEpoch, 1);
  t.is(es.stoppedEpoch, 2);
  t.is(h.history.loss.length, 3);
  v.free();
});

test('EarlyStopping restoreBestWeights puts back the weights of the best epoch (snapshot from onEpochEnd)', async (t) => {
  const v = vShaped();
  const snapshots = [];
  const es = new sinew.EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
  await v.model.fit(v.x, v.y, {
    epochs: 20, batchSize: 2, shuffle: false, verbose: 0, validationData: v.val,
    callbacks: [{ onEpochEnd: (epoch) => { snapshots[epoch] = weightsOf(v.model); } }, es],
  });
  t.true(es.stoppedEpoch > es.bestEpoch);
  const final = weightsOf(v.model);
  t.deepEqual(final, snapshots[es.bestEpoch]);
  t.notDeepEqual(final, snapshots[es.stoppedEpoch]);
  t.true(Math.abs(final[0][0] - W[2]) < 1e-5);
  v.free();
});

test('ModelCheckpoint with saveBestOnly saves at improving epochs only, and the file holds the best weights', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sinew-ckpt-'));
  try {
    const v = vShaped();
    const snapshots = [];
    const ckpt = new sinew.ModelCheckpoint({ path: join(dir, 'best'), monitor: 'val_loss', saveBestOnly: true });
    await v.model.fit(v.x, v.y, {
      epochs: 6, batchSize: 2, shuffle: false, verbose: 0, validationData: v.val,
      callbacks: [{ onEpochEnd: (e) => { snapshots[e] = weightsOf(v.model); } }, ckpt],
    });
    t.deepEqual(ckpt.savedEpochs, [0, 1, 2]);
    const loaded = await sinew.loadLayersModel(join(dir, 'best'));
    t.deepEqual(weightsOf(loaded), snapshots[2]);
    loaded.dispose();
    v.free();

    // saveBestOnly: false saves every epoch
    const v2 = vShaped();
    const every = new sinew.ModelCheckpoint({ path: join(dir, 'every'), saveBestOnly: false });
    await v2.model.fit(v2.x, v2.y, { epochs: 4, batchSize: 2, shuffle: false, verbose: 0, validationData: v2.val, callbacks: [every] });
    t.deepEqual(every.savedEpochs, [0, 1, 2, 3]);
    const json = JSON.parse(await readFile(join(dir, 'every', 'model.json'), 'utf8'));
    t.is(json.format, 'layers-model');
    v2.free();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('callbacks see every epoch and batch with the right indices and logs; onBatchEnd runs ceil(n / batchSize) times per epoch', async (t) => {
  const n = 10, batchSize = 4, epochs = 3;
  const model = sinew.sequential({ layers: [layers.dense({ units: 2, activation: 'softmax', inputShape: [3], kernelInitializer: initializers.glorotUniform(4) })] });
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const x = sinew.tensor(randomMatrix(n, 3, 8), [n, 3]);
  const y = sinew.tensor(Array.from({ length: n }, (_, i) => (i % 2 ? [0, 1] : [1, 0])));
  const events = [];
  const batchLogs = [];
  const epochLogs = [];
  class Recorder extends sinew.Callback {
    onTrainBegin() { events.push('trainBegin'); t.is(this.model, model); }
    onTrainEnd() { events.push('trainEnd'); }
    onEpochBegin(e) { events.push(`epochBegin ${e}`); }
    onEpochEnd(e, logs) { events.push(`epochEnd ${e}`); epochLogs.push(logs); }
    onBatchBegin(b) { events.push(`batchBegin ${b}`); }
    async onBatchEnd(b, logs) { await null; events.push(`batchEnd ${b}`); batchLogs.push(logs); }
  }
  const fnEpochs = [];
  const h = await model.fit(x, y, { epochs, batchSize, verbose: 0, callbacks: [new Recorder(), { onEpochEnd: (e) => fnEpochs.push(e) }] });
  const perEpoch = Math.ceil(n / batchSize);
  t.is(perEpoch, 3);
  const expected = ['trainBegin'];
  for (let e = 0; e < epochs; e++) {
    expected.push(`epochBegin ${e}`);
    for (let b = 0; b < perEpoch; b++) expected.push(`batchBegin ${b}`, `batchEnd ${b}`);
    expected.push(`epochEnd ${e}`);
  }
  expected.push('trainEnd');
  t.deepEqual(events, expected);
  t.deepEqual(fnEpochs, [0, 1, 2]);
  t.is(batchLogs.length, perEpoch * epochs);
  t.deepEqual(batchLogs.map((l) => l.size), [4, 4, 2, 4, 4, 2, 4, 4, 2]);
  t.deepEqual(batchLogs.map((l) => l.batch), [0, 1, 2, 0, 1, 2, 0, 1, 2]);
  for (const l of batchLogs) {
    t.true(Number.isFinite(l.loss) && l.loss > 0);
    t.true(l.acc >= 0 && l.acc <= 1);
  }
  // epoch logs are the size-weighted means of the batch logs, and History holds them
  epochLogs.forEach((logs, e) => {
    const bl = batchLogs.slice(e * perEpoch, (e + 1) * perEpoch);
    for (const k of ['loss', 'acc']) {
      const mean = bl.reduce((s, l) => s + l[k] * l.size, 0) / n;
      t.true(Math.abs(logs[k] - mean) < 1e-6, `${k} epoch ${e}`);
      t.is(h.history[k][e], logs[k]);
    }
  });
  t.deepEqual(Object.keys(h.history).sort(), ['acc', 'loss']);

  // initialEpoch numbers the epochs from there
  const seen = [];
  const h2 = await model.fit(x, y, { epochs: 2, initialEpoch: 5, batchSize, verbose: 0, callbacks: { onEpochBegin: (e) => seen.push(e) } });
  t.deepEqual(seen, [5, 6]);
  t.deepEqual(h2.epoch, [5, 6]);
  // stopTraining set by a callback ends training after the current epoch
  const h3 = await model.fit(x, y, { epochs: 10, batchSize, verbose: 0, callbacks: { onEpochEnd: (e) => { if (e === 1) model.stopTraining = true; } } });
  t.is(h3.history.loss.length, 2);
  for (const o of [model, x, y]) o.dispose();
});

// --- validation and shuffling -------------------------------------------------

test('validationSplit holds out the LAST fraction of the samples (before shuffling) and reports val_ metrics', async (t) => {
  // A frozen model (learning rate 0) that always predicts 0: loss = mean(y²) over the samples used.
  const model = sinew.sequential({ layers: [layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' })] });
  model.compile({ optimizer: new optimizers.SGD({ learningRate: 0 }), loss: 'mse', metrics: ['mae'] });
  const x = sinew.fill([10, 1], 1);
  const y = sinew.tensor(Array.from({ length: 10 }, (_, i) => [i]));
  const sizes = [];
  const h = await model.fit(x, y, { epochs: 2, batchSize: 3, validationSplit: 0.2, verbose: 0, callbacks: { onBatchEnd: (b, l) => sizes.push(l.size) } });
  // training on samples 0..7, validation on 8 and 9
  t.deepEqual(sizes, [3, 3, 2, 3, 3, 2]);
  t.deepEqual(h.history.loss.map((v) => +v.toFixed(4)), [17.5, 17.5]); // (0+1+4+...+49)/8
  t.deepEqual(h.history.val_loss, [72.5, 72.5]); // (64+81)/2
  t.deepEqual(h.history.val_mae, [8.5, 8.5]);
  t.deepEqual(Object.keys(h.history).sort(), ['loss', 'mae', 'val_loss', 'val_mae']);
  // no split, no val_ keys
  const h2 = await model.fit(x, y, { epochs: 1, verbose: 0 });
  t.deepEqual(Object.keys(h2.history).sort(), ['loss', 'mae']);
  for (const o of [model, x, y]) o.dispose();
});

test('validationData is evaluated after each epoch with the epoch\'s final weights', async (t) => {
  const data = regressionData(48, 7);
  const vx = sinew.tensor(randomMatrix(20, 4, 99), [20, 4]);
  const vy = sinew.tensor(Array.from({ length: 20 }, (_, i) => [i / 20]));
  const model = mlp();
  model.compile({ optimizer: new optimizers.Adam({ learningRate: 0.01 }), loss: 'mse', metrics: ['mae'] });
  const evals = [];
  const h = await model.fit(data.x, data.y, {
    epochs: 3, batchSize: 16, verbose: 0, validationData: [vx, vy],
    callbacks: { onEpochEnd: () => { evals.push(model.evaluateLogs(vx, vy)); } },
  });
  t.is(h.history.val_loss.length, 3);
  h.history.val_loss.forEach((v, e) => {
    t.true(Math.abs(v - evals[e].loss) < 1e-6);
    t.true(Math.abs(h.history.val_mae[e] - evals[e].mae) < 1e-6);
  });
  // validation data differs from training data: val_loss is not the training loss
  t.true(Math.abs(h.history.val_loss[2] - h.history.loss[2]) > 1e-3);
  for (const o of [model, data.x, data.y, vx, vy]) o.dispose();
});

test('shuffle: false and seed make runs reproducible; different seeds give different runs', async (t) => {
  const run = (fitArgs) => trainMlp({ optimizer: new optimizers.SGD({ learningRate: 0.1 }), fitArgs: { epochs: 2, batchSize: 8, ...fitArgs } });
  const a = await run({ shuffle: false });
  const b = await run({ shuffle: false });
  t.deepEqual(a.w, b.w);
  t.deepEqual(a.loss, b.loss);
  const s1 = await run({ shuffle: true, seed: 1 });
  const s1b = await run({ shuffle: true, seed: 1 });
  const s2 = await run({ shuffle: true, seed: 2 });
  t.deepEqual(s1.w, s1b.w);
  t.deepEqual(s1.loss, s1b.loss);
  t.true(maxAbsDiff(s1.w, s2.w) > 1e-4, 'seed 1 vs seed 2');
  t.true(maxAbsDiff(s1.w, a.w) > 1e-4, 'shuffled vs not shuffled');
  // shuffling is per epoch: epoch 2 uses another order than epoch 1 (seed + epoch)
  const orders = [];
  for (const seed of [1, 2]) {
    const model = sinew.sequential({ layers: [layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros', useBias: false })] });
    model.compile({ optimizer: new optimizers.SGD({ learningRate: 0 }), loss: 'mse' });
    const x = sinew.fill([6, 1], 1);
    const y = sinew.tensor([[0], [1], [2], [3], [4], [5]]);
    const seen = [];
    // batch size 1, prediction 0: each batch's loss is y², revealing which sample it was
    await model.fit(x, y, { epochs: 2, batchSize: 1, seed, verbose: 0, callbacks: { onBatchEnd: (_, l) => seen.push(Math.round(Math.sqrt(l.loss))) } });
    orders.push(seen);
    for (const o of [model, x, y]) o.dispose();
  }
  for (const seen of orders) {
    t.deepEqual(seen.slice(0, 6).sort(), [0, 1, 2, 3, 4, 5]);
    t.deepEqual(seen.slice(6).sort(), [0, 1, 2, 3, 4, 5]);
  }
  t.notDeepEqual(orders[0], orders[1]);
  t.true(orders.some((s) => s.slice(0, 6).join() !== s.slice(6).join()), 'epochs are reshuffled');
});

// --- layers -------------------------------------------------------------------

test('trainable = false freezes a layer: its weights do not change, the others do, summary counts them as non-trainable', async (t) => {
  const data = regressionData();
  const model = mlp();
  model.layers[0].trainable = false;
  model.compile({ optimizer: new optimizers.Adam({ learningRate: 0.05 }), loss: 'mse' });
  t.is(model.trainableWeights.length, 2);
  const before = weightsOf(model);
  await model.fit(data.x, data.y, { epochs: 2, batchSize: 16, verbose: 0 });
  const after = weightsOf(model);
  t.deepEqual(after[0], before[0]);
  t.deepEqual(after[1], before[1]);
  t.true(maxAbsDiff(after[2], before[2]) > 1e-3);
  t.true(maxAbsDiff(after[3], before[3]) > 1e-3);
  const text = model.summary(null);
  t.regex(text, /Total params: 49\b/); // 4·8+8 + 8·1+1
  t.regex(text, /Trainable params: 9\b/);
  t.regex(text, /Non-trainable params: 40\b/);
  // unfreezing trains it again
  model.layers[0].trainable = true;
  await model.fit(data.x, data.y, { epochs: 1, batchSize: 16, verbose: 0 });
  t.true(maxAbsDiff(weightsOf(model)[0], before[0]) > 1e-3);
  for (const o of [model, data.x, data.y]) o.dispose();
});

test('an L2 kernel regularizer adds l2·Σw² to the training loss and shrinks the weights against none', async (t) => {
  const l2 = 0.05;
  const none = await trainMlp({ optimizer: new optimizers.SGD({ learningRate: 0.1 }), fitArgs: { epochs: 20 } });
  const reg = await trainMlp({ optimizer: new optimizers.SGD({ learningRate: 0.1 }), fitArgs: { epochs: 20 }, modelArgs: { dense0: { kernelRegularizer: regularizers.l2(l2) } } });
  const sq = (w) => w.reduce((s, v) => s + v * v, 0);
  t.true(sq(reg.w[0]) < 0.8 * sq(none.w[0]), `Σw² regularized ${sq(reg.w[0])} vs ${sq(none.w[0])}`);

  // with learning rate 0 the loss difference is exactly the penalty of the initial kernel
  const data = regressionData();
  const losses = [];
  for (const kernelRegularizer of [undefined, regularizers.l2(l2)]) {
    const model = mlp({ dense0: kernelRegularizer ? { kernelRegularizer } : {} });
    model.compile({ optimizer: new optimizers.SGD({ learningRate: 0 }), loss: 'mse' });
    const k = Array.from(model.layers[0].kernel.dataSync());
    const h = await model.fit(data.x, data.y, { epochs: 1, batchSize: 64, verbose: 0 });
    losses.push({ loss: h.history.loss[0], penalty: l2 * sq(k), eval: model.evaluateLogs(data.x, data.y).loss });
    model.dispose();
  }
  t.true(Math.abs(losses[1].loss - losses[0].loss - losses[1].penalty) < 1e-5, JSON.stringify(losses));
  // evaluate reports the data loss only, as TF.js does (its test function adds no regularization losses)
  t.true(Math.abs(losses[1].eval - losses[0].eval) < 1e-6);
  data.x.dispose();
  data.y.dispose();
});

test('Dropout is active only in training: predict is deterministic and unscaled, training zeroes ~rate of the units and scales the rest', async (t) => {
  const rate = 0.4;
  const model = sinew.sequential({ layers: [layers.dropout({ rate, inputShape: [2000] })] });
  const x = sinew.fill([2, 2000], 1);
  const p1 = model.predict(x), p2 = model.predict(x);
  t.deepEqual(Array.from(p1.dataSync()), Array.from(x.dataSync()));
  t.deepEqual(Array.from(p2.dataSync()), Array.from(p1.dataSync()));
  const tr = sinew.tidy(() => model.apply(x, true));
  const v = Array.from(tr.dataSync());
  const zeros = v.filter((a) => a === 0).length / v.length;
  t.true(Math.abs(zeros - rate) < 0.03, `zero fraction ${zeros}`);
  t.true(v.every((a) => a === 0 || Math.abs(a - 1 / (1 - rate)) < 1e-6), 'kept units are scaled by 1/(1 − rate)');
  for (const o of [p1, p2, tr, x, model]) o.dispose();

  // inside fit dropout is on: with learning rate 0 the training loss differs from evaluate's
  const data = regressionData();
  const m2 = mlp({ extra: [layers.dropout({ rate: 0.5, seed: 3 })] });
  m2.compile({ optimizer: new optimizers.SGD({ learningRate: 0 }), loss: 'mse' });
  const h = await m2.fit(data.x, data.y, { epochs: 1, batchSize: 64, verbose: 0 });
  const ev = m2.evaluateLogs(data.x, data.y).loss;
  t.true(Math.abs(h.history.loss[0] - ev) > 1e-4, `train ${h.history.loss[0]} vs evaluate ${ev}`);
  // and the same model without dropout gives evaluate's value in training
  const m3 = mlp();
  m3.compile({ optimizer: new optimizers.SGD({ learningRate: 0 }), loss: 'mse' });
  const h3 = await m3.fit(data.x, data.y, { epochs: 1, batchSize: 64, verbose: 0 });
  t.true(Math.abs(h3.history.loss[0] - ev) < 1e-6);
  for (const o of [m2, m3, data.x, data.y]) o.dispose();
});

test('BatchNormalization updates moving mean/variance in training and normalises with them in predict', async (t) => {
  const n = 32, c = 3;
  const xv = randomMatrix(n, c, 21).map((v, i) => v * (i % c + 1) + (i % c) * 2);
  const x = sinew.tensor(xv, [n, c]);
  const y = sinew.fill([n, c], 0);
  const momentum = 0.9, epsilon = 1e-3;
  const model = sinew.sequential({ layers: [layers.batchNormalization({ inputShape: [c], momentum, epsilon })] });
  const bn = model.layers[0];
  model.compile({ optimizer: new optimizers.SGD({ learningRate: 0 }), loss: 'mse' });
  // batch statistics (biased variance, as Keras)
  const mean = [], variance = [];
  for (let j = 0; j < c; j++) {
    const col = Array.from({ length: n }, (_, i) => xv[i * c + j]);
    mean[j] = col.reduce((a, b) => a + b, 0) / n;
    variance[j] = col.reduce((a, b) => a + (b - mean[j]) ** 2, 0) / n;
  }
  // predict before any training uses the initial moving stats (0, 1): y = x / √(1 + ε)
  const p0 = model.predict(x);
  Array.from(p0.dataSync()).forEach((v, i) => t.true(Math.abs(v - xv[i] / Math.sqrt(1 + epsilon)) < 1e-5));
  await model.fit(x, y, { epochs: 2, batchSize: n, verbose: 0 });
  const mm = Array.from(bn.movingMean.dataSync()), mv = Array.from(bn.movingVariance.dataSync());
  // two steps from (0, 1): m = μ(1 − 0.9²), v = 0.9²·1 + σ²(1 − 0.9²)
  for (let j = 0; j < c; j++) {
    t.true(Math.abs(mm[j] - mean[j] * (1 - momentum ** 2)) < 1e-5, `moving mean ${j}: ${mm[j]}`);
    t.true(Math.abs(mv[j] - (momentum ** 2 + variance[j] * (1 - momentum ** 2))) < 1e-5, `moving variance ${j}: ${mv[j]}`);
  }
  // the moving stats are non-trainable weights, saved with the model
  t.deepEqual(bn.weights.map((w) => w.name.split('/')[1]), ['gamma', 'beta', 'moving_mean', 'moving_variance']);
  t.is(model.trainableWeights.length, 2);
  // predict on a single row uses the moving stats (batch stats of one row would give 0)
  const one = sinew.tensor(xv.slice(0, c), [1, c]);
  const p = Array.from(model.predict(one).dataSync());
  for (let j = 0; j < c; j++) t.true(Math.abs(p[j] - (xv[j] - mm[j]) / Math.sqrt(mv[j] + epsilon)) < 1e-5, `predict ${j}`);
  // training mode uses the batch statistics: output has mean 0 per channel
  const tr = sinew.tidy(() => Array.from(model.apply(x, true).dataSync()));
  for (let j = 0; j < c; j++) t.true(Math.abs(tr.filter((_, i) => i % c === j).reduce((a, b) => a + b, 0) / n) < 1e-5);
  for (const o of [model, x, y, one, p0]) o.dispose();
});

// --- initializers ---------------------------------------------------------------

function stats(tensor) {
  const v = Array.from(tensor.dataSync());
  tensor.dispose();
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { v, mean, std, min: Math.min(...v), max: Math.max(...v) };
}

test('glorotUniform: uniform in ±sqrt(6 / (fanIn + fanOut)), for dense and conv kernels', (t) => {
  for (const shape of [[200, 300], [3, 3, 16, 32]]) {
    const [fanIn, fanOut] = shape.length === 2 ? shape : [9 * 16, 9 * 32];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const s = stats(initializers.glorotUniform(1)(shape));
    t.true(s.max <= limit && s.min >= -limit, `range [${s.min}, ${s.max}] vs ±${limit}`);
    t.true(s.max > 0.99 * limit && s.min < -0.99 * limit, 'fills the range');
    t.true(Math.abs(s.mean) < 0.02 * limit);
    t.true(Math.abs(s.std - limit / Math.sqrt(3)) < 0.02 * limit, `std ${s.std} vs ${limit / Math.sqrt(3)}`);
  }
});

test('heNormal: std ≈ sqrt(2 / fanIn), truncated at two standard deviations of the untruncated normal', (t) => {
  const fanIn = 400;
  const s = stats(initializers.heNormal(2)([fanIn, 300]));
  const want = Math.sqrt(2 / fanIn);
  t.true(Math.abs(s.std - want) < 0.03 * want, `std ${s.std} vs ${want}`);
  t.true(Math.abs(s.mean) < 0.02 * want);
  const bound = (2 * want) / 0.8796256610342398;
  t.true(s.max <= bound * (1 + 1e-6) && s.min >= -bound * (1 + 1e-6), `range [${s.min}, ${s.max}] vs ±${bound}`);
  t.true(s.max > 0.97 * bound, 'reaches near the truncation bound');
  // a plain normal of that std would have ~4.6 % of values beyond 2·std; the truncated one has none beyond `bound`
  const beyond = s.v.filter((a) => Math.abs(a) > bound).length;
  t.is(beyond, 0);
  // and as a layer's kernel initializer by name
  const d = layers.dense({ units: 300, inputShape: [fanIn], kernelInitializer: 'heNormal' });
  const m = sinew.sequential({ layers: [d] });
  const s2 = stats(sinew.clone(d.kernel));
  t.true(Math.abs(s2.std - want) < 0.03 * want);
  m.dispose();
});

test('zeros, ones and constant fill exactly; randomNormal/randomUniform follow their arguments', (t) => {
  t.true(stats(initializers.zeros()([3, 4])).v.every((v) => v === 0));
  t.true(stats(initializers.ones()([3, 4])).v.every((v) => v === 1));
  t.true(stats(initializers.constant(0.25)([5])).v.every((v) => v === 0.25));
  const n = stats(initializers.randomNormal({ mean: 1, stddev: 0.5, seed: 3 })([100, 100]));
  t.true(Math.abs(n.mean - 1) < 0.02 && Math.abs(n.std - 0.5) < 0.02);
  const u = stats(initializers.randomUniform({ minval: -2, maxval: 3, seed: 3 })([100, 100]));
  t.true(u.min >= -2 && u.max <= 3 && u.min < -1.95 && u.max > 2.95);
  // in a layer
  const m = sinew.sequential({ layers: [layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones', biasInitializer: initializers.constant(0.5) })] });
  t.deepEqual(weightsOf(m), [[1, 1, 1, 1, 1, 1], [0.5, 0.5]]);
  m.dispose();
});

test('seeded initializers are reproducible; different seeds differ', (t) => {
  for (const make of [initializers.glorotUniform, initializers.glorotNormal, initializers.heNormal, initializers.heUniform, initializers.leCunNormal]) {
    const a = stats(make(7)([20, 30])).v, b = stats(make(7)([20, 30])).v, c = stats(make(8)([20, 30])).v;
    t.deepEqual(a, b);
    t.notDeepEqual(a, c);
  }
  // two models built with the same seeded initializers have the same weights
  t.deepEqual(weightsOf(mlp({ seed: 3 })), weightsOf(mlp({ seed: 3 })));
  t.notDeepEqual(weightsOf(mlp({ seed: 3 })), weightsOf(mlp({ seed: 4 })));
});

// --- summary and weights --------------------------------------------------------

test('summary(): layer names, output shapes and parameter counts (784-256-128-10 MLP: 235,146; Conv2D 3×3×1→8: 80)', (t) => {
  const mlpModel = sinew.sequential({
    name: 'mnist_mlp',
    layers: [
      layers.dense({ units: 256, activation: 'relu', inputShape: [784], name: 'hidden1' }),
      layers.dense({ units: 128, activation: 'relu', name: 'hidden2' }),
      layers.dense({ units: 10, activation: 'softmax', name: 'out' }),
    ],
  });
  t.is(mlpModel.countParams(), 235146);
  const lines = [];
  const text = mlpModel.summary((l) => lines.push(l));
  t.is(lines.join('\n'), text);
  t.regex(text, /Model: "mnist_mlp"/);
  t.regex(text, /Layer \(type\)\s+Output Shape\s+Param #/);
  t.regex(text, /hidden1 \(Dense\)\s+\[null,256\]\s+200,960/);
  t.regex(text, /hidden2 \(Dense\)\s+\[null,128\]\s+32,896/);
  t.regex(text, /out \(Dense\)\s+\[null,10\]\s+1,290/);
  t.regex(text, /Total params: 235,146/);
  t.regex(text, /Trainable params: 235,146/);
  t.regex(text, /Non-trainable params: 0/);
  mlpModel.dispose();

  const cnn = sinew.sequential({
    layers: [
      layers.conv2d({ filters: 8, kernelSize: 3, inputShape: [28, 28, 1], name: 'conv' }),
      layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
      layers.flatten({ name: 'flat' }),
      layers.batchNormalization({ name: 'bn' }),
      layers.dense({ units: 10, name: 'logits' }),
    ],
  });
  const ct = cnn.summary(null);
  t.regex(ct, /conv \(Conv2D\)\s+\[null,26,26,8\]\s+80\n/);
  t.regex(ct, /pool \(MaxPooling2D\)\s+\[null,13,13,8\]\s+0\n/);
  t.regex(ct, /flat \(Flatten\)\s+\[null,1352\]\s+0\n/);
  t.regex(ct, /bn \(BatchNormalization\)\s+\[null,1352\]\s+5,408\n/);
  t.regex(ct, /logits \(Dense\)\s+\[null,10\]\s+13,530\n/);
  t.regex(ct, /Total params: 19,018\n/);
  t.regex(ct, /Trainable params: 16,314\n/); // moving mean and variance are not trainable
  t.regex(ct, /Non-trainable params: 2,704\n/);
  cnn.dispose();
});

test('getWeights/setWeights round trip; wrong shapes or counts are refused without changing anything', (t) => {
  const a = mlp({ seed: 1 }), b = mlp({ seed: 2 });
  t.notDeepEqual(weightsOf(a), weightsOf(b));
  const ws = a.getWeights();
  t.deepEqual(ws.map((w) => w.shape), [[4, 8], [8], [8, 1], [1]]);
  b.setWeights(ws);
  t.deepEqual(weightsOf(b), weightsOf(a));
  // getWeights returns copies: changing the model later does not change them
  const copy = Array.from(ws[0].dataSync());
  a.layers[0].kernel.assign(sinew.zeros([4, 8]));
  t.deepEqual(Array.from(ws[0].dataSync()), copy);
  // the predictions follow the weights
  const x = sinew.tensor(randomMatrix(5, 4, 1), [5, 4]);
  const pb = b.predict(x);
  a.setWeights(ws);
  const pa = a.predict(x);
  t.deepEqual(Array.from(pa.dataSync()), Array.from(pb.dataSync()));

  const before = weightsOf(b);
  const bad = [ws[0], ws[1], sinew.zeros([1, 8]), ws[3]];
  const e = t.throws(() => b.setWeights(bad), { instanceOf: sinew.ShapeError });
  t.regex(e.message, /weight 2 \(\S+\/kernel\) has shape \[8,1\], got \[1,8\]/);
  t.throws(() => b.setWeights(ws.slice(0, 3)), { instanceOf: sinew.InvalidArgumentError, message: /expected 4 tensors, got 3/ });
  t.deepEqual(weightsOf(b), before, 'nothing was changed by the failed calls');
  for (const o of [a, b, x, pa, pb, bad[2], ...ws]) o.dispose();
});
