// Bad input gives clear typed errors, leaks nothing, and the model still
// trains afterwards.
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as sinew from '../../dist/index.js';
import { ACTIVATIONS } from '../../dist/ops/names.js';
import { randomMatrix } from './_reference.mjs';

const { layers, initializers } = sinew;

let dir;
test.before(async () => {
  await sinew.init();
  dir = await mkdtemp(join(tmpdir(), 'sinew-errors-'));
});
test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const N = 12;

function model(loss = 'categoricalCrossentropy') {
  const m = sinew.sequential({
    layers: [
      layers.dense({ units: 6, activation: 'relu', inputShape: [4], kernelInitializer: initializers.glorotUniform(1) }),
      layers.dense({ units: 3, activation: 'softmax', kernelInitializer: initializers.glorotUniform(2) }),
    ],
  });
  m.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 0.05 }), loss, metrics: ['accuracy'] });
  return m;
}

const goodX = () => sinew.tensor(randomMatrix(N, 4, 3), [N, 4]);
const goodY = () => sinew.tensor(Array.from({ length: N }, (_, i) => [0, 1, 2].map((c) => (c === i % 3 ? 1 : 0))));

/** A fit on good data works, and the loss goes down. */
async function fitsAfterwards(t, m) {
  const x = goodX(), y = goodY();
  const h = await m.fit(x, y, { epochs: 5, batchSize: 4, verbose: 0 });
  t.is(h.history.loss.length, 5);
  t.true(h.history.loss.every(Number.isFinite));
  t.true(h.history.loss[4] < h.history.loss[0], 'the loss goes down after the error');
  x.dispose();
  y.dispose();
}

/**
 * `fn` (an async fit or similar) throws `type` with a message matching `re`,
 * every time, and `sinew.memory().numTensors` does not grow over 5 attempts.
 */
async function failsCleanly(t, fn, type, re) {
  const e = await t.throwsAsync(fn, { instanceOf: type });
  t.regex(e.message, re);
  t.true(e instanceof sinew.SinewError);
  const before = sinew.memory().numTensors;
  for (let i = 0; i < 5; i++) await t.throwsAsync(fn, { instanceOf: type, message: re });
  t.is(sinew.memory().numTensors, before, `tensors leaked by failed calls: ${sinew.memory().numTensors - before}`);
  return e;
}

// Serial: each test checks the global tensor count.

test.serial('wrong input shape: ShapeError naming the expected and the actual shape (fit, evaluate, predict)', async (t) => {
  const m = model();
  const x = sinew.tensor(randomMatrix(N, 5, 1), [N, 5]);
  const y = goodY();
  await failsCleanly(t, () => m.fit(x, y, { epochs: 1, verbose: 0 }), sinew.ShapeError, /fit: expected input shape \[batch,4\], got \[12,5\]/);
  const x3 = sinew.zeros([N, 2, 2]);
  await failsCleanly(t, () => m.fit(x3, y, { epochs: 1, verbose: 0 }), sinew.ShapeError, /expected input shape \[batch,4\], got \[12,2,2\]/);
  await failsCleanly(t, async () => m.evaluate(x, y), sinew.ShapeError, /evaluate: expected input shape \[batch,4\], got \[12,5\]/);
  await failsCleanly(t, async () => m.predict(x), sinew.ShapeError, /predict: expected input shape \[batch,4\], got \[12,5\]/);
  await fitsAfterwards(t, m);
  for (const o of [m, x, x3, y]) o.dispose();
});

test.serial('labels of the wrong length or width: ShapeError with both sizes', async (t) => {
  const m = model();
  const x = goodX();
  const y9 = sinew.tensor(Array.from({ length: 9 }, () => [1, 0, 0]));
  await failsCleanly(t, () => m.fit(x, y9, { epochs: 1, verbose: 0 }), sinew.ShapeError, /x has 12 samples but y has 9/);
  const y2 = sinew.zeros([N, 2]);
  await failsCleanly(t, () => m.fit(x, y2, { epochs: 1, verbose: 0 }), sinew.ShapeError, /y must be float32 of shape \[n,3\] to match the model output, got float32 \[12,2\]/);
  const idx = sinew.tensor(Array.from({ length: N }, (_, i) => i % 3));
  await failsCleanly(t, () => m.fit(x, idx, { epochs: 1, verbose: 0 }), sinew.ShapeError, /got float32 \[12\] \(class indices need sparseCategoricalCrossentropy, or one-hot them\)/);
  // validation data too
  const y = goodY();
  await failsCleanly(t, () => m.fit(x, y, { epochs: 1, verbose: 0, validationData: [x, y9] }), sinew.ShapeError, /fit \(validationData\): x has 12 samples but y has 9/);
  await fitsAfterwards(t, m);
  for (const o of [m, x, y, y9, y2, idx]) o.dispose();
});

test.serial('sparse labels: the int32 copy of float labels is freed when validation data is rejected', async (t) => {
  const m = model('sparseCategoricalCrossentropy');
  const x = goodX();
  const y = sinew.tensor(Array.from({ length: N }, (_, i) => i % 3)); // float32 class indices: fit makes an int32 copy
  const vy = sinew.tensor([0, 1]);
  await failsCleanly(t, () => m.fit(x, y, { epochs: 1, verbose: 0, validationData: [x, vy] }), sinew.ShapeError, /x has 12 samples but y has 2/);
  const nanVx = sinew.tensor(Array.from({ length: 2 }, () => [NaN, 0, 0, 0]));
  await failsCleanly(t, () => m.fit(x, y, { epochs: 1, verbose: 0, validationData: [nanVx, vy] }), sinew.InvalidArgumentError, /x contains 2 NaN or infinite value\(s\)/);
  const h = await m.fit(x, y, { epochs: 5, batchSize: 4, verbose: 0 });
  t.true(h.history.loss[4] < h.history.loss[0]);
  for (const o of [m, x, y, vy, nanVx]) o.dispose();
});

test.serial('NaN or Infinity in the data: InvalidArgumentError mentioning NaN, saying x or y and how many', async (t) => {
  const m = model();
  const xv = randomMatrix(N, 4, 3);
  xv[5] = NaN;
  xv[9] = NaN;
  const x = sinew.tensor(xv, [N, 4]);
  const y = goodY();
  await failsCleanly(t, () => m.fit(x, y, { epochs: 1, verbose: 0 }), sinew.InvalidArgumentError, /fit: x contains 2 NaN or infinite value\(s\)/);
  const yv = goodY();
  const yBad = sinew.tidy(() => sinew.mul(yv, sinew.tensor(Array.from({ length: N }, (_, i) => [i === 4 ? Infinity : 1, 1, 1]))));
  const x2 = goodX();
  await failsCleanly(t, () => m.fit(x2, yBad, { epochs: 1, verbose: 0 }), sinew.InvalidArgumentError, /fit: y contains 1 NaN or infinite value\(s\)/);
  await failsCleanly(t, async () => m.evaluate(x, y), sinew.InvalidArgumentError, /evaluate: x contains 2 NaN/);
  await fitsAfterwards(t, m);
  for (const o of [m, x, x2, y, yv, yBad]) o.dispose();
});

test.serial('a loss that diverges to NaN/Infinity stops fit with an InvalidArgumentError naming the epoch and batch', async (t) => {
  const m = sinew.sequential({ layers: [layers.dense({ units: 1, inputShape: [4], kernelInitializer: initializers.glorotUniform(1) })] });
  m.compile({ optimizer: new sinew.optimizers.SGD({ learningRate: 1e18 }), loss: 'mse' });
  const x = sinew.fill([8, 4], 100);
  const y = sinew.fill([8, 1], 1);
  const saved = m.getWeights();
  const before = sinew.memory().numTensors;
  const e = await t.throwsAsync(() => m.fit(x, y, { epochs: 5, batchSize: 4, verbose: 0 }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /the loss became (NaN|Infinity|-Infinity) at epoch \d+, batch \d+; lower the learning rate or check the data/);
  t.is(sinew.memory().numTensors, before);
  m.setWeights(saved);
  m.compile({ optimizer: new sinew.optimizers.SGD({ learningRate: 1e-4 }), loss: 'mse' });
  const h = await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
  t.true(h.history.loss.every(Number.isFinite));
  for (const o of [m, x, y, ...saved]) o.dispose();
});

test.serial('unknown activation, loss, optimizer and metric names: InvalidArgumentError listing the choices', async (t) => {
  let e = t.throws(() => layers.dense({ units: 2, activation: 'relux', inputShape: [4] }), { instanceOf: sinew.InvalidArgumentError });
  // Every activation the engine lists (names.test.mjs checks ACTIVATIONS against it), then softmax.
  t.true(e.message.endsWith(`unknown activation 'relux' (expected one of ${[...ACTIVATIONS, 'softmax'].join(', ')})`), e.message);
  t.true(e.message.includes('linear, relu, leakyRelu, elu, sigmoid, tanh, softplus, gelu, swish,'), e.message);
  e = t.throws(() => layers.conv2d({ filters: 2, kernelSize: 3, activation: 'swishy', inputShape: [4, 4, 1] }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /unknown activation 'swishy' \(expected one of .*relu.*\)/);

  const m = model();
  const x = goodX(), y = goodY();
  const h0 = await m.fit(x, y, { epochs: 1, verbose: 0 });
  const opt = m.compiled.optimizer;
  const state = { iterations: opt.iterations, slots: opt.numSlotTensors };
  t.true(state.slots > 0);
  e = t.throws(() => m.compile({ optimizer: 'adam', loss: 'crossentropy' }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /unknown loss 'crossentropy' \(expected one of meanSquaredError, meanAbsoluteError, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy, hinge, logcosh, kullbackLeiblerDivergence, cosineProximity, huber, mse, MSE, mae, MAE, kld, KLD, klDivergence, logCosh, huberLoss, cosineSimilarity, cosine\)/);
  e = t.throws(() => m.compile({ optimizer: 'adamm', loss: 'categoricalCrossentropy' }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /unknown optimizer 'adamm' \(expected one of sgd, adam, adamw, adamax, rmsprop, adagrad, or an Optimizer\)/);
  e = t.throws(() => m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy', 'f1'] }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /unknown metric 'f1' \(expected accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, mse, mae, precision, recall or topKCategoricalAccuracy\)/);
  e = t.throws(() => m.compile({ optimizer: 'adam' }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /compile: needs an optimizer and a loss/);
  // the earlier compile is still in force with its optimizer state (a failed compile changes nothing) and fit still works
  t.is(m.compiled.optimizer, opt);
  t.deepEqual({ iterations: opt.iterations, slots: opt.numSlotTensors }, state);
  t.deepEqual(Object.keys(h0.history).sort(), ['acc', 'loss']);
  const h = await m.fit(x, y, { epochs: 1, verbose: 0 });
  t.deepEqual(Object.keys(h.history).sort(), ['acc', 'loss']);
  // and recompiling with good names works
  m.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['acc'] });
  await fitsAfterwards(t, m);
  for (const o of [m, x, y]) o.dispose();
});

test.serial('a first layer without inputShape, fit before compile, bad fit arguments', async (t) => {
  let e = t.throws(() => sinew.sequential({ layers: [layers.dense({ units: 3 })] }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /the first layer needs an inputShape \(e\.g\. dense\(\{ units: 10, inputShape: \[784\] \}\)\)/);
  const s = sinew.sequential();
  e = t.throws(() => s.add(layers.dense({ units: 3 })), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /first layer needs an inputShape/);
  t.is(s.layers.length, 0);
  t.throws(() => layers.dense({ units: 3, inputShape: [0] }), { instanceOf: sinew.InvalidArgumentError, message: /inputShape must be positive integers, got \[0\]/ });

  const m = sinew.sequential({ layers: [layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
  const x = goodX(), y = goodY();
  await failsCleanly(t, () => m.fit(x, y, { verbose: 0 }), sinew.NotInitializedError, /fit: call compile\(\) first/);
  await failsCleanly(t, async () => m.evaluate(x, y), sinew.NotInitializedError, /evaluate: call compile\(\) first/);
  m.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
  await failsCleanly(t, () => m.fit(x, y, { epochs: 1.5, verbose: 0 }), sinew.InvalidArgumentError, /epochs must be a non-negative integer, got 1\.5/);
  await failsCleanly(t, () => m.fit(x, y, { batchSize: 0, verbose: 0 }), sinew.InvalidArgumentError, /batchSize must be a positive integer, got 0/);
  await failsCleanly(t, () => m.fit(x, y, { validationSplit: 1, verbose: 0 }), sinew.InvalidArgumentError, /validationSplit must be in \[0, 1\), got 1/);
  await failsCleanly(t, () => m.fit(x, y, { validationSplit: 0.01, verbose: 0 }), sinew.InvalidArgumentError, /validationSplit 0\.01 leaves no training or no validation samples out of 12/);
  await fitsAfterwards(t, m);
  for (const o of [m, x, y]) o.dispose();
});

test.serial('a callback that throws ends fit with its error and leaks nothing', async (t) => {
  const m = model();
  const x = goodX(), y = goodY();
  class Boom extends Error {}
  await t.throwsAsync(() => m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: { onBatchEnd: (b) => { if (b === 1) throw new Boom('stop here'); } } }), { instanceOf: Boom });
  const before = sinew.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    await t.throwsAsync(() => m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, validationSplit: 0.25, callbacks: { onEpochEnd: () => { throw new Boom('epoch'); } } }), { instanceOf: Boom });
  }
  t.is(sinew.memory().numTensors, before);
  // EarlyStopping on a metric that is not logged says which ones are
  await t.throwsAsync(() => m.fit(x, y, { epochs: 2, verbose: 0, callbacks: [new sinew.EarlyStopping({ monitor: 'val_loss' })] }), {
    instanceOf: sinew.InvalidArgumentError,
    message: /EarlyStopping: 'val_loss' is not in the epoch logs \(available: loss, acc\); validation metrics need validationData or validationSplit/,
  });
  t.is(sinew.memory().numTensors, before);
  await fitsAfterwards(t, m);
  for (const o of [m, x, y]) o.dispose();
});

// --- malformed saved models ---------------------------------------------------

/** A saved good model, returned as its files' contents. */
async function savedModel() {
  const m = model();
  const path = join(dir, `good-${Math.random().toString(36).slice(2)}`);
  await m.save(pathToFileURL(path).href);
  m.dispose();
  return { json: JSON.parse(await readFile(join(path, 'model.json'), 'utf8')), bin: await readFile(join(path, 'weights.bin')) };
}

/** Writes a model directory and returns its file:// URL. */
async function writeModel(name, json, bin) {
  const path = join(dir, name);
  await rm(path, { recursive: true, force: true });
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'model.json'), typeof json === 'string' ? json : JSON.stringify(json));
  if (bin) await writeFile(join(path, 'weights.bin'), bin);
  return pathToFileURL(path).href;
}

test.serial('malformed model.json: each problem gives an InvalidArgumentError (or ShapeError) saying what is wrong, and nothing leaks', async (t) => {
  const { json, bin } = await savedModel();
  const clone = () => structuredClone(json);
  // the good one loads
  const ok = await sinew.loadLayersModel(await writeModel('ok', json, bin));
  t.is(ok.countParams(), 4 * 6 + 6 + 6 * 3 + 3);
  ok.dispose();

  const cases = [];
  cases.push(['not JSON', await writeModel('not-json', '{"modelTopology": {', bin), sinew.InvalidArgumentError, /model\.json: not valid JSON: .*truncated or not JSON\?/]);
  cases.push(['empty file', await writeModel('empty', '', bin), sinew.InvalidArgumentError, /model\.json: not valid JSON: the file is empty/]);
  cases.push(['a JSON array', await writeModel('array', '[1, 2]', bin), sinew.InvalidArgumentError, /model\.json: expected a JSON object, got an array/]);
  { const j = clone(); delete j.modelTopology; cases.push(['missing modelTopology', await writeModel('no-topology', j, bin), sinew.InvalidArgumentError, /model\.json: missing 'modelTopology'/]); }
  { const j = clone(); delete j.weightsManifest; cases.push(['missing weightsManifest', await writeModel('no-manifest', j, bin), sinew.InvalidArgumentError, /model\.json: missing 'weightsManifest'/]); }
  { const j = clone(); j.format = 'graph-model'; cases.push(['graph model', await writeModel('graph', j, bin), sinew.InvalidArgumentError, /format is "graph-model"; Sinew loads 'layers-model' models/]); }
  { const j = clone(); j.modelTopology.class_name = 'Model'; cases.push(['a Sequential config labelled as a functional model', await writeModel('functional', j, bin), sinew.InvalidArgumentError, /a functional model config needs layers, input_layers and output_layers arrays/]); }
  { const j = clone(); j.modelTopology.class_name = 'Graph'; cases.push(['an unknown model class', await writeModel('unknown-model-class', j, bin), sinew.InvalidArgumentError, /expected a Sequential or functional \(Model\) model, got class_name "Graph"/]); }
  { const j = clone(); j.modelTopology.config.layers = []; cases.push(['no layers', await writeModel('no-layers', j, bin), sinew.InvalidArgumentError, /modelTopology\.config\.layers must be a non-empty array/]); }
  {
    // the unknown class is the second layer: the first one was already built
    const j = clone();
    j.modelTopology.config.layers[1].class_name = 'FancyDense';
    cases.push(['unknown layer class', await writeModel('unknown-class', j, bin), sinew.InvalidArgumentError, /unknown layer class 'FancyDense' \(known: Activation, Add, .*, Conv2D, Dense, .*, Reshape, .*Subtract.*; register custom layers with registerLayer\)/]);
  }
  { const j = clone(); j.modelTopology.config.layers[1].config.activation = 'mish'; cases.push(['unknown activation in a layer config', await writeModel('bad-activation', j, bin), sinew.InvalidArgumentError, /unknown activation 'mish'/]); }
  cases.push(['weights.bin missing', await writeModel('no-bin', json, null), sinew.InvalidArgumentError, /weights\.bin: a weights file named in .*model\.json does not exist/]);
  cases.push(['weights.bin truncated', await writeModel('truncated', json, bin.subarray(0, bin.length - 6)), sinew.InvalidArgumentError, new RegExp(`weights\\.bin: truncated: ${bin.length - 6} bytes, but .*model\\.json's weightsManifest describes ${bin.length} bytes \\(weight '[\\w/]+bias' \\[3\\] float32 at bytes ${bin.length - 12}\\.\\.${bin.length} is cut off\\)`)]);
  cases.push(['weights.bin with extra bytes', await writeModel('extra-bytes', json, Buffer.concat([bin, Buffer.alloc(8)])), sinew.InvalidArgumentError, new RegExp(`weights\\.bin: ${bin.length + 8} bytes, but .*describes only ${bin.length} bytes \\(8 extra bytes\\): the weights file does not belong to this model\\.json`)]);
  {
    // a weight the model needs is not in the manifest (and not in the file)
    const j = clone();
    const last = j.weightsManifest[0].weights.pop();
    cases.push(['a weight missing from the manifest', await writeModel('weight-missing', j, bin.subarray(0, bin.length - 12)), sinew.InvalidArgumentError, new RegExp(`weights: '${last.name}' is missing from the weights file \\(it has [\\w/]+kernel, `)]);
  }
  {
    // an extra weight no layer uses
    const j = clone();
    j.weightsManifest[0].weights.push({ name: 'stray/kernel', shape: [2], dtype: 'float32' });
    cases.push(['an extra weight', await writeModel('weight-extra', j, Buffer.concat([bin, Buffer.alloc(8)])), sinew.InvalidArgumentError, /weights: the file has weights no layer uses: stray\/kernel/]);
  }
  {
    // a weight of the wrong shape (same byte size)
    const j = clone();
    const k = j.weightsManifest[0].weights[0];
    k.shape = [6, 4];
    cases.push(['a weight of the wrong shape', await writeModel('weight-shape', j, bin), sinew.ShapeError, new RegExp(`weights: '${k.name}' has shape \\[6,4\\] in the file but the layer needs \\[4,6\\]`)]);
  }
  {
    const j = clone();
    j.weightsManifest[0].weights[0].dtype = 'float64';
    cases.push(['an unknown dtype', await writeModel('weight-dtype', j, bin), sinew.InvalidArgumentError, /unknown dtype "float64"/]);
  }
  cases.push(['no model at all', pathToFileURL(join(dir, 'nothing-here')).href, sinew.InvalidArgumentError, /model\.json: model\.json does not exist/]);

  const m = model();
  const before = sinew.memory().numTensors;
  for (const [what, url, type, re] of cases) {
    for (let i = 0; i < 3; i++) {
      const e = await t.throwsAsync(() => sinew.loadLayersModel(url), { instanceOf: type }, what);
      t.regex(e.message, re, what);
    }
    t.is(sinew.memory().numTensors, before, `${what}: tensors leaked by failed loads: ${sinew.memory().numTensors - before}`);
  }
  await fitsAfterwards(t, m);
  m.dispose();
});
