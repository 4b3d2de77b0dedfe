// Cross-build kernel agreement: the same battery of ops (tests/node/_op-battery.mjs)
// runs in one child process per build; the threads and simd results must match
// the baseline (scalar, one thread) build, and a few ops must also match
// plain-JS float64 references.
//
// Tolerances (|a − b| ≤ rel·|b| + abs, per element; `max|b|` is the largest
// magnitude in that result):
//   matmul, conv2d and its gradients   rel 1e-5, abs 1e-5·max|b|: float32 sums of up to
//                                      ~300 products may be accumulated in another order
//                                      (SIMD lanes, blocking, thread split), a few ulp of
//                                      the largest term; cancellation makes a per-element
//                                      bound meaningless for results near 0.
//   element-wise ops, activations,     rel 2e-6 (≈16 ulp), abs 1e-7·max(1, max|b|): one
//   avgPool, element-wise gradients    evaluation per element; vector and scalar
//                                      polynomials may differ by an ulp or two.
//   reductions and the fused loss      rel 1e-6, abs 1e-6·max|b| (normwise: sums of mixed
//                                      signs can cancel to ~0).
//   softmax / logSoftmax               rel 2e-6, abs 1e-7·max(1, max|b|).
//   maxPool, max/min, argMax           exact (selection, no arithmetic).
// The threads/simd/baseline builds are in fact bit-identical today (the kernels' scalar
// twins run the same operation sequence); the test logs the largest difference seen.
// The relaxed-SIMD builds (threads-relaxed, simd-relaxed: fused multiply-add where the
// CPU has it) round differently and are held to the same tolerances; they run where
// this Node supports relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd, passed
// to their child processes).
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { cases, values, REFERENCE_CASES } from './_op-battery.mjs';
import { RELAXED_NODE_ARGS } from './_relaxed.mjs';

const BATTERY = fileURLToPath(new URL('./_op-battery.mjs', import.meta.url));
const PLAIN_BUILDS = ['threads', 'simd', 'baseline'];
const RELAXED_BUILDS = ['threads-relaxed', 'simd-relaxed'];
const BUILDS = [...PLAIN_BUILDS, ...RELAXED_BUILDS];
/** Builds compared with baseline. */
const OTHERS = ['threads', 'simd', ...RELAXED_BUILDS];

/** Per element: |a − b| ≤ rel·|b| + abs(max|b|). */
const TOL = {
  matmul: { rel: 1e-5, abs: (maxB) => 1e-5 * maxB },
  conv: { rel: 1e-5, abs: (maxB) => 1e-5 * maxB },
  elementwise: { rel: 2e-6, abs: (maxB) => 1e-7 * Math.max(1, maxB) },
  reduce: { rel: 1e-6, abs: (maxB) => 1e-6 * maxB },
  softmax: { rel: 2e-6, abs: (maxB) => 1e-7 * Math.max(1, maxB) },
  exact: { rel: 0, abs: () => 0 },
};

function runBattery(build) {
  return new Promise((resolve, reject) => {
    const args = RELAXED_BUILDS.includes(build) ? [...RELAXED_NODE_ARGS, BATTERY, build] : [BATTERY, build];
    execFile(process.execPath, args, { maxBuffer: 256 << 20, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`battery ${build} failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout));
    });
  });
}

const decode = (r) => {
  const b = Buffer.from(r.data, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** Worst violation of `tol` of `a` against `b` (≤ 1 passes), and the largest |a − b|/max(|b|, tiny). */
function compare(a, b, tol) {
  if (a.length !== b.length) return { ratio: Infinity, diff: Infinity, at: -1, why: `length ${a.length} vs ${b.length}` };
  let maxB = 0;
  for (const v of b) if (Number.isFinite(v)) maxB = Math.max(maxB, Math.abs(v));
  const abs = tol.abs(maxB);
  let ratio = 0, diff = 0, at = -1;
  for (let i = 0; i < b.length; i++) {
    if (Object.is(a[i], b[i]) || a[i] === b[i]) continue;
    if (Number.isNaN(a[i]) || Number.isNaN(b[i]) || !Number.isFinite(a[i]) || !Number.isFinite(b[i])) return { ratio: Infinity, diff: Infinity, at: i };
    const d = Math.abs(a[i] - b[i]);
    diff = Math.max(diff, d / Math.max(Math.abs(b[i]), 1e-30));
    const allowed = tol.rel * Math.abs(b[i]) + abs;
    const r = allowed === 0 ? Infinity : d / allowed;
    if (r > ratio) [ratio, at] = [r, i];
  }
  return { ratio, diff, at };
}

const out = {};
test.before(async () => {
  // Two at a time on a 2-core machine; each run takes about a second.
  const [threads, simd] = await Promise.all([runBattery('threads'), runBattery('simd')]);
  out.threads = threads;
  out.simd = simd;
  out.baseline = await runBattery('baseline');
  const [threadsRelaxed, simdRelaxed] = await Promise.all(RELAXED_BUILDS.map(runBattery));
  out['threads-relaxed'] = threadsRelaxed;
  out['simd-relaxed'] = simdRelaxed;
});

test('each child process loaded the build it was asked for (threads with the whole pool)', (t) => {
  for (const b of BUILDS) t.is(out[b].build, b);
  t.is(out.threads.threads, os.availableParallelism());
  t.is(out['threads-relaxed'].threads, os.availableParallelism());
  t.is(out['simd-relaxed'].threads, 1);
  t.is(out.simd.threads, 1);
  t.is(out.baseline.threads, 1);
});

test('every build ran the same cases and produced the same shapes and dtypes', (t) => {
  const names = Object.keys(out.baseline.results);
  t.true(names.length > 400, `${names.length} results`);
  for (const b of OTHERS) {
    t.deepEqual(Object.keys(out[b].results), names);
    for (const n of names) {
      t.deepEqual(out[b].results[n].shape, out.baseline.results[n].shape, `${b}: ${n} shape`);
      t.is(out[b].results[n].dtype, out.baseline.results[n].dtype, `${b}: ${n} dtype`);
    }
  }
});

// One test per build and op family; a failure lists every case out of tolerance.
const kinds = [...new Set(cases().map(([, k]) => k))];
for (const build of OTHERS) {
  for (const kind of kinds) {
    const tol = TOL[kind];
    const desc = kind === 'exact' ? 'exactly' : `within rel ${tol.rel}`;
    test(`${build} matches baseline ${desc}: ${kind} cases (lengths 1 to 70000, above the parallel thresholds)`, (t) => {
      const names = cases().filter(([, k]) => k === kind).map(([n]) => n);
      const bad = [];
      let worst = 0;
      for (const name of names) {
        const a = decode(out[build].results[name]), b = decode(out.baseline.results[name]);
        const c = compare(a, b, tol);
        worst = Math.max(worst, c.diff);
        if (!(c.ratio <= 1)) bad.push(`${name}: element ${c.at}: ${a[c.at]} vs baseline ${b[c.at]} (${c.ratio.toExponential(2)}× the tolerance)`);
      }
      t.log(`${names.length} cases; largest relative difference ${worst.toExponential(2)}`);
      t.deepEqual(bad, []);
    });
  }
}

// ---------- plain-JS float64 references ----------

/** [reference function, rel, floor]: |engine − ref| ≤ rel·max(|ref|, floor). */
const REF = {
  'exp of 1000 values in [-80, 80]': [Math.exp, 2.5e-7, 0],
  'exp of 70000 values in [-30, 30]': [Math.exp, 2.5e-7, 0],
  'expm1 of 1000 values in [-4, 4]': [Math.expm1, 5e-7, 0],
  'log of 1000 values in [0.1, 10]': [Math.log, 2.5e-7, 0],
  'sqrt of 1000 values in [0.1, 10]': [Math.sqrt, 2.5e-7, 0],
  'reciprocal of 1000 values in [0.1, 10]': [(v) => 1 / v, 2.5e-7, 0],
  'pow(x, 2.5) of 1000 values in [0.1, 10]': [(v) => v ** 2.5, 2.5e-7, 0],
  'sigmoid of 70000 values in [-30, 30]': [(v) => 1 / (1 + Math.exp(-v)), 5e-7, 0],
  'tanh of 1000 values in [-4, 4]': [Math.tanh, 5e-7, 0],
  'softplus of 1000 values in [-30, 30]': [(v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))), 5e-7, 0],
  'elu of 1000 values in [-4, 4]': [(v) => (v > 0 ? v : Math.expm1(v)), 5e-7, 0],
  // gelu(x) = x·Φ̃(x) loses relative accuracy where it crosses 0, hence the floor of 1.
  'gelu of 1000 values in [-4, 4]': [(v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))), 5e-7, 1],
};
// softmax per element, for probabilities down to ~1e-9: float32 rounding of x − max
// (|x − max| ≤ 20 here, half an ulp ≈ 1e-6) alone moves exp(x − max) by up to ~1e-6
// relative, plus the row sum's rounding. [1010, 1000, 990] has exact differences.
const RELATIVE_SOFTMAX = 4e-6;
const RELATIVE_SUM = 1e-6;

function rowsOf(x, c, f) {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / c; r++) {
    const row = Array.from(x.subarray(r * c, (r + 1) * c));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    row.forEach((v, j) => (y[r * c + j] = f(v, lse)));
  }
  return y;
}

for (const build of BUILDS) {
  test(`${build}: element-wise ops (exp, expm1, log, sqrt, reciprocal, pow, sigmoid, tanh, softplus, elu, gelu) match Math.* in float64`, (t) => {
    const spec = Object.fromEntries(REFERENCE_CASES.map(([n, s]) => [n, s]));
    for (const [name, [f, rel, floor]] of Object.entries(REF)) {
      const { n, seed, lo, hi } = spec[name];
      const x = values(n, seed, lo, hi), y = decode(out[build].results[name]);
      let worst = 0, at = -1;
      for (let i = 0; i < n; i++) {
        const r = f(x[i]);
        const e = Math.abs(y[i] - r) / Math.max(Math.abs(r), floor);
        if (!(e <= worst)) [worst, at] = [e, i];
      }
      t.true(worst <= rel, `${name}: x=${x[at]}: ${y[at]} vs ${f(x[at])}, error ${worst.toExponential(2)} > ${rel}`);
      t.log(`${name}: worst relative error ${worst.toExponential(2)} (bound ${rel})`);
    }
  });

  test(`${build}: softmax([1010, 1000, 990]) ≈ [0.99995460, 4.5397868e-5, 2.0610600e-9] with no NaN, also for the negated row`, (t) => {
    const y = decode(out[build].results['softmax [1010,1000,990]']);
    const want = [0.9999546000702375, 4.5397868702434395e-5, 2.0610600462090622e-9];
    t.false(y.some(Number.isNaN));
    want.forEach((w, i) => t.true(Math.abs(y[i] - w) <= RELATIVE_SOFTMAX * w, `element ${i}: ${y[i]} vs ${w}`));
    const two = decode(out[build].results['softmax [[1010,1000,990],[-1010,-1000,-990]]']);
    t.false(two.some(Number.isNaN));
    [...want, want[2], want[1], want[0]].forEach((w, i) => t.true(Math.abs(two[i] - w) <= RELATIVE_SOFTMAX * w, `element ${i}: ${two[i]} vs ${w}`));
  });

  test(`${build}: softmax and logSoftmax of [7,1000] match a float64 log-sum-exp reference (rel ${RELATIVE_SOFTMAX})`, (t) => {
    const spec = Object.fromEntries(REFERENCE_CASES.map(([n, s]) => [n, s]));
    for (const [name, f, floor] of [
      ['softmax of [7,1000] values in [-10, 10]', (v, lse) => Math.exp(v - lse), 0],
      ['logSoftmax of [7,1000] values in [-10, 10]', (v, lse) => v - lse, 1],
    ]) {
      const { n, seed, lo, hi } = spec[name];
      const ref = rowsOf(values(n, seed, lo, hi), 1000, f), y = decode(out[build].results[name]);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i] - ref[i]) / Math.max(Math.abs(ref[i]), floor));
      t.true(worst <= RELATIVE_SOFTMAX, `${name}: ${worst.toExponential(2)}`);
      t.log(`${name}: worst relative error ${worst.toExponential(2)}`);
    }
  });

  test(`${build}: sum and mean of 1e6 values match a float64 sum (rel ${RELATIVE_SUM})`, (t) => {
    const spec = Object.fromEntries(REFERENCE_CASES.map(([n, s]) => [n, s]));
    for (const [name, isMean] of [['sum of 1e6 values in [0, 1)', false], ['mean of 1e6 values in [-1, 1)', true]]) {
      const { n, seed, lo, hi } = spec[name];
      const x = values(n, seed, lo, hi);
      let s = 0;
      for (const v of x) s += v;
      const ref = isMean ? s / n : s;
      const y = decode(out[build].results[name])[0];
      // The mean of values in [-1, 1) is near 0: scale its error by the mean |x| (0.5) instead.
      const scale = isMean ? 0.5 : Math.abs(ref);
      t.true(Math.abs(y - ref) <= RELATIVE_SUM * scale, `${name}: ${y} vs ${ref}`);
    }
  });

  test(`${build}: matmul 130x257·257x67 matches a float64 triple loop (rel 1e-5 of the largest entry)`, (t) => {
    const [m, k, n] = [130, 257, 67];
    const a = values(m * k, m + k), b = values(k * n, n + 7);
    const y = decode(out[build].results['matmul 130x257·257x67 for the JS reference']);
    let err = 0, scale = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
        err = Math.max(err, Math.abs(y[i * n + j] - s));
        scale = Math.max(scale, Math.abs(s));
      }
    t.true(err <= 1e-5 * scale, `${err} vs ${scale}`);
  });
}
