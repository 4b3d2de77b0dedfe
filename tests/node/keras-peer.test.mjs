// Correctness against a real peer: the same Dense models trained in
// TensorFlow.js layers (CPU backend) and in Sinew, from identical initial
// weights on the same 10 batches, must agree step by step.
//
// Tolerance: |a − b| ≤ 1e-4 · max(1, |b|) for every loss value and every
// weight element (absolute 1e-4 for values of magnitude ≤ 1, relative 1e-4
// above). Both sides compute in float32, so differences come only from
// summation order.
import test from 'ava';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sinew from '../../dist/index.js';
import { randomMatrix } from './_reference.mjs';

const TOL = 1e-4;
const STEPS = 10;
const BATCH = 8;
const N = STEPS * BATCH;

test.before(async () => {
  await sinew.init();
  await tf.setBackend('cpu');
});

/** Worst |a − b| / max(1, |b|) over two arrays. */
function worst(a, b) {
  if (a.length !== b.length) return Infinity;
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return e;
}

/** Data: x in [-1, 1)^20; classification labels one-hot of 3 classes from a fixed linear rule; regression targets 2 values. */
function makeData(kind) {
  const x = randomMatrix(N, 20, 11);
  if (kind === 'classification') {
    const w = randomMatrix(20, 3, 12);
    const y = new Float32Array(N * 3);
    for (let i = 0; i < N; i++) {
      let best = 0, bestV = -Infinity;
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let j = 0; j < 20; j++) s += x[i * 20 + j] * w[j * 3 + c];
        if (s > bestV) [best, bestV] = [c, s];
      }
      y[i * 3 + best] = 1;
    }
    return { x, y, outDim: 3 };
  }
  if (kind === 'binary') {
    const y = new Float32Array(N);
    for (let i = 0; i < N; i++) y[i] = x[i * 20] * x[i * 20 + 1] + x[i * 20 + 2] > 0 ? 1 : 0;
    return { x, y, outDim: 1 };
  }
  const y = new Float32Array(N * 2);
  for (let i = 0; i < N; i++) {
    y[i * 2] = Math.sin(x[i * 20] * 2) + x[i * 20 + 1] * x[i * 20 + 2];
    y[i * 2 + 1] = x[i * 20 + 3] - 0.5 * x[i * 20 + 4];
  }
  return { x, y, outDim: 2 };
}

const ARCH = {
  classification: { acts: ['relu', 'tanh', 'softmax'], units: [16, 8, 3], loss: 'categoricalCrossentropy' },
  binary: { acts: ['relu', 'tanh', 'sigmoid'], units: [16, 8, 1], loss: 'binaryCrossentropy' },
  regression: { acts: ['relu', 'tanh', 'linear'], units: [16, 8, 2], loss: 'meanSquaredError' },
};

/**
 * Keras's Adam update, run by TF.js on TF.js's own variables and gradients:
 *   m += (g − m)(1 − β1),  v += (g² − v)(1 − β2),
 *   p −= lr·√(1 − β2^t)/(1 − β1^t) · m / (√v + ε).
 * TF.js's built-in AdamOptimizer differs from Keras (and so from Sinew) in
 * where ε goes: it computes m̂ / (√v̂ + ε) with the bias-corrected v̂, i.e.
 * Keras's formula with ε/√(1 − β2^t) (≈ 32·ε at step 1). With ε = 1e-7 that
 * moves weights with small gradients by more than 1e-4 in 10 steps, so the
 * built-in optimizer is compared at ε = 1e-10 (where the placement is
 * immaterial) and the Keras default ε = 1e-7 through this optimizer.
 */
class KerasAdam extends tf.Optimizer {
  static className = 'KerasAdam';
  constructor(learningRate, beta1, beta2, epsilon) {
    super();
    Object.assign(this, { learningRate, beta1, beta2, epsilon, t: 0, slots: new Map() });
  }
  applyGradients(variableGradients) {
    const entries = Array.isArray(variableGradients) ? variableGradients.map((v) => [v.name, v.tensor]) : Object.entries(variableGradients);
    this.t += 1;
    const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, t } = this;
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    tf.tidy(() => {
      for (const [name, g] of entries) {
        if (g == null) continue;
        const p = tf.engine().registeredVariables[name];
        if (!this.slots.has(name)) this.slots.set(name, [tf.variable(tf.zerosLike(p), false), tf.variable(tf.zerosLike(p), false)]);
        const [m, v] = this.slots.get(name);
        m.assign(tf.add(m, tf.mul(tf.sub(g, m), 1 - b1)));
        v.assign(tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - b2)));
        p.assign(tf.sub(p, tf.div(tf.mul(m, alpha), tf.add(tf.sqrt(v), eps))));
      }
    });
  }
  dispose() {
    for (const s of this.slots.values()) tf.dispose(s);
  }
  getConfig() {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

// Every hyperparameter explicit on both sides.
const OPTIMIZERS = {
  'SGD lr 0.1': { tf: () => tf.train.sgd(0.1), sinew: () => new sinew.optimizers.SGD({ learningRate: 0.1, momentum: 0, nesterov: false }) },
  'SGD lr 0.05 momentum 0.9': {
    // TF.js: a = m·a + g; p −= lr·a. Keras: v = m·v − lr·g; p += v. The same at a constant rate.
    tf: () => tf.train.momentum(0.05, 0.9, false),
    sinew: () => new sinew.optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: false }),
  },
  'SGD lr 0.05 Nesterov momentum 0.9': {
    tf: () => tf.train.momentum(0.05, 0.9, true),
    sinew: () => new sinew.optimizers.SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true }),
  },
  'Adam lr 0.01 β 0.9/0.999 ε 1e-10 (TF.js AdamOptimizer)': {
    tf: () => tf.train.adam(0.01, 0.9, 0.999, 1e-10),
    sinew: () => new sinew.optimizers.Adam({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-10 }),
  },
  'Adam lr 0.01 β 0.9/0.999 ε 1e-7 (Keras formula on TF.js)': {
    tf: () => new KerasAdam(0.01, 0.9, 0.999, 1e-7),
    sinew: () => new sinew.optimizers.Adam({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }),
  },
};

async function run(kind, optName) {
  const { acts, units, loss } = ARCH[kind];
  const { x, y, outDim } = makeData(kind);
  // TF.js side
  const tm = tfl.sequential();
  // seeded, so every run starts from the same weights; random biases so they are not all zero
  units.forEach((u, i) => tm.add(tfl.layers.dense({
    units: u, activation: acts[i], ...(i === 0 ? { inputShape: [20] } : {}),
    kernelInitializer: tfl.initializers.glorotUniform({ seed: 10 + i }),
    biasInitializer: tfl.initializers.randomNormal({ mean: 0, stddev: 0.1, seed: 20 + i }),
  })));
  const tfOpt = OPTIMIZERS[optName].tf();
  tm.compile({ optimizer: tfOpt, loss });
  const init = tm.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync().slice() }));
  // Sinew side, same initial weights
  const sm = sinew.sequential();
  units.forEach((u, i) => sm.add(sinew.layers.dense({ units: u, activation: acts[i], ...(i === 0 ? { inputShape: [20] } : {}) })));
  sm.compile({ optimizer: OPTIMIZERS[optName].sinew(), loss });
  const ws = init.map((w) => sinew.tensor(w.values, w.shape));
  sm.setWeights(ws);
  for (const w of ws) w.dispose();

  const tfLoss = [];
  const tx = tf.tensor2d(x, [N, 20]), ty = tf.tensor2d(y, [N, outDim]);
  for (let s = 0; s < STEPS; s++) {
    const xb = tf.slice(tx, [s * BATCH, 0], [BATCH, 20]), yb = tf.slice(ty, [s * BATCH, 0], [BATCH, outDim]);
    tfLoss.push(await tm.trainOnBatch(xb, yb));
    xb.dispose(); yb.dispose();
  }
  const sinewLoss = [];
  const sx = sinew.tensor(x, [N, 20]), sy = sinew.tensor(y, [N, outDim]);
  const history = await sm.fit(sx, sy, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0, callbacks: { onBatchEnd: (b, logs) => sinewLoss.push(logs.loss) } });
  const tfW = tm.getWeights().map((w) => w.dataSync());
  const sW = sm.getWeights().map((w) => { const d = w.dataSync(); w.dispose(); return d; });
  const initW = init.map((w) => w.values);
  for (const t of [sx, sy]) t.dispose();
  sm.dispose();
  tx.dispose(); ty.dispose();
  tm.dispose();
  tfOpt.dispose();
  return { tfLoss, sinewLoss, tfW, sW, initW, history };
}

for (const kind of ['classification', 'binary', 'regression']) {
  for (const opt of Object.keys(OPTIMIZERS)) {
    test.serial(`${kind} 20→16 relu→8 tanh→${{ classification: '3 softmax, categoricalCrossentropy', binary: '1 sigmoid, binaryCrossentropy', regression: '2 linear, MSE' }[kind]}, ${opt}: loss per step and all weights after ${STEPS} steps match TF.js within ${TOL}`, async (t) => {
      const r = await run(kind, opt);
      t.is(r.sinewLoss.length, STEPS);
      t.is(r.tfLoss.length, STEPS);
      const le = worst(r.sinewLoss, r.tfLoss);
      if (process.env.SINEW_PEER_VERBOSE) t.log(`worst loss ${le.toExponential(2)}, weights ${r.sW.map((w, i) => worst(w, r.tfW[i]).toExponential(2)).join(" ")}; moved ${r.tfW.map((w, i) => worst(w, r.initW[i]).toExponential(1)).join(" ")}`);
      t.true(le <= TOL, `loss per step: worst ${le}\n sinew ${r.sinewLoss.join(', ')}\n tfjs  ${r.tfLoss.join(', ')}`);
      t.is(r.sW.length, 6);
      r.sW.forEach((w, i) => {
        const e = worst(w, r.tfW[i]);
        t.true(e <= TOL, `weight ${i}: worst ${e}`);
        // training really moved every weight tensor (the comparison is not of untouched initial values)
        t.true(worst(r.tfW[i], r.initW[i]) > 10 * TOL, `weight ${i} moved by ${worst(r.tfW[i], r.initW[i])}`);
      });
      // the epoch loss is the mean of the per-step losses (equal batches)
      const mean = r.sinewLoss.reduce((a, b) => a + b, 0) / STEPS;
      t.true(Math.abs(r.history.history.loss[0] - mean) < 1e-6);
    });
  }
}

// [TF.js name, the spelling given to Sinew]: swish as Keras 3 spells it; the
// kernel scaled ×3 so relu6 and hardSigmoid reach both of their flat parts.
for (const [act, spelled] of [['swish', 'silu'], ['selu', 'selu'], ['relu6', 'relu6'], ['hardSigmoid', 'hard_sigmoid']]) {
test.serial(`Dense with ${act} (spelled '${spelled}') matches the TF.js layer: outputs, then weights after one SGD step`, async (t) => {
  const x = randomMatrix(16, 5, 21), y = randomMatrix(16, 3, 24), b = randomMatrix(1, 3, 23);
  const k = randomMatrix(5, 3, 22).map((v) => (act === 'swish' ? v : 3 * v));
  const tm = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, activation: act, inputShape: [5] })] });
  tm.setWeights([tf.tensor(k, [5, 3]), tf.tensor(b, [3])]);
  const sm = sinew.sequential({ layers: [sinew.layers.dense({ units: 3, activation: spelled, inputShape: [5] })] });
  t.is(sm.layers[0].activation, act);
  sm.setWeights([sinew.tensor(k, [5, 3]), sinew.tensor(b, [3])]);
  const [tx, ty, sx, sy] = [tf.tensor(x, [16, 5]), tf.tensor(y, [16, 3]), sinew.tensor(x, [16, 5]), sinew.tensor(y, [16, 3])];
  const e0 = worst(sm.predict(sx).dataSync(), tm.predict(tx).dataSync());
  t.true(e0 <= TOL, `outputs differ by ${e0}`);
  tm.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
  sm.compile({ optimizer: new sinew.SGD({ learningRate: 0.5 }), loss: 'meanSquaredError' });
  await tm.fit(tx, ty, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
  await sm.fit(sx, sy, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
  const [tw, sw] = [tm.getWeights(), sm.getWeights()];
  for (let i = 0; i < 2; i++) {
    const e = worst(sw[i].dataSync(), tw[i].dataSync());
    t.true(e <= TOL, `weight ${i} differs by ${e}`);
  }
  // The step moved the weights (so the comparison is of the gradient, not of the start).
  t.true(worst(sw[0].dataSync(), k) > 1e-3);
  sm.dispose();
  tm.dispose();
});
}
