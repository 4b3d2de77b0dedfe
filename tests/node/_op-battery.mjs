// A fixed battery of forward ops (and a few gradients) on deterministic inputs.
//
//   node tests/node/_op-battery.mjs <threads|simd|baseline>
//   node --experimental-wasm-relaxed-simd tests/node/_op-battery.mjs <threads-relaxed|simd-relaxed>
//
// loads that build, runs every case and prints one JSON object on stdout:
//   { build, threads, results: { <case>: { shape, data: <base64 of the float32 bytes> } } }
// (base64 keeps every bit and keeps the 70000-element results small).
// builds-agree.test.mjs runs it once per build in child processes and compares.
// Imported as a module it only exports the case list and the input generator.
import { pathToFileURL } from 'node:url';
import * as sinew from '../../dist/index.js';

/** Odd lengths, up to one above the elementwise/reduction parallel threshold (2^16). */
export const LENGTHS = [1, 3, 7, 17, 65, 1000, 70000];

/** Deterministic floats in [lo, hi) (xorshift32); the same on every build. */
export function values(n, seed, lo = -1, hi = 1) {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = lo + (hi - lo) * (s / 4294967296);
  }
  return out;
}

const T = (shape, seed, lo, hi) => sinew.tensor(values(shape.reduce((a, b) => a * b, 1), seed, lo, hi), shape);

/**
 * Every case: [name, kind, fn]. `kind` picks the tolerance in the test
 * (matmul, conv, elementwise, reduce, softmax, exact). `fn` returns a tensor.
 */
export function cases() {
  const list = [];
  const add = (name, kind, fn) => list.push([name, kind, fn]);

  // ----- matmul -----
  const mm = [[1, 1, 1], [3, 7, 5], [17, 65, 3], [65, 17, 129], [130, 257, 67], [1, 1000, 7], [7, 1, 9], [257, 300, 131]];
  for (const [m, k, n] of mm) add(`matmul ${m}x${k}·${k}x${n}`, 'matmul', () => sinew.matmul(T([m, k], m + k), T([k, n], n + 7)));
  for (const [ta, tb] of [[false, true], [true, false], [true, true]]) {
    const [m, k, n] = [33, 70, 45];
    add(`matmul ${m}x${k}·${k}x${n} transposeA=${ta} transposeB=${tb}`, 'matmul', () =>
      sinew.matmul(T(ta ? [k, m] : [m, k], 3), T(tb ? [n, k] : [k, n], 4), ta, tb));
  }

  // ----- conv2d and pooling (the last cases are above the pooling parallel threshold) -----
  const convs = [
    [[1, 1, 1, 1], [1, 1, 1, 1], 1, 'same'],
    [[2, 7, 5, 3], [3, 3, 3, 4], 1, 'same'],
    [[3, 9, 8, 2], [3, 2, 2, 5], 2, 'same'],
    [[1, 9, 7, 1], [5, 5, 1, 2], 1, 'valid'],
    [[2, 13, 11, 5], [3, 3, 5, 7], 2, 'valid'],
    [[4, 28, 28, 8], [3, 3, 8, 16], 1, 'same'],
  ];
  convs.forEach(([xs, fs, s, pad], c) => {
    const label = `[${xs}]*[${fs}] stride ${s} ${pad}`;
    add(`conv2d ${label}`, 'conv', () => sinew.conv2d(T(xs, 10 + c), T(fs, 20 + c), s, pad));
    add(`conv2d ${label} with bias`, 'conv', () => sinew.fused.conv2d({ x: T(xs, 10 + c), filter: T(fs, 20 + c), strides: s, pad, bias: T([fs[3]], 30 + c) }));
    add(`conv2dBackpropInput ${label}`, 'conv', () => {
      const y = sinew.conv2d(T(xs, 10 + c), T(fs, 20 + c), s, pad);
      return sinew.conv2dBackpropInput(xs, T(y.shape, 40 + c), T(fs, 20 + c), s, pad);
    });
    add(`conv2dBackpropFilter ${label}`, 'conv', () => {
      const y = sinew.conv2d(T(xs, 10 + c), T(fs, 20 + c), s, pad);
      return sinew.conv2dBackpropFilter(T(xs, 10 + c), T(y.shape, 40 + c), fs, s, pad);
    });
  });
  const pools = [
    [[2, 5, 5, 3], 2, 2, 'valid'],
    [[1, 7, 6, 2], 3, 2, 'same'],
    [[3, 4, 4, 1], 2, 1, 'same'],
    [[2, 9, 7, 5], [3, 2], [1, 2], 'valid'],
    [[8, 28, 28, 16], 2, 2, 'valid'],
    [[4, 29, 27, 8], 3, 1, 'same'],
  ];
  pools.forEach(([xs, k, s, pad], c) => {
    const label = `[${xs}] pool ${JSON.stringify(k)} strides ${JSON.stringify(s)} ${pad}`;
    add(`maxPool ${label}`, 'exact', () => sinew.maxPool(T(xs, 50 + c), k, s, pad));
    add(`avgPool ${label}`, 'elementwise', () => sinew.avgPool(T(xs, 50 + c), k, s, pad));
    add(`maxPoolBackward ${label}`, 'exact', () => {
      const x = T(xs, 50 + c);
      return sinew.maxPoolBackward(x, T(sinew.maxPool(x, k, s, pad).shape, 60 + c), k, s, pad);
    });
    add(`avgPoolBackward ${label}`, 'elementwise', () => {
      const x = T(xs, 50 + c);
      return sinew.avgPoolBackward(x, T(sinew.avgPool(x, k, s, pad).shape, 60 + c), k, s, pad);
    });
  });

  // ----- element-wise ops on every length -----
  for (const n of LENGTHS) {
    const x = () => T([n], n + 1, -4, 4); // general
    const wide = () => T([n], n + 2, -30, 30); // exp, sigmoid, softplus over a wide range
    const pos = () => T([n], n + 3, 0.1, 10); // log, sqrt, reciprocal, pow base
    const y = () => T([n], n + 4, -4, 4);
    const unary = {
      neg: () => sinew.neg(x()),
      abs: () => sinew.abs(x()),
      square: () => sinew.square(x()),
      exp: () => sinew.exp(wide()),
      expm1: () => sinew.expm1(x()),
      log: () => sinew.log(pos()),
      sqrt: () => sinew.sqrt(pos()),
      reciprocal: () => sinew.reciprocal(pos()),
      step: () => sinew.step(x()),
      'clipByValue(-1, 2)': () => sinew.clipByValue(x(), -1, 2),
      'pow(x, 2)': () => sinew.pow(x(), 2),
      'pow(x, 3)': () => sinew.pow(x(), 3),
      'pow(pos, 2.5)': () => sinew.pow(pos(), 2.5),
      'pow(pos, -0.5)': () => sinew.pow(pos(), -0.5),
      relu: () => sinew.relu(x()),
      leakyRelu: () => sinew.leakyRelu(x(), 0.2),
      elu: () => sinew.elu(x()),
      sigmoid: () => sinew.sigmoid(wide()),
      tanh: () => sinew.tanh(x()),
      softplus: () => sinew.softplus(wide()),
      gelu: () => sinew.gelu(x()),
    };
    for (const [name, fn] of Object.entries(unary)) add(`${name} [${n}]`, 'elementwise', fn);
    const binary = {
      add: () => sinew.add(x(), y()),
      sub: () => sinew.sub(x(), y()),
      mul: () => sinew.mul(x(), y()),
      div: () => sinew.div(x(), pos()),
      'pow(pos, y)': () => sinew.pow(pos(), y()),
      maximum: () => sinew.maximum(x(), y()),
      minimum: () => sinew.minimum(x(), y()),
      'add scalar': () => sinew.add(x(), 0.75),
      'scalar sub': () => sinew.sub(0.75, x()),
      'mul scalar': () => sinew.mul(x(), -1.5),
      'scalar div': () => sinew.div(2, pos()),
      'add [2,n]+[n]': () => sinew.add(T([2, n], n + 5, -4, 4), y()),
      'mul [2,1]*[n]': () => sinew.mul(T([2, 1], n + 6, -4, 4), y()),
      'div [n]/[3,1]': () => sinew.div(x(), T([3, 1], n + 7, 0.5, 2)),
      'maximum [3,1] and [n]': () => sinew.maximum(T([3, 1], n + 8, -4, 4), y()),
    };
    for (const [name, fn] of Object.entries(binary)) add(`${name} [${n}]`, 'elementwise', fn);

    // Reductions.
    const r = () => T([n], n + 9, -1, 1);
    for (const kind of ['sum', 'mean']) {
      add(`${kind} of [${n}]`, 'reduce', () => sinew[kind](r()));
      add(`${kind} of [3,${n}] over axis 0`, 'reduce', () => sinew[kind](T([3, n], n + 10), 0));
      add(`${kind} of [3,${n}] over axis 1`, 'reduce', () => sinew[kind](T([3, n], n + 10), 1));
      add(`${kind} of [${n},3] over axis 0`, 'reduce', () => sinew[kind](T([n, 3], n + 11), 0));
    }
    for (const kind of ['max', 'min']) {
      add(`${kind} of [${n}]`, 'exact', () => sinew[kind](r()));
      add(`${kind} of [3,${n}] over axis 1`, 'exact', () => sinew[kind](T([3, n], n + 10), 1));
      add(`${kind} of [${n},3] over axis 0`, 'exact', () => sinew[kind](T([n, 3], n + 11), 0));
    }
    add(`argMax of [3,${n}] over axis 1`, 'exact', () => sinew.argMax(T([3, n], n + 10), 1));
    add(`argMax of [${n},3] over axis 0`, 'exact', () => sinew.argMax(T([n, 3], n + 11), 0));

    // Softmax family over a last axis of length n.
    const rows = n >= 70000 ? 1 : 3;
    add(`softmax [${rows},${n}]`, 'softmax', () => sinew.softmax(T([rows, n], n + 12, -10, 10)));
    add(`logSoftmax [${rows},${n}]`, 'softmax', () => sinew.logSoftmax(T([rows, n], n + 12, -10, 10)));
    add(`softmaxCrossEntropy [5,${n}] int32 labels`, 'reduce', () =>
      sinew.softmaxCrossEntropy(sinew.tensor([0, n - 1, n >> 1, n >> 2, 0], [5], 'int32'), T([5, n], n + 13, -10, 10)));
  }
  // Many rows: the softmax row loop above its parallel threshold.
  add('softmax [70,1000]', 'softmax', () => sinew.softmax(T([70, 1000], 99, -10, 10)));
  add('logSoftmax [70,1000]', 'softmax', () => sinew.logSoftmax(T([70, 1000], 99, -10, 10)));
  add('softmaxCrossEntropy [700,100] one-hot labels', 'reduce', () =>
    sinew.softmaxCrossEntropy(sinew.oneHot(Array.from({ length: 700 }, (_, i) => (i * 37) % 100), 100), T([700, 100], 98, -10, 10)));

  // ----- gradients at a length above the parallel threshold (backward kernels) -----
  const n = 70000;
  const dy = () => T([n], 77, -1, 1);
  const backward = {
    relu: sinew.relu, elu: (v) => sinew.elu(v), sigmoid: sinew.sigmoid, tanh: sinew.tanh, softplus: sinew.softplus, gelu: sinew.gelu,
    exp: sinew.exp, sqrt: (v) => sinew.sqrt(sinew.abs(v)), 'mul by itself': (v) => sinew.mul(v, v),
  };
  for (const [name, f] of Object.entries(backward)) add(`grad of ${name} [${n}] with dy`, 'elementwise', () => sinew.grad(f)(T([n], 78, -4, 4), dy()));
  add(`grad of softmax [70,1000] with dy`, 'softmax', () => sinew.grad(sinew.softmax)(T([70, 1000], 79, -5, 5), T([70, 1000], 80)));
  add(`grad of mean of [3,${n}] over axis 1`, 'reduce', () => sinew.grad((v) => sinew.sum(sinew.mean(v, 1)))(T([3, n], 81)));

  // ----- recurrent op: batch 64, units 64 (the per-step products are above the GEMM thread threshold) -----
  for (const [cell, gates] of [['simpleRNN', 1], ['lstm', 4], ['gru', 3], ['gruResetAfter', 3]]) {
    const [b, steps, d, u] = [64, 6, 16, 64];
    const mask = () => sinew.tensor(Float32Array.from({ length: b * steps }, (_, i) => ((i % steps) < steps - (Math.floor(i / steps) % 3) ? 1 : 0)), [b, steps]);
    const run = (x, w, r) => sinew.rnn(cell, 'sigmoid', x, w, r, { bias: T(cell === 'gruResetAfter' ? [2, gates * u] : [gates * u], 85, -0.5, 0.5), h0: T([b, u], 86, -0.5, 0.5), ...(cell === 'lstm' ? { c0: T([b, u], 87, -0.5, 0.5) } : {}), mask: mask() });
    const inputs = () => [T([b, steps, d], 82, -1, 1), T([d, gates * u], 83, -0.3, 0.3), T([u, gates * u], 84, -0.3, 0.3)];
    add(`rnn ${cell} [${b},${steps},${d}] units ${u} masked`, 'conv', () => run(...inputs()));
    for (const [k, wrt] of [[0, 'x'], [2, 'recurrent kernel']]) {
      add(`grad of rnn ${cell} w.r.t. ${wrt}`, 'conv', () => sinew.grads((...a) => sinew.sum(sinew.mul(run(...a), T([b, steps, (cell === 'lstm' ? 2 : 1) * u], 88))))(inputs())[k]);
    }
  }
  return list;
}

/**
 * Cases the test also computes in plain-JS float64: [name, input spec, op].
 * The input is `values(n, seed, lo, hi)` as a 1-D tensor (reshaped to `shape`).
 */
export const REFERENCE_CASES = [
  ['exp of 1000 values in [-80, 80]', { n: 1000, seed: 555, lo: -80, hi: 80 }, (t) => sinew.exp(t)],
  ['exp of 70000 values in [-30, 30]', { n: 70000, seed: 556, lo: -30, hi: 30 }, (t) => sinew.exp(t)],
  ['expm1 of 1000 values in [-4, 4]', { n: 1000, seed: 557, lo: -4, hi: 4 }, (t) => sinew.expm1(t)],
  ['log of 1000 values in [0.1, 10]', { n: 1000, seed: 558, lo: 0.1, hi: 10 }, (t) => sinew.log(t)],
  ['sqrt of 1000 values in [0.1, 10]', { n: 1000, seed: 559, lo: 0.1, hi: 10 }, (t) => sinew.sqrt(t)],
  ['reciprocal of 1000 values in [0.1, 10]', { n: 1000, seed: 560, lo: 0.1, hi: 10 }, (t) => sinew.reciprocal(t)],
  ['pow(x, 2.5) of 1000 values in [0.1, 10]', { n: 1000, seed: 561, lo: 0.1, hi: 10 }, (t) => sinew.pow(t, 2.5)],
  ['sigmoid of 70000 values in [-30, 30]', { n: 70000, seed: 562, lo: -30, hi: 30 }, (t) => sinew.sigmoid(t)],
  ['tanh of 1000 values in [-4, 4]', { n: 1000, seed: 563, lo: -4, hi: 4 }, (t) => sinew.tanh(t)],
  ['softplus of 1000 values in [-30, 30]', { n: 1000, seed: 564, lo: -30, hi: 30 }, (t) => sinew.softplus(t)],
  ['elu of 1000 values in [-4, 4]', { n: 1000, seed: 565, lo: -4, hi: 4 }, (t) => sinew.elu(t)],
  ['gelu of 1000 values in [-4, 4]', { n: 1000, seed: 566, lo: -4, hi: 4 }, (t) => sinew.gelu(t)],
  ['softmax of [7,1000] values in [-10, 10]', { n: 7000, seed: 567, lo: -10, hi: 10, shape: [7, 1000] }, (t) => sinew.softmax(t)],
  ['logSoftmax of [7,1000] values in [-10, 10]', { n: 7000, seed: 568, lo: -10, hi: 10, shape: [7, 1000] }, (t) => sinew.logSoftmax(t)],
  ['sum of 1e6 values in [0, 1)', { n: 1_000_000, seed: 4242, lo: 0, hi: 1 }, (t) => sinew.sum(t)],
  ['mean of 1e6 values in [-1, 1)', { n: 1_000_000, seed: 4243, lo: -1, hi: 1 }, (t) => sinew.mean(t)],
];

function run(build) {
  const results = {};
  const put = (name, tns) => {
    const d = tns.dataSync();
    results[name] = { shape: [...tns.shape], dtype: tns.dtype, data: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64') };
  };
  for (const [name, , fn] of cases()) sinew.tidy(() => put(name, fn()));
  for (const [name, { n, seed, lo, hi, shape }, fn] of REFERENCE_CASES) sinew.tidy(() => put(name, fn(T(shape ?? [n], seed, lo, hi))));
  sinew.tidy(() => put('softmax [1010,1000,990]', sinew.softmax(sinew.tensor([1010, 1000, 990]))));
  sinew.tidy(() => put('softmax [[1010,1000,990],[-1010,-1000,-990]]', sinew.softmax(sinew.tensor([[1010, 1000, 990], [-1010, -1000, -990]]))));
  sinew.tidy(() => put('matmul 130x257·257x67 for the JS reference', sinew.matmul(T([130, 257], 130 + 257), T([257, 67], 67 + 7))));
  const info = sinew.backendInfo();
  return { build: info.build, threads: info.threads, results };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const build = process.argv[2];
  if (!['threads', 'simd', 'baseline', 'threads-relaxed', 'simd-relaxed'].includes(build)) {
    console.error('usage: node tests/node/_op-battery.mjs <threads|simd|baseline|threads-relaxed|simd-relaxed>');
    process.exit(2);
  }
  await sinew.init({ backend: build });
  process.stdout.write(JSON.stringify(run(build)));
  // The threads build keeps worker threads alive; exit once stdout is flushed.
  process.stdout.end(() => process.exit(0));
}
