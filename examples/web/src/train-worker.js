// The training worker: Sinew's synchronous API runs here (threads+SIMD when
// the page is cross-origin isolated: the pool workers are started from this
// worker), so the page's main thread only draws. Requests come as
// { id, method, args } and get { id, ok, value | error }; progress is sent as
// { event, ... } messages.
import * as sinew from 'sinew-nn';
import { buildModel, parseDataset, MODEL_NAME } from './model.js';
import { prepareNames, encodeNames, buildNameModel, prepareMails, encodeMails, buildSpamLstmModel, NAME_LEN, NAME_MODEL, SPAM_MODEL } from '../../text-models.mjs';

let data = null; // { trainX, trainY, testX, testY, raw }
let model = null; // the Fashion-MNIST model (saved, exported, imported)
/**
 * The text tasks, once initText has loaded their data: name → { trainX, trainY, testX, testY,
 * testLabels, nTrain, nTest, build, tokenizer, encodeWith, inputLength, model, modelTokenizer }.
 * `modelTokenizer` is the vocabulary `model` reads text with: the data's tokenizer for a model
 * trained here, the saved one for a loaded model.
 */
const text = {};
let training = null; // { paused, stopped, resume }
const post = (m, transfer = []) => self.postMessage(m, transfer);

class Stopped extends Error {}

/** Gunzipped bytes of a data file (named so that servers do not add a Content-Encoding; inflated unless the server already did). */
async function fetchGunzipped(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
}

async function loadData(url) {
  const raw = parseDataset((await fetchGunzipped(url)).buffer);
  const images = (u8, n) => {
    const f = new Float32Array(u8.length);
    for (let i = 0; i < u8.length; i++) f[i] = u8[i] / 255;
    return sinew.tensor(f, [n, raw.rows, raw.cols, 1]);
  };
  return {
    raw,
    trainX: images(raw.trainX, raw.nTrain),
    trainY: sinew.tensor(Int32Array.from(raw.trainY), [raw.nTrain], 'int32'),
    testX: images(raw.testX, raw.nTest),
    testY: sinew.tensor(Int32Array.from(raw.testY), [raw.nTest], 'int32'),
  };
}

/** Test-set confusion counts (rows = true class) of a model with k softmax outputs, or one sigmoid output (k = 2, threshold 0.5). */
function confusionMatrix(m, testX, labels, k) {
  const probs = m.predict(testX);
  const p = probs.dataSync();
  probs.dispose();
  const out = Array.from({ length: k }, () => new Array(k).fill(0));
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    if (p.length === labels.length) best = p[i] >= 0.5 ? 1 : 0;
    else for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    out[labels[i]][best]++;
  }
  return out;
}

/** The text tasks' data and models (the text-data file made by scripts/make-data.mjs). */
function prepareText({ female, male, mails }) {
  const tensors = (x, labels, testX, testLabels) => ({
    trainX: x, trainY: sinew.tensor(labels, [labels.length, 1]), nTrain: labels.length,
    testX, testY: sinew.tensor(testLabels, [testLabels.length, 1]), nTest: testLabels.length,
    testLabels: Int32Array.from(testLabels), model: null, modelTokenizer: null,
  });
  const n = prepareNames(sinew, female, male, { seed: 1 });
  const nameIds = (tok, names) => encodeNames(sinew, tok, names);
  text.names = {
    ...tensors(nameIds(n.tokenizer, n.train.names), n.train.labels, nameIds(n.tokenizer, n.test.names), n.test.labels),
    tokenizer: n.tokenizer, encodeWith: nameIds, inputLength: NAME_LEN,
    build: (seed) => buildNameModel(sinew, n.tokenizer.vocabularySize, seed),
  };
  const SPAM_LEN = 128;
  const s = prepareMails(sinew, mails.map(([body, label]) => ({ body, label })), { seed: 1 });
  const mailIds = (tok, bodies) => encodeMails(sinew, tok, bodies, SPAM_LEN);
  text.spam = {
    ...tensors(mailIds(s.tokenizer, s.train.bodies), s.train.labels, mailIds(s.tokenizer, s.test.bodies), s.test.labels),
    tokenizer: s.tokenizer, encodeWith: mailIds, inputLength: SPAM_LEN,
    build: (seed) => buildSpamLstmModel(sinew, s.tokenizer.vocabularySize, SPAM_LEN, seed),
  };
}

/** What `train` needs of a task: data, a fresh model, its loss, where the trained model goes, its confusion matrix. */
function taskOf(name) {
  if (name === 'fashion') {
    return {
      trainX: data.trainX, trainY: data.trainY, testX: data.testX, testY: data.testY, n: data.raw.nTrain,
      build: (seed) => buildModel(sinew, seed), loss: 'sparseCategoricalCrossentropy',
      keep: replaceModel, confusion: (m) => confusionMatrix(m, data.testX, data.raw.testY, 10),
    };
  }
  const t = text[name];
  if (!t) throw new Error(name in { names: 1, spam: 1 } ? 'the text data is not loaded yet' : `unknown task '${name}'`);
  return {
    trainX: t.trainX, trainY: t.trainY, testX: t.testX, testY: t.testY, n: t.nTrain,
    build: t.build, loss: 'binaryCrossentropy',
    keep: (m) => installText(t, m, t.tokenizer),
    confusion: (m) => confusionMatrix(m, t.testX, t.testLabels, 2),
  };
}

function compileModel(m, learningRate, loss = 'sparseCategoricalCrossentropy') {
  m.compile({ optimizer: new sinew.optimizers.Adam({ learningRate }), loss, metrics: ['accuracy'] });
}

function replaceModel(m) {
  model?.dispose();
  model = m;
}

function installText(t, m, tokenizer) {
  t.model?.dispose();
  t.model = m;
  t.modelTokenizer = tokenizer;
}

// --- saving and loading: every tab's model, to IndexedDB or files ---------------

/** What each task's model is saved as: indexeddb://<name>, or <name>.json + <name>.weights.bin. */
const SAVE_NAMES = { fashion: MODEL_NAME, names: NAME_MODEL, spam: SPAM_MODEL };

/** Throws (and disposes `m`) unless `m` takes `input` and gives [null, units]. */
function checkShapes(m, input, units) {
  const got = m.inputShape, out = m.outputShape;
  if (got.length !== input.length || got.some((d, i) => d !== input[i]) || out.length !== 2 || out[1] !== units) {
    m.dispose();
    throw new sinew.ShapeError(`this model takes [${got}] and gives [${out}]; this tab needs [${input}] → [null,${units}]`);
  }
}

/**
 * A task's model for saving, and how a loaded one is installed. A text model
 * is saved with the vocabulary it reads text with (model.json's
 * userDefinedMetadata.vocabulary, the ids below the tokenizer's numWords: the
 * only ones the model sees), so a saved model classifies text the same way
 * whatever vocabulary the app fits later; a text model without one is refused.
 */
function slotOf(task) {
  const name = SAVE_NAMES[task];
  if (!name) throw new Error(`unknown task '${task}'`);
  if (task === 'fashion') {
    return { name, model, metadata: undefined, install: (m) => (checkShapes(m, [null, 28, 28, 1], 10), replaceModel(m)) };
  }
  const t = text[task];
  if (!t) throw new Error('the text data is not loaded yet');
  const vocabulary = (tok) => {
    const j = tok.toJSON(), kept = tok.vocabularySize - 1;
    return { ...j, vocabulary: j.vocabulary.slice(0, kept), counts: j.counts.slice(0, kept) };
  };
  return {
    name,
    model: t.model,
    metadata: t.model ? { vocabulary: vocabulary(t.modelTokenizer) } : undefined,
    install(m, metadata) {
      checkShapes(m, [null, t.inputLength], 1);
      let tok;
      try {
        if (metadata?.vocabulary === undefined) throw new sinew.InvalidArgumentError(`this model has no vocabulary (model.json's userDefinedMetadata.vocabulary); the text tabs save their models with one`);
        tok = sinew.text.Tokenizer.fromJSON(metadata.vocabulary);
      } catch (e) {
        m.dispose();
        throw e;
      }
      installText(t, m, tok);
    },
  };
}

/** `handler` saving the artifacts with `metadata` as their userDefinedMetadata (when there is any). */
const withMetadata = (handler, metadata) => (metadata ? { save: (a) => handler.save({ ...a, userDefinedMetadata: metadata }) } : handler);

/** Builds the model in `artifacts` and installs it in `slot`; returns its parameter count. */
async function installArtifacts(slot, artifacts) {
  const m = await sinew.loadLayersModel({ load: async () => artifacts });
  slot.install(m, artifacts.userDefinedMetadata);
  return m.countParams();
}

const methods = {
  async init({ dataUrl, backend, threads }) {
    const opts = {};
    if (backend) opts.backend = backend;
    if (threads) opts.threads = threads;
    const info = await sinew.init(opts);
    const poolWorkers = sinew.probeThreadPool();
    data = await loadData(dataUrl);
    return { info, poolWorkers, nTrain: data.raw.nTrain, nTest: data.raw.nTest };
  },

  /** The text tabs' data: fetched, tokenized and split once (names → gender, spam). */
  async initText({ dataUrl }) {
    if (!text.names) prepareText(JSON.parse(new TextDecoder().decode(await fetchGunzipped(dataUrl))));
    return Object.fromEntries(Object.entries(text).map(([k, t]) => [k, { nTrain: t.nTrain, nTest: t.nTest }]));
  },

  /** Trains a new model for `task` ('fashion', 'names' or 'spam'), posting progress events. */
  async train({ task = 'fashion', learningRate = 0.002, batchSize = 32, epochs = 1, seed = 1 }) {
    if (training) throw new Error('already training');
    const job = taskOf(task);
    const model = job.build(seed);
    job.keep(model);
    compileModel(model, learningRate, job.loss);
    const n = job.n;
    const batches = Math.ceil(n / batchSize);
    training = { paused: false, stopped: false, resume: null };
    const t = training;
    // Rates count samples actually trained over time spent training: test
    // evaluations (evalMs) and pauses are not training time.
    let activeMs = 0, evalMs = 0, t0 = performance.now(), samples = 0, windowStart = t0, windowSamples = 0, rate = 0;
    let lastTestAcc = null;
    const epochLog = [];
    try {
      await model.fit(job.trainX, job.trainY, {
        epochs, batchSize, seed, yieldEvery: 20,
        callbacks: {
          onBatchEnd: async (batch, logs) => {
            const now = performance.now();
            samples += logs.size;
            windowSamples += logs.size;
            if (now - windowStart > 250) {
              rate = (windowSamples * 1000) / (now - windowStart);
              windowStart = now;
              windowSamples = 0;
            }
            post({ event: 'batch', batch, batches, loss: logs.loss, acc: logs.acc, samplesPerSec: rate || (samples * 1000) / (activeMs + now - t0 - evalMs) });
            if (t.stopped) throw new Stopped();
            if (t.paused) {
              activeMs += performance.now() - t0;
              post({ event: 'paused' });
              await new Promise((r) => (t.resume = r));
              if (t.stopped) throw new Stopped();
              t0 = windowStart = performance.now();
              windowSamples = 0;
              post({ event: 'resumed' });
            }
          },
          onEpochBegin: (epoch) => post({ event: 'epoch-begin', epoch, epochs }),
          onEpochEnd: (epoch, logs) => {
            const trainMs = activeMs + performance.now() - t0 - evalMs;
            const e0 = performance.now();
            const test = model.evaluateLogs(job.testX, job.testY);
            evalMs += performance.now() - e0;
            windowStart = performance.now();
            windowSamples = 0;
            lastTestAcc = test.acc;
            const e = { epoch, loss: logs.loss, acc: logs.acc, testLoss: test.loss, testAcc: test.acc, samplesPerSec: (samples * 1000) / trainMs };
            epochLog.push(e);
            post({ event: 'epoch', ...e });
          },
        },
      });
    } catch (e) {
      if (!(e instanceof Stopped)) throw e;
    } finally {
      training = null;
    }
    const trainMs = activeMs + performance.now() - t0 - evalMs;
    const test = lastTestAcc === null || t.stopped ? model.evaluateLogs(job.testX, job.testY) : null;
    return {
      stopped: t.stopped,
      epochs: epochLog,
      testAcc: test ? test.acc : lastTestAcc,
      samples,
      samplesPerSec: (samples * 1000) / trainMs,
      confusion: job.confusion(model),
    };
  },
  pause() {
    if (training) training.paused = true;
  },
  resume() {
    if (!training) return;
    training.paused = false;
    training.resume?.();
  },
  stop() {
    if (!training) return;
    training.stopped = true;
    training.resume?.();
  },

  /** Class probabilities of one 28×28 image (Float32Array of 784 values in [0, 1]). */
  predict(pixels) {
    if (!model) throw new Error('no model yet: train one or load one');
    return sinew.tidy(() => model.predict(sinew.tensor(pixels, [1, 28, 28, 1])).dataSync());
  },
  /** P(female) of names or P(spam) of messages ('names' or 'spam' task). */
  predictText(task, texts) {
    const t = text[task];
    if (!t?.model) throw new Error(`no ${task} model yet: train or load one`);
    return sinew.tidy(() => t.model.predict(t.encodeWith(t.modelTokenizer, texts)).dataSync());
  },
  /** Test image `index` as uint8 pixels, with its label. */
  sample(index) {
    const { testX, testY, rows, cols, nTest } = data.raw;
    const i = ((index % nTest) + nTest) % nTest;
    return { index: i, pixels: testX.slice(i * rows * cols, (i + 1) * rows * cols), label: testY[i] };
  },

  /** Saves `task`'s model to indexeddb://<its name>. */
  async save(task = 'fashion') {
    const slot = slotOf(task);
    if (!slot.model) throw new Error('no model to save: train one first');
    const r = await slot.model.save(withMetadata(sinew.io.indexedDB(slot.name), slot.metadata));
    return { name: slot.name, info: r.modelArtifactsInfo };
  },
  /** What IndexedDB holds for `task` ({ name, info }, info null when nothing is saved). */
  async saved(task = 'fashion') {
    const name = SAVE_NAMES[task];
    const all = await sinew.io.listModels();
    return { name, info: all[`indexeddb://${name}`] ?? null };
  },
  async load(task = 'fashion') {
    const slot = slotOf(task);
    return { name: slot.name, params: await installArtifacts(slot, await sinew.io.indexedDB(slot.name).load()) };
  },
  /** `task`'s model as TF.js layers-format artifacts, with its name (the page downloads them: downloads:// needs a document). */
  async exportArtifacts(task = 'fashion') {
    const slot = slotOf(task);
    if (!slot.model) throw new Error('no model to export: train one first');
    let artifacts = null;
    await slot.model.save(withMetadata({
      save: async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: sinew.io.artifactsInfo(a) };
      },
    }, slot.metadata));
    return { name: slot.name, artifacts };
  },
  /** Loads a model for `task` from artifacts the page read with io.browserFiles. */
  async importArtifacts(task, artifacts) {
    return installArtifacts(slotOf(task), artifacts);
  },
  memory: () => sinew.memory(),
};

self.onmessage = async (ev) => {
  const { id, method, args = [] } = ev.data;
  try {
    const fn = methods[method];
    if (!fn) throw new Error(`unknown method ${method}`);
    const value = await fn(...args);
    post({ id, ok: true, value }, value instanceof Float32Array ? [value.buffer] : []);
  } catch (e) {
    post({ id, ok: false, error: { name: e?.name ?? 'Error', message: e?.message ?? String(e) } });
  }
};
