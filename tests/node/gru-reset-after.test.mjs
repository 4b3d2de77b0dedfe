// GRU with the reset gate after the recurrent product (Keras's
// reset_after=True, the Keras 3 / tf.keras default; TF.js has no such
// option, so the reference is a plain-JS float64 forward written from the
// Keras formula):
//   z = σ(x·W_z + b_z + h·U_z + rb_z),  r = σ(x·W_r + b_r + h·U_r + rb_r),
//   ĥ = tanh(x·W_h + b_h + r ⊙ (h·U_h + rb_h)),  h' = z ⊙ h + (1 − z) ⊙ ĥ,
// with bias [2, 3·units] = [b; rb]. Gradients are checked against finite
// differences in _gradcheck.mjs (cell 'gruResetAfter').
import test from 'ava';
import * as sinew from '../../dist/index.js';
import { randomMatrix } from './_reference.mjs';

const { layers, io } = sinew;
const TOL = 1e-5;

test.before(async () => {
  await sinew.init();
});

const sigmoid = (v) => 1 / (1 + Math.exp(-v));
const hardSigmoid = (v) => Math.min(1, Math.max(0, 0.2 * v + 0.5));

/** Every step's h, [batch, steps, units], of a reset-after GRU in float64 (mask: 0 keeps the state). */
function referenceGru(x, [batch, steps, d], units, kernel, recurrent, bias, { gate = sigmoid, mask = null, goBackwards = false } = {}) {
  const g = 3 * units;
  const out = new Float64Array(batch * steps * units);
  for (let b = 0; b < batch; b++) {
    let h = new Float64Array(units);
    for (let s = 0; s < steps; s++) {
      const t = goBackwards ? steps - 1 - s : s;
      const xw = Array.from({ length: g }, (_, k) => (bias ? bias[k] : 0) + Array.from({ length: d }, (_, j) => x[(b * steps + t) * d + j] * kernel[j * g + k]).reduce((p, q) => p + q, 0));
      const hu = Array.from({ length: g }, (_, k) => (bias ? bias[g + k] : 0) + Array.from({ length: units }, (_, j) => h[j] * recurrent[j * g + k]).reduce((p, q) => p + q, 0));
      if (!mask || mask[b * steps + t] !== 0) {
        h = Float64Array.from({ length: units }, (_, k) => {
          const z = gate(xw[k] + hu[k]);
          const r = gate(xw[units + k] + hu[units + k]);
          const hh = Math.tanh(xw[2 * units + k] + r * hu[2 * units + k]);
          return z * h[k] + (1 - z) * hh;
        });
      }
      out.set(h, (b * steps + s) * units);
    }
  }
  return out;
}

const worst = (got, want) => got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);

for (const [label, opts, gate] of [
  ['sigmoid gates, returnSequences', { recurrentActivation: 'sigmoid', returnSequences: true }, sigmoid],
  ['hardSigmoid gates, goBackwards, returnSequences', { returnSequences: true, goBackwards: true }, hardSigmoid],
  ['no bias, last output', { recurrentActivation: 'sigmoid', useBias: false }, sigmoid],
]) {
  test(`gru resetAfter (${label}): the Keras formula within ${TOL}`, (t) => {
    const [batch, steps, d, units] = [3, 5, 4, 6];
    const g = 3 * units;
    const x = randomMatrix(batch * steps, d, 1), kernel = randomMatrix(d, g, 2), recurrent = randomMatrix(units, g, 3);
    const bias = opts.useBias === false ? null : randomMatrix(2, g, 4);
    sinew.tidy(() => {
      const layer = layers.gru({ units, resetAfter: true, ...opts });
      layer.apply(sinew.zeros([batch, steps, d]));
      t.deepEqual(layer.getWeights().map((w) => w.shape), [[d, g], [units, g], ...(bias ? [[2, g]] : [])], 'bias [2, 3·units] as in Keras');
      layer.setWeights([sinew.tensor(kernel, [d, g]), sinew.tensor(recurrent, [units, g]), ...(bias ? [sinew.tensor(bias, [2, g])] : [])]);
      const got = layer.apply(sinew.tensor(x, [batch, steps, d])).dataSync();
      const all = referenceGru(x, [batch, steps, d], units, kernel, recurrent, bias, { gate, goBackwards: opts.goBackwards });
      const want = opts.returnSequences ? all : Float64Array.from({ length: batch * units }, (_, i) => all[(Math.floor(i / units) * steps + steps - 1) * units + (i % units)]);
      const e = worst(got, want);
      t.log(`worst difference ${e.toExponential(2)}`);
      t.true(got.length === want.length && e <= TOL, `worst ${e}`);
      // and it is not the reset-before GRU: the same weights (second bias row dropped) differ
      const before = layers.gru({ units, ...opts });
      before.apply(sinew.zeros([batch, steps, d]));
      before.setWeights([sinew.tensor(kernel, [d, g]), sinew.tensor(recurrent, [units, g]), ...(bias ? [sinew.tensor(bias.slice(0, g), [g])] : [])]);
      t.true(worst(before.apply(sinew.tensor(x, [batch, steps, d])).dataSync(), want) > 1e-3);
    });
  });
}

test('gru resetAfter with a masked embedding: padded steps keep the state, as Keras', (t) => {
  const [batch, steps, units, dim] = [3, 6, 4, 3];
  const g = 3 * units;
  const seqs = [[0, 0, 3, 4, 1, 2], [3, 1, 2, 0, 0, 0], [4, 0, 5, 2, 1, 0]];
  const table = randomMatrix(8, dim, 5), kernel = randomMatrix(dim, g, 6), recurrent = randomMatrix(units, g, 7), bias = randomMatrix(2, g, 8);
  sinew.tidy(() => {
    const m = sinew.sequential({ layers: [layers.embedding({ inputDim: 8, outputDim: dim, inputLength: steps, maskZero: true }), layers.gru({ units, resetAfter: true, recurrentActivation: 'sigmoid', returnSequences: true })] });
    m.setWeights([sinew.tensor(table, [8, dim]), sinew.tensor(kernel, [dim, g]), sinew.tensor(recurrent, [units, g]), sinew.tensor(bias, [2, g])]);
    const got = m.predict(sinew.tensor(seqs.flat(), [batch, steps], 'int32')).dataSync();
    const x = seqs.flat().flatMap((id) => Array.from(table.slice(id * dim, (id + 1) * dim)));
    const want = referenceGru(x, [batch, steps, dim], units, kernel, recurrent, bias, { mask: seqs.flat().map((id) => (id === 0 ? 0 : 1)) });
    const e = worst(got, want);
    t.true(e <= TOL, `worst ${e}`);
    m.dispose();
  });
});

test('resetAfter is refused by LSTM and SimpleRNN (a GRU option)', (t) => {
  for (const kind of ['lstm', 'simpleRNN']) t.throws(() => layers[kind]({ units: 2, resetAfter: true }), { instanceOf: sinew.InvalidArgumentError, message: /resetAfter is a GRU option/ });
});

// ---------- a Keras 3 model with a reset-after GRU ----------

const keras3Layer = (class_name, config) => ({
  module: 'keras.layers',
  class_name,
  config: { ...config, trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null } },
  registered_name: null,
});
const init = (class_name, config = {}) => ({ module: 'keras.initializers', class_name, config, registered_name: null });

/** Input [5, 3] → GRU 4 (reset_after, Keras 3's config as model.save writes it) → Dense 1 sigmoid. */
const topology = {
  class_name: 'Sequential',
  config: {
    name: 'sequential',
    trainable: true,
    layers: [
      { class_name: 'InputLayer', config: { batch_shape: [null, 5, 3], dtype: 'float32', sparse: false, name: 'input_layer' } },
      keras3Layer('GRU', {
        name: 'gru', return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false, zero_output_for_mask: false,
        units: 4, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true,
        kernel_initializer: init('GlorotUniform', { seed: null }), recurrent_initializer: init('Orthogonal', { seed: null, gain: 1.0 }), bias_initializer: init('Zeros'),
        kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
        dropout: 0.0, recurrent_dropout: 0.0, reset_after: true, seed: null,
      }),
      keras3Layer('Dense', { name: 'dense', units: 1, activation: 'sigmoid', use_bias: true, kernel_initializer: init('GlorotUniform', { seed: null }), bias_initializer: init('Zeros'), kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null }),
    ],
  },
  keras_version: '3.6.0',
  backend: 'tensorflow',
};

test('a Keras 3 model with GRU(reset_after=True) loads (bias [2, 12] in the Keras 3 layers/gru/cell/vars layout), predicts the Keras formula, and saves reset_after back', async (t) => {
  const [n, steps, d, units] = [4, 5, 3, 4];
  const g = 3 * units;
  const kernel = randomMatrix(d, g, 11), recurrent = randomMatrix(units, g, 12), bias = randomMatrix(2, g, 13), dw = randomMatrix(units, 1, 14), db = [0.1];
  const w = (name, shape, values) => ({ name, shape, dtype: 'float32', values: Float32Array.from(values) });
  const { data, specs } = io.encodeWeights([
    w('layers/gru/cell/vars/0', [d, g], kernel), w('layers/gru/cell/vars/1', [units, g], recurrent), w('layers/gru/cell/vars/2', [2, g], bias),
    w('layers/dense/vars/0', [units, 1], dw), w('layers/dense/vars/1', [1], db),
  ]);
  const m = await sinew.loadLayersModel({ load: async () => ({ modelTopology: topology, weightSpecs: specs, weightData: data }) });
  const x = randomMatrix(n * steps, d, 15);
  const hs = referenceGru(x, [n, steps, d], units, kernel, recurrent, bias);
  const want = Array.from({ length: n }, (_, i) => sigmoid(db[0] + Array.from({ length: units }, (_, k) => hs[(i * steps + steps - 1) * units + k] * dw[k]).reduce((p, q) => p + q, 0)));
  const got = sinew.tidy(() => m.predict(sinew.tensor(x, [n, steps, d])).dataSync());
  const e = worst(got, want);
  t.log(`worst difference ${e.toExponential(2)}`);
  t.true(got.length === n && e <= TOL, `worst ${e}`);
  // Saved and reloaded: reset_after and the two-row bias survive.
  let saved;
  await m.save({ save: async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; } });
  const gru = saved.modelTopology.config.layers.find((l) => l.class_name === 'GRU');
  t.is(gru.config.reset_after, true);
  const back = await sinew.loadLayersModel({ load: async () => saved });
  const again = sinew.tidy(() => back.predict(sinew.tensor(x, [n, steps, d])).dataSync());
  t.deepEqual(Array.from(again), Array.from(got));
  m.dispose();
  back.dispose();
});
