// A recurrent layer is one engine op per sequence (issue 12): a training step
// of a model with one costs the same number of engine calls whatever the
// sequence length. Counted at the single door every op goes through
// (`call` in ts/engine/backend.ts), for each cell, with and without
// returnSequences / masking / a bidirectional wrapper, at 10 and 50 steps.
import test from 'ava';
import * as sinew from '../../dist/index.js';
import { engineCallCount } from '../../dist/engine/backend.js';
import { ids } from './_layer-peer.mjs';

const { layers } = sinew;
const BATCH = 4, VOCAB = 20;

test.before(async () => {
  await sinew.init();
});

const MODELS = {
  lstm: () => [layers.lstm({ units: 6 })],
  gru: () => [layers.gru({ units: 6 })],
  simpleRNN: () => [layers.simpleRNN({ units: 6 })],
  'lstm returnSequences → globalAveragePooling1d': () => [layers.lstm({ units: 6, returnSequences: true }), layers.globalAveragePooling1d()],
  'bidirectional(gru)': () => [layers.bidirectional({ layer: layers.gru({ units: 6 }) })],
};

/** Engine calls of one training step (one `fit` batch) at `steps` tokens per sequence. */
async function callsPerStep(body, steps, { maskZero = false } = {}) {
  const m = sinew.sequential({ layers: [layers.embedding({ inputDim: VOCAB, outputDim: 5, inputLength: steps, maskZero }), ...body(), layers.dense({ units: 1, activation: 'sigmoid' })] });
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  // maskZero: ids from 1, then the last 3 steps of every row padded.
  const data = ids([BATCH, steps], VOCAB, 3, maskZero ? 1 : 0).map((v, i) => (maskZero && i % steps >= steps - 3 ? 0 : v));
  const x = sinew.tensor(data, [BATCH, steps], 'int32');
  const y = sinew.tensor(Float32Array.from({ length: BATCH }, (_, i) => i % 2), [BATCH, 1]);
  const fit = () => m.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0, shuffle: false });
  await fit(); // first step: optimizer slots, lazily built weights
  const before = engineCallCount();
  const h = await fit();
  const calls = engineCallCount() - before;
  const loss = h.history.loss[0];
  x.dispose();
  y.dispose();
  m.dispose();
  return { calls, loss };
}

for (const [name, body] of Object.entries(MODELS)) {
  for (const maskZero of [false, true]) {
    test.serial(`${name}${maskZero ? ' (masked)' : ''}: one training step costs the same engine calls at 10 and 50 steps`, async (t) => {
      const short = await callsPerStep(body, 10, { maskZero });
      const long = await callsPerStep(body, 50, { maskZero });
      t.true(Number.isFinite(short.loss) && Number.isFinite(long.loss), 'both models trained');
      t.true(short.calls > 0, 'the counter sees the step');
      t.is(long.calls, short.calls, `engine calls per step: ${short.calls} at 10 steps, ${long.calls} at 50`);
      t.log(`${short.calls} engine calls per training step`);
    });
  }
}
