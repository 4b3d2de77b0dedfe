// The text models of the examples and of the web app's text tabs, in one
// place: the Node examples (names-gender-gru.mjs, names-generator-lstm.mjs,
// spam-bilstm.mjs, spam-conv1d.mjs) and the web worker
// (examples/web/src/train-worker.js) split, encode and build with these. `sinew` is passed in (the Node examples import
// ../dist, the web app imports 'sinew-nn'); nothing here touches Node or the
// DOM.

/** Model names (what `save` writes; the web app's IndexedDB keys and file names). */
export const NAME_MODEL = 'sinew-name-gender';
export const SPAM_MODEL = 'sinew-spam-bilstm';

/** Names are at most 15 characters in the data set; longer input is cut. */
export const NAME_LEN = 15;

/**
 * The first-names data set (8,003 names, 1 = female), a stratified 80/20
 * split (seeded) and a character tokenizer fitted on the training names.
 * `female` and `male` are the arrays the two @stdlib packages return.
 */
export function prepareNames(sinew, female, male, { seed = 1, testFraction = 0.2 } = {}) {
  const names = sinew.data.fromFirstNames(female, male);
  const labels = Int32Array.from(names, (n) => n.label);
  const { trainIndices, testIndices } = sinew.data.stratifiedSplitIndices(labels, { testFraction, seed });
  // Characters as they are, '-' included (Keras's default filters drop it).
  const tokenizer = new sinew.text.Tokenizer({ level: 'char', filters: '', oovToken: '?' });
  tokenizer.fitOnTexts(Array.from(trainIndices, (i) => names[i].name));
  const part = (idx) => ({
    names: Array.from(idx, (i) => names[i].name),
    labels: Float32Array.from(idx, (i) => labels[i]),
  });
  return { names, tokenizer, train: part(trainIndices), test: part(testIndices) };
}

/** Padded character ids of names, [n, NAME_LEN] int32 (post-padding: 0 after the last letter). */
export function encodeNames(sinew, tokenizer, names) {
  return sinew.text.padSequences(tokenizer.textsToSequences(names), { maxLen: NAME_LEN, padding: 'post', truncating: 'post' });
}

/**
 * Embedding 16 (id 0 masked) → bidirectional GRU 64 (both final states) →
 * dropout 0.5 → Dense(1, sigmoid): P(female). (A one-way GRU 64 stays at
 * 85 % held-out accuracy; a bidirectional GRU 32 with dropout 0.3 at 87 %.)
 */
export function buildNameModel(sinew, vocabularySize, seed = 1) {
  const { layers, initializers } = sinew;
  return sinew.sequential({
    name: NAME_MODEL,
    layers: [
      layers.embedding({ inputDim: vocabularySize, outputDim: 16, inputLength: NAME_LEN, maskZero: true, embeddingsInitializer: initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }),
      layers.bidirectional({ layer: layers.gru({ units: 64, recurrentActivation: 'sigmoid', kernelInitializer: initializers.glorotUniform(seed + 1), recurrentInitializer: initializers.orthogonal({ seed: seed + 2 }) }) }),
      layers.dropout({ rate: 0.5, seed: seed + 3 }),
      layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: initializers.glorotUniform(seed + 4) }),
    ],
  });
}

/** Adam with a cosine decay from `learningRate` to 0 over the whole run (the last epochs settle). */
export function decayingAdam(sinew, learningRate, epochs, samples, batchSize) {
  const decaySteps = epochs * Math.ceil(samples / batchSize);
  return new sinew.optimizers.Adam({ learningRate: sinew.optimizers.cosineDecay({ initialLearningRate: learningRate, decaySteps }) });
}

// --- the character-level name generator ---------------------------------------

/** Start-of-name marker (the first input); id 0 is padding and also "end of name". */
export const START = '^';
/** Input and target length of the generator: START + up to 15 letters, then the end. */
export const GEN_LEN = NAME_LEN + 1;

/** A character tokenizer for the generator, fitted on lower-cased names with the start marker. */
export function generatorTokenizer(sinew, names) {
  return new sinew.text.Tokenizer({ level: 'char', filters: '' }).fitOnTexts(names.map((n) => START + n));
}

/**
 * Next-character training pairs: input START c1 … cn, target c1 … cn 0 (0 =
 * end), both post-padded with 0 to GEN_LEN. The embedding masks the padded
 * inputs (`maskZero`), so training's loss, like `perCharacterLoss`, counts only
 * the n + 1 real predictions of each name (the last real input predicts the end).
 */
export function generatorPairs(sinew, tokenizer, names) {
  const seqs = tokenizer.textsToSequences(names.map((n) => START + n.slice(0, NAME_LEN)));
  const x = new Int32Array(seqs.length * GEN_LEN), y = new Int32Array(seqs.length * GEN_LEN);
  seqs.forEach((s, i) => {
    x.set(s, i * GEN_LEN);
    y.set(s.slice(1), i * GEN_LEN); // the end (0) follows the last letter
  });
  return { x, y, lengths: seqs.map((s) => s.length), n: seqs.length };
}

/** Embedding 16 (padding masked) → LSTM 128 (all steps) → Dense(vocabulary, softmax) at each step. */
export function buildGeneratorModel(sinew, vocabularySize, seed = 1) {
  const { layers, initializers } = sinew;
  return sinew.sequential({
    name: 'sinew-name-generator',
    layers: [
      layers.embedding({ inputDim: vocabularySize, outputDim: 16, inputLength: GEN_LEN, maskZero: true, embeddingsInitializer: initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }),
      layers.lstm({ units: 128, returnSequences: true, recurrentActivation: 'sigmoid', kernelInitializer: initializers.glorotUniform(seed + 1), recurrentInitializer: initializers.orthogonal({ seed: seed + 2 }) }),
      layers.dense({ units: vocabularySize, activation: 'softmax', kernelInitializer: initializers.glorotUniform(seed + 3) }),
    ],
  });
}

/**
 * Mean cross-entropy (nats per character, the end counted as one) of the
 * model's next-character predictions over the real characters of `pairs`.
 */
export function perCharacterLoss(sinew, model, pairs, vocabularySize, batchSize = 512) {
  let sum = 0, count = 0;
  for (let start = 0; start < pairs.n; start += batchSize) {
    const n = Math.min(batchSize, pairs.n - start);
    const p = sinew.tidy(() => model.predict(sinew.tensor(pairs.x.subarray(start * GEN_LEN, (start + n) * GEN_LEN), [n, GEN_LEN], 'int32')).dataSync());
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < pairs.lengths[start + i]; t++) {
        const row = i * GEN_LEN + t;
        sum -= Math.log(Math.max(p[row * vocabularySize + pairs.y[(start + i) * GEN_LEN + t]], 1e-12));
        count++;
      }
    }
  }
  return sum / count;
}

/**
 * The baseline: a character bigram model P(next | previous) with add-k
 * smoothing, fitted on `trainPairs`; returns its mean cross-entropy per
 * character on each set of pairs (same events as perCharacterLoss).
 */
export function bigramLoss(trainPairs, evalPairsList, vocabularySize, k) {
  const V = vocabularySize;
  const counts = new Float64Array(V * V), totals = new Float64Array(V);
  const events = (pairs, fn) => {
    for (let i = 0; i < pairs.n; i++) {
      for (let t = 0; t < pairs.lengths[i]; t++) fn(pairs.x[i * GEN_LEN + t], pairs.y[i * GEN_LEN + t]);
    }
  };
  events(trainPairs, (a, b) => { counts[a * V + b]++; totals[a]++; });
  // The outcomes are the characters and the end (0): V − 1 of them, the
  // start marker never follows anything.
  return evalPairsList.map((pairs) => {
    let sum = 0, count = 0;
    events(pairs, (a, b) => { sum -= Math.log((counts[a * V + b] + k) / (totals[a] + k * (V - 1))); count++; });
    return sum / count;
  });
}

/** Samples a name: characters drawn from the model's softmax at `temperature` (rand: a seeded [0,1) source). */
export function sampleName(sinew, model, tokenizer, { temperature = 1, rand = Math.random } = {}) {
  const ids = [tokenizer.wordIndex.get(START)];
  const V = tokenizer.vocabularySize;
  while (ids.length < GEN_LEN) {
    const x = new Int32Array(GEN_LEN);
    x.set(ids);
    const t = ids.length - 1;
    const p = sinew.tidy(() => model.predict(sinew.tensor(x, [1, GEN_LEN], 'int32')).dataSync().slice(t * V, (t + 1) * V));
    // p_i^(1/T), renormalized: T < 1 sharpens, T > 1 flattens.
    let total = 0;
    const w = Array.from(p, (v, i) => {
      if (i === 0 && ids.length === 1) return 0; // a name has at least one letter
      const e = Math.pow(Math.max(v, 1e-12), 1 / temperature);
      total += e;
      return e;
    });
    let r = rand() * total, next = 0;
    for (let i = 0; i < V; i++) { r -= w[i]; if (r <= 0) { next = i; break; } }
    if (next === 0 || next === ids[0]) break; // end (or a stray start marker)
    ids.push(next);
  }
  const s = tokenizer.sequencesToTexts([ids.slice(1)])[0];
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// --- spam filtering -----------------------------------------------------------

/**
 * Mails ({ body, label } as sinew.data.fromSpamAssassin gives), a stratified
 * 80/20 split (seeded) and a word tokenizer (`vocabulary` ids, OOV id 1)
 * fitted on the training bodies only.
 */
export function prepareMails(sinew, mails, { seed = 1, vocabulary = 10000, testFraction = 0.2 } = {}) {
  const labels = Int32Array.from(mails, (m) => m.label);
  const { trainIndices, testIndices } = sinew.data.stratifiedSplitIndices(labels, { testFraction, seed });
  const part = (idx) => ({ bodies: Array.from(idx, (i) => mails[i].body), labels: Float32Array.from(idx, (i) => labels[i]) });
  const train = part(trainIndices);
  const tokenizer = new sinew.text.Tokenizer({ numWords: vocabulary, oovToken: '<oov>' }).fitOnTexts(train.bodies);
  return { tokenizer, train, test: part(testIndices) };
}

/** The first `maxLen` token ids of each body, post-padded: [n, maxLen] int32. */
export function encodeMails(sinew, tokenizer, bodies, maxLen) {
  return sinew.text.padSequences(tokenizer.textsToSequences(bodies), { maxLen, padding: 'post', truncating: 'post' });
}

/** Embedding 32 (id 0 masked) → bidirectional LSTM 32 (outputs concatenated) → Dense(1, sigmoid): P(spam). */
export function buildSpamLstmModel(sinew, vocabularySize, maxLen, seed = 1) {
  const { layers, initializers } = sinew;
  return sinew.sequential({
    name: SPAM_MODEL,
    layers: [
      layers.embedding({ inputDim: vocabularySize, outputDim: 32, inputLength: maxLen, maskZero: true, embeddingsInitializer: initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }),
      layers.bidirectional({ layer: layers.lstm({ units: 32, recurrentActivation: 'sigmoid', kernelInitializer: initializers.glorotUniform(seed + 1), recurrentInitializer: initializers.orthogonal({ seed: seed + 2 }) }) }),
      layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: initializers.glorotUniform(seed + 3) }),
    ],
  });
}
