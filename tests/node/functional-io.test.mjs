// Functional models in the TensorFlow.js layers format: saved by Sinew and
// loaded back (bit-identical predictions), loaded by TF.js layers 4.22, and
// TF.js-saved functional models loaded by Sinew. The TF.js models are made
// here at test time (no fixture). Tolerance vs TF.js: 1e-5 (float32 both
// sides; only summation order differs).
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sinew from '../../dist/index.js';
import { randomMatrix, worstElementError as worst } from './_reference.mjs';
import { readSaved, writeTfArtifacts } from './_tfjs-io.mjs';

const { layers } = sinew;
const TOL = 1e-5;
const N = 7;
let dir;

test.before(async () => {
  await sinew.init();
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'sinew-functional-io-'));
});
test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const data = (cols, seed) => randomMatrix(N, cols, seed);
const list = (p) => (Array.isArray(p) ? p : [p]);
const values = (p) => list(p).map((t) => Array.from(t.dataSync()));

/**
 * A graph with everything: two inputs, a shared layer (two calls), a residual
 * add, concatenate, multiply, a cosine dot, a nested model called twice, two outputs.
 */
function sinewGraph({ nested = true } = {}) {
  const a = sinew.input({ shape: [6], name: 'a' });
  const b = sinew.input({ shape: [6], name: 'b' });
  const shared = layers.dense({ units: 6, activation: 'tanh', name: 'shared', biasInitializer: 'randomNormal' });
  const sa = shared.apply(a), sb = shared.apply(b);
  const res = layers.add({ name: 'res' }).apply([a, sa]);
  let ea = sa, eb = sb;
  if (nested) {
    const ix = sinew.input({ shape: [6], name: 'enc_in' });
    const enc = sinew.model({ inputs: ix, outputs: layers.dense({ units: 4, activation: 'relu', name: 'enc_dense', biasInitializer: 'randomNormal' }).apply(ix), name: 'encoder' });
    [ea, eb] = [enc.apply(sa), enc.apply(sb)];
  }
  const sim = layers.dot({ axes: 1, normalize: true, name: 'sim' }).apply([ea, eb]);
  const prod = layers.multiply({ name: 'prod' }).apply([res, sb]);
  const cat = layers.concatenate({ name: 'cat' }).apply([prod, sim]);
  const cls = layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(cat);
  const reg = layers.dense({ units: 2, name: 'reg', biasInitializer: 'randomNormal' }).apply(res);
  return sinew.model({ inputs: [a, b], outputs: [cls, reg], name: 'everything' });
}

const sinewInputs = () => [sinew.tensor(data(6, 1), [N, 6]), sinew.tensor(data(6, 2), [N, 6])];
const tfInputs = () => [tf.tensor2d(data(6, 1), [N, 6]), tf.tensor2d(data(6, 2), [N, 6])];

/** The same layers, parameter count and predictions (within TOL, and not trivially constant) in Sinew and TF.js; disposes both models. */
function samePredictions(t, m, tm) {
  t.deepEqual(m.layers.map((l) => [l.name, l.className]), tm.layers.map((l) => [l.name, l.getClassName()]));
  t.is(m.countParams(), tm.countParams());
  const ref = tm.predict(tfInputs());
  const xs = sinewInputs();
  const got = list(m.predict(xs));
  const e = Math.max(...got.map((g, i) => worst(g.dataSync(), ref[i].dataSync())));
  t.log(`worst difference vs TF.js: ${e.toExponential(2)}`);
  t.true(e <= TOL);
  const r = ref[1].dataSync();
  t.true(Math.max(...r) - Math.min(...r) > 0.1, 'non-trivial predictions');
  tf.dispose(ref);
  tm.dispose();
  for (const x of [...xs, ...got]) x.dispose();
  m.dispose();
}

test.serial('save → load: the graph (inbound_nodes, input/output layers, nested model) and weights come back; predictions are bit-identical', async (t) => {
  const m = sinewGraph();
  const path = join(dir, 'roundtrip');
  await m.save(path);
  const { json } = await readSaved(path);
  const top = json.modelTopology;
  t.is(top.class_name, 'Model');
  t.deepEqual(top.config.input_layers, [['a', 0, 0], ['b', 0, 0]]);
  t.deepEqual(top.config.output_layers, [['cls', 0, 0], ['reg', 0, 0]]);
  const entry = (name) => top.config.layers.find((l) => l.name === name);
  t.deepEqual(entry('a').inbound_nodes, []);
  t.deepEqual(entry('shared').inbound_nodes, [[['a', 0, 0, {}]], [['b', 0, 0, {}]]]);
  t.deepEqual(entry('encoder').inbound_nodes, [[['shared', 0, 0, {}]], [['shared', 1, 0, {}]]]);
  // Keras and TF.js count a nested model's internal call as its node 0: references to its calls start at 1.
  t.deepEqual(entry('sim').inbound_nodes, [[['encoder', 1, 0, {}], ['encoder', 2, 0, {}]]]);
  t.is(entry('encoder').class_name, 'Model');
  t.deepEqual(entry('encoder').config.layers.map((l) => l.name), ['enc_in', 'enc_dense']);
  t.deepEqual(entry('sim').config.axes, 1);
  t.true(entry('sim').config.normalize);
  t.is(json.weightsManifest[0].weights.length, m.weights.length);

  const loaded = await sinew.loadLayersModel(pathToFileURL(path).href);
  t.true(loaded instanceof sinew.LayersModel);
  t.deepEqual(loaded.layers.map((l) => l.name), m.layers.map((l) => l.name));
  t.deepEqual(loaded.outputNames, ['cls', 'reg']);
  t.is(loaded.countParams(), m.countParams());
  const xs = sinewInputs();
  t.deepEqual(values(loaded.predict(xs)), values(m.predict(xs)));
  // loadSequential refuses a functional model with a typed error
  await t.throwsAsync(sinew.loadSequential(path), { instanceOf: sinew.InvalidArgumentError, message: /functional model/ });
  for (const x of xs) x.dispose();
  loaded.dispose();
  m.dispose();
});

test.serial('a functional model saved by Sinew (with a nested model) loads in TF.js layers and predicts the same', async (t) => {
  const m = sinewGraph();
  const path = join(dir, 'sinew-to-tfjs');
  await m.save(path);
  const { json, weightData } = await readSaved(path);
  const tm = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
  samePredictions(t, m, tm);
});

test.serial('a functional model built and saved by TF.js layers 4.22 (with a nested model) loads in Sinew and predicts the same', async (t) => {
  const a = tfl.input({ shape: [6], name: 'a' });
  const b = tfl.input({ shape: [6], name: 'b' });
  const shared = tfl.layers.dense({ units: 6, activation: 'tanh', biasInitializer: 'randomNormal' });
  const sa = shared.apply(a), sb = shared.apply(b);
  const res = tfl.layers.add().apply([a, sa]);
  const ix = tfl.input({ shape: [6] });
  const enc = tfl.model({ inputs: ix, outputs: tfl.layers.dense({ units: 4, activation: 'relu', biasInitializer: 'randomNormal' }).apply(ix) });
  const sim = tfl.layers.dot({ axes: 1, normalize: true }).apply([enc.apply(sa), enc.apply(sb)]);
  const cat = tfl.layers.concatenate().apply([tfl.layers.multiply().apply([res, sb]), sim]);
  const cls = tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(tfl.layers.dropout({ rate: 0.3 }).apply(cat));
  const reg = tfl.layers.dense({ units: 2 }).apply(tfl.layers.maximum().apply([res, tfl.layers.average().apply([sa, sb])]));
  const tm = tfl.model({ inputs: [a, b], outputs: [cls, reg] });
  const path = join(dir, 'tfjs-to-sinew');
  const artifacts = await writeTfArtifacts(tm, path);
  t.regex(artifacts.generatedBy, /TensorFlow\.js tfjs-layers v4\.22/);
  t.is(artifacts.modelTopology.class_name, 'Model');

  const m = await sinew.loadLayersModel(pathToFileURL(path).href);
  samePredictions(t, m, tm);
});

/**
 * The Keras 3 spelling of a functional config, as keras/src/models/functional.py
 * writes it: class_name 'Functional', each call `{ args, kwargs }` with
 * `__keras_tensor__` arguments (one tensor, or a list for merge layers),
 * InputLayer `batch_shape`, and (with `flatRefs`) a single input/output as a bare ref.
 */
function toKeras3(config, flatRefs) {
  const kt = ([name, node, index]) => ({ class_name: '__keras_tensor__', config: { shape: null, dtype: 'float32', keras_history: [name, node, index] } });
  return {
    ...config,
    layers: config.layers.map((l) => {
      const cfg = { ...l.config };
      if (l.class_name === 'InputLayer') {
        cfg.batch_shape = cfg.batch_input_shape;
        delete cfg.batch_input_shape;
      }
      return {
        module: 'keras.layers',
        class_name: l.class_name === 'Model' ? 'Functional' : l.class_name,
        config: l.class_name === 'Model' ? toKeras3(cfg, true) : cfg,
        name: l.name,
        inbound_nodes: l.inbound_nodes.map((call) => ({ args: [call.length === 1 ? kt(call[0]) : call.map(kt)], kwargs: call.length === 1 ? { training: false } : {} })),
      };
    }),
    input_layers: flatRefs && config.input_layers.length === 1 ? config.input_layers[0] : config.input_layers,
    output_layers: flatRefs && config.output_layers.length === 1 ? config.output_layers[0] : config.output_layers,
  };
}

test.serial('the Keras 3 spelling of the same graph ({ args, kwargs } calls, __keras_tensor__ inputs, Functional, batch_shape) loads and predicts bit-identically', async (t) => {
  const m = sinewGraph();
  let art;
  await m.save({ save: async (a) => { art = a; return { modelArtifactsInfo: {} }; } });
  const top = { class_name: 'Functional', module: 'keras', config: toKeras3(art.modelTopology.config, false) };
  t.is(top.config.layers.find((l) => l.name === 'sim').inbound_nodes[0].args[0].length, 2);
  const back = await sinew.loadLayersModel({ load: async () => ({ ...art, modelTopology: top }) });
  const xs = sinewInputs();
  t.deepEqual(values(back.predict(xs)), values(m.predict(xs)));
  t.deepEqual(back.layers.map((l) => l.name), m.layers.map((l) => l.name));
  // a call argument Sinew cannot honour is refused by name
  const bad = structuredClone(top);
  bad.config.layers.find((l) => l.name === 'cls').inbound_nodes[0].kwargs = { mask: [1, 0] };
  await t.throwsAsync(sinew.loadLayersModel({ load: async () => ({ ...art, modelTopology: bad }) }), { instanceOf: sinew.InvalidArgumentError, message: /layer 'cls' call 0: call arguments \{"mask":\[1,0\]\} are not supported/ });
  for (const x of xs) x.dispose();
  back.dispose();
  m.dispose();
});

test.serial('corrupt graphs in model.json throw typed errors and free what was built', async (t) => {
  const m = sinewGraph({ nested: false });
  const path = join(dir, 'corrupt');
  await m.save(path);
  const { json } = await readSaved(path);
  const before = sinew.memory().numTensors;
  const variants = [
    [(top) => { top.config.layers.find((l) => l.name === 'cat').inbound_nodes[0][0][0] = 'nope'; }, /unknown layer 'nope'/],
    [(top) => { top.config.layers.find((l) => l.name === 'cat').inbound_nodes[0][0][1] = 5; }, /dangling or circular/],
    [(top) => { top.config.output_layers[0] = ['cls', 3, 0]; }, /output_layers\[0\] refers to a call that does not exist/],
    [(top) => { delete top.config.input_layers; }, /input_layers/],
  ];
  for (const [mutate, message] of variants) {
    const top = structuredClone(json.modelTopology);
    mutate(top);
    await writeFile(join(path, 'model.json'), JSON.stringify({ ...json, modelTopology: top }));
    await t.throwsAsync(sinew.loadLayersModel(path), { instanceOf: sinew.InvalidArgumentError, message });
  }
  t.is(sinew.memory().numTensors, before, 'no weights leaked by failed loads');
  m.dispose();
});
