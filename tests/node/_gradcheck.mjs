// Gradient checks shared by gradcheck-<build>.test.mjs: every differentiable
// op's analytic gradient (`sinew.grads`) against central finite differences
// computed through the same engine. Each file runs in its own process
// (ava workerThreads: false) and loads one build.
//
// Method. For inputs x_1..x_k and an op f, the loss is L = Σ r ⊙ f(x) with a
// fixed random r (same shape as f's output), so every output element
// contributes. The analytic gradient is `grads((...x) => sum(mul(f(...x), r)))`.
// The numeric gradient of element j of input i is
//     (L(x_ij + h) − L(x_ij − h)) / ((x_ij + h) − (x_ij − h)),
// with f evaluated by the engine at the perturbed input and Σ r·f taken in
// float64 in JS (so the only float32 rounding is the engine's own). The
// denominator is the difference of the float32-rounded perturbed values, not 2h.
//
// Tolerance: |analytic − numeric| ≤ TOL·(1 + |numeric|), TOL = 1e-2 (h = 1e-2).
// Why: f is computed in float32 (relative rounding ε ≈ 6e-8 per op, a few ops
// deep, summed over up to ~400 outputs of magnitude ≤ ~10), so L carries an
// absolute error of roughly 1e-5; divided by 2h = 2e-2 that is ~5e-4 of noise.
// The central difference's truncation error is h²/6·|f'''| ≈ 2e-5·|f'''|, up to
// ~1e-3 for the most curved cases here (exp, reciprocal, pow near 0.5). Both
// sit ≥ 10× below TOL, while a wrong rule (a missing factor, a wrong transpose,
// a broadcast summed the wrong way, a gradient routed to the wrong element)
// gives errors of order 1. Each test logs the worst error it saw.
//
// Kinks are avoided by construction: relu/leakyRelu/elu/abs inputs are ≥ 0.1
// from 0, max/min/maxPool inputs are a shuffle of values ≥ 0.1 apart (so a
// ±h step never changes the arg-max), maximum/minimum operands differ by ≥ 0.1,
// and clipByValue inputs stay ≥ 0.1 from the bounds.
import test from 'ava';
import * as sinew from '../../dist/index.js';

export const H = 1e-2;
export const TOL = 1e-2;

// ---------- seeded inputs ----------

/** xorshift32 generator of floats in [0, 1). */
function rng(seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}
const size = (shape) => shape.reduce((a, b) => a * b, 1);

/** Uniform in [lo, hi). */
export function uniform(shape, seed, lo = -1, hi = 1) {
  const r = rng(seed);
  return { shape, data: Float32Array.from({ length: size(shape) }, () => lo + (hi - lo) * r()) };
}
/** |x| in [lo, hi) with a random sign: away from a kink at 0. */
export function awayFromZero(shape, seed, lo = 0.1, hi = 2) {
  const r = rng(seed);
  return { shape, data: Float32Array.from({ length: size(shape) }, () => (r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r())) };
}
/** A shuffle of distinct multiples of 0.1 around 0 (no ties, no near-ties). */
export function distinct(shape, seed) {
  const n = size(shape), r = rng(seed);
  const v = Array.from({ length: n }, (_, i) => (i - Math.floor(n / 2)) * 0.1);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return { shape, data: Float32Array.from(v) };
}
/**
 * Values on the grid (k + 0.5)·0.1, k in [-10, 10): at least 0.05 from any
 * `distinct` value, so maximum/minimum operands never (nearly) tie.
 */
export function offGrid(shape, seed) {
  const r = rng(seed), n = size(shape);
  return { shape, data: Float32Array.from({ length: n }, () => (Math.floor(r() * 20) - 10) * 0.1 + 0.05) };
}

// ---------- the check ----------

/**
 * Asserts that the analytic gradient of Σ r ⊙ f(...inputs) matches central
 * differences for every element of every input. `inputs` are `{shape, data}`;
 * `constants()` makes tensors (e.g. int32 labels) passed after the inputs and
 * not differentiated. Returns the worst scaled error.
 */
export function gradCheck(t, f, inputs, { seed = 1, h = H, tol = TOL, constants: makeConstants = () => [] } = {}) {
  let worst = 0;
  sinew.tidy(() => {
    const xs = inputs.map((s) => sinew.tensor(s.data, s.shape));
    const constants = makeConstants();
    const y0 = f(...xs, ...constants);
    const rv = uniform(y0.shape, seed + 1000).data;
    const r = sinew.tensor(rv, y0.shape);
    const loss = (...a) => sinew.sum(sinew.mul(f(...a, ...constants), r));
    const g = sinew.grads(loss)(xs);
    t.is(g.length, xs.length, 'one gradient per input');
    const analytic = g.map((gi, i) => {
      t.deepEqual(gi.shape, xs[i].shape, `gradient ${i} has the input's shape`);
      return gi.dataSync();
    });

    const evalLoss = (i, data) =>
      sinew.tidy(() => {
        const args = xs.map((x, k) => (k === i ? sinew.tensor(data, inputs[i].shape) : x));
        const y = f(...args, ...constants).dataSync();
        let s = 0;
        for (let e = 0; e < y.length; e++) s += rv[e] * y[e];
        return s;
      });

    inputs.forEach((inp, i) => {
      const base = inp.data;
      for (let j = 0; j < base.length; j++) {
        const p = Float32Array.from(base), m = Float32Array.from(base);
        p[j] = Math.fround(base[j] + h);
        m[j] = Math.fround(base[j] - h);
        const numeric = (evalLoss(i, p) - evalLoss(i, m)) / (p[j] - m[j]);
        const err = Math.abs(analytic[i][j] - numeric) / (1 + Math.abs(numeric));
        if (!(err <= worst)) worst = Number.isNaN(err) ? NaN : err;
        if (!(err <= tol)) {
          t.fail(`input ${i} [${inp.shape}] element ${j}: analytic ${analytic[i][j]} vs numeric ${numeric} (scaled error ${err.toExponential(2)} > ${tol})`);
          return;
        }
      }
    });
  });
  t.log(`worst scaled error ${worst.toExponential(2)}`);
  t.pass();
  return worst;
}

// ---------- the suite ----------

export function gradcheckSuite(build) {
  let startTensors = 0;
  test.serial.before(async () => {
    await sinew.init({ backend: build });
    startTensors = sinew.memory().numTensors;
  });

  /** One test per op/configuration. */
  const check = (name, f, inputs, opts = {}) =>
    test.serial(`${build}: gradient of ${name} equals central differences`, (t) => {
      gradCheck(t, f, inputs, { seed: name.length * 7 + 3, ...opts });
    });

  // ----- matmul, all four transpose combinations -----
  for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
    const [m, k, n] = [3, 4, 5];
    check(
      `matmul(transposeA=${ta}, transposeB=${tb}) [${m}x${k}]·[${k}x${n}] w.r.t. both operands`,
      (a, b) => sinew.matmul(a, b, ta, tb),
      [uniform(ta ? [k, m] : [m, k], 11), uniform(tb ? [n, k] : [k, n], 12)],
    );
  }
  // k = 300 > the GEMM's 256-deep blocking, so the backward products take the blocked path.
  check('matmul(transposeA=true, transposeB=true) [4x300]·[300x3] (blocked GEMM path)', (a, b) => sinew.matmul(a, b, true, true), [
    uniform([300, 4], 15), uniform([3, 300], 16),
  ]);
  check('matmul 1x7 · 7x1 (vector shapes)', (a, b) => sinew.matmul(a, b), [uniform([1, 7], 13), uniform([7, 1], 14)]);

  // ----- binary ops with broadcasting -----
  const bcast = [
    ['[2,3] and [3]', [2, 3], [3]],
    ['[2,1,3] and [4,1]', [2, 1, 3], [4, 1]],
    ['[2,3] and a scalar []', [2, 3], []],
    ['[3,1] and [1,4]', [3, 1], [1, 4]],
    ['[2,3] and [2,3]', [2, 3], [2, 3]],
  ];
  bcast.forEach(([label, sa, sb], c) => {
    check(`add ${label}`, sinew.add, [uniform(sa, 20 + c), uniform(sb, 30 + c)]);
    check(`sub ${label}`, sinew.sub, [uniform(sa, 40 + c), uniform(sb, 50 + c)]);
    check(`mul ${label}`, sinew.mul, [uniform(sa, 60 + c), uniform(sb, 70 + c)]);
    check(`div ${label} (divisor away from 0)`, sinew.div, [uniform(sa, 80 + c), awayFromZero(sb, 90 + c, 0.5, 2)]);
    check(`pow ${label} (positive base, tensor exponent)`, sinew.pow, [uniform(sa, 100 + c, 0.5, 2), uniform(sb, 110 + c, -2, 2)]);
    check(`maximum ${label} (no near-ties)`, sinew.maximum, [distinct(sa, 120 + c), offGrid(sb, 130 + c)]);
    check(`minimum ${label} (no near-ties)`, sinew.minimum, [distinct(sa, 140 + c), offGrid(sb, 150 + c)]);
  });
  check('a op used twice: x·x + x/y − x (gradient contributions accumulate)', (x, y) => sinew.sub(sinew.add(sinew.mul(x, x), sinew.div(x, y)), x), [
    uniform([2, 3], 160), awayFromZero([3], 161, 0.5, 2),
  ]);
  check('mul by a JS number 2.5', (x) => sinew.mul(x, 2.5), [uniform([2, 3], 162)]);
  check('sub from a JS number 1 − x', (x) => sinew.sub(1, x), [uniform([2, 3], 163)]);

  // ----- pow with a scalar exponent -----
  for (const p of [2, 3, 0.5, -1.5, 1, 0]) {
    const positive = p !== Math.round(p) || p < 0;
    check(`pow(x, ${p}) (scalar exponent${positive ? ', positive x' : ''})`, (x) => sinew.pow(x, p), [
      positive ? uniform([2, 5], 170, 0.5, 2) : uniform([2, 5], 171, -2, 2),
    ]);
  }

  // ----- unary ops -----
  const unary = [
    ['neg', sinew.neg, uniform([3, 4], 200)],
    ['exp', sinew.exp, uniform([3, 4], 201, -2, 2)],
    ['log (x in [0.5, 3))', sinew.log, uniform([3, 4], 202, 0.5, 3)],
    ['sqrt (x in [0.5, 3))', sinew.sqrt, uniform([3, 4], 203, 0.5, 3)],
    ['abs (|x| ≥ 0.1)', sinew.abs, awayFromZero([3, 4], 204)],
    ['square', sinew.square, uniform([3, 4], 205, -2, 2)],
    ['expm1', sinew.expm1, uniform([3, 4], 206, -2, 2)],
    ['reciprocal (|x| ≥ 0.5)', sinew.reciprocal, awayFromZero([3, 4], 207, 0.5, 2)],
  ];
  for (const [name, f, x] of unary) check(name, f, [x]);
  {
    // clipByValue(x, -0.55, 0.45): x on a 0.1 grid, so ≥ 0.05 from each bound; h = 1e-2.
    check('clipByValue(x, -0.55, 0.45) (inputs away from the bounds)', (x) => sinew.clipByValue(x, -0.55, 0.45), [distinct([3, 5], 208)]);
  }

  // ----- activations -----
  const acts = [
    ['relu (|x| ≥ 0.1)', sinew.relu, awayFromZero([3, 5], 300)],
    ['leakyRelu default alpha (|x| ≥ 0.1)', (x) => sinew.leakyRelu(x), awayFromZero([3, 5], 301)],
    ['leakyRelu alpha 0.05', (x) => sinew.leakyRelu(x, 0.05), awayFromZero([3, 5], 302)],
    ['elu alpha 1', (x) => sinew.elu(x), awayFromZero([3, 5], 303)],
    ['elu alpha 0.5', (x) => sinew.elu(x, 0.5), awayFromZero([3, 5], 304)],
    ['sigmoid', sinew.sigmoid, uniform([3, 5], 305, -4, 4)],
    ['tanh', sinew.tanh, uniform([3, 5], 306, -3, 3)],
    ['softplus', sinew.softplus, uniform([3, 5], 307, -4, 4)],
    ['gelu', sinew.gelu, uniform([3, 5], 308, -3, 3)],
    ["activation('gelu') by name", (x) => sinew.activation('gelu', x), uniform([2, 4], 309, -3, 3)],
    ["activation('linear') by name", (x) => sinew.activation('linear', x), uniform([2, 4], 310, -3, 3)],
    ['swish', sinew.swish, uniform([3, 5], 311, -4, 4)],
    ['selu (|x| ≥ 0.1)', sinew.selu, awayFromZero([3, 5], 312)],
    // Both sides of both kinks (0 and 6), each value ≥ 0.2 from them.
    ['relu6', sinew.relu6, { shape: [3, 5], data: Float32Array.of(-2, -1, -0.5, 0.3, 1, 2, 3, 4, 5, 5.5, 6.5, 7, 8, -0.2, 0.2) }],
    // Inside and outside the linear part (|x| < 2.5), ≥ 0.2 from its ends.
    ['hardSigmoid', sinew.hardSigmoid, { shape: [3, 5], data: Float32Array.of(-4, -3, -2.2, -1, -0.5, 0, 0.5, 1, 2, 2.2, 3, 4, -1.7, 1.3, 0.1) }],
  ];
  for (const [name, f, x] of acts) check(name, f, [x]);

  // ----- reductions -----
  const axesCases = [
    ['axis 1', 1, false],
    ['axis -1', -1, false],
    ['axes [0,2]', [0, 2], false],
    ['all axes', undefined, false],
    ['axis 1 keepDims', 1, true],
    ['axes [0,1] keepDims', [0, 1], true],
    ['all axes keepDims', undefined, true],
  ];
  for (const kind of ['sum', 'mean', 'max', 'min']) {
    axesCases.forEach(([label, axis, keep], c) => {
      // max/min: distinct values 0.1 apart, so the arg-max is unique and stable under ±h.
      const x = kind === 'max' || kind === 'min' ? distinct([3, 4, 5], 400 + c) : uniform([3, 4, 5], 400 + c);
      check(`${kind} over ${label} of [3,4,5]`, (t) => sinew[kind](t, axis, keep), [x]);
    });
  }

  // Ties: the gradient is shared evenly by the tied extremes (as TensorFlow).
  // For a tie of two this is exactly what the central difference gives,
  // ((x + h) − x)/2h = 1/2 each, so pairs of ties are checked numerically.
  for (const kind of ['max', 'min']) {
    const tied = { shape: [3, 4], data: Float32Array.from([2, 2, 1, 0, 0, 5, 5, 3, -1, -1, 4, 4]) };
    check(`${kind} over axis 1 of [3,4] with tied extremes (dy shared evenly)`, (t) => sinew[kind](t, 1), [tied]);
    check(`${kind} over all axes of [3,4] with tied extremes (dy shared evenly)`, (t) => sinew[kind](t), [tied]);
  }
  test.serial(`${build}: max/min send dy/k to each of k tied extremes (as TensorFlow), not dy to each`, (t) => {
    sinew.tidy(() => {
      t.deepEqual(Array.from(sinew.grad((v) => sinew.sum(sinew.max(v, 1)))(sinew.tensor([[5, 5, 5, 1], [0, 2, 1, 2]])).dataSync()), [1 / 3, 1 / 3, 1 / 3, 0, 0, 0.5, 0, 0.5].map(Math.fround));
      t.deepEqual(Array.from(sinew.grad((v) => sinew.max(v))(sinew.tensor([3, 1, 3])).dataSync()), [0.5, 0, 0.5]);
      t.deepEqual(Array.from(sinew.grad((v) => sinew.min(v))(sinew.tensor([7, 7, 7, 7])).dataSync()), [0.25, 0.25, 0.25, 0.25]);
    });
  });

  // ----- softmax family -----
  check('softmax over the last axis of [4,5]', sinew.softmax, [uniform([4, 5], 500, -3, 3)]);
  check('softmax over the last axis of [2,3,4]', sinew.softmax, [uniform([2, 3, 4], 501, -3, 3)]);
  check('logSoftmax over the last axis of [4,5]', sinew.logSoftmax, [uniform([4, 5], 502, -3, 3)]);
  check('logSoftmax over the last axis of [2,3,4]', sinew.logSoftmax, [uniform([2, 3, 4], 503, -3, 3)]);
  {
    const labels = [2, 0, 4, 1];
    const oneHot = { shape: [4, 5], data: new Float32Array(20) };
    labels.forEach((l, i) => (oneHot.data[i * 5 + l] = 1));
    check('softmaxCrossEntropy with one-hot float32 labels, w.r.t. logits', (z, y) => sinew.softmaxCrossEntropy(y, z), [uniform([4, 5], 504, -3, 3)], {
      constants: () => [(sinew.tensor(oneHot.data, oneHot.shape))],
    });
    const soft = uniform([4, 5], 505, 0, 1).data;
    for (let i = 0; i < 4; i++) {
      let s = 0;
      for (let j = 0; j < 5; j++) s += soft[i * 5 + j];
      for (let j = 0; j < 5; j++) soft[i * 5 + j] /= s;
    }
    check('softmaxCrossEntropy with soft float32 labels (rows summing to 1), w.r.t. logits', (z, y) => sinew.softmaxCrossEntropy(y, z), [uniform([4, 5], 506, -3, 3)], {
      constants: () => [(sinew.tensor(soft, [4, 5]))],
    });
    check('softmaxCrossEntropy with soft float32 labels, w.r.t. logits and labels', (z, y) => sinew.softmaxCrossEntropy(y, z), [
      uniform([4, 5], 508, -3, 3), { shape: [4, 5], data: soft },
    ]);
    check('softmaxCrossEntropy with int32 index labels, w.r.t. logits', (z, y) => sinew.softmaxCrossEntropy(y, z), [uniform([4, 5], 507, -3, 3)], {
      constants: () => [(sinew.tensor(labels, [4], 'int32'))],
    });
    check('softmaxCrossEntropy(labels, logits) equals −mean(sum(labels·logSoftmax)) in gradient', (z, y) =>
      sinew.neg(sinew.mean(sinew.sum(sinew.mul(y, sinew.logSoftmax(z)), 1))), [uniform([4, 5], 504, -3, 3)], {
      constants: () => [(sinew.tensor(oneHot.data, oneHot.shape))],
    });
  }

  // ----- layout ops -----
  check('reshape [2,3,4] -> [6,4]', (x) => sinew.reshape(x, [6, 4]), [uniform([2, 3, 4], 600)]);
  check('reshape [2,3,4] -> [-1] then scaled by position', (x) => sinew.mul(sinew.reshape(x, [-1]), sinew.linspace(1, 2, 24)), [uniform([2, 3, 4], 601)]);
  check('transpose of [3,5] (default perm)', (x) => sinew.transpose(x), [uniform([3, 5], 602)]);
  check('transpose [2,3,4] perm [2,0,1]', (x) => sinew.transpose(x, [2, 0, 1]), [uniform([2, 3, 4], 603)]);
  check('transpose [2,3,4,2] perm [1,3,0,2]', (x) => sinew.transpose(x, [1, 3, 0, 2]), [uniform([2, 3, 4, 2], 604)]);
  check('slice [4,5] begin [1,2] size [2,-1]', (x) => sinew.slice(x, [1, 2], [2, -1]), [uniform([4, 5], 605)]);
  check('slice [3,4,5] begin [1,0,2] size [2,3,2]', (x) => sinew.slice(x, [1, 0, 2], [2, 3, 2]), [uniform([3, 4, 5], 606)]);
  check('slice of a scalar [] (the whole tensor)', (x) => sinew.slice(x, [], []), [uniform([], 619)]);
  check('slice [7] begin [2] size [4]', (x) => sinew.slice(x, [2], [4]), [uniform([7], 607)]);
  check('concat of [2,3] and [1,3] on axis 0', (a, b) => sinew.concat([a, b], 0), [uniform([2, 3], 608), uniform([1, 3], 609)]);
  check('concat of [2,1], [2,3], [2,2] on axis 1', (a, b, c) => sinew.concat([a, b, c], 1), [uniform([2, 1], 610), uniform([2, 3], 611), uniform([2, 2], 612)]);
  check('concat of [2,3,2] and [2,3,1] on axis -1', (a, b) => sinew.concat([a, b], -1), [uniform([2, 3, 2], 613), uniform([2, 3, 1], 614)]);
  check('concat of x with itself on axis 0 (contributions add)', (a) => sinew.concat([a, a], 0), [uniform([2, 3], 615)]);
  check('gather rows [2,0,2,3] of [4,3] on axis 0 (a repeated index)', (x) => sinew.gather(x, [2, 0, 2, 3], 0), [uniform([4, 3], 616)]);
  check('gather [3,1,1,0] of [3,4,2] on axis 1', (x) => sinew.gather(x, [3, 1, 1, 0], 1), [uniform([3, 4, 2], 617)]);
  check('gather with an int32 index tensor on axis -1', (x, idx) => sinew.gather(x, idx, -1), [uniform([2, 5], 618)], {
    constants: () => [(sinew.tensor([4, 0, 4], [3], 'int32'))],
  });

  // ----- conv2d and pooling -----
  const convs = [
    // [x shape, filter shape, strides, pad, bias]
    [[2, 5, 5, 3], [3, 3, 3, 4], 1, 'same', false],
    [[2, 5, 5, 3], [3, 3, 3, 4], 1, 'same', true],
    [[1, 6, 5, 2], [3, 3, 2, 3], 2, 'same', false],
    [[2, 6, 6, 2], [3, 2, 2, 3], 1, 'valid', true],
    [[1, 7, 7, 2], [3, 3, 2, 2], 2, 'valid', true],
    [[1, 5, 6, 2], [2, 2, 2, 2], [2, 1], 'same', false],
  ];
  convs.forEach(([xs, fs, s, pad, bias], c) => {
    const inputs = [uniform(xs, 700 + c), uniform(fs, 710 + c)];
    if (bias) inputs.push(uniform([fs[3]], 720 + c));
    check(
      `conv2d x[${xs}] filter[${fs}] strides ${JSON.stringify(s)} ${pad}${bias ? ' with bias' : ''} w.r.t. x, filter${bias ? ', bias' : ''}`,
      bias ? (x, w, b) => sinew.fused.conv2d({ x, filter: w, strides: s, pad, bias: b }) : (x, w) => sinew.conv2d(x, w, s, pad),
      inputs,
    );
  });
  // Fused activations (smooth ones: finite differences need no kinks). gelu's
  // derivative needs its input, so the engine keeps it as a second tape node.
  for (const [act, c] of [['tanh', 0], ['sigmoid', 1], ['gelu', 2], ['swish', 3]]) {
    check(`fused.conv2d with bias and ${act} w.r.t. x, filter, bias`, (x, w, b) => sinew.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: b, activation: act }), [
      uniform([2, 5, 5, 3], 730 + c), uniform([3, 3, 3, 4], 740 + c), uniform([4], 750 + c),
    ]);
    check(`fused.matMul with bias and ${act} w.r.t. a, b, bias`, (a, b, bias) => sinew.fused.matMul({ a, b, bias, activation: act }), [
      uniform([5, 7], 760 + c), uniform([7, 3], 770 + c), uniform([3], 780 + c),
    ]);
  }
  const pools = [
    // [x shape, pool, strides, pad]
    [[2, 4, 4, 3], 2, 2, 'valid'],
    [[1, 5, 5, 2], 3, 2, 'same'],
    [[1, 5, 4, 2], 2, 1, 'same'],
    [[2, 5, 5, 1], [3, 2], [1, 2], 'valid'],
  ];
  pools.forEach(([xs, k, s, pad], c) => {
    check(`maxPool x[${xs}] pool ${JSON.stringify(k)} strides ${JSON.stringify(s)} ${pad} (distinct inputs)`, (x) => sinew.maxPool(x, k, s, pad), [distinct(xs, 800 + c)]);
    check(`avgPool x[${xs}] pool ${JSON.stringify(k)} strides ${JSON.stringify(s)} ${pad}`, (x) => sinew.avgPool(x, k, s, pad), [uniform(xs, 810 + c)]);
  });

  // ----- depthwise and separable convolution -----
  const depthwises = [
    // [x shape, filter shape [kh, kw, c, multiplier], strides, pad, dilations]
    [[2, 5, 5, 3], [3, 3, 3, 1], 1, 'same', 1],
    [[1, 6, 5, 2], [3, 3, 2, 2], 2, 'same', 1],
    [[2, 6, 6, 2], [3, 2, 2, 3], 1, 'valid', 1],
    [[1, 7, 7, 2], [3, 3, 2, 1], [2, 1], 'valid', 1],
    [[1, 7, 6, 2], [3, 3, 2, 2], 1, 'same', 2],
    [[1, 7, 7, 3], [2, 3, 3, 1], 1, 'valid', [2, 1]],
  ];
  depthwises.forEach(([xs, fs, s, pad, d], c) => {
    check(`depthwiseConv2d x[${xs}] filter[${fs}] strides ${JSON.stringify(s)} ${pad} dilations ${JSON.stringify(d)} with bias w.r.t. x, filter, bias`,
      (x, w, b) => sinew.fused.depthwiseConv2d({ x, filter: w, strides: s, pad, dilations: d, bias: b }),
      [uniform(xs, 1000 + c), uniform(fs, 1010 + c), uniform([fs[2] * fs[3]], 1020 + c)]);
  });
  check('fused.depthwiseConv2d with bias and tanh w.r.t. x, filter, bias', (x, w, b) => sinew.fused.depthwiseConv2d({ x, filter: w, pad: 'same', bias: b, activation: 'tanh' }), [
    uniform([2, 4, 4, 2], 1030), uniform([3, 3, 2, 2], 1031), uniform([4], 1032),
  ]);
  check('separableConv2d x[1,6,6,2] depthwise[3,3,2,2] pointwise[1,1,4,3] strides 2 same w.r.t. x, both filters', (x, dw, pw) => sinew.separableConv2d(x, dw, pw, 2, 'same'), [
    uniform([1, 6, 6, 2], 1033), uniform([3, 3, 2, 2], 1034), uniform([1, 1, 4, 3], 1035),
  ]);

  // ----- conv1d (on the conv2d kernels; dilation by space-to-batch) and pad -----
  const conv1ds = [
    // [x shape, kernel, filters, stride, padding, dilation]
    [[2, 7, 3], 3, 4, 1, 'valid', 1],
    [[2, 7, 3], 3, 2, 2, 'same', 1],
    [[1, 8, 2], 2, 3, 1, 'causal', 1],
    [[2, 9, 2], 3, 2, 1, 'same', 2],
    [[1, 10, 2], 2, 3, 1, 'causal', 3],
    [[1, 9, 3], 3, 2, 1, 'valid', 2],
  ];
  conv1ds.forEach(([xs, k, f, s, pad, d], c) => {
    check(`conv1d x[${xs}] kernel ${k} filters ${f} stride ${s} ${pad} dilation ${d} with bias w.r.t. x, filter, bias`, (x, w, b) => sinew.conv1d(x, w, s, pad, d, b), [
      uniform(xs, 850 + c), uniform([k, xs[2], f], 860 + c), uniform([f], 870 + c),
    ]);
  });
  check('pad [2,3] by [[1,0],[2,1]]', (x) => sinew.pad(x, [[1, 0], [2, 1]]), [uniform([2, 3], 880)]);
  check('reverse [2,3,4] along axis 1', (x) => sinew.reverse(x, 1), [uniform([2, 3, 4], 879)]);

  // ----- layers composed from ops (w.r.t. their input) -----
  const layerCases = [
    ['layerNormalization', () => sinew.layers.layerNormalization(), uniform([3, 5], 881)],
    ['prelu (alpha 0.25 after build, |x| ≥ 0.1)', () => sinew.layers.prelu({ alphaInitializer: sinew.initializers.constant(0.25) }), awayFromZero([3, 4], 882)],
    ['softmax layer over axis 1 of [2,3,4]', () => sinew.layers.softmax({ axis: 1 }), uniform([2, 3, 4], 883, -2, 2)],
    ['reLU maxValue 0.5 (inputs ≥ 0.05 from 0 and the bound)', () => sinew.layers.reLU({ maxValue: 0.5 }), offGrid([3, 5], 884)],
    ['globalAveragePooling1d', () => sinew.layers.globalAveragePooling1d(), uniform([2, 4, 3], 885)],
    ['globalMaxPooling1d (distinct inputs)', () => sinew.layers.globalMaxPooling1d(), distinct([2, 4, 3], 886)],
    ['globalMaxPooling2d (distinct inputs)', () => sinew.layers.globalMaxPooling2d(), distinct([2, 3, 2, 2], 887)],
    ['maxPooling1d 2/1 same (distinct inputs)', () => sinew.layers.maxPooling1d({ poolSize: 2, strides: 1, padding: 'same' }), distinct([2, 5, 2], 888)],
    ['zeroPadding2d [[1,2],[0,1]]', () => sinew.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]] }), uniform([2, 3, 2, 2], 892)],
    ['upSampling2d [2,3] nearest', () => sinew.layers.upSampling2d({ size: [2, 3] }), uniform([2, 3, 2, 2], 893)],
    ['upSampling2d 2 bilinear', () => sinew.layers.upSampling2d({ size: 2, interpolation: 'bilinear' }), uniform([1, 3, 3, 2], 894)],
    ['timeDistributed(dense 3 tanh)', () => sinew.layers.timeDistributed({ layer: sinew.layers.dense({ units: 3, activation: 'tanh' }) }), uniform([2, 3, 4], 889)],
  ];
  for (const [name, make, x] of layerCases) {
    test.serial(`${build}: gradient of the ${name} layer w.r.t. its input equals central differences`, (t) => {
      const layer = make();
      gradCheck(t, (v) => layer.apply(v), [x], { seed: name.length });
      layer.dispose();
    });
  }
  {
    // Masked pooling: the mask is a constant; padded steps get no gradient.
    const mask = () => sinew.tensor([[1, 1, 0, 0], [0, 1, 1, 1]]);
    check('globalAveragePooling1d with a mask', (x, m) => sinew.layers.globalAveragePooling1d().apply(x, false, m), [uniform([2, 4, 3], 890)], { constants: () => [mask()] });
    check('globalMaxPooling1d with a mask (distinct inputs)', (x, m) => sinew.layers.globalMaxPooling1d().apply(x, false, m), [distinct([2, 4, 3], 891)], { constants: () => [mask()] });
  }

  // ----- recurrent op: a whole sequence, backward through time -----
  {
    const [b, steps, d, u] = [2, 4, 3, 3];
    const mask = () => sinew.tensor([[1, 1, 1, 0], [0, 1, 1, 1]]);
    for (const [cell, g] of [['simpleRNN', 1], ['lstm', 4], ['gru', 3], ['gruResetAfter', 3]]) {
      for (const gate of ['sigmoid', 'hardSigmoid']) {
        for (const masked of [false, true]) {
          // hardSigmoid has kinks at |x| = 2.5: small weights keep pre-activations well inside.
          const scale = gate === 'hardSigmoid' ? 0.4 : 1;
          // (a reset-after GRU's bias has two rows: input and recurrent)
          const biasShape = cell === 'gruResetAfter' ? [2, g * u] : [g * u];
          const inputs = [uniform([b, steps, d], 930), uniform([d, g * u], 931, -scale, scale), uniform([u, g * u], 932, -scale, scale), uniform(biasShape, 933, -scale, scale), uniform([b, u], 934)];
          if (cell === 'lstm') inputs.push(uniform([b, u], 935));
          check(`rnn ${cell} ${gate}${masked ? ' masked' : ''} w.r.t. x, kernel, recurrentKernel, bias, h0${cell === 'lstm' ? ', c0' : ''}`,
            (x, w, r, bias, h0, ...rest) => {
              const c0 = cell === 'lstm' ? rest[0] : undefined;
              const m = masked ? rest.at(-1) : undefined;
              return sinew.rnn(cell, gate, x, w, r, { bias, h0, ...(c0 ? { c0 } : {}), mask: m });
            }, inputs, { constants: () => (masked ? [mask()] : []) });
        }
      }
    }
  }

  // ----- a small network end to end -----
  check('dense relu dense softmaxCrossEntropy (w.r.t. x, W1, b1, W2, b2)', (x, w1, b1, w2, b2, y) =>
    sinew.softmaxCrossEntropy(y, sinew.add(sinew.matmul(sinew.tanh(sinew.add(sinew.matmul(x, w1), b1)), w2), b2)), [
    uniform([3, 4], 900), uniform([4, 5], 901), uniform([5], 902), uniform([5, 3], 903), uniform([3], 904),
  ], { constants: () => [(sinew.tensor([0, 2, 1], [3], 'int32'))] });

  // ----- the gradient API -----
  test.serial(`${build}: grad of a non-scalar result without dy throws a ShapeError naming the shape`, (t) => {
    sinew.tidy(() => {
      const x = sinew.tensor([[1, 2, 3], [4, 5, 6]]);
      t.throws(() => sinew.grad((v) => sinew.square(v))(x), { instanceOf: sinew.ShapeError, message: /y \[2,3\] is not a scalar/ });
      // The engine is still usable and a later grad works (the tape was ended).
      t.deepEqual(Array.from(sinew.grad((v) => sinew.sum(sinew.square(v)))(x).dataSync()), [2, 4, 6, 8, 10, 12]);
    });
  });

  test.serial(`${build}: grad with an explicit dy equals the gradient of sum(f(x)·dy)`, (t) => {
    sinew.tidy(() => {
      const x = sinew.tensor(uniform([2, 3], 950).data, [2, 3]);
      const dy = sinew.tensor(uniform([2, 3], 951).data, [2, 3]);
      const withDy = sinew.grad((v) => sinew.tanh(v))(x, dy).dataSync();
      const viaSum = sinew.grad((v) => sinew.sum(sinew.mul(sinew.tanh(v), dy)))(x).dataSync();
      const xv = x.dataSync(), dv = dy.dataSync();
      for (let i = 0; i < 6; i++) {
        t.true(Math.abs(withDy[i] - viaSum[i]) < 1e-6, `element ${i}`);
        const th = Math.tanh(xv[i]);
        t.true(Math.abs(withDy[i] - dv[i] * (1 - th * th)) < 1e-5, `element ${i} vs closed form`);
      }
      t.throws(() => sinew.grad((v) => sinew.tanh(v))(x, sinew.tensor([1, 2, 3])), { instanceOf: sinew.ShapeError, message: /dy \[3\] must have the shape of y \[2,3\]/ });
    });
  });

  test.serial(`${build}: grads returns one gradient per input, in order and in each input's shape`, (t) => {
    sinew.tidy(() => {
      const a = sinew.tensor([[1, 2], [3, 4]]), b = sinew.tensor([10, 20]), c = sinew.tensor(3);
      const g = sinew.grads((x, y, z) => sinew.sum(sinew.mul(sinew.add(x, y), z)))([a, b, c]);
      t.is(g.length, 3);
      t.deepEqual(g.map((v) => v.shape), [[2, 2], [2], []]);
      t.deepEqual(Array.from(g[0].dataSync()), [3, 3, 3, 3]);
      t.deepEqual(Array.from(g[1].dataSync()), [6, 6]);
      t.deepEqual(Array.from(g[2].dataSync()), [70]);
      // An input f does not use is an error, not a silent zero.
      t.throws(() => sinew.grads((x) => sinew.sum(x))([a, b]), { instanceOf: sinew.InvalidArgumentError, message: /does not depend on input 1/ });
    });
  });

  test.serial(`${build}: valueAndGrad and valueAndGrads return f(x) along with the gradients`, (t) => {
    sinew.tidy(() => {
      const x = sinew.tensor([1, 2, 3]);
      const { value, grad } = sinew.valueAndGrad((v) => sinew.sum(sinew.square(v)))(x);
      t.deepEqual(value.shape, []);
      t.is(value.dataSync()[0], 14);
      t.deepEqual(Array.from(grad.dataSync()), [2, 4, 6]);
      const r = sinew.valueAndGrads((u, v) => sinew.sum(sinew.mul(u, v)))([x, sinew.tensor([4, 5, 6])]);
      t.is(r.value.dataSync()[0], 32);
      t.deepEqual(r.grads.map((g) => Array.from(g.dataSync())), [[4, 5, 6], [1, 2, 3]]);
    });
  });

  test.serial(`${build}: variableGrads keys gradients by variable name and skips variables f does not use`, (t) => {
    // variable() copies its initial value; tidy disposes the initial tensors.
    const [w, b, unused, frozen] = sinew.tidy(() => [
      sinew.variable(sinew.tensor([[1, 2], [3, 4]]), true, 'gc_w'),
      sinew.variable(sinew.tensor([0.5, -0.5]), true, 'gc_b'),
      sinew.variable(sinew.tensor([7]), true, 'gc_unused'),
      sinew.variable(sinew.tensor([1, 1]), false, 'gc_frozen'),
    ]);
    try {
      sinew.tidy(() => {
        const x = sinew.tensor([[1, -1]]);
        const f = () => sinew.sum(sinew.mul(sinew.add(sinew.matmul(x, w), b), frozen));
        // Default list: every trainable variable (frozen is not one of them).
        const all = sinew.variableGrads(f);
        t.deepEqual(Object.keys(all.grads).sort(), ['gc_b', 'gc_w']);
        t.is(all.value.dataSync()[0], (1 - 3 + 0.5) + (2 - 4 - 0.5));
        t.deepEqual(Array.from(all.grads.gc_w.dataSync()), [1, 1, -1, -1]);
        t.deepEqual(Array.from(all.grads.gc_b.dataSync()), [1, 1]);
        // An explicit list: only those, still skipping the unused one.
        const some = sinew.variableGrads(f, [b, unused]);
        t.deepEqual(Object.keys(some.grads), ['gc_b']);
      });
    } finally {
      for (const v of [w, b, unused, frozen]) v.dispose();
    }
  });

  test.serial(`${build}: gradient computations leave no engine tensors behind`, (t) => {
    const before = sinew.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      sinew.tidy(() => {
        const x = sinew.tensor(uniform([4, 6], 960 + i).data, [4, 6]);
        sinew.grads((a) => sinew.softmaxCrossEntropy(sinew.tensor([1, 0, 5, 2], [4], 'int32'), sinew.relu(a)))([x]);
        // A failing gradient must not leak either.
        try {
          sinew.grad((a) => sinew.exp(a))(x);
        } catch {
          /* expected: not a scalar */
        }
      });
    }
    t.is(sinew.memory().numTensors, before);
  });

  // Declared last; test.serial runs in declaration order.
  test.serial(`${build}: after all gradient checks memory().numTensors is back to its value at the start`, (t) => {
    t.is(sinew.memory().numTensors, startTensors);
  });
}
