// A missing or wrong tensor argument to any op (null, undefined, a number
// where only a tensor goes, an array, a plain object) is an
// InvalidArgumentError naming the op and the argument — not a TypeError from
// deep inside — and leaves nothing allocated behind.
import test from 'ava';
import * as sinew from '../../dist/index.js';

test.before(async () => {
  await sinew.init();
});

const x = () => sinew.tensor([[1, 2], [3, 4]]);
/** Everything after the tensor in each chainable method's op: valid, so only the tensor is wrong. */
const REST = {
  pow: [2], clipByValue: [0, 1], leakyRelu: [0.2], elu: [1], reshape: [[4]], transpose: [], slice: [[0, 0]], gather: [[0]],
  oneHot: [3], pad: [[[0, 0], [0, 0]]], reverse: [0], split: [2], cast: ['float32'],
  add: [1], sub: [1], mul: [1], div: [1], maximum: [1], minimum: [1], matMul: [[[1]]],
};

function expectArgError(t, fn, pattern) {
  const e = t.throws(fn, { instanceOf: sinew.InvalidArgumentError });
  if (e) t.regex(e.message, pattern);
}

test('every chainable op: null or undefined where its tensor goes is an InvalidArgumentError naming the op and argument', (t) => {
  const before = sinew.memory().numTensors;
  for (const m of sinew.TENSOR_METHODS) {
    for (const bad of [null, undefined]) {
      // concat/stack take a list; the method form puts the tensor first in it.
      const call = m === 'concat' || m === 'stack' ? () => sinew[m]([bad]) : () => sinew[m](bad, ...(REST[m] ?? []));
      const name = m === 'oneHot' ? 'indices' : '(x|a|base|logits|tensors\\[0\\])';
      const what = m === 'oneHot' ? 'an int32 tensor or an array of integers' : `a Tensor${['add', 'sub', 'mul', 'div', 'maximum', 'minimum'].includes(m) ? ' or a number' : ''}`;
      expectArgError(t, call, new RegExp(`^${m}: ${name} must be ${what}, got ${bad}$`));
    }
  }
  t.is(sinew.memory().numTensors, before, 'no tensor left behind');
});

test('the other tensor arguments are named too, and other wrong values are described', (t) => {
  const a = x(), f = sinew.ones([1, 1, 1, 1]), img = sinew.ones([1, 2, 2, 1]), seq = sinew.ones([1, 3, 1]);
  const before = sinew.memory().numTensors;
  const cases = [
    [() => sinew.add(a, null), /^add: b must be a Tensor or a number, got null$/],
    [() => a.mul(undefined), /^mul: b must be a Tensor or a number, got undefined$/],
    [() => sinew.pow(a, null), /^pow: exp must be a Tensor or a number, got null$/],
    [() => sinew.matMul(a, null), /^matMul: b must be a Tensor, got null$/],
    [() => sinew.relu(3), /^relu: x must be a Tensor, got the number 3$/],
    [() => sinew.sigmoid([1, 2]), /^sigmoid: x must be a Tensor, got an array \(sinew\.tensor\(values\) makes one a Tensor\)$/],
    [() => sinew.sum({ shape: [2] }), /^sum: x must be a Tensor, got a plain object$/],
    [() => sinew.exp('1'), /^exp: x must be a Tensor, got the string '1'$/],
    [() => sinew.concat([a, null]), /^concat: tensors\[1\] must be a Tensor, got null$/],
    [() => sinew.concat(a), /^concat: tensors must be an array of Tensors, got a Tensor$/],
    [() => sinew.stack([a, undefined]), /^stack: tensors\[1\] must be a Tensor, got undefined$/],
    [() => sinew.where(a, null, a), /^where: a must be a Tensor, got null$/],
    [() => sinew.where(undefined, a, a), /^where: condition must be a Tensor, got undefined$/],
    [() => sinew.softmaxCrossEntropy(null, a), /^softmaxCrossEntropy: labels must be a Tensor, got null$/],
    [() => sinew.conv2d(img, null, 1, 'same'), /^conv2d: filter must be a Tensor, got null$/],
    [() => sinew.conv2d(undefined, f, 1, 'same'), /^conv2d: x must be a Tensor, got undefined$/],
    [() => sinew.fused.conv2d({ x: img, filter: f, bias: 3 }), /^conv2d: bias must be a Tensor, got the number 3$/],
    [() => sinew.fused.matMul({ a, b: undefined }), /^fused\.matMul: b must be a Tensor, got undefined$/],
    [() => sinew.conv2dBackpropInput([1, 2, 2, 1], null, f), /^conv2dBackpropInput: dy must be a Tensor, got null$/],
    [() => sinew.conv2dBackpropFilter(img, null, [1, 1, 1, 1]), /^conv2dBackpropFilter: dy must be a Tensor, got null$/],
    [() => sinew.maxPool(null, 2), /^maxPool: x must be a Tensor, got null$/],
    [() => sinew.avgPool(undefined, 2), /^avgPool: x must be a Tensor, got undefined$/],
    [() => sinew.maxPoolBackward(img, null, 2), /^maxPoolBackward: dy must be a Tensor, got null$/],
    [() => sinew.conv1d(seq, null), /^conv1d: filter must be a Tensor, got null$/],
    [() => sinew.dropout(null, 0.5), /^dropout: x must be a Tensor, got null$/],
    [() => sinew.argMin(null), /^argMin: x must be a Tensor, got null$/],
    [() => sinew.expandDims(null), /^expandDims: x must be a Tensor, got null$/],
    [() => sinew.unstack(undefined), /^unstack: x must be a Tensor, got undefined$/],
  ];
  for (const [fn, pattern] of cases) expectArgError(t, fn, pattern);
  t.is(sinew.memory().numTensors, before, 'no tensor left behind');
  // The engine is still usable.
  t.deepEqual(sinew.add(a, 1).arraySync(), [[2, 3], [4, 5]]);
  sinew.dispose([a, f, img, seq]);
});

// Found by calling every export with null/undefined/strings/objects (issue 13
// follow-up): these were plain TypeErrors ("Cannot read properties of null").
test('arguments beside the tensors, gradient functions, options objects and layer factories: typed errors too', (t) => {
  const a = x();
  const before = sinew.memory().numTensors;
  const cases = [
    [() => sinew.pad(a, null), /^pad: paddings must be an array of \[before, after\] pairs, got null$/],
    [() => sinew.pad(a, [null, [0, 0]]), /^pad: paddings must be pairs of non-negative integers, got \[null,\[0,0\]\]$/],
    [() => sinew.squeeze(a, 'x'), /^squeeze: axis must be an array of axes, got string$/],
    [() => a.concat(null), /^concat: tensors\[1\] must be a Tensor, got null$/],
    [() => a.stack(undefined), /^stack: tensors\[1\] must be a Tensor, got undefined$/],
    [() => sinew.keep(null), /^keep: expected a Tensor, got null$/],
    [() => sinew.keep(3), /^keep: expected a Tensor, got the number 3$/],
    [() => sinew.variable(null), /^variable: initial must be a Tensor, got null$/],
    [() => sinew.grad(null), /^grad: f must be a function, got null$/],
    [() => sinew.grad((v) => sinew.sum(v))(null), /^grad: x must be a Tensor, got null$/],
    [() => sinew.valueAndGrad((v) => sinew.sum(v))(undefined), /^valueAndGrad: x must be a Tensor, got undefined$/],
    [() => sinew.grads((v) => sinew.sum(v))(null), /^grads: xs must be an array of Tensors, got null$/],
    [() => sinew.valueAndGrads('f'), /^valueAndGrads: f must be a function, got string$/],
    [() => sinew.variableGrads(null), /^variableGrads: f must be a function, got null$/],
    [() => sinew.variableGrads(() => sinew.sum(a), null), /^variableGrads: varList must be an array of Tensors, got null$/],
    [() => sinew.fused.matMul(null), /^fused\.matMul: expected an options object, got null$/],
    [() => sinew.fused.conv2d(undefined), /^conv2d: x must be a Tensor, got undefined$/],
    [() => sinew.fused.depthwiseConv2d(3), /^fused\.depthwiseConv2d: expected an options object, got the number 3$/],
    [() => sinew.layers.dense(null), /^layers\.dense: expected an options object, got null$/],
    [() => sinew.layers.dense(), /^dense_\d+: units must be a positive integer, got undefined$/],
    [() => sinew.layers.lstm(5), /^layers\.lstm: expected an options object, got the number 5$/],
    [() => sinew.layers.reshape(), /^reshape_\d+: targetShape must be an array of sizes \(-1 for one inferred size\), got undefined$/],
    [() => sinew.sequential(null), /^sequential: expected an options object, got null$/],
    [() => sinew.input(null), /^input: expected an options object, got null$/],
    // Any count divides an empty dimension: this one ended the process (JS heap out of memory; found by the fuzz test).
    [() => sinew.tidy(() => sinew.split(sinew.zeros([0, 3]), 2 ** 31)), /^split: 2147483648 empty parts of dimension 0 of \[0,3\] \(at most 65536\)$/],
  ];
  for (const [fn, pattern] of cases) expectArgError(t, fn, pattern);
  t.is(sinew.memory().numTensors, before, 'no tensor left behind');
  t.deepEqual(sinew.squeeze(sinew.ones([2, 1]), 1).shape, [2], 'a single axis number, as TF.js takes it');
  t.deepEqual(sinew.split(sinew.zeros([0, 3]), 2).map((p) => p.shape), [[0, 3], [0, 3]], 'empty parts as TF.js makes them');
  t.deepEqual(sinew.add(a, 1).arraySync(), [[2, 3], [4, 5]]);
  a.dispose();
});

test('losses and metrics name themselves and the argument', (t) => {
  const y = sinew.tensor([[0, 1]]);
  const cases = [
    [() => sinew.losses.meanSquaredError(null, y), /^losses\.meanSquaredError: yTrue must be a Tensor, got null$/],
    [() => sinew.losses.softmaxCrossEntropy(y, undefined), /^losses\.softmaxCrossEntropy: logits must be a Tensor, got undefined$/],
    [() => sinew.losses.sparseCategoricalCrossentropy([1], y), /^losses\.sparseCategoricalCrossentropy: yTrue must be a Tensor, got an array/],
    [() => sinew.losses.binaryCrossentropy(y, 0.5), /^losses\.binaryCrossentropy: yPred must be a Tensor, got the number 0\.5$/],
    [() => sinew.metrics.categoricalAccuracy(y, null), /^metrics\.categoricalAccuracy: yPred must be a Tensor, got null$/],
    [() => sinew.metrics.precision(undefined, y), /^metrics\.precision: yTrue must be a Tensor, got undefined$/],
    [() => sinew.metrics.topKCategoricalAccuracy(y, null, 1), /^metrics\.topKCategoricalAccuracy: yPred must be a Tensor, got null$/],
  ];
  const before = sinew.memory().numTensors;
  for (const [fn, pattern] of cases) expectArgError(t, fn, pattern);
  t.is(sinew.memory().numTensors, before, 'no tensor left behind');
  y.dispose();
});
