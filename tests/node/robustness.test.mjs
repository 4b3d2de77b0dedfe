// Bad input never traps the WASM instance: every op called with wrong
// shapes, dtypes, disposed handles or out-of-range arguments throws a typed
// SinewError (never EngineCrashedError), and the engine keeps working.
import test from 'ava';
import * as sinew from '../../dist/index.js';

test.before(async () => {
  await sinew.init();
});

test('ops reject bad arguments with typed errors and the engine survives', (t) => {
  const s = sinew;
  const m = s.tensor([[1, 2], [3, 4]]);
  const v = s.tensor([1, 2, 3]);
  const scalar = s.tensor(5);
  const img = s.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 1);
  const ints = s.tensor([0, 1], [2], 'int32');
  const gone = s.tensor([1]);
  gone.dispose();
  const cases = {
    'matmul rank 1': () => s.matmul(v, v),
    'matmul int32': () => s.matmul(ints, m),
    'matmul disposed': () => s.matmul(gone, m),
    'add broadcast': () => s.add(m, v),
    'reshape size': () => s.reshape(m, [3]),
    'reshape two -1': () => s.reshape(m, [-1, -1]),
    'transpose perm': () => s.transpose(m, [0, 0]),
    'transpose perm long': () => s.transpose(m, [0, 1, 2]),
    'slice outside': () => s.slice(m, [1, 1], [2, 2]),
    'slice rank': () => s.slice(m, [0], [1]),
    'concat mismatch': () => s.concat([m, v]),
    'concat axis': () => s.concat([m, m], 5),
    'concat empty': () => s.concat([]),
    'gather out of range': () => s.gather(m, [5]),
    'gather float indices': () => s.gather(m, s.tensor([0])),
    'oneHot out of range': () => s.oneHot([3], 2),
    'oneHot depth': () => s.oneHot([0], 0),
    'sum axis': () => s.sum(m, 3),
    'max of empty': () => s.max(s.zeros([0])),
    'argMax axis': () => s.argMax(m, 7),
    'softmax of scalar': () => s.softmax(scalar),
    'xent shape': () => s.softmaxCrossEntropy(v, m),
    'xent label range': () => s.softmaxCrossEntropy(s.tensor([0, 9], [2], 'int32'), m),
    'conv rank': () => s.conv2d(m, m),
    'conv channels': () => s.conv2d(img, s.zeros([3, 3, 5, 1])),
    'conv strides': () => s.conv2d(img, s.zeros([1, 1, 2, 1]), [0, 1]),
    'conv filter too big': () => s.conv2d(img, s.zeros([9, 9, 2, 1]), 1, 'valid'),
    'conv padding': () => s.conv2d(img, s.zeros([1, 1, 2, 1]), 1, 'full'),
    'conv backprop shape': () => s.conv2dBackpropFilter(img, img, [3, 3, 2, 3], 1, 'same'),
    'pool size': () => s.maxPool(img, 9),
    'pool strides': () => s.avgPool(img, 2, [1, -1]),
    'clip bounds': () => s.clipByValue(m, 2, 1),
    'fill shape': () => s.fill([-1], 0),
    'random shape': () => s.randomNormal([2.5]),
    'random stddev': () => s.randomNormal([2], 0, -1),
    'uniform bounds': () => s.randomUniform([2], 1, 0),
    'tensor ragged': () => s.tensor([[1], [2, 3]]),
    'tensor size': () => s.tensor([1, 2, 3], [2, 2]),
    'tensor int32 fraction': () => s.tensor([0.5], [1], 'int32'),
    'tensor huge': () => s.zeros([1 << 20, 1 << 20]),
    'fused dense shape': () => s.fused.matMul({ a: m, b: v }),
    'fused activation': () => s.fused.matMul({ a: m, b: m, activation: 'softmax' }),
    'seed': () => s.randomNormal([2], 0, 1, 'float32', -3),
    'setNumThreads': () => s.setNumThreads(-1),
    'grad non-scalar': () => s.grad((x) => s.mul(x, 2))(m),
    'grad not a tensor': () => s.grad(() => 3)(m),
  };
  for (const [name, fn] of Object.entries(cases)) {
    const err = t.throws(fn, { instanceOf: sinew.SinewError }, name);
    t.false(err instanceof sinew.EngineCrashedError, `${name} crashed the engine: ${err?.message}`);
    t.true(err.message.length > 10, `${name}: message "${err?.message}"`);
  }
  t.deepEqual(s.matmul(m, m).arraySync(), [[7, 10], [15, 22]]);
});

test('forgotten tensors are freed by the FinalizationRegistry after garbage collection', async (t) => {
  if (typeof globalThis.gc !== 'function') return t.pass('run with --expose-gc to check');
  const before = sinew.memory().numTensors;
  (() => {
    for (let i = 0; i < 200; i++) sinew.tensor(new Float32Array(256), [16, 16]);
  })();
  t.is(sinew.memory().numTensors, before + 200);
  for (let i = 0; i < 20 && sinew.memory().numTensors > before; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  // (Unreferenced tensors of earlier tests may go too, hence <=.)
  t.true(sinew.memory().numTensors <= before, `${sinew.memory().numTensors} live, ${before} before`);
});
