#!/usr/bin/env node
// Training throughput of the issue-12 text models in Sinew (Node, threads
// build), the same models as `npm run bench`'s text workloads
// (benches/lib/train-contenders.mjs TEXT_MODELS: LSTM and Conv1D text
// classifiers, a character GRU). Each model is timed with 1 and with 2
// kernel threads, rounds interleaved; prints samples/s as median (min–max).
// TF.js comparisons live in `npm run bench` (benches/train.mjs).
//
// With a vocabulary smaller than batch × steps (the bench's 1,000 tokens vs
// 64 × 100 positions) an LSTM/GRU/Conv1D fed by the Embedding computes its
// input products over the table's rows instead of every position (the
// engine's lookup path); `--vocab 20000` measures the same models on the
// ordinary path, as a text model with a large vocabulary trains.
//
//   node benches/sequence-models.mjs [--rounds 5] [--steps 8] [--only lstm,conv1d,gru] [--vocab N]
import * as sinew from '../dist/index.js';
import { TEXT_MODELS, textData, textModel } from './lib/train-contenders.mjs';
import { fmtSpread, ratesFrom, summarize } from './lib/stats.mjs';

const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const ROUNDS = arg('--rounds', 5), STEPS = arg('--steps', 8), BATCH = 64, VOCAB = arg('--vocab', null);
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : null;

function build(kind) {
  const model = textModel(sinew, kind, VOCAB ?? undefined);
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  return model;
}

const info = await sinew.init();
const n = BATCH * STEPS;
console.log(`Sinew ${info.build}, pool of ${info.threads} thread(s); batch ${BATCH}, ${STEPS} steps per round, ${ROUNDS} rounds${VOCAB ? `, vocabulary ${VOCAB}` : ''} (machine may be shared: see spreads)`);
for (const [kind, { label, len }] of Object.entries(TEXT_MODELS)) {
  if (only && !only.includes(kind)) continue;
  const name = label.split(':')[0];
  const d = textData(kind, n, VOCAB ?? undefined);
  const x = sinew.tensor(d.images, [n, len], 'int32');
  const y = sinew.tensor(d.labels, [n, 1]);
  const models = { 1: build(kind), 2: build(kind) };
  const ms = { 1: [], 2: [] };
  // Warm-up: 2 epochs each (V8 tiers the WASM code up during the first ones).
  for (const t of [1, 2]) { sinew.setNumThreads(t); await models[t].fit(x, y, { epochs: 2, batchSize: BATCH, verbose: 0 }); }
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
  x.dispose(); y.dispose();
}
sinew.setNumThreads(0);
