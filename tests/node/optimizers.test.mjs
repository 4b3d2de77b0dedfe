// Optimizers: each update rule against a plain float64 JavaScript version of
// the same (Keras) formula, the options that must change results, schedules,
// clipping, errors that leave parameters untouched, and slot memory.
import test from 'ava';
import * as sinew from '../../dist/index.js';

test.before(async () => {
  await sinew.init();
});

const f = Math.fround;
const SHAPES = [[5], [2, 3]];
const P0 = [
  [0.5, -1.2, 2.0, 0.3, -0.7],
  [1.5, -0.25, 0.8, -2.2, 0.05, 1.1],
].map((a) => a.map(f));
// Deterministic gradients, different at every step and element.
const gradAt = (step, k, n) => Array.from({ length: n }, (_, i) => f(Math.sin(1.3 * step + 0.7 * i + 2.1 * k) * (1 + 0.5 * i)));

function close(t, got, want, what, rel = 1e-5) {
  t.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i] - want[i]) <= rel * Math.max(1, Math.abs(want[i]));
    if (!ok) return t.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
  t.pass();
}

// ---------------------------------------------------------------- float64 references

function clipGrads(gs, o) {
  let out = gs.map((g) => g.slice());
  const norm = (g) => Math.sqrt(g.reduce((s, x) => s + x * x, 0));
  if (o.clipnorm) out = out.map((g) => { const n = norm(g); return n > o.clipnorm ? g.map((x) => (x * o.clipnorm) / n) : g; });
  if (o.globalClipnorm) {
    const gn = Math.sqrt(out.reduce((s, g) => s + norm(g) ** 2, 0));
    if (gn > o.globalClipnorm) out = out.map((g) => g.map((x) => (x * o.globalClipnorm) / gn));
  }
  if (o.clipvalue) out = out.map((g) => g.map((x) => Math.min(o.clipvalue, Math.max(-o.clipvalue, x))));
  return out;
}

/** A float64 optimizer: `step(params, grads)` mutates params (arrays), `t` from 1. */
function reference(kind, o) {
  const state = new Map();
  let t = 0;
  const slot = (k, name, n, init = 0) => {
    const key = `${k}/${name}`;
    if (!state.has(key)) state.set(key, new Array(n).fill(init));
    return state.get(key);
  };
  return (params, grads) => {
    const lr = typeof o.learningRate === 'function' ? o.learningRate(t) : o.learningRate;
    t += 1;
    const gs = clipGrads(grads, o);
    params.forEach((p, k) => {
      const g = gs[k];
      const n = p.length;
      for (let i = 0; i < n; i++) {
        switch (kind) {
          case 'sgd': {
            if (!o.momentum) { p[i] -= lr * g[i]; break; }
            const v = slot(k, 'v', n);
            v[i] = o.momentum * v[i] - lr * g[i];
            p[i] += o.nesterov ? o.momentum * v[i] - lr * g[i] : v[i];
            break;
          }
          case 'adagrad': {
            const a = slot(k, 'acc', n, o.initialAccumulatorValue ?? 0.1);
            a[i] += g[i] * g[i];
            p[i] -= (lr * g[i]) / (Math.sqrt(a[i]) + (o.epsilon ?? 1e-7));
            break;
          }
          case 'rmsprop': {
            const rho = o.rho ?? 0.9, eps = o.epsilon ?? 1e-7;
            const ms = slot(k, 'ms', n);
            ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
            let den = ms[i] + eps;
            if (o.centered) {
              const mg = slot(k, 'mg', n);
              mg[i] = rho * mg[i] + (1 - rho) * g[i];
              den = ms[i] - mg[i] * mg[i] + eps;
            }
            const inc = (lr * g[i]) / Math.sqrt(den);
            if (o.momentum) {
              const mom = slot(k, 'mom', n);
              mom[i] = o.momentum * mom[i] + inc;
              p[i] -= mom[i];
            } else p[i] -= inc;
            break;
          }
          case 'adam':
          case 'adamw': {
            const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.epsilon ?? 1e-7;
            const m = slot(k, 'm', n), v = slot(k, 'v', n);
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            if (kind === 'adamw') p[i] -= lr * (o.weightDecay ?? 0.004) * p[i];
            const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
            p[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + eps);
            break;
          }
          case 'adamax': {
            const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.epsilon ?? 1e-7;
            const m = slot(k, 'm', n), u = slot(k, 'u', n);
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            u[i] = Math.max(b2 * u[i], Math.abs(g[i]));
            p[i] -= ((lr / (1 - b1 ** t)) * m[i]) / (u[i] + eps);
            break;
          }
          default:
            throw new Error(kind);
        }
      }
    });
  };
}

const classes = { sgd: 'SGD', adagrad: 'Adagrad', rmsprop: 'RMSProp', adam: 'Adam', adamw: 'AdamW', adamax: 'Adamax' };

/** Runs `steps` steps in Sinew and in the reference; returns both trajectories' end points. */
function run(kind, o, steps = 6) {
  const opt = new sinew.optimizers[classes[kind]](o);
  const vars = sinew.tidy(() => P0.map((p, k) => sinew.variable(sinew.tensor(p, SHAPES[k]))));
  const ref = reference(kind, o);
  const rp = P0.map((p) => p.slice());
  for (let s = 0; s < steps; s++) {
    const gs = P0.map((p, k) => gradAt(s, k, p.length));
    sinew.tidy(() => opt.applyGradients(vars, gs.map((g, k) => sinew.tensor(g, SHAPES[k]))));
    ref(rp, gs);
  }
  const got = vars.map((v) => Array.from(v.dataSync()));
  t_cleanup(opt, vars);
  return { got, want: rp, iterations: steps };
}
function t_cleanup(opt, vars) {
  opt.dispose();
  for (const v of vars) v.dispose();
}

const cases = [
  ['sgd', { learningRate: 0.1 }],
  ['sgd', { learningRate: 0.05, momentum: 0.9 }],
  ['sgd', { learningRate: 0.05, momentum: 0.9, nesterov: true }],
  ['adagrad', { learningRate: 0.1 }],
  ['adagrad', { learningRate: 0.1, initialAccumulatorValue: 0.5, epsilon: 1e-3 }],
  ['rmsprop', { learningRate: 0.01 }],
  ['rmsprop', { learningRate: 0.01, rho: 0.8, momentum: 0.5 }],
  ['rmsprop', { learningRate: 0.01, centered: true }],
  ['rmsprop', { learningRate: 0.01, momentum: 0.3, centered: true, epsilon: 1e-4 }],
  ['adam', { learningRate: 0.01 }],
  ['adam', { learningRate: 0.02, beta1: 0.5, beta2: 0.9, epsilon: 1e-3 }],
  ['adamw', { learningRate: 0.01, weightDecay: 0.1 }],
  ['adamax', { learningRate: 0.01 }],
  ['adamax', { learningRate: 0.05, beta1: 0.8, beta2: 0.95 }],
];

for (const [kind, o] of cases) {
  test(`${kind} ${JSON.stringify(o)}: 6 steps on two parameters match the float64 formula`, (t) => {
    const { got, want } = run(kind, o);
    got.forEach((g, k) => close(t, g, want[k], `param ${k}`));
  });
}

// ---------------------------------------------------------------- options that must matter

const differs = (a, b) => a.flat().some((x, i) => Math.abs(x - b.flat()[i]) > 1e-4);

test('momentum changes the trajectory, and Nesterov differs from plain momentum', (t) => {
  const plain = run('sgd', { learningRate: 0.05 }).got;
  const mom = run('sgd', { learningRate: 0.05, momentum: 0.9 }).got;
  const nest = run('sgd', { learningRate: 0.05, momentum: 0.9, nesterov: true }).got;
  t.true(differs(plain, mom));
  t.true(differs(mom, nest));
});

test('AdamW weight decay changes the result (and weightDecay 0 equals Adam)', (t) => {
  const adam = run('adam', { learningRate: 0.01 }).got;
  const w0 = run('adamw', { learningRate: 0.01, weightDecay: 0 }).got;
  const w = run('adamw', { learningRate: 0.01, weightDecay: 0.5 }).got;
  close(t, w0.flat(), adam.flat(), 'adamw wd=0 vs adam', 1e-7);
  t.true(differs(adam, w));
});

test('clipnorm (per tensor), globalClipnorm, clipvalue and their combination match the reference and change results', (t) => {
  const base = run('sgd', { learningRate: 0.1 }).got;
  for (const clip of [{ clipnorm: 0.5 }, { globalClipnorm: 0.7 }, { clipvalue: 0.3 }, { clipnorm: 1, globalClipnorm: 1.2, clipvalue: 0.4 }]) {
    for (const kind of ['sgd', 'adam']) {
      const { got, want } = run(kind, { learningRate: 0.1, ...clip });
      got.forEach((g, k) => close(t, g, want[k], `${kind} ${JSON.stringify(clip)} param ${k}`));
    }
    t.true(differs(base, run('sgd', { learningRate: 0.1, ...clip }).got), JSON.stringify(clip));
  }
});

test('clipnorm on a [3, 4] gradient moves by lr·[0.6, 0.8]; clipvalue clamps; global norm scales all together', (t) => {
  const step = (opts, grads) => {
    const opt = new sinew.optimizers.SGD({ learningRate: 1, ...opts });
    const vars = grads.map((g) => sinew.variable(sinew.zeros([g.length])));
    sinew.tidy(() => opt.applyGradients(vars, grads.map((g) => sinew.tensor(g))));
    const out = vars.map((v) => Array.from(v.dataSync()));
    t_cleanup(opt, vars);
    return out;
  };
  close(t, step({ clipnorm: 1 }, [[3, 4]])[0], [-0.6, -0.8], 'clipnorm');
  close(t, step({ clipnorm: 10 }, [[3, 4]])[0], [-3, -4], 'clipnorm inactive');
  close(t, step({ clipvalue: 1 }, [[3, -0.5, -4]])[0], [-1, 0.5, 1], 'clipvalue');
  close(t, step({ globalClipnorm: 2.5 }, [[3], [4]]).flat(), [-1.5, -2], 'globalClipnorm');
  close(t, step({ clipnorm: 1 }, [[3], [4]]).flat(), [-1, -1], 'clipnorm is per tensor');
});

// ---------------------------------------------------------------- schedules

test('schedules give the Keras values at given iterations', (t) => {
  const o = sinew.optimizers;
  const near = (a, b, what) => t.true(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
  const e = o.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
  near(e(0), 0.1, 'exp 0');
  near(e(10), 0.05, 'exp 10');
  near(e(5), 0.1 * Math.SQRT1_2, 'exp 5');
  const es = o.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
  near(es(5), 0.1, 'staircase 5');
  near(es(15), 0.05, 'staircase 15');
  const sd = o.stepDecay(1, 10, 0.1);
  near(sd(9), 1, 'step 9');
  near(sd(25), 0.01, 'step 25');
  const pw = o.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
  [[0, 1], [10, 1], [11, 0.5], [20, 0.5], [21, 0.1], [1000, 0.1]].forEach(([s, v]) => near(pw(s), v, `piecewise ${s}`));
  const c = o.cosineDecay({ initialLearningRate: 1, decaySteps: 100 });
  [[0, 1], [50, 0.5], [100, 0], [200, 0], [25, 0.5 * (1 + Math.SQRT1_2)]].forEach(([s, v]) => near(c(s), v, `cosine ${s}`));
  const ca = o.cosineDecay({ initialLearningRate: 1, decaySteps: 100, alpha: 0.1 });
  near(ca(50), 0.55, 'cosine alpha 50');
  near(ca(100), 0.1, 'cosine alpha 100');
  const cw = o.cosineDecay({ initialLearningRate: 0, decaySteps: 100, warmupTarget: 1, warmupSteps: 10 });
  [[0, 0], [5, 0.5], [10, 1], [60, 0.5], [110, 0], [500, 0]].forEach(([s, v]) => near(cw(s), v, `cosine warmup ${s}`));
  const it = o.inverseTimeDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 0.5 });
  near(it(2), 0.5, 'inverse time 2');
  const p = o.polynomialDecay({ initialLearningRate: 1, decaySteps: 10, endLearningRate: 0, power: 1 });
  near(p(5), 0.5, 'poly 5');
  near(p(20), 0, 'poly 20');
  near(o.polynomialDecay({ initialLearningRate: 1, decaySteps: 10, endLearningRate: 0, cycle: true })(15), 0.25, 'poly cycle 15');
  t.throws(() => o.piecewiseConstantDecay({ boundaries: [1, 2], values: [1] }), { instanceOf: sinew.InvalidArgumentError });
  t.throws(() => o.exponentialDecay({ initialLearningRate: 1, decaySteps: 0, decayRate: 0.5 }), { instanceOf: sinew.InvalidArgumentError });
});

test('an optimizer reads its schedule at the iteration count (0 on the first step)', (t) => {
  const lr = sinew.optimizers.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 });
  const { got, want } = run('sgd', { learningRate: lr }, 4);
  got.forEach((g, k) => close(t, g, want[k], `param ${k}`));
  const opt = new sinew.SGD({ learningRate: lr });
  t.is(opt.currentLearningRate(), 0.1);
  opt.iterations = 3;
  t.is(opt.currentLearningRate(), 0.0125);
  // Plain functions work too.
  const { got: g2, want: w2 } = run('adam', { learningRate: (it) => 0.01 / (1 + it) }, 4);
  g2.forEach((g, k) => close(t, g, w2[k], `param ${k} (function)`));
});

// ---------------------------------------------------------------- convergence

for (const [name, opt] of [
  ['sgd', () => new sinew.SGD({ learningRate: 0.1 })],
  ['momentum', () => new sinew.SGD({ learningRate: 0.05, momentum: 0.9 })],
  ['nesterov', () => new sinew.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
  ['adagrad', () => new sinew.Adagrad({ learningRate: 0.5 })],
  ['rmsprop', () => new sinew.RMSProp({ learningRate: 0.02 })],
  ['adam', () => new sinew.Adam({ learningRate: 0.05 })],
  ['adamw', () => new sinew.AdamW({ learningRate: 0.05, weightDecay: 0.001 })],
  ['adamax', () => new sinew.Adamax({ learningRate: 0.1 })],
]) {
  test(`${name} minimises a quadratic with minimize()`, (t) => {
    const o = opt();
    const target = sinew.tensor([1, -2, 3, 0.5]);
    const w = sinew.variable(sinew.zeros([4]));
    const loss = () => sinew.sum(sinew.square(sinew.sub(w, target)));
    const first = sinew.tidy(() => loss().dataSync()[0]);
    o.minimize(loss, false, [w]); // creates the slots
    const before = sinew.memory().numTensors;
    for (let i = 0; i < 299; i++) o.minimize(loss, false, [w]);
    t.is(sinew.memory().numTensors, before, 'a step leaks no tensors');
    const last = o.minimize(loss, true, [w]);
    const l = last.dataSync()[0];
    last.dispose();
    t.true(l < 1e-2 * first, `loss ${first} → ${l}`);
    t.is(o.iterations, 301);
    o.dispose();
    w.dispose();
    target.dispose();
  });
}

// ---------------------------------------------------------------- errors

test('a mismatched gradient shape is a ShapeError naming the optimizer and shapes; nothing changes', (t) => {
  const opt = new sinew.Adam({ learningRate: 0.1 });
  const a = sinew.variable(sinew.tensor([1, 2]));
  const b = sinew.variable(sinew.tensor([[1, 2], [3, 4]]));
  opt.applyGradients([a, b], [sinew.tensor([1, 1]), sinew.tensor([[1, 1], [1, 1]])]);
  const before = [a, b].map((v) => Array.from(v.dataSync()));
  const weights = opt.getWeights();
  const e = t.throws(() => opt.applyGradients([a, b], [sinew.tensor([1, 1]), sinew.tensor([1, 1, 1, 1])]), { instanceOf: sinew.ShapeError });
  t.regex(e.message, /adam.*\[4\].*\[2,2\]/);
  t.deepEqual([a, b].map((v) => Array.from(v.dataSync())), before);
  const after = opt.getWeights();
  t.deepEqual(after.map((w) => Array.from(w.tensor.dataSync())), weights.map((w) => Array.from(w.tensor.dataSync())), 'slots unchanged');
  t.is(opt.iterations, 1);
  for (const w of [...weights, ...after]) w.tensor.dispose();
  opt.dispose();
  a.dispose();
  b.dispose();
});

test('a NaN learning rate (constructor or schedule) is an InvalidArgumentError; nothing changes', (t) => {
  t.throws(() => new sinew.SGD({ learningRate: NaN }), { instanceOf: sinew.InvalidArgumentError });
  t.throws(() => new sinew.Adam({ beta1: 1 }), { instanceOf: sinew.InvalidArgumentError });
  t.throws(() => new sinew.SGD({ clipnorm: -1 }), { instanceOf: sinew.InvalidArgumentError });
  for (const make of [() => new sinew.SGD({ learningRate: () => NaN }), () => new sinew.Adam({ learningRate: () => NaN })]) {
    const opt = make();
    const v = sinew.variable(sinew.tensor([1, 2, 3]));
    const e = t.throws(() => sinew.tidy(() => opt.applyGradients([v], [sinew.tensor([1, 1, 1])])), { instanceOf: sinew.InvalidArgumentError });
    t.regex(e.message, /learningRate/);
    t.deepEqual(Array.from(v.dataSync()), [1, 2, 3]);
    t.is(opt.iterations, 0);
    opt.dispose();
    v.dispose();
  }
  // Set after construction: the engine refuses it.
  const opt = new sinew.RMSProp();
  opt.rho = NaN;
  const v = sinew.variable(sinew.tensor([1]));
  t.throws(() => sinew.tidy(() => opt.applyGradients([v], [sinew.tensor([1])])), { instanceOf: sinew.InvalidArgumentError, message: /rmsprop: rho/ });
  t.deepEqual(Array.from(v.dataSync()), [1]);
  opt.dispose();
  v.dispose();
});

test('other bad input: counts, disposed gradients, unknown names', (t) => {
  const opt = new sinew.SGD();
  const v = sinew.variable(sinew.tensor([1]));
  t.throws(() => opt.applyGradients([v], []), { instanceOf: sinew.InvalidArgumentError });
  const g = sinew.tensor([1]);
  g.dispose();
  t.throws(() => opt.applyGradients([v], [g]), { instanceOf: sinew.DisposedError });
  t.throws(() => sinew.optimizers.get('adamz'), { instanceOf: sinew.InvalidArgumentError, message: /unknown optimizer 'adamz'/ });
  t.throws(() => opt.applyGradients([v], [sinew.tensor([1], [1], 'int32')]), { instanceOf: sinew.DTypeError });
  t.deepEqual(Array.from(v.dataSync()), [1]);
  // Null gradients skip their variable.
  opt.applyGradients([v], [null]);
  t.is(opt.iterations, 0);
  opt.dispose();
  v.dispose();
});

// ---------------------------------------------------------------- memory

test('slots are created lazily, survive tidy, and are freed by dispose()', (t) => {
  const before = sinew.memory().numTensors;
  const vars = sinew.tidy(() => [sinew.variable(sinew.zeros([3])), sinew.variable(sinew.zeros([2, 2]))]);
  const opt = new sinew.Adam();
  sinew.tidy(() => {
    for (let i = 0; i < 3; i++) opt.applyGradients(vars, [sinew.ones([3]), sinew.ones([2, 2])]);
  });
  t.is(opt.numSlotTensors, 4);
  t.is(sinew.memory().numTensors, before + 2 + 4);
  opt.dispose();
  t.is(sinew.memory().numTensors, before + 2);
  for (const v of vars) v.dispose();
  t.is(sinew.memory().numTensors, before);
});

test('a large parameter (the parallel path) matches the reference', (t) => {
  const n = 70_001;
  const p0 = Array.from({ length: n }, (_, i) => f(Math.cos(i * 0.37)));
  const v = sinew.variable(sinew.tensor(p0));
  const opt = new sinew.Adam({ learningRate: 0.01, clipvalue: 0.9 });
  const ref = reference('adam', { learningRate: 0.01, clipvalue: 0.9 });
  const rp = [p0.slice()];
  for (let s = 0; s < 3; s++) {
    const g = gradAt(s, 0, n);
    sinew.tidy(() => opt.applyGradients([v], [sinew.tensor(g)]));
    ref(rp, [g]);
  }
  close(t, Array.from(v.dataSync()), rp[0], 'large');
  opt.dispose();
  v.dispose();
});

// ---------------------------------------------------------------- factory, config, state

test('optimizers.get: names (any case) with Keras defaults, instances, configs', (t) => {
  const o = sinew.optimizers;
  const sgd = o.get('SGD');
  t.true(sgd instanceof sinew.SGD);
  t.deepEqual(sgd.getConfig(), { learningRate: 0.01, momentum: 0, nesterov: false });
  t.deepEqual(o.get('Adam').getConfig(), { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  t.deepEqual(o.get('rmsprop').getConfig(), { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
  t.deepEqual(o.get('adagrad').getConfig(), { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 });
  t.is(o.get('ADAMW').className, 'AdamW');
  t.is(o.get('adamax').className, 'Adamax');
  const mine = new sinew.Adam();
  t.is(o.get(mine), mine);
  t.is(o.get({ className: 'RMSProp', config: { learningRate: 0.5 } }).currentLearningRate(), 0.5);
});

test('serialize/deserialize round-trips options and schedules', (t) => {
  const o = sinew.optimizers;
  const lr = o.cosineDecay({ initialLearningRate: 0.1, decaySteps: 50, alpha: 0.2 });
  const opt = new sinew.SGD({ learningRate: lr, momentum: 0.8, nesterov: true, clipnorm: 2 });
  const s = o.serialize(opt);
  t.is(s.className, 'SGD');
  t.deepEqual(s.config.learningRate, { className: 'CosineDecay', config: { initialLearningRate: 0.1, decaySteps: 50, alpha: 0.2, warmupSteps: 0 } });
  const back = o.deserialize(JSON.parse(JSON.stringify(s)));
  t.deepEqual(back.getConfig(), opt.getConfig());
  back.iterations = 25;
  t.true(Math.abs(back.currentLearningRate() - lr(25)) < 1e-15);
  const adamw = o.deserialize(o.serialize(new sinew.AdamW({ weightDecay: 0.3, clipvalue: 1, globalClipnorm: 4 })));
  t.deepEqual(adamw.getConfig(), { learningRate: 0.001, clipvalue: 1, globalClipnorm: 4, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.3 });
  t.throws(() => o.deserialize({ className: 'Nope', config: {} }), { instanceOf: sinew.InvalidArgumentError });
  // Keras JSON: class_name, snake_case, nulls, a serialized schedule.
  const k = o.get({
    class_name: 'RMSprop',
    config: { name: 'rmsprop', learning_rate: { class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5, staircase: false } }, rho: 0.8, clipnorm: null, global_clipnorm: 3, centered: true },
  });
  t.true(k instanceof sinew.RMSProp);
  t.is(k.rho, 0.8);
  t.is(k.globalClipnorm, 3);
  t.is(k.clipnorm, undefined);
  k.iterations = 10;
  t.true(Math.abs(k.currentLearningRate() - 0.05) < 1e-12);
  t.is(o.get({ class_name: 'Adam', config: { learning_rate: 0.01, beta_1: 0.8, beta_2: 0.99 } }).beta1, 0.8);
});

test('getWeights/setWeights carry the state: a restored optimizer continues identically', (t) => {
  const p = [0.3, -0.4, 1.2];
  const a = sinew.variable(sinew.tensor(p), true, 'w');
  const opt = new sinew.Adam({ learningRate: 0.05 });
  for (let s = 0; s < 3; s++) sinew.tidy(() => opt.applyGradients([a], [sinew.tensor(gradAt(s, 0, 3))]));
  const saved = opt.getWeights();
  t.deepEqual(saved.map((w) => w.name), ['iter', 'w/m', 'w/v']);
  const forC = opt.getWeights().map((w) => (w.name === 'iter' ? w : { name: w.name.replace(/^w\//, 'c/'), tensor: w.tensor }));

  // A fresh optimizer and a copy of the variable under the same name.
  const copyVal = sinew.tensor(Array.from(a.dataSync()));
  a.dispose();
  const b = sinew.variable(copyVal, true, 'w');
  const restored = new sinew.Adam({ learningRate: 0.05 });
  restored.setWeights(saved);
  t.is(restored.iterations, 3);
  for (const w of saved) w.tensor.dispose();
  const c = sinew.variable(copyVal, true, 'c');
  const cont = new sinew.Adam({ learningRate: 0.05 });
  // The reference: keep going with the original optimizer's state on `c`.
  cont.setWeights(forC);
  for (const w of forC) w.tensor.dispose();
  t.is(opt.getWeights().length, 1, 'slots of a disposed variable are dropped');
  const g = gradAt(3, 0, 3);
  sinew.tidy(() => restored.applyGradients([b], [sinew.tensor(g)]));
  sinew.tidy(() => cont.applyGradients([c], [sinew.tensor(g)]));
  t.deepEqual(Array.from(b.dataSync()), Array.from(c.dataSync()));
  // And it differs from a fresh optimizer's first step.
  const fresh = new sinew.Adam({ learningRate: 0.05 });
  const d = sinew.variable(copyVal, true, 'd');
  sinew.tidy(() => fresh.applyGradients([d], [sinew.tensor(g)]));
  t.notDeepEqual(Array.from(d.dataSync()), Array.from(b.dataSync()));
  for (const x of [opt, restored, cont, fresh]) x.dispose();
  for (const x of [b, c, d, copyVal]) x.dispose();
});

test('train.* factories (TF.js style) and applyGradients by variable name', (t) => {
  t.true(sinew.train.sgd(0.1) instanceof sinew.SGD);
  const m = sinew.train.momentum(0.1, 0.9, true);
  t.true(m.nesterov && m.momentum === 0.9);
  t.is(sinew.train.adam().className, 'Adam');
  t.is(sinew.train.rmsprop(0.01, 0.95).rho, 0.95);
  t.is(sinew.train.adagrad(0.1).initialAccumulatorValue, 0.1);
  t.is(sinew.train.adamax().className, 'Adamax');
  const v = sinew.variable(sinew.tensor([1, 1]), true, 'byName');
  const opt = sinew.train.sgd(0.5);
  sinew.tidy(() => opt.applyGradients({ byName: sinew.tensor([1, 2]) }));
  t.deepEqual(Array.from(v.dataSync()), [0.5, 0]);
  sinew.tidy(() => opt.applyGradients([{ name: 'byName', tensor: sinew.tensor([1, 0]) }]));
  t.deepEqual(Array.from(v.dataSync()), [0, 0]);
  t.throws(() => opt.applyGradients({ nothere: v }), { instanceOf: sinew.InvalidArgumentError });
  v.dispose();
});

test('hyperparameters are range-checked by the engine (by name) when the optimizer is made', (t) => {
  const cases = [
    [() => new sinew.SGD({ momentum: 1.5 }), /momentum must be in \[0, 1\], got 1\.5/],
    [() => new sinew.SGD({ momentum: -1 }), /momentum must be in \[0, 1\], got -1/],
    [() => new sinew.RMSProp({ rho: -0.1 }), /rmsprop: rho must be in \[0, 1\], got -0\.1/],
    [() => new sinew.Adagrad({ epsilon: -1 }), /adagrad: epsilon must be >= 0, got -1/],
    [() => new sinew.Adam({ beta2: 1 }), /adam: beta2 must be in \[0, 1\), got 1/],
    [() => new sinew.AdamW({ weightDecay: -0.5 }), /adamw: weightDecay must be >= 0, got -0\.5/],
    [() => new sinew.Adamax({ beta1: -0.5 }), /adamax: beta1 must be in \[0, 1\), got -0\.5/],
  ];
  for (const [make, message] of cases) t.throws(make, { instanceOf: sinew.InvalidArgumentError, message });
  // In range they construct, and the same values step.
  const v = sinew.variable(sinew.tensor([1]));
  for (const opt of [new sinew.SGD({ momentum: 1 }), new sinew.RMSProp({ rho: 0, centered: true, momentum: 0.5 }), new sinew.AdamW({ weightDecay: 0 })]) {
    opt.applyGradients([v], [sinew.tensor([1])]);
    t.is(opt.iterations, 1);
    opt.dispose();
  }
  v.dispose();
});
