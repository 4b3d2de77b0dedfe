#!/usr/bin/env node
// Training throughput of the issue-12 text models in Sinew (Node, threads
// build): embedding 32 over a 1,000-token vocabulary, sequences of 100
// tokens, batch 64, Adam; then LSTM 64 → dense sigmoid, or Conv1D 64@5 relu →
// global max pooling → dense sigmoid. Each model is timed with 1 and with 2
// kernel threads, rounds interleaved; prints samples/s as median (min–max).
// TF.js comparisons live in `npm run bench` (benches/train.mjs).
//
//   node benches/sequence-models.mjs [--rounds 5] [--steps 8]
import * as sinew from '../dist/index.js';
import { fmtSpread, ratesFrom, summarize } from './lib/stats.mjs';

const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const ROUNDS = arg('--rounds', 5), STEPS = arg('--steps', 8), BATCH = 64, LEN = 100, VOCAB = 1000;

const MODELS = {
  'LSTM 64': () => [sinew.layers.lstm({ units: 64 })],
  'Conv1D 64@5 + global max pooling': () => [sinew.layers.conv1d({ filters: 64, kernelSize: 5, activation: 'relu' }), sinew.layers.globalMaxPooling1d()],
};

function build(body) {
  const m = sinew.sequential({ layers: [sinew.layers.embedding({ inputDim: VOCAB, outputDim: 32, inputLength: LEN }), ...body(), sinew.layers.dense({ units: 1, activation: 'sigmoid' })] });
  m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return m;
}

const info = await sinew.init();
const n = BATCH * STEPS;
const ids = Int32Array.from({ length: n * LEN }, (_, i) => (i * 7919) % VOCAB);
const x = sinew.tensor(ids, [n, LEN], 'int32');
const y = sinew.tensor(Float32Array.from({ length: n }, (_, i) => i % 2), [n, 1]);
console.log(`Sinew ${info.build}, pool of ${info.threads} thread(s); batch ${BATCH}, ${STEPS} steps per round, ${ROUNDS} rounds (machine may be shared: see spreads)`);
for (const [name, body] of Object.entries(MODELS)) {
  const models = { 1: build(body), 2: build(body) };
  const ms = { 1: [], 2: [] };
  for (const t of [1, 2]) { sinew.setNumThreads(t); await models[t].fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0 }); }   // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const t of [1, 2]) {
      sinew.setNumThreads(t);
      const t0 = performance.now();
      await models[t].fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0, shuffle: false });
      ms[t].push(performance.now() - t0);
    }
  }
  const s1 = summarize(ratesFrom(ms[1], n * 1000)), s2 = summarize(ratesFrom(ms[2], n * 1000));
  console.log(`${name}: 1 thread ${fmtSpread(s1)} samples/s, 2 threads ${fmtSpread(s2)} samples/s, ratio of medians (2 threads / 1 thread) ${(s2.median / s1.median).toFixed(2)}`);
  models[1].dispose(); models[2].dispose();
}
sinew.setNumThreads(0);
