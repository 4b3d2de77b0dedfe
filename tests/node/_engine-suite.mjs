// Checks shared by the per-build test files: each file runs in its own
// process (ava workerThreads: false), loads one build and runs this suite.
import test from 'ava';
import os from 'node:os';
import * as sinew from '../../dist/index.js';
import { naiveMatmul, randomMatrix, maxRelError, transpose, jsConv2d, jsDepthwise, jsPool } from './_reference.mjs';

export function engineSuite(build) {
  test.serial.before(async () => {
    await sinew.init({ backend: build });
  });

  test.serial(`${build}: backendInfo reports the build`, (t) => {
    const info = sinew.backendInfo();
    t.is(info.build, build);
    t.is(info.simd, build !== 'baseline');
    t.is(info.relaxedSimd, build.endsWith('-relaxed'));
    t.is(info.environment, 'node');
    if (build.startsWith('threads')) {
      t.is(info.poolSize, os.availableParallelism());
      t.is(info.threads, os.availableParallelism());
    } else {
      t.is(info.poolSize, 1);
      t.is(info.threads, 1);
    }
  });

  const sizes = [
    [1, 1, 1], [3, 3, 3], [17, 17, 17], [64, 64, 64], [129, 129, 129],
    [1, 129, 7], [31, 2, 65], [7, 300, 17], [128, 784, 10], [200, 150, 310],
  ];
  for (const [m, k, n] of sizes) {
    test.serial(`${build}: matmul ${m}x${k} · ${k}x${n} equals a naive JS reference`, (t) => {
      const a = randomMatrix(m, k, m * 31 + k), b = randomMatrix(k, n, n * 17 + 3);
      const ta = sinew.tensor(a, [m, k]), tb = sinew.tensor(b, [k, n]);
      const c = sinew.matmul(ta, tb);
      t.deepEqual(c.shape, [m, n]);
      // float32 accumulation in a different order: relative error ~ k * 2^-24.
      t.true(maxRelError(c.dataSync(), naiveMatmul(a, b, m, k, n)) < 1e-5 * Math.sqrt(k) + 1e-6);
      for (const x of [ta, tb, c]) x.dispose();
    });
  }

  test.serial(`${build}: 1 thread and all threads give the same matmul`, (t) => {
    const [m, k, n] = [256, 300, 270];
    const ta = sinew.tensor(randomMatrix(m, k, 1), [m, k]), tb = sinew.tensor(randomMatrix(k, n, 2), [k, n]);
    sinew.setNumThreads(1);
    t.is(sinew.backendInfo().threads, 1);
    const one = sinew.matmul(ta, tb).dataSync();
    sinew.setNumThreads(0);
    const all = sinew.matmul(ta, tb).dataSync();
    t.true(maxRelError(all, one) < 1e-5);
  });

  test.serial(`${build}: add, nested arrays and read-back`, (t) => {
    const a = sinew.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = sinew.tensor(new Float32Array([10, 20, 30, 40, 50, 60]), [2, 3]);
    const c = sinew.add(a, b);
    t.deepEqual(c.arraySync(), [[11, 22, 33], [44, 55, 66]]);
    t.deepEqual(sinew.tensor(7).arraySync(), 7);
    t.deepEqual(Array.from(sinew.tensor(new Int32Array([1, -2])).dataSync()), [1, -2]);
  });

  test.serial(`${build}: a shape error names the op and both shapes, and the engine keeps working`, (t) => {
    const a = sinew.tensor(new Float32Array(32 * 784), [32, 784]);
    const b = sinew.tensor(new Float32Array(128 * 10), [128, 10]);
    const err = t.throws(() => sinew.matmul(a, b), { instanceOf: sinew.ShapeError });
    t.is(err.message, 'matmul: [32,784] x [128,10]: inner dimensions 784 and 128 differ');
    t.is(err.name, 'ShapeError');
    t.throws(() => sinew.add(a, b), { instanceOf: sinew.ShapeError, message: 'add: [32,784] and [128,10]: shapes cannot be broadcast together' });
    t.throws(() => sinew.matmul(sinew.tensor([1, 2]), b), { instanceOf: sinew.ShapeError, message: /both operands must be 2-D/ });
    // The next call works.
    const ok = sinew.matmul(sinew.tensor([[1, 2]]), sinew.tensor([[3], [4]]));
    t.deepEqual(ok.arraySync(), [[11]]);
  });

  test.serial(`${build}: bad values and disposed tensors give typed errors`, (t) => {
    t.throws(() => sinew.tensor([1, 2, 3], [2, 2]), {
      instanceOf: sinew.InvalidArgumentError,
      message: 'tensor: shape [2,2] needs 4 values but 3 were given',
    });
    t.throws(() => sinew.tensor([[1, 2], [3]]), { instanceOf: sinew.InvalidArgumentError, message: /ragged/ });
    const a = sinew.tensor([1, 2]);
    a.dispose();
    a.dispose(); // idempotent
    t.true(a.isDisposed);
    t.throws(() => a.dataSync(), { instanceOf: sinew.DisposedError });
    t.throws(() => sinew.add(a, a), { instanceOf: sinew.DisposedError });
  });

  test.serial(`${build}: dispose frees engine memory`, (t) => {
    const before = sinew.memory();
    const xs = Array.from({ length: 10 }, () => sinew.tensor(new Float32Array(1000), [10, 100]));
    t.is(sinew.memory().numTensors, before.numTensors + 10);
    t.is(sinew.memory().numBytes, before.numBytes + 10 * 4000);
    for (const x of xs) x.dispose();
    t.deepEqual(sinew.memory().numTensors, before.numTensors);
    t.deepEqual(sinew.memory().numBytes, before.numBytes);
  });
}

export function convSuite(build) {
  const cases = [
    // [n, h, w, cin, kh, kw, cout, stride, pad]
    [1, 1, 1, 1, 1, 1, 1, 1, 'same'],
    [2, 7, 5, 3, 3, 3, 4, 1, 'same'],
    [3, 8, 8, 2, 3, 2, 5, 2, 'same'],
    [1, 9, 7, 1, 5, 5, 2, 1, 'valid'],
    [2, 6, 6, 8, 2, 2, 3, 2, 'valid'],
    [4, 14, 14, 8, 3, 3, 16, 1, 'same'],
  ];
  for (const [n, h, w, ci, kh, kw, co, stride, pad] of cases) {
    test.serial(`${build}: conv2d fwd/bwd [${n},${h},${w},${ci}] * [${kh},${kw},${ci},${co}] stride ${stride} ${pad} equals direct loops`, (t) => {
      const x = randomMatrix(n * h * w, ci, n + h + ci), f = randomMatrix(kh * kw * ci, co, co + kh);
      const X = sinew.tensor(x, [n, h, w, ci]), F = sinew.tensor(f, [kh, kw, ci, co]);
      const Y = sinew.conv2d(X, F, stride, pad);
      const dy = randomMatrix(Y.size, 1, 5);
      const ref = jsConv2d(x, f, dy, [n, h, w, ci], [kh, kw, co], stride, pad);
      t.deepEqual(Y.shape, ref.yShape);
      const DY = sinew.tensor(dy, Y.shape);
      const tol = 1e-5 * Math.sqrt(kh * kw * Math.max(ci, co) * n) + 1e-6;
      t.true(maxRelError(Y.dataSync(), ref.y) < tol, 'forward');
      t.true(maxRelError(sinew.conv2dBackpropInput(X.shape, DY, F, stride, pad).dataSync(), ref.dx) < tol, 'input gradient');
      t.true(maxRelError(sinew.conv2dBackpropFilter(X, DY, F.shape, stride, pad).dataSync(), ref.dw) < tol, 'filter gradient');
    });
  }

  const depthwise = [
    // [n, h, w, c, kh, kw, multiplier, stride, pad, dilation]
    [2, 7, 5, 3, 3, 3, 1, 1, 'same', 1],
    [3, 8, 8, 2, 3, 2, 2, 2, 'same', 1],
    [1, 9, 7, 4, 3, 3, 1, 1, 'valid', 2],
    // big enough for the threaded split and several filter-gradient slabs
    [4, 20, 20, 16, 3, 3, 1, 1, 'same', 1],
  ];
  for (const [n, h, w, c, kh, kw, m, stride, pad, d] of depthwise) {
    test.serial(`${build}: depthwiseConv2d fwd/bwd [${n},${h},${w},${c}] * [${kh},${kw},${c},${m}] stride ${stride} ${pad} dilation ${d} equals direct loops`, (t) => {
      const x = randomMatrix(n * h * w, c, n + h + c), f = randomMatrix(kh * kw * c, m, m + kh);
      const X = sinew.tensor(x, [n, h, w, c]), F = sinew.tensor(f, [kh, kw, c, m]);
      const Y = sinew.depthwiseConv2d(X, F, stride, pad, 'NHWC', d);
      const dy = randomMatrix(Y.size, 1, 5);
      const ref = jsDepthwise(x, f, dy, [n, h, w, c], [kh, kw, m], stride, pad, d);
      t.deepEqual(Y.shape, ref.yShape);
      const DY = sinew.tensor(dy, Y.shape);
      const [dx, dw] = sinew.grads((a, b) => sinew.sum(sinew.mul(sinew.depthwiseConv2d(a, b, stride, pad, 'NHWC', d), DY)))([X, F]);
      const tol = 1e-5 * Math.sqrt(kh * kw * n * h * w) + 1e-6;
      t.true(maxRelError(Y.dataSync(), ref.y) < tol, 'forward');
      t.true(maxRelError(dx.dataSync(), ref.dx) < tol, 'input gradient');
      t.true(maxRelError(dw.dataSync(), ref.dw) < tol, 'filter gradient');
      for (const v of [X, F, Y, DY, dx, dw]) v.dispose();
    });
  }

  test.serial(`${build}: a model of zeroPadding2d, depthwiseConv2d, separableConv2d and upSampling2d trains (loss falls)`, async (t) => {
    const { layers } = sinew;
    const m = sinew.sequential({ layers: [
      layers.zeroPadding2d({ padding: 1, inputShape: [6, 6, 2] }),
      layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, activation: 'relu' }),
      layers.upSampling2d({ size: 2 }),
      layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu6' }),
      layers.upSampling2d({ size: 2, interpolation: 'bilinear' }),
      layers.globalAveragePooling2d(),
      layers.dense({ units: 2, activation: 'softmax' }),
    ] });
    m.compile({ optimizer: sinew.train.adam(0.02), loss: 'categoricalCrossentropy' });
    const n = 32, x = randomMatrix(n, 72, 3), y = new Float32Array(n * 2);
    // class: is the mean of channel 0 above that of channel 1
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let p = 0; p < 36; p++) s += x[i * 72 + p * 2] - x[i * 72 + p * 2 + 1];
      y[i * 2 + (s > 0 ? 0 : 1)] = 1;
    }
    const X = sinew.tensor(x, [n, 6, 6, 2]), Y = sinew.tensor(y, [n, 2]);
    const h = await m.fit(X, Y, { epochs: 20, batchSize: 8, verbose: 0 });
    const loss = h.history.loss;
    t.true(loss.at(-1) < 0.7 * loss[0], `loss ${loss[0]} → ${loss.at(-1)}`);
    X.dispose(); Y.dispose(); m.dispose();
  });

  test.serial(`${build}: max and average pooling, forward and backward, equal direct loops`, (t) => {
    for (const [n, h, w, c, k, s, pad] of [[2, 5, 5, 3, 2, 2, 'valid'], [1, 7, 6, 2, 3, 2, 'same'], [3, 4, 4, 1, 2, 1, 'same']]) {
      const x = randomMatrix(n * h * w, c, h * 7 + k), X = sinew.tensor(x, [n, h, w, c]);
      for (const kind of ['max', 'avg']) {
        const Y = kind === 'max' ? sinew.maxPool(X, k, s, pad) : sinew.avgPool(X, k, s, pad);
        const dy = randomMatrix(Y.size, 1, 9);
        const ref = jsPool(kind, x, dy, [n, h, w, c], k, s, pad);
        t.deepEqual(Y.shape, ref.yShape);
        t.true(maxRelError(Y.dataSync(), ref.y) < 1e-6, `${kind} forward`);
        const DY = sinew.tensor(dy, Y.shape);
        const dx = kind === 'max' ? sinew.maxPoolBackward(X, DY, k, s, pad) : sinew.avgPoolBackward(X, DY, k, s, pad);
        t.true(maxRelError(dx.dataSync(), ref.dx) < 1e-6, `${kind} backward`);
      }
    }
  });

  test.serial(`${build}: matmul transposes equal explicit transposes`, (t) => {
    const [m, k, n] = [37, 129, 65];
    const a = randomMatrix(k, m, 3), b = randomMatrix(n, k, 4); // stored transposed
    const c = sinew.matmul(sinew.tensor(a, [k, m]), sinew.tensor(b, [n, k]), true, true).dataSync();
    const at = transpose(a, k, m), bt = transpose(b, n, k);
    t.true(maxRelError(c, naiveMatmul(at, bt, m, k, n)) < 1e-5 * Math.sqrt(k));
  });

  test.serial(`${build}: conv and pool argument errors are typed`, (t) => {
    const X = sinew.tensor(new Float32Array(2 * 5 * 5 * 3), [2, 5, 5, 3]);
    t.throws(() => sinew.conv2d(X, sinew.tensor(new Float32Array(3 * 3 * 2 * 4), [3, 3, 2, 4])), {
      instanceOf: sinew.ShapeError,
      message: 'conv2d: input [2,5,5,3] and filter [3,3,2,4]: input channels 3 and 2 differ',
    });
    t.throws(() => sinew.conv2d(X, X, [1, 0]), { instanceOf: sinew.InvalidArgumentError, message: /strides must be positive integers/ });
    t.throws(() => sinew.maxPool(X, 6), { instanceOf: sinew.ShapeError, message: /does not fit input/ });
    t.throws(() => sinew.avgPool(X, 2, 2, 'full'), { instanceOf: sinew.InvalidArgumentError, message: /padding must be 'same' or 'valid'/ });
  });
}
