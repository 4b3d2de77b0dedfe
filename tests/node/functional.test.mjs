// Functional models (input → layer.apply → model): graph building, execution,
// merge layers, shared layers, nested models and errors. The reference is
// TensorFlow.js layers (CPU backend) running the same graph with the same
// weights: outputs must agree to 1e-5 (float32 on both sides; only summation
// order differs).
import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sinew from '../../dist/index.js';
import { gradCheck, uniform } from './_gradcheck.mjs';
import { randomMatrix, worstElementError as worst } from './_reference.mjs';

const { layers } = sinew;
const TOL = 1e-5;

test.before(async () => {
  await sinew.init();
  await tf.setBackend('cpu');
});


const rand = (shape, seed) => sinew.tensor(randomMatrix(shape[0], shape.slice(1).reduce((a, b) => a * b, 1), seed), shape);
const toTf = (t) => tf.tensor(t.dataSync(), t.shape);
/** Copies a Sinew layer's weights into the TF.js layer of the same role. */
const copyWeights = (from, to) => to.setWeights(from.weights.map(toTf));

test('two inputs, a residual connection and two outputs: predict matches TF.js on the same graph and weights', (t) => {
  // Sinew graph
  const a = sinew.input({ shape: [6], name: 'a' });
  const b = sinew.input({ shape: [4], name: 'b' });
  const d1 = layers.dense({ units: 6, activation: 'relu', name: 'd1' });
  const d2 = layers.dense({ units: 6, activation: 'tanh', name: 'd2' });
  const h = layers.add({ name: 'res' }).apply([a, d2.apply(d1.apply(a))]);
  const cat = layers.concatenate({ name: 'cat' }).apply([h, b]);
  const out1 = layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(cat);
  const out2 = layers.dense({ units: 1, name: 'reg' }).apply(h);
  const m = sinew.model({ inputs: [a, b], outputs: [out1, out2] });
  t.deepEqual(m.outputNames, ['cls', 'reg']);
  // Keras/TF.js order: by decreasing depth from the outputs, ties in order of first visit.
  t.deepEqual(m.layers.map((l) => l.name), ['a', 'd1', 'd2', 'res', 'b', 'cat', 'cls', 'reg']);
  t.deepEqual(out1.shape, [null, 3]);
  t.deepEqual(cat.shape, [null, 10]);

  // The same graph in TF.js
  const ta = tfl.input({ shape: [6] });
  const tb = tfl.input({ shape: [4] });
  const td1 = tfl.layers.dense({ units: 6, activation: 'relu' });
  const td2 = tfl.layers.dense({ units: 6, activation: 'tanh' });
  const th = tfl.layers.add().apply([ta, td2.apply(td1.apply(ta))]);
  const tcls = tfl.layers.dense({ units: 3, activation: 'softmax' });
  const treg = tfl.layers.dense({ units: 1 });
  const tm = tfl.model({ inputs: [ta, tb], outputs: [tcls.apply(tfl.layers.concatenate().apply([th, tb])), treg.apply(th)] });
  for (const [s, r] of [['d1', td1], ['d2', td2], ['cls', tcls], ['reg', treg]]) copyWeights(m.getLayer(s), r);
  t.deepEqual(m.layers.map((l) => l.className), tm.layers.map((l) => l.getClassName()));

  const xa = rand([9, 6], 1), xb = rand([9, 4], 2);
  const [p1, p2] = m.predict([xa, xb], { batchSize: 4 });
  const [r1, r2] = tm.predict([toTf(xa), toTf(xb)]);
  t.deepEqual(p1.shape, [9, 3]);
  t.deepEqual(p2.shape, [9, 1]);
  const e = Math.max(worst(p1.dataSync(), r1.dataSync()), worst(p2.dataSync(), r2.dataSync()));
  t.log(`worst difference vs TF.js: ${e.toExponential(2)}`);
  t.true(e <= TOL);

  // Name-keyed inputs give the same result.
  const [q1] = m.predict({ b: xb, a: xa });
  t.deepEqual(Array.from(q1.dataSync()), Array.from(p1.dataSync()));
  for (const x of [xa, xb, p1, p2, q1]) x.dispose();
  m.dispose();
});

test('merge layers match TF.js: add, subtract, multiply, average, maximum, minimum, concatenate (axes 1, 2, -1), dot', (t) => {
  const cases = [
    ['add', {}, [[2, 3, 4], [2, 3, 4], [2, 3, 4]]],
    ['subtract', {}, [[2, 3, 4], [2, 3, 4]]],
    ['multiply', {}, [[2, 5], [2, 5], [2, 5]]],
    ['average', {}, [[2, 5], [2, 5]]],
    ['maximum', {}, [[2, 5], [2, 5], [2, 5]]],
    ['minimum', {}, [[2, 5], [2, 5]]],
    ['add', {}, [[2, 1, 4], [2, 3, 4]]], // broadcasting a dimension of 1
    ['concatenate', { axis: 1 }, [[2, 3, 4], [2, 2, 4]]],
    ['concatenate', { axis: 2 }, [[2, 3, 4], [2, 3, 1], [2, 3, 2]]],
    ['concatenate', { axis: -1 }, [[2, 5], [2, 3]]],
    ['dot', { axes: 1 }, [[3, 5], [3, 5]]],
    ['dot', { axes: 1, normalize: true }, [[3, 5], [3, 5]]],
    ['dot', { axes: [2, 1] }, [[2, 3, 4], [2, 4, 5]]],
    ['dot', { axes: [1, 1] }, [[2, 3, 4], [2, 3, 5]]],
    ['dot', { axes: -1 }, [[2, 3, 4], [2, 2, 4]]],
  ];
  let seed = 10;
  for (const [kind, args, shapes] of cases) {
    const xs = shapes.map((s) => rand(s, seed++));
    const ins = shapes.map((s) => sinew.input({ shape: s.slice(1) }));
    const out = layers[kind](args).apply(ins);
    const m = sinew.model({ inputs: ins, outputs: out });
    const got = m.predict(xs);
    // TF.js has no Subtract layer: its reference is tf.sub.
    const ref = kind === 'subtract' ? tf.sub(toTf(xs[0]), toTf(xs[1])) : tfl.layers[kind](args).apply(xs.map(toTf));
    const what = `${kind} ${JSON.stringify(args)} on ${JSON.stringify(shapes)}`;
    t.deepEqual(got.shape, ref.shape, what);
    t.deepEqual(out.shape, [null, ...ref.shape.slice(1)], `${what}: symbolic shape`);
    t.true(worst(got.dataSync(), ref.dataSync()) <= TOL, what);
    for (const x of [...xs, got]) x.dispose();
  }
});

test('a shared layer applied twice has one set of weights, used by both calls', (t) => {
  const shared = layers.dense({ units: 3, activation: 'relu', name: 'shared' });
  const a = sinew.input({ shape: [4] }), b = sinew.input({ shape: [4] });
  const out = layers.subtract().apply([shared.apply(a), shared.apply(b)]);
  const m = sinew.model({ inputs: [a, b], outputs: out });
  t.is(m.weights.length, 2);
  t.is(m.countParams(), 4 * 3 + 3);
  t.is(shared.inboundNodes.length, 2);
  const xa = rand([5, 4], 1), xb = rand([5, 4], 2);
  const got = m.predict([xa, xb]);
  const ref = sinew.tidy(() => sinew.sub(shared.apply(xa), shared.apply(xb)));
  t.deepEqual(Array.from(got.dataSync()), Array.from(ref.dataSync()));
  t.regex(m.summary(null), /shared \(Dense\)[^\n]*\n\s+\[null,3\]\s+input_\d+\[0\]\[0\]/);
  for (const x of [xa, xb, got, ref]) x.dispose();
  m.dispose();
});

test('a model is a layer: nested inside another model it computes its own graph with its own weights', (t) => {
  const ix = sinew.input({ shape: [5] });
  const inner = sinew.model({ inputs: ix, outputs: layers.dense({ units: 4, activation: 'tanh' }).apply(ix), name: 'encoder' });
  const a = sinew.input({ shape: [5] }), b = sinew.input({ shape: [5] });
  const sim = layers.dot({ axes: 1, normalize: true }).apply([inner.apply(a), inner.apply(b)]);
  const outer = sinew.model({ inputs: [a, b], outputs: layers.dense({ units: 1, activation: 'sigmoid' }).apply(sim) });
  t.is(outer.weights.length, 4); // encoder kernel+bias (shared by both branches), head kernel+bias
  t.deepEqual(outer.outputShape, [null, 1]);
  const xa = rand([6, 5], 3), xb = rand([6, 5], 4);
  const got = outer.predict([xa, xb]);
  const ref = sinew.tidy(() => {
    const [ea, eb] = [inner.predict(xa), inner.predict(xb)];
    const cos = sinew.div(sinew.sum(sinew.mul(ea, eb), 1, true), sinew.sqrt(sinew.mul(sinew.sum(sinew.square(ea), 1, true), sinew.sum(sinew.square(eb), 1, true))));
    return outer.layers.at(-1).apply(cos);
  });
  t.true(worst(got.dataSync(), ref.dataSync()) <= TOL);
  t.regex(outer.summary(null), /encoder \(Model\)/);
  for (const x of [xa, xb, got, ref]) x.dispose();
  outer.dispose();
});

test('getLayer by name or index; summary lists every call and what it receives', (t) => {
  const x = sinew.input({ shape: [3], name: 'x' });
  const h = layers.dense({ units: 2, name: 'h' }).apply(x);
  const m = sinew.model({ inputs: x, outputs: layers.concatenate({ name: 'both' }).apply([h, x]) });
  t.is(m.getLayer('h').name, 'h');
  t.is(m.getLayer(undefined, 0).name, 'x');
  t.throws(() => m.getLayer('nope'), { instanceOf: sinew.InvalidArgumentError, message: /no layer named 'nope' \(layers: x, h, both\)/ });
  const s = m.summary(null);
  t.regex(s, /both \(Concatenate\)\s+\[null,5\]\s+0\s+h\[0\]\[0\], x\[0\]\[0\]/);
  t.regex(s, /Total params: 8/);
  m.dispose();
});

test('bad graphs and bad inputs throw typed errors naming the problem', (t) => {
  const a = sinew.input({ shape: [4], name: 'in_a' }), b = sinew.input({ shape: [4], name: 'in_b' });
  const s = layers.add().apply([a, b]);
  t.throws(() => sinew.model({ inputs: a, outputs: s }), { instanceOf: sinew.InvalidArgumentError, message: /graph disconnected: .* depends on input 'in_b'/ });
  t.throws(() => sinew.model({ inputs: [s], outputs: s }), { instanceOf: sinew.InvalidArgumentError, message: /must come from input\(\)/ });
  t.throws(() => layers.add().apply([a, sinew.input({ shape: [5] })]), { instanceOf: sinew.ShapeError, message: /same shape.*\[null,4\] and \[null,5\]/ });
  t.throws(() => layers.concatenate({ axis: 0 }).apply([a, b]), { instanceOf: sinew.InvalidArgumentError, message: /batch axis/ });
  t.throws(() => layers.dot({ axes: 1 }).apply([a, sinew.input({ shape: [3] })]), { instanceOf: sinew.ShapeError });
  t.throws(() => layers.subtract().apply([a, b, a]), { instanceOf: sinew.InvalidArgumentError, message: /exactly 2 inputs/ });
  t.throws(() => layers.add().apply(a), { instanceOf: sinew.InvalidArgumentError, message: /list of at least 2/ });
  t.throws(() => sinew.model({ inputs: [a, b], outputs: layers.add({ name: 'in_a' }).apply([a, b]) }), { instanceOf: sinew.InvalidArgumentError, message: /two different layers are named 'in_a'/ });
  t.throws(() => sinew.input({ shape: [0] }), { instanceOf: sinew.InvalidArgumentError });
  // a built (shared) layer refuses an input its weights do not fit when the graph is made
  const shared = layers.dense({ units: 2, name: 'fits4' });
  shared.apply(a);
  t.throws(() => shared.apply(sinew.input({ shape: [5] })), { instanceOf: sinew.ShapeError, message: /fits4: expected inputs with last dimension 4, got shape \[null,5\]/ });
  const m = sinew.model({ inputs: [a, b], outputs: s });
  const x4 = rand([2, 4], 1), x5 = rand([2, 5], 2), x3rows = rand([3, 4], 3);
  t.throws(() => m.predict(x4), { instanceOf: sinew.InvalidArgumentError, message: /2 inputs \(in_a, in_b\)/ });
  t.throws(() => m.predict([x4, x5]), { instanceOf: sinew.ShapeError, message: /input 'in_b' expects shape \[null,4\], got \[2,5\]/ });
  t.throws(() => m.predict([x4, x3rows]), { instanceOf: sinew.ShapeError, message: /different numbers of samples/ });
  t.throws(() => m.predict({ in_a: x4 }), { instanceOf: sinew.InvalidArgumentError, message: /missing input 'in_b'/ });
  t.throws(() => m.predict({ in_a: x4, in_b: x4, c: x4 }), { instanceOf: sinew.InvalidArgumentError, message: /unknown input name\(s\) c/ });
  t.throws(() => m.predict([[1, 2, 3, 4], x4]), { instanceOf: sinew.InvalidArgumentError, message: /input 'in_a' must be a Tensor, got an array/ });
  const one = sinew.model({ inputs: a, outputs: layers.dense({ units: 1 }).apply(a) });
  t.throws(() => one.predict([[1, 2, 3, 4], [5, 6, 7, 8]]), { instanceOf: sinew.InvalidArgumentError, message: /input must be a Tensor, got an array \(make it a tensor with sinew.tensor\)/ });
  // The engine is still usable and the model still predicts.
  const ok = m.predict([x4, x4]);
  t.deepEqual(ok.shape, [2, 4]);
  for (const x of [x4, x5, x3rows, ok]) x.dispose();
});

test('gradients through merge compositions match central differences: average, dot (2-D, batched, normalised), concatenate', (t) => {
  const run = (layer, shapes) =>
    gradCheck(t, (...xs) => layer.apply(xs), shapes.map((s, i) => uniform(s, 40 + i)));
  run(layers.average(), [[2, 3], [2, 3], [2, 3]]);
  run(layers.dot({ axes: 1 }), [[3, 4], [3, 4]]);
  run(layers.dot({ axes: [2, 1] }), [[2, 3, 4], [2, 4, 2]]);
  run(layers.dot({ axes: 1, normalize: true }), [[2, 4], [2, 4]]);
  run(layers.concatenate({ axis: 1 }), [[2, 2, 3], [2, 1, 3]]);
});

test('Sequential is the one-chain case: it starts from an InputLayer (its own, or an inputLayer given first), nests in a functional model, and saves its input shape', async (t) => {
  const s = sinew.sequential({ layers: [layers.inputLayer({ inputShape: [4] }), layers.dense({ units: 3, activation: 'tanh' }), layers.dense({ units: 2 })] });
  t.deepEqual(s.layers.map((l) => l.className), ['Dense', 'Dense']);
  t.deepEqual(s.inputShape, [null, 4]);
  t.deepEqual(s.toJSON().config.layers[0].config.batch_input_shape, [null, 4]);
  t.throws(() => s.add(layers.inputLayer({ inputShape: [2] })), { instanceOf: sinew.InvalidArgumentError, message: /only be the first layer/ });
  // used as a layer of a functional model, on two inputs (shared weights)
  const a = sinew.input({ shape: [4] }), b = sinew.input({ shape: [4] });
  const m = sinew.model({ inputs: [a, b], outputs: layers.add().apply([s.apply(a), s.apply(b)]) });
  t.is(m.countParams(), s.countParams());
  const xa = rand([3, 4], 7), xb = rand([3, 4], 8);
  const got = m.predict([xa, xb]);
  const ref = sinew.tidy(() => sinew.add(s.predict(xa), s.predict(xb)));
  t.true(worst(got.dataSync(), ref.dataSync()) <= TOL);
  // a round trip through the TF.js layers format keeps the nested Sequential
  let saved;
  await m.save({ save: async (art) => { saved = art; return { modelArtifactsInfo: {} }; } });
  const back = await sinew.loadLayersModel({ load: async () => saved });
  t.deepEqual(Array.from(back.predict([xa, xb]).dataSync()), Array.from(got.dataSync()));
  for (const x of [xa, xb, got, ref]) x.dispose();
  back.dispose();
  m.dispose();
});
