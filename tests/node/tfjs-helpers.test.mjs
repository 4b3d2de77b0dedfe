// TF.js's tensor helpers, checked against TF.js itself (tfjs-core on the CPU
// backend): the same call on the same values gives the same shape, dtype and
// values; what Sinew cannot represent is refused with a typed error.
import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as sinew from '../../dist/index.js';

test.before(async () => {
  await sinew.init();
  await tf.setBackend('cpu');
});

const read = (r) => (Array.isArray(r) ? r.map(read) : { shape: [...r.shape], dtype: r.dtype, values: Array.from(r.dataSync()) });
/** Runs `f(lib)` on TF.js and on Sinew and compares what comes out. */
function same(t, what, f) {
  const want = tf.tidy(() => read(f(tf)));
  const got = sinew.tidy(() => read(f(sinew)));
  t.deepEqual(got, want, what);
}

const V = [[1.5, -2, 3], [0.25, 4, -0.5]];

test('tensor1d/2d/3d/4d and scalar: same tensors as TF.js, rank checked', (t) => {
  same(t, 'scalar', (l) => l.scalar(3.5));
  same(t, 'scalar int32', (l) => l.scalar(7, 'int32'));
  same(t, 'tensor1d', (l) => l.tensor1d([1, 2, 3]));
  same(t, 'tensor1d int32', (l) => l.tensor1d([1, 2, 3], 'int32'));
  same(t, 'tensor2d nested', (l) => l.tensor2d(V));
  same(t, 'tensor2d flat + shape', (l) => l.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]));
  same(t, 'tensor2d typed + shape', (l) => l.tensor2d(new Float32Array([1, 2, 3, 4]), [2, 2]));
  same(t, 'tensor3d', (l) => l.tensor3d([[[1], [2]], [[3], [4]]]));
  same(t, 'tensor4d flat', (l) => l.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2]));
  for (const [what, f] of [
    ['tensor2d of nested rank 1', () => sinew.tensor2d([1, 2, 3])],
    ['tensor1d of nested rank 2', () => sinew.tensor1d(V)],
    ['tensor3d with a 2-D shape', () => sinew.tensor3d([1, 2], [1, 2])],
    ['tensor2d flat without shape', () => sinew.tensor2d(new Float32Array(4))],
    ['tensor2d of a number', () => sinew.tensor2d(3)],
  ]) {
    t.throws(f, { name: 'InvalidArgumentError' }, what);
  }
});

test('expandDims, squeeze, flatten (reshape): TF.js shapes', (t) => {
  for (const axis of [0, 1, 2, -1, -3]) same(t, `expandDims ${axis}`, (l) => l.expandDims(l.tensor2d(V), axis));
  same(t, 'squeeze all', (l) => l.squeeze(l.tensor([[[1], [2]]])));
  same(t, 'squeeze axis', (l) => l.squeeze(l.tensor([[[1], [2]]]), [2]));
  same(t, 'flatten', (l) => l.reshape(l.tensor2d(V), [-1]));
  t.deepEqual(read(sinew.flatten(sinew.tensor2d(V))), read(sinew.reshape(sinew.tensor2d(V), [-1])));
  t.throws(() => sinew.squeeze(sinew.tensor([[1, 2]]), [1]), { name: 'ShapeError', message: 'squeeze: dimension 1 of [1,2] is 2, not 1' });
  t.throws(() => sinew.expandDims(sinew.tensor([1]), 3), { name: 'InvalidArgumentError' });
});

test('stack, unstack, split: TF.js values', (t) => {
  for (const axis of [0, 1, 2, -1]) same(t, `stack ${axis}`, (l) => l.stack([l.tensor2d(V), l.mul(l.tensor2d(V), 2)], axis));
  for (const axis of [0, 1, -1]) same(t, `unstack ${axis}`, (l) => l.unstack(l.tensor2d(V), axis));
  same(t, 'split count', (l) => l.split(l.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]), 2, 1));
  same(t, 'split sizes', (l) => l.split(l.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]), [1, 3], 1));
  same(t, 'split sizes with -1', (l) => l.split(l.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]), [1, -1, 1], -1));
  t.throws(() => sinew.split(sinew.tensor([1, 2, 3]), 2), { name: 'InvalidArgumentError', message: /2 does not divide dimension 0 of \[3\]/ });
  t.throws(() => sinew.split(sinew.tensor([1, 2, 3]), [1, 1]), { name: 'InvalidArgumentError', message: /do not add up/ });
  t.throws(() => sinew.stack([sinew.tensor([1]), sinew.tensor([1, 2])]), { name: 'ShapeError' });
  // Differentiable: the gradient of a split part is 1 on its slice.
  sinew.tidy(() => {
    const g = sinew.grad((x) => sinew.sum(sinew.split(x, [1, 2])[1]))(sinew.tensor([5, 6, 7]));
    t.deepEqual(Array.from(g.dataSync()), [0, 1, 1]);
  });
});

test('cast: float32 ↔ int32 as TF.js (truncation toward zero); no bool dtype', (t) => {
  same(t, 'float → int32', (l) => l.cast(l.tensor([1.7, -1.7, 0.5, -0.5, 3, 16777216]), 'int32'));
  same(t, 'int32 → float32', (l) => l.cast(l.tensor([3, -2], [2], 'int32'), 'float32'));
  same(t, 'float32 → float32', (l) => l.cast(l.tensor([1.25]), 'float32'));
  // An int32 cast is what embeddings and labels need: math ops refuse int32, cast back is how.
  t.deepEqual(Array.from(sinew.tidy(() => sinew.cast(sinew.tensor([1, 2], [2], 'int32'), 'float32').add(0.5).dataSync())), [1.5, 2.5]);
  t.throws(() => sinew.cast(sinew.tensor([1]), 'bool'), { name: 'DTypeError', message: /no 'bool'/ });
  t.throws(() => sinew.cast(sinew.tensor([NaN]), 'int32'), { name: 'DTypeError', message: /value NaN cannot be an int32/ });
  t.throws(() => sinew.cast(sinew.tensor([2 ** 25]), 'int32'), { name: 'DTypeError' });
  // The gradient of a float cast is the identity.
  sinew.tidy(() => t.deepEqual(Array.from(sinew.grad((x) => sinew.sum(sinew.mul(sinew.cast(x, 'float32'), 3)))(sinew.tensor([1, 2])).dataSync()), [3, 3]));
});

test('where: TF.js values with broadcasting; the branch not taken never leaks NaN or ∞', (t) => {
  const cond = [[1, 0, 1], [0, 0, 1]];
  const pick = (l, c) => (l === tf ? l.tensor(c, undefined, 'bool') : l.tensor(c, undefined, 'int32'));
  same(t, 'same shapes', (l) => l.where(pick(l, cond), l.tensor2d(V), l.neg(l.tensor2d(V))));
  same(t, 'condition broadcast over rows', (l) => l.where(pick(l, [1, 0, 1]), l.tensor2d(V), l.zerosLike(l.tensor2d(V))));
  same(t, 'a and b broadcast', (l) => l.where(pick(l, cond), l.tensor([10, 20, 30]), l.tensor(-1)));
  same(t, 'NaN and ∞ in the other branch', (l) => l.where(pick(l, [1, 0, 1, 0]), l.tensor([1, 2, 3, 4]), l.tensor([NaN, Infinity, -Infinity, 5])));
  same(t, 'int32 branches', (l) => l.where(pick(l, [0, 1]), l.tensor([1, 2], undefined, 'int32'), l.tensor([3, 4], undefined, 'int32')));
  // A float32 condition: non-zero is true.
  t.deepEqual(Array.from(sinew.tidy(() => sinew.where(sinew.tensor([0.5, 0, -2]), sinew.tensor([1, 1, 1]), sinew.tensor([0, 0, 0])).dataSync())), [1, 0, 1]);
  // Differentiable in a and b: each gets the gradient where it was chosen.
  sinew.tidy(() => {
    const c = sinew.tensor([1, 0, 1], [3], 'int32');
    const [ga, gb] = sinew.grads((a, b) => sinew.sum(sinew.where(c, a, b)))([sinew.tensor([1, 2, 3]), sinew.tensor([4, 5, 6])]);
    t.deepEqual([Array.from(ga.dataSync()), Array.from(gb.dataSync())], [[1, 0, 1], [0, 1, 0]]);
  });
  t.throws(() => sinew.where(sinew.tensor([1, 0]), sinew.tensor([1, 2, 3]), sinew.tensor([1])), { name: 'ShapeError', message: /cannot be broadcast/ });
});

test('argMax/argMin default to axis 0 and softmax takes an axis, as TF.js', (t) => {
  same(t, 'argMax default axis', (l) => l.argMax(l.tensor2d(V)));
  same(t, 'argMin default axis', (l) => l.argMin(l.tensor2d(V)));
  same(t, 'argMin axis 1', (l) => l.argMin(l.tensor2d(V), 1));
  const close = (a, b) => a.values.every((v, i) => Math.abs(v - b.values[i]) < 1e-6) && a.values.length === b.values.length;
  for (const op of ['softmax', 'logSoftmax']) {
    const want = tf.tidy(() => read(tf[op](tf.tensor2d(V), -1)));
    const got = sinew.tidy(() => read(sinew[op](sinew.tensor2d(V), -1)));
    t.true(close(got, want) && got.shape.join() === want.shape.join(), `${op} axis -1`);
    // TF.js supports only the last axis; Sinew any: axis 0 is the transpose's last axis.
    const want0 = tf.tidy(() => read(tf.transpose(tf[op](tf.transpose(tf.tensor2d(V)), -1))));
    const got0 = sinew.tidy(() => read(sinew[op](sinew.tensor2d(V), 0)));
    t.true(close(got0, want0) && got0.shape.join() === want0.shape.join(), `${op} axis 0`);
  }
});

test('dispose(container) frees tensors in nested arrays and objects, and nothing else', (t) => {
  const before = sinew.memory().numTensors;
  const keep = sinew.tensor([1]);
  sinew.dispose({ a: sinew.tensor([1]), b: [sinew.tensor([2]), { c: sinew.tensor([3]), n: 4, s: 'x' }], d: new Float32Array(3) });
  t.is(sinew.memory().numTensors, before + 1);
  sinew.dispose(keep);
  sinew.dispose([keep, null, undefined]); // idempotent, tolerant of empty slots (as TF.js)
  t.is(sinew.memory().numTensors, before);
});

test('util.shuffle permutes in place (arrays and typed arrays); nextFrame resolves', async (t) => {
  const a = Array.from({ length: 50 }, (_, i) => i);
  sinew.util.shuffle(a);
  t.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  t.notDeepEqual(a, Array.from({ length: 50 }, (_, i) => i)); // 1 in 50! to fail by chance
  const f = Float32Array.from({ length: 20 }, (_, i) => i);
  sinew.util.shuffle(f);
  t.deepEqual(Array.from(f).sort((x, y) => x - y), Array.from({ length: 20 }, (_, i) => i));
  t.throws(() => sinew.util.shuffle(5), { name: 'InvalidArgumentError' });
  t.is(await sinew.nextFrame(), undefined);
});

test('browser.fromPixels / toPixels on {data, width, height}: TF.js values', async (t) => {
  const [width, height] = [3, 2];
  const data = Uint8ClampedArray.from({ length: width * height * 4 }, (_, i) => (i * 37) % 256);
  for (const c of [1, 3, 4]) {
    const want = tf.tidy(() => read(tf.browser.fromPixels({ data: new Uint8Array(data.buffer), width, height }, c)));
    const got = sinew.tidy(() => read(sinew.browser.fromPixels({ data, width, height }, c)));
    t.deepEqual(got, want, `fromPixels numChannels ${c}`);
  }
  for (const [what, make] of [
    ['int32 RGB', (l) => l.tensor3d(Array.from({ length: 18 }, (_, i) => i * 14), [2, 3, 3], 'int32')],
    ['float32 gray', (l) => l.tensor2d([0, 0.25, 0.5, 0.75, 1, 0.1], [2, 3])],
    ['float32 RGBA', (l) => l.tensor3d(Array.from({ length: 24 }, (_, i) => i / 23), [2, 3, 4])],
  ]) {
    const [a, b] = [make(tf), make(sinew)];
    t.deepEqual(Array.from(await sinew.browser.toPixels(b)), Array.from(await tf.browser.toPixels(a)), `toPixels ${what}`);
    a.dispose();
    b.dispose();
  }
  const bad = sinew.tensor([[2]]);
  await t.throwsAsync(sinew.browser.toPixels(bad), { name: 'InvalidArgumentError', message: 'browser.toPixels: float32 values must be in [0, 1], got 2' });
  bad.dispose();
  t.throws(() => sinew.browser.fromPixels({ data, width: 4, height }), { name: 'InvalidArgumentError', message: /needs 32 bytes, got 24/ });
});

test('TF.js arguments Sinew does not implement are refused, not ignored: gather batchDims, pad constantValue, step alpha', (t) => {
  const x = sinew.tensor2d(V);
  t.throws(() => x.gather([0], 1, 1), { name: 'InvalidArgumentError', message: 'gather: batchDims 1 is not supported (only 0)' });
  t.throws(() => x.pad([[0, 0], [1, 1]], 5), { name: 'InvalidArgumentError', message: 'pad: only zero padding is supported, got constantValue 5' });
  t.throws(() => x.step(0.5), { name: 'InvalidArgumentError', message: 'step: alpha 0.5 is not supported (only 0)' });
  x.dispose();
});

test('oneHot(indices, depth, onValue, offValue, dtype): TF.js values; float32 unless int32 is asked for', (t) => {
  const idx = (l) => l.tensor1d([2, 0, 1, 2], 'int32');
  same(t, 'oneHot int32', (l) => l.oneHot(idx(l), 3, 1, 0, 'int32'));
  same(t, 'oneHot on 5 off -1 int32', (l) => l.oneHot(idx(l), 4, 5, -1, 'int32'));
  same(t, 'oneHot on 0.9 off 0.05 float32', (l) => l.oneHot(idx(l), 3, 0.9, 0.05, 'float32'));
  // Sinew's default dtype is float32 (the losses' input); the values are TF.js's
  const d = sinew.tidy(() => read(sinew.oneHot(idx(sinew), 3)));
  const want = tf.tidy(() => read(tf.oneHot(idx(tf), 3)));
  t.is(d.dtype, 'float32');
  t.deepEqual(d.values, want.values);
  t.throws(() => sinew.oneHot([0, 1], 2, NaN), { name: 'InvalidArgumentError', message: /onValue and offValue must be finite/ });
  t.throws(() => sinew.oneHot([0, 1], 2, 1, 0, 'bool'), { name: 'DTypeError', message: /oneHot: dtype must be 'float32' or 'int32', got "bool"/ });
});

test('random ops take TF.js order (shape, a, b, dtype, seed): the seed reproduces, a seed put 4th is refused', (t) => {
  for (const op of ['randomNormal', 'randomUniform', 'truncatedNormal']) {
    const a = sinew.tidy(() => Array.from(sinew[op]([64], 0, 1, 'float32', 11).dataSync()));
    const b = sinew.tidy(() => Array.from(sinew[op]([64], 0, 1, undefined, 11).dataSync()));
    const c = sinew.tidy(() => Array.from(sinew[op]([64], 0, 1, 'float32', 12).dataSync()));
    t.deepEqual(a, b, `${op}: dtype omitted = 'float32'`);
    t.notDeepEqual(a, c, `${op}: the seed (5th) matters`);
    t.throws(() => sinew[op]([2], 0, 1, 11), { name: 'InvalidArgumentError', message: new RegExp(`${op}: the 4th argument is dtype, as in TF.js \\(got the number 11\\)`) });
  }
});
