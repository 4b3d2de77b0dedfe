// The page: controls, charts and the drawing pad. All Sinew work happens in
// the training worker (train-worker.js); this thread only posts messages and
// draws, so it stays responsive while the model trains.
import { io } from 'sinew-nn';
import { LineChart, drawConfusion } from './charts.js';
import { DrawingPad } from './draw.js';
import { CLASS_NAMES } from './model.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// --- the worker and a tiny request/response protocol ------------------------
const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module', name: 'sinew-train' });
let nextId = 1;
const pending = new Map();
function call(method, args = [], transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, method, args }, transfer);
  });
}
worker.onmessage = (ev) => {
  const m = ev.data;
  if (m.event) return onEvent(m);
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if (m.ok) p.resolve(m.value);
  else p.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
};
worker.onerror = (ev) => showError(new Error(`training worker: ${ev.message || 'failed to start'}`));

// --- the tabs' tasks ---------------------------------------------------------
/** What each tab trains: class names of its confusion matrix and its form's defaults. */
const TASKS = {
  fashion: { classes: CLASS_NAMES, defaults: { lr: 0.002, batch: 32, epochs: 3 } },
  names: {
    classes: ['male', 'female'], defaults: { lr: 0.01, batch: 32, epochs: 10 },
    title: 'Type a name', placeholder: 'Olivia', examples: ['Olivia', 'Liam', 'Sophia', 'Noah', 'Zelda', 'Kai'],
    describe: (p) => `${(100 * p).toFixed(1)} % female, ${(100 * (1 - p)).toFixed(1)} % male`,
  },
  spam: {
    classes: ['ham', 'spam'], defaults: { lr: 0.005, batch: 64, epochs: 2 },
    title: 'Paste a message', placeholder: 'Hi Tom, the meeting moved to 3pm. Regards, Ann',
    examples: ['Hi Tom, the meeting moved to 3pm, see you there. Regards, Ann', 'CLICK HERE to claim your FREE prize!!! Limited offer, act now, 100% guaranteed'],
    describe: (p) => `${(100 * p).toFixed(1)} % spam: ${p >= 0.5 ? 'spam' : 'not spam'}`,
  },
};

// --- state shared with tests (window.sinewApp) ---------------------------------
const app = {
  task: 'fashion',
  textReady: null,
  textCounts: null,
  textModels: new Set(),
  textProb: null,
  state: 'loading',
  info: null,
  poolWorkers: 0,
  hasModel: false,
  /** The model panel's line per task (each tab has its own model). */
  modelStatus: {},
  result: null,
  probs: null,
  epochs: [],
  errors: [],
  trainFrames: null,
  ready: null,
  offlineReady: null,
};
window.sinewApp = app;

function showError(e) {
  const text = `${e.name && e.name !== 'Error' ? e.name + ': ' : ''}${e.message ?? e}`;
  app.errors.push(text);
  $('error').querySelector('span').textContent = text;
  $('error').hidden = false;
}
$('error').querySelector('button').onclick = () => ($('error').hidden = true);
const guard = (fn) => async (...a) => {
  try {
    await fn(...a);
  } catch (e) {
    showError(e);
  } finally {
    refreshButtons();
  }
};

function refreshButtons() {
  const busy = app.state === 'training' || app.state === 'paused';
  const ready = app.state !== 'loading' && (app.task === 'fashion' || app.textCounts !== null);
  $('start').disabled = !ready || busy;
  for (const b of document.querySelectorAll('#tabs button')) b.disabled = busy;
  $('pause').disabled = !busy;
  $('pause').textContent = app.state === 'paused' ? 'Resume' : 'Pause';
  $('stop').disabled = !busy;
  $('sample').disabled = !ready;
  const hasModel = app.task === 'fashion' ? app.hasModel : app.textModels.has(app.task);
  $('save').disabled = !hasModel || busy;
  $('export').disabled = !hasModel || busy;
  $('load').disabled = !ready || busy;
  $('import').disabled = !ready || busy;
  for (const id of ['lr', 'batch', 'epochs']) $(id).disabled = busy;
}

// --- charts and frame meter --------------------------------------------------
const lossChart = new LineChart($('chart-loss'), { format: (v) => v.toFixed(2) });
const addLoss = lossChart.add('train (batch)', '#2f6fde', { smooth: 0.9 });
const addTestLoss = lossChart.add('test (epoch)', '#e0793a', { dots: true });
const accChart = new LineChart($('chart-acc'), { yRange: [0, 1], format: (v) => `${(100 * v).toFixed(0)}%` });
const addAcc = accChart.add('train (batch)', '#2f6fde', { smooth: 0.9 });
const addTestAcc = accChart.add('test (epoch)', '#e0793a', { dots: true });
const speedChart = new LineChart($('chart-speed'), { format: (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0)) });
const addSpeed = speedChart.add('samples/s', '#2f9e5b', { smooth: 0.8 });
let confusion = null, confusionTask = 'fashion';
let dirty = true;

let frames = [];
let fpsWindow = [];
function frame(now) {
  fpsWindow.push(now);
  while (fpsWindow[0] < now - 1000) fpsWindow.shift();
  if (app.state === 'training') frames.push(now);
  if (dirty) {
    dirty = false;
    lossChart.draw();
    accChart.draw();
    speedChart.draw();
    drawConfusion($('confusion'), confusion, TASKS[confusionTask].classes);
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);
setInterval(() => ($('fps').textContent = `page ${fpsWindow.length} fps`), 500);

/** Frame rate of the main thread while training: frames/s and the longest gap. */
function frameStats(ts) {
  if (ts.length < 2) return { fps: 0, maxGapMs: Infinity, frames: ts.length };
  let maxGap = 0;
  for (let i = 1; i < ts.length; i++) maxGap = Math.max(maxGap, ts[i] - ts[i - 1]);
  return { fps: ((ts.length - 1) * 1000) / (ts.at(-1) - ts[0]), maxGapMs: maxGap, frames: ts.length };
}

// --- training ----------------------------------------------------------------
let seen = 0, batchSize = 32, batchesPerEpoch = 1, epochIndex = 0, totalEpochs = 1;
const fmt = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : '–');

function onEvent(m) {
  switch (m.event) {
    case 'epoch-begin':
      epochIndex = m.epoch;
      totalEpochs = m.epochs;
      $('stat-epoch').textContent = `${m.epoch + 1} / ${m.epochs}`;
      break;
    case 'batch': {
      batchesPerEpoch = m.batches;
      seen++;
      app.batchesSeen = seen;
      addLoss(seen, m.loss);
      addAcc(seen, m.acc);
      if (m.samplesPerSec) addSpeed(seen, m.samplesPerSec);
      $('stat-loss').textContent = fmt(m.loss);
      $('stat-acc').textContent = pct(m.acc);
      $('stat-speed').textContent = Math.round(m.samplesPerSec).toLocaleString('en-US');
      const done = (epochIndex * m.batches + m.batch + 1) / (totalEpochs * m.batches);
      $('progress-bar').style.width = `${(100 * done).toFixed(1)}%`;
      $('train-status').textContent = `epoch ${epochIndex + 1}, batch ${m.batch + 1} / ${m.batches}`;
      dirty = true;
      break;
    }
    case 'epoch':
      app.epochs.push(m);
      addTestLoss(seen, m.testLoss);
      addTestAcc(seen, m.testAcc);
      $('stat-test-acc').textContent = pct(m.testAcc);
      $('stat-loss').textContent = fmt(m.loss);
      $('stat-acc').textContent = pct(m.acc);
      dirty = true;
      break;
    case 'paused':
      app.state = 'paused';
      $('train-status').textContent = 'paused';
      refreshButtons();
      break;
    case 'resumed':
      app.state = 'training';
      refreshButtons();
      break;
  }
}

$('start').onclick = guard(async () => {
  const learningRate = Number($('lr').value);
  batchSize = Math.round(Number($('batch').value));
  const epochs = Math.round(Number($('epochs').value));
  if (!(learningRate > 0 && learningRate <= 1)) throw new RangeError(`learning rate must be in (0, 1], got ${$('lr').value}`);
  if (!(batchSize >= 1 && batchSize <= 1024)) throw new RangeError(`batch size must be 1…1024, got ${$('batch').value}`);
  if (!(epochs >= 1 && epochs <= 50)) throw new RangeError(`epochs must be 1…50, got ${$('epochs').value}`);
  const task = app.task;
  seen = 0;
  lossChart.reset();
  accChart.reset();
  speedChart.reset();
  confusion = null;
  app.epochs = [];
  app.result = null;
  frames = [];
  app.batchesSeen = 0;
  dirty = true;
  app.state = 'training';
  if (task === 'fashion') app.hasModel = true;
  refreshButtons();
  $('train-status').textContent = 'starting…';
  $('stat-test-acc').textContent = '–';
  try {
    const r = await call('train', [{ task, learningRate, batchSize, epochs }]);
    app.trainFrames = frameStats(frames);
    app.result = r;
    confusion = r.confusion;
    confusionTask = task;
    dirty = true;
    $('stat-test-acc').textContent = pct(r.testAcc);
    $('stat-speed').textContent = Math.round(r.samplesPerSec).toLocaleString('en-US');
    $('progress-bar').style.width = r.stopped ? $('progress-bar').style.width : '100%';
    $('train-status').textContent = `${r.stopped ? 'stopped' : 'done'}: test accuracy ${pct(r.testAcc)}, ${Math.round(r.samplesPerSec).toLocaleString('en-US')} samples/s`;
    app.state = 'done';
    setModelStatus(task, `Trained model (${r.samples.toLocaleString('en-US')} samples seen).`);
    if (task === 'fashion') {
      await predictNow();
    } else {
      app.textModels.add(task);
      await predictTextNow();
    }
  } finally {
    if (app.state !== 'done') app.state = 'ready';
  }
});
$('pause').onclick = guard(() => call(app.state === 'paused' ? 'resume' : 'pause'));
$('stop').onclick = guard(() => call('stop'));

// --- drawing and prediction --------------------------------------------------
const probsList = $('probs');
probsList.innerHTML = CLASS_NAMES.map((n, i) => `<li data-class="${i}"><span>${n}</span><span class="bar"><span style="width:0"></span></span><span class="p">–</span></li>`).join('');
function showProbs(probs) {
  app.probs = probs ? Array.from(probs) : null;
  app.predictions = (app.predictions ?? 0) + 1;
  const top = probs ? probs.indexOf(Math.max(...probs)) : -1;
  probsList.querySelectorAll('li').forEach((li, i) => {
    const p = probs ? probs[i] : 0;
    li.classList.toggle('top', i === top);
    li.dataset.prob = probs ? String(p) : '';
    li.querySelector('.bar span').style.width = `${(100 * p).toFixed(1)}%`;
    li.querySelector('.p').textContent = probs ? `${(100 * p).toFixed(1)}%` : '–';
  });
}
showProbs(null);

let predicting = false, again = false;
async function predictNow() {
  if (!app.hasModel) return;
  const px = pad.pixels();
  if (!px) return showProbs(null);
  if (predicting) return void (again = true);
  predicting = true;
  try {
    showProbs(await call('predict', [px], [px.buffer]));
  } finally {
    predicting = false;
    if (again) {
      again = false;
      void predictNow();
    }
  }
}
const pad = new DrawingPad($('pad'), $('preview'), (px, final) => {
  $('sample-label').textContent = '';
  if (!px) return showProbs(null);
  if (app.hasModel && (final || !predicting)) predictNow().catch(showError);
});
$('clear').onclick = () => pad.clear();
/** The model's probabilities for what is on the pad now (for tests and the console). */
app.predictPad = async () => {
  const px = pad.pixels();
  return px ? Array.from(await call('predict', [px], [px.buffer])) : null;
};
let sampleIndex = 0;
$('sample').onclick = guard(async () => {
  const s = await call('sample', [sampleIndex++ * 37]);
  pad.clear(false);
  pad.showImage(s.pixels);
  $('sample-label').textContent = `test image #${s.index}: ${CLASS_NAMES[s.label]}`;
});

// --- tabs and the text panel ---------------------------------------------------
function datasetPill() {
  if (app.task === 'fashion') return app.fashionCounts ? `${app.fashionCounts.nTrain.toLocaleString('en-US')} train / ${app.fashionCounts.nTest.toLocaleString('en-US')} test images` : '';
  const c = app.textCounts?.[app.task];
  return c ? `${c.nTrain.toLocaleString('en-US')} train / ${c.nTest.toLocaleString('en-US')} test ${app.task === 'names' ? 'names' : 'mails'}` : 'loading text data…';
}

/** Loads the text tabs' data into the worker, once. */
function loadText() {
  app.textReady ??= (async () => {
    await app.ready;
    const dataUrl = new URL('./data/text-data.jsonz', document.baseURI).href;
    app.textCounts = await call('initText', [{ dataUrl }]);
    $('dataset').textContent = datasetPill();
    if (app.state === 'ready' || app.state === 'done') $('train-status').textContent = 'Ready: press Start.';
    refreshButtons();
  })().catch((e) => {
    app.textReady = null;
    showError(e);
  });
  return app.textReady;
}

function selectTask(task) {
  if (!TASKS[task]) throw new Error(`unknown task ${task}`);
  app.task = task;
  for (const b of document.querySelectorAll('#tabs button')) b.setAttribute('aria-selected', String(b.dataset.task === task));
  const t = TASKS[task], isText = task !== 'fashion';
  $('draw-panel').hidden = isText;
  $('text-panel').hidden = !isText;
  $('lr').value = t.defaults.lr;
  $('batch').value = t.defaults.batch;
  $('epochs').value = t.defaults.epochs;
  if (isText) {
    $('text-title').textContent = t.title;
    $('text-input').placeholder = t.placeholder;
    $('text-input').value = '';
    $('text-examples').replaceChildren(...t.examples.map((ex) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = ex.length > 24 ? ex.slice(0, 22) + '…' : ex;
      b.onclick = () => { $('text-input').value = ex; predictTextNow().catch(showError); };
      return b;
    }));
    showTextProb(null);
    if (!app.textCounts) {
      $('train-status').textContent = 'Loading the text data…';
      void loadText();
    }
  }
  $('dataset').textContent = datasetPill();
  $('model-status').textContent = app.modelStatus[task] ?? 'No model yet.';
  if (app.modelStatus[task] === undefined) showSaved(task).catch(showError);
  refreshButtons();
}
for (const b of document.querySelectorAll('#tabs button')) b.onclick = guard(() => selectTask(b.dataset.task));

function showTextProb(p) {
  app.textProb = p;
  const t = TASKS[app.task];
  $('text-result').textContent = p === null ? (app.textModels.has(app.task) ? 'Type something.' : 'Train a model first.') : t.describe(p);
  $('text-bar').querySelector('span').style.width = `${(100 * (p ?? 0.5)).toFixed(1)}%`;
}

let textBusy = false, textAgain = false;
async function predictTextNow() {
  const task = app.task, s = $('text-input').value.trim();
  if (task === 'fashion' || !app.textModels.has(task) || !s) return showTextProb(null);
  if (textBusy) return void (textAgain = true);
  textBusy = true;
  try {
    const [p] = await call('predictText', [task, [s]]);
    if (app.task === task) showTextProb(p);
  } finally {
    textBusy = false;
    if (textAgain) {
      textAgain = false;
      void predictTextNow();
    }
  }
}
$('text-input').oninput = () => predictTextNow().catch(showError);
/** The current text tab's model on `s` (for tests and the console): P(female) or P(spam). */
app.predictText = async (s) => (await call('predictText', [app.task, [s]]))[0];
app.selectTask = selectTask;

// --- saving and loading: the current tab's model ------------------------------
function setModelStatus(task, text) {
  app.modelStatus[task] = text;
  if (app.task === task) $('model-status').textContent = text;
}
/** Says whether IndexedDB holds a model for `task` (until the tab has a model of its own). */
async function showSaved(task) {
  const { info } = await call('saved', [task]);
  if (info && app.modelStatus[task] === undefined) setModelStatus(task, `A model is saved in IndexedDB (${new Date(info.dateSaved).toLocaleString()}).`);
}
/** After a load or import: the tab has a model; show what it predicts. */
async function modelArrived(task, status) {
  setModelStatus(task, status);
  if (task === 'fashion') {
    app.hasModel = true;
    if (app.task === task) await predictNow();
  } else {
    app.textModels.add(task);
    if (app.task === task) await predictTextNow();
  }
}
$('save').onclick = guard(async () => {
  const task = app.task;
  const { name, info } = await call('save', [task]);
  setModelStatus(task, `Saved to indexeddb://${name} (${(info.weightDataBytes / 1024).toFixed(0)} KiB of weights).`);
});
$('load').onclick = guard(async () => {
  const task = app.task;
  const { name, params } = await call('load', [task]);
  await modelArrived(task, `Loaded indexeddb://${name} (${params.toLocaleString('en-US')} parameters).`);
});
$('export').onclick = guard(async () => {
  const task = app.task;
  const { name, artifacts } = await call('exportArtifacts', [task]);
  await io.downloads(name).save(artifacts);
  setModelStatus(task, `Exported ${name}.json and ${name}.weights.bin.`);
});
$('import').onchange = guard(async (ev) => {
  const task = app.task;
  const files = [...ev.target.files].sort((a, b) => Number(b.name.endsWith('.json')) - Number(a.name.endsWith('.json')));
  ev.target.value = '';
  if (!files.length) return;
  const artifacts = await io.browserFiles(files).load();
  const params = await call('importArtifacts', [task, artifacts], [artifacts.weightData]);
  await modelArrived(task, `Imported ${files.map((f) => f.name).join(' + ')} (${params.toLocaleString('en-US')} parameters).`);
});

// --- start-up ----------------------------------------------------------------
app.ready = (async () => {
  try {
    const dataUrl = new URL('./data/fashion-mnist-12k.fmnz', document.baseURI).href;
    const opts = { dataUrl, backend: params.get('backend') ?? undefined, threads: params.has('threads') ? Number(params.get('threads')) : undefined };
    const r = await call('init', [opts]);
    app.info = r.info;
    app.poolWorkers = r.poolWorkers;
    const b = $('backend');
    b.textContent = `${r.info.build} build · ${r.info.threads} thread${r.info.threads > 1 ? 's' : ''}${r.info.simd ? ' · SIMD' : ''}`;
    b.className = `pill ${r.info.build}`;
    b.title = `${r.info.reason} (${r.poolWorkers} pool worker${r.poolWorkers > 1 ? 's' : ''} answered; cross-origin isolated: ${self.crossOriginIsolated})`;
    app.fashionCounts = { nTrain: r.nTrain, nTest: r.nTest };
    $('dataset').textContent = datasetPill();
    $('train-status').textContent = 'Ready: press Start.';
    app.state = 'ready';
    await showSaved('fashion');
  } catch (e) {
    showError(e);
    $('train-status').textContent = 'The engine failed to start.';
  } finally {
    refreshButtons();
  }
})();

app.offlineReady = (async () => {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return false;
  try {
    await navigator.serviceWorker.register('./sw.js');
    await navigator.serviceWorker.ready;
    $('offline').textContent = 'offline ready';
    $('offline').title = 'the app, its WASM builds and the data are cached by a service worker';
    return true;
  } catch (e) {
    $('offline').textContent = 'no offline cache';
    $('offline').title = String(e);
    return false;
  }
})();
refreshButtons();
