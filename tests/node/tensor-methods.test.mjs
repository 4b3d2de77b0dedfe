// Chainable tensor methods (TF.js's `x.sub(m).div(s)`): every method in the
// table equals the op of the same name with the tensor as first argument,
// and the table has no method this test does not check.
import test from 'ava';
import * as sinew from '../../dist/index.js';

const { tensor } = sinew;

test.before(async () => {
  await sinew.init();
});

const X = () => tensor([[1.5, -2, 3], [0.25, 4, -0.5]]);
const P = () => tensor([[0.5, 2, 3], [0.25, 4, 1]]); // positive, for log/sqrt/pow
const I = () => tensor([2, 0, 1], [3], 'int32');

/** name → [receiver, arguments after it]. */
const CASES = {
  add: [X, [() => tensor([1, 2, 3])]], sub: [X, [2]], mul: [X, [() => tensor([[2], [3]])]], div: [X, [4]],
  pow: [P, [3]], maximum: [X, [0.3]], minimum: [X, [() => tensor(0.3)]],
  neg: [X, []], exp: [X, []], log: [P, []], sqrt: [P, []], abs: [X, []], square: [X, []], expm1: [X, []],
  reciprocal: [P, []], step: [X, []], clipByValue: [X, [-1, 1]],
  relu: [X, []], leakyRelu: [X, [0.1]], elu: [X, [0.5]], selu: [X, []], relu6: [() => tensor([[-1, 3, 7]]), []], sigmoid: [X, []], tanh: [X, []], softplus: [X, []],
  sum: [X, [1, true]], mean: [X, [0]], max: [X, [-1]], min: [X, []], argMax: [X, [-1]], argMin: [X, []],
  softmax: [X, [0]], logSoftmax: [X, []],
  matMul: [X, [() => tensor([[1], [2], [3]])]],
  reshape: [X, [[3, 2]]], transpose: [X, []], slice: [X, [[0, 1], [2, 2]]], gather: [X, [[2, 0], 1]], oneHot: [I, [4]],
  pad: [X, [[[1, 0], [0, 2]]]], reverse: [X, [1]],
  flatten: [X, []], expandDims: [X, [-1]], squeeze: [() => tensor([[[1], [2]]]), []], unstack: [X, [1]], split: [X, [[1, -1], 1]],
  cast: [X, ['int32']], clone: [I, []], zerosLike: [I, []], onesLike: [X, []],
};

/** Shapes, dtypes and values of a tensor or a list of them. */
const read = (r) => (Array.isArray(r) ? r.map(read) : { shape: [...r.shape], dtype: r.dtype, values: Array.from(r.dataSync()) });
const arg = (a) => (typeof a === 'function' ? a() : a);

test('every chainable method equals its op with the tensor as first argument', (t) => {
  const joins = ['concat', 'stack'];
  t.deepEqual([...sinew.TENSOR_METHODS].sort(), [...Object.keys(CASES), ...joins].sort(), 'each method of the table is checked here');
  for (const [name, [make, rawArgs]] of Object.entries(CASES)) {
    sinew.tidy(() => {
      const x = make();
      const args = rawArgs.map(arg);
      const method = x[name](...args);
      t.deepEqual(read(method), read(sinew[name](x, ...args)), name);
    });
  }
});

test('x.concat / x.stack take the other tensors (one or a list), as TF.js', (t) => {
  sinew.tidy(() => {
    const [a, b, c] = [X(), P(), X()];
    t.deepEqual(read(a.concat(b, 1)), read(sinew.concat([a, b], 1)));
    t.deepEqual(read(a.concat([b, c])), read(sinew.concat([a, b, c])));
    t.deepEqual(read(a.stack(b, 2)), read(sinew.stack([a, b], 2)));
    t.deepEqual(read(a.stack([b, c])), read(sinew.stack([a, b, c])));
  });
});

test('a chain standardises and classifies as the nested calls do, and is differentiable', (t) => {
  sinew.tidy(() => {
    const x = X();
    const [m, s] = [x.mean(0), x.sub(x.mean(0)).square().mean(0).sqrt()];
    const chained = x.sub(m).div(s).argMax(-1);
    const nested = sinew.argMax(sinew.div(sinew.sub(x, m), s), -1);
    t.deepEqual(read(chained), read(nested));
    t.deepEqual(Array.from(chained.dataSync()), [0, 1]); // rows standardise to [1, -1, 1] and [-1, 1, -1]
    // Methods record on the tape like the ops: d/dx sum(relu(x)·2) = 2·step(x).
    const g = sinew.grad((v) => v.relu().mul(2).sum())(x);
    t.deepEqual(Array.from(g.dataSync()), [2, 0, 2, 2, 2, 0]);
  });
});

test('methods are on variables too, and report errors as the ops do', (t) => {
  const v = sinew.variable(X());
  t.deepEqual(Array.from(v.add(1).dataSync()), [2.5, -1, 4, 1.25, 5, 0.5]);
  const e = t.throws(() => v.matMul(v));
  t.is(e.name, 'ShapeError');
  v.dispose();
});

// fused.matMul gives its output the shape [n, m] from its operands' shapes
// when the handles already know them (no engine call); it must equal what
// the engine holds, and an operand whose shape is not yet known still works.
test('fused.matMul output shape and dtype, from known and unknown operand shapes', (t) => {
  const a = tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
  const b = tensor([[1, 0], [0, 1], [1, 1], [2, -1]]);
  const bias = tensor([0.5, -0.5]);
  const want = [[12.5, 0.5], [28.5, 4.5], [44.5, 8.5]];
  const y = sinew.fused.matMul({ a, b, bias });
  t.deepEqual([...y.shape], [3, 2]);
  t.is(y.dtype, 'float32');
  t.deepEqual(y.arraySync(), want);
  const lazy = sinew.add(a, 0); // an op output: its shape is read from the engine on first use
  const z = sinew.fused.matMul({ a: lazy, b, bias, activation: 'relu' });
  t.deepEqual([...z.shape], [3, 2]);
  t.deepEqual(z.arraySync(), want.map((r) => r.map((v) => Math.max(v, 0))));
  // The engine's own shape of y (a reshape checks the element count against it).
  t.deepEqual([...sinew.reshape(y, [-1]).shape], [6]);
});
