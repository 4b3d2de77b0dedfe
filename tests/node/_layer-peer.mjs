// Layer-by-layer comparison with TensorFlow.js layers 4.22 (CPU backend):
// the same weights must give the same outputs (FWD_TOL: float32 on both
// sides, only summation order differs), and the same model trained 10 Adam
// steps from the same weights on the same batches must end with the same
// weights (TRAIN_TOL per element, as keras-peer.test.mjs checks Dense).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as sinew from '../../dist/index.js';
import { randomMatrix, worstElementError as worst } from './_reference.mjs';

export const FWD_TOL = 1e-5;
export const TRAIN_TOL = 1e-4;

const size = (s) => s.reduce((a, b) => a * b, 1);
/** Deterministic token ids in [lo, hi). */
export function ids(shape, hi, seed, lo = 0) {
  return Float32Array.from(randomMatrix(1, size(shape), seed), (v) => lo + Math.floor(((v + 1) / 2) * (hi - lo)));
}

/**
 * Builds the TF.js layer and the Sinew layer on the same input (plus
 * `extra` float inputs, e.g. initial states: the layer is then called on a
 * list; `intIds`: token ids below it, int32 unless `floatIds`), copies the TF.js weights (random, also where TF.js initialises to
 * constants) into Sinew, and compares every output. Returns the worst difference.
 */
export function sameForward(t, makeTf, makeSinew, shape, { intIds = 0, floatIds = false, extra = [] } = {}) {
  const data = intIds ? ids(shape, intIds, 5) : randomMatrix(1, size(shape), 5);
  const more = extra.map((s, i) => randomMatrix(1, size(s), 7 + i));
  const tl = makeTf();
  const tx = [tf.tensor(data, shape), ...more.map((d, i) => tf.tensor(d, extra[i]))];
  const tin = extra.length ? tx : tx[0];
  tl.apply(tin);   // builds
  tl.setWeights(tl.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.8, 0.8, 'float32', 30 + i)));
  const ref = [tl.apply(tin)].flat();
  const sl = makeSinew();
  const sx = [sinew.tensor(data, shape, intIds && !floatIds ? 'int32' : 'float32'), ...more.map((d, i) => sinew.tensor(d, extra[i]))];
  const sin = extra.length ? sx : sx[0];
  sinew.tidy(() => { sl.apply(sin); });
  t.is(sl.weights.length, tl.getWeights().length, 'same number of weights');
  sl.weights.forEach((v, i) => {
    const w = tl.getWeights()[i];
    t.deepEqual([...v.shape], w.shape, `weight ${i} shape`);
    const s = sinew.tensor(w.dataSync(), w.shape);
    v.assign(s);
    s.dispose();
  });
  const got = [sl.apply(sin)].flat();
  t.is(got.length, ref.length, 'same number of outputs');
  let e = 0;
  got.forEach((g, i) => {
    t.deepEqual([...g.shape], ref[i].shape, `output ${i} shape`);
    e = Math.max(e, worst(g.dataSync(), ref[i].dataSync()));
  });
  t.true(e <= FWD_TOL, `worst difference ${e}`);
  const r = ref[0].dataSync();
  t.true(Math.max(...r) - Math.min(...r) > 0.1, 'a non-trivial output');
  tf.dispose([...tx, ...ref]);
  tl.dispose?.();
  for (const v of [...got, ...sx]) v.dispose();
  sl.dispose();
  return e;
}

/** Trains the same Sequential model 10 steps (batch 8; Adam or SGD with momentum) in TF.js and Sinew from the same (random) weights; asserts losses and weights agree. */
/** The optimizers compared: Adam (ε = 1e-10, where TF.js's and Keras's ε placement agree) or SGD with momentum. */
const OPTIMIZERS = {
  adam: { tf: () => tf.train.adam(0.01, 0.9, 0.999, 1e-10), sinew: () => new sinew.optimizers.Adam({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-10 }) },
  momentum: { tf: () => tf.train.momentum(0.1, 0.9), sinew: () => new sinew.optimizers.SGD({ learningRate: 0.1, momentum: 0.9 }) },
};

export async function trainBoth(t, { tfLayers, sinewLayers, x, y, inShape, loss, xInt = false, optimizer = 'adam' }) {
  const STEPS = 10, BATCH = 8, n = STEPS * BATCH;
  const tm = tfl.sequential({ layers: tfLayers() });
  tm.compile({ optimizer: OPTIMIZERS[optimizer].tf(), loss });
  tm.setWeights(tm.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.3, 0.3, 'float32', 60 + i)));
  const init = tm.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync().slice() }));
  const sm = sinew.sequential({ layers: sinewLayers() });
  sm.compile({ optimizer: OPTIMIZERS[optimizer].sinew(), loss });
  const ws = init.map((w) => sinew.tensor(w.values, w.shape));
  sm.setWeights(ws);
  for (const w of ws) w.dispose();
  const yShape = [n, y.length / n];
  const tx = tf.tensor(x, [n, ...inShape]), ty = tf.tensor(y, yShape);
  const tfLoss = [];
  for (let s = 0; s < STEPS; s++) {
    const xb = tf.slice(tx, s * BATCH, BATCH), yb = tf.slice(ty, s * BATCH, BATCH);
    tfLoss.push(await tm.trainOnBatch(xb, yb));
    tf.dispose([xb, yb]);
  }
  const sx = sinew.tensor(x, [n, ...inShape], xInt ? 'int32' : 'float32'), sy = sinew.tensor(y, yShape);
  const sLoss = [];
  await sm.fit(sx, sy, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0, callbacks: { onBatchEnd: (_, logs) => sLoss.push(logs.loss) } });
  const le = worst(sLoss, tfLoss);
  t.true(le <= TRAIN_TOL, `loss per step: worst ${le}\n sinew ${sLoss}\n tfjs  ${tfLoss}`);
  const tw = tm.getWeights();
  const sw = sm.getWeights();
  t.is(sw.length, tw.length);
  const errs = sw.map((w, i) => worst(w.dataSync(), tw[i].dataSync()));
  errs.forEach((e, i) => {
    t.true(e <= TRAIN_TOL, `weight ${i} (${tm.weights[i].name}): worst ${e}`);
    t.true(worst(tw[i].dataSync(), init[i].values) > 10 * TRAIN_TOL, `weight ${i} moved`);
  });
  t.log(`worst loss difference ${le.toExponential(2)}, weights ${errs.map((e) => e.toExponential(1)).join(' ')}`);
  for (const w of sw) w.dispose();
  tf.dispose([tx, ty]);
  tm.dispose();
  sx.dispose(); sy.dispose();
  sm.dispose();
}


/**
 * A Sinew model and a TF.js model hold the same layers (TF.js's explicit InputLayer aside:
 * a model.json with one lists it among TF.js's layers, not Sinew's Sequential layers) and
 * parameter count, and predict the same on `data` of `shape` (≤ FWD_TOL).
 */
export function samePredictions(t, sm, tm, data, shape) {
  t.deepEqual(sm.layers.map((l) => l.className), tm.layers.map((l) => l.getClassName()).filter((c) => c !== 'InputLayer'));
  t.is(sm.countParams(), tm.countParams());
  const ref = tm.predict(tf.tensor(data, shape));
  const sx = sinew.tensor(data, shape);
  const got = sm.predict(sx);
  const e = worst(got.dataSync(), ref.dataSync());
  t.log(`worst prediction difference vs TF.js ${e.toExponential(2)}`);
  t.true(e <= FWD_TOL, `worst ${e}`);
  tf.dispose(ref);
  got.dispose(); sx.dispose();
}
