// The web example (examples/web) built with Vite, in Debian's Chromium:
// trains in its Worker with threads (COOP/COEP) and without, keeps the page
// responsive, works offline through its service worker, saves/loads models
// and survives a corrupt model file. Writes tests/output/web-app.{png,json}.
//
// The app claims: one epoch over its 10,000 bundled training images reaches
// at least 80 % accuracy on its 2,000 bundled test images.
import test from 'ava';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startServer } from '../../scripts/serve.mjs';
import { APP_DIST, ensureAppBuilt } from '../../examples/web/scripts/build-app.mjs';
import { launchChromium } from './_browser.mjs';

const CLAIMED_ACCURACY = 0.8;
const MIN_FPS = 30;
const OUT = fileURLToPath(new URL('../output/', import.meta.url));
const results = {};
let browser, isolated, plain;

test.before(async () => {
  await ensureAppBuilt({ log: () => {} });
  await mkdir(OUT, { recursive: true });
  browser = await launchChromium();
  isolated = await startServer({ root: APP_DIST, isolated: true });
  plain = await startServer({ root: APP_DIST, isolated: false });
  results.bundle = await bundleSizes();
});

test.after.always(async () => {
  await browser?.close();
  await isolated?.close();
  await plain?.close();
  if (Object.keys(results).length > 1) await writeFile(join(OUT, 'web-app.json'), JSON.stringify(results, null, 2) + '\n');
});

/** Gzipped sizes of the built app's JS and WASM (what a server with gzip sends). */
async function bundleSizes() {
  const assets = join(APP_DIST, 'assets');
  const files = await readdir(assets);
  const gz = async (f) => gzipSync(await readFile(join(assets, f))).length;
  const js = files.filter((f) => f.endsWith('.js'));
  const wasm = files.filter((f) => f.endsWith('.wasm'));
  const jsGzip = (await Promise.all(js.map(gz))).reduce((a, b) => a + b, 0);
  const wasmGzip = await Promise.all(wasm.map(gz));
  const data = (await readFile(join(APP_DIST, 'data/fashion-mnist-12k.fmnz'))).length;
  // A visitor fetches all the JS but only one of the three WASM builds.
  return { jsGzip, wasmGzipEach: wasmGzip, jsPlusOneWasmGzip: jsGzip + Math.max(...wasmGzip), allJsAndWasmGzip: jsGzip + wasmGzip.reduce((a, b) => a + b, 0), dataBytes: data };
}

/** A fresh browser context and the app in it; page errors are collected. */
async function openApp(server, { context } = {}) {
  context ??= await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  await page.goto(server.url);
  await waitReady(page);
  return { context, page, errors };
}

async function waitReady(page) {
  await page.waitForFunction(() => window.sinewApp?.ready, null, { timeout: 30_000 });
  await page.evaluate(() => window.sinewApp.ready);
  const state = await page.evaluate(() => ({ state: sinewApp.state, errors: sinewApp.errors }));
  if (state.state !== 'ready') throw new Error(`app did not start: ${JSON.stringify(state)}`);
}

/** Sets the form and clicks Start. */
async function start(page, { epochs = 1, batchSize = 32, learningRate = 0.002 } = {}) {
  await page.fill('#lr', String(learningRate));
  await page.fill('#batch', String(batchSize));
  await page.fill('#epochs', String(epochs));
  await page.click('#start');
}

const waitBatches = (page, n) => page.waitForFunction((k) => sinewApp.batchesSeen >= k, n, { timeout: 60_000 });
const waitResult = (page) => page.waitForFunction(() => sinewApp.result, null, { timeout: 120_000 }).then(() => page.evaluate(() => sinewApp.result));

/** Draws a T-shirt silhouette on the pad with the mouse (the same strokes every time). */
async function drawShirt(page) {
  const box = await page.locator('#pad').boundingBox();
  const s = box.width / 280;
  const strokes = [];
  for (let y = 50; y <= 110; y += 12) strokes.push([40, y, 240, y]); // shoulders and sleeves
  for (let y = 110; y <= 240; y += 12) strokes.push([90, y, 190, y]); // body
  for (const [x0, y0, x1, y1] of strokes) {
    await page.mouse.move(box.x + x0 * s, box.y + y0 * s);
    await page.mouse.down();
    await page.mouse.move(box.x + x1 * s, box.y + y1 * s, { steps: 6 });
    await page.mouse.up();
  }
}

const maxDiff = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

test.serial('COOP/COEP: threads build on 2 workers, 1 epoch reaches the claimed accuracy, the page keeps 30+ fps', async (t) => {
  const { context, page, errors } = await openApp(isolated);
  const { info, poolWorkers, isolatedPage, badge } = await page.evaluate(() => ({
    info: sinewApp.info,
    poolWorkers: sinewApp.poolWorkers,
    isolatedPage: self.crossOriginIsolated,
    badge: document.getElementById('backend').textContent,
  }));
  t.true(isolatedPage);
  t.regex(info.build, /^threads(-relaxed)?$/);
  t.is(info.environment, 'browser-worker');
  t.true(info.threads >= 2, `threads ${info.threads}`);
  t.is(poolWorkers, info.poolSize, 'every pool worker answered a probe');
  t.true(badge.startsWith(`${info.build} build · ${info.threads} threads · SIMD`), badge);

  await start(page, { epochs: 1 });
  const r = await waitResult(page);
  const frames = await page.evaluate(() => sinewApp.trainFrames);
  t.false(r.stopped);
  t.is(r.samples, 10_000);
  t.true(r.testAcc >= CLAIMED_ACCURACY, `test accuracy ${r.testAcc}`);
  t.true(frames.fps >= MIN_FPS, `main thread ${frames.fps.toFixed(1)} fps during training (longest frame ${frames.maxGapMs.toFixed(0)} ms)`);
  t.is(r.confusion.flat().reduce((a, b) => a + b, 0), 2000);
  t.regex(await page.textContent('#train-status'), /^done: test accuracy \d+\.\d %/);

  // A test image on the pad, its class probabilities as bars; then the screenshot.
  await page.click('#sample');
  await page.waitForFunction(() => sinewApp.probs);
  const probs = await page.evaluate(() => sinewApp.probs);
  t.true(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  t.is(await page.locator('#probs li.top').count(), 1);
  await page.screenshot({ path: join(OUT, 'web-app.png'), fullPage: true });

  results.threads = { build: info.build, threads: info.threads, testAccuracy: r.testAcc, samplesPerSec: r.samplesPerSec, mainThreadFps: frames.fps, longestFrameMs: frames.maxGapMs };
  t.log(`threads: ${info.threads} threads, test accuracy ${(100 * r.testAcc).toFixed(1)} %, ${Math.round(r.samplesPerSec)} samples/s, page ${frames.fps.toFixed(1)} fps (longest frame ${frames.maxGapMs.toFixed(0)} ms)`);
  t.log(`bundle: JS ${(results.bundle.jsGzip / 1024).toFixed(1)} KiB gzip; WASM ${results.bundle.wasmGzipEach.map((b) => (b / 1024).toFixed(0)).join(' / ')} KiB gzip per build; data ${(results.bundle.dataBytes / 1e6).toFixed(2)} MB`);
  t.deepEqual(errors, []);
  await context.close();
});

test.serial('no COOP/COEP: the single-thread SIMD build is chosen and training still works', async (t) => {
  const { context, page, errors } = await openApp(plain);
  const { info, isolatedPage, badge } = await page.evaluate(() => ({
    info: sinewApp.info,
    isolatedPage: self.crossOriginIsolated,
    badge: document.getElementById('backend').textContent,
  }));
  t.false(isolatedPage);
  t.regex(info.build, /^simd(-relaxed)?$/);
  t.is(info.threads, 1);
  t.is(info.reason, 'page is not cross-origin isolated');
  t.true(badge.startsWith(`${info.build} build · 1 thread · SIMD`), badge);
  await start(page, { epochs: 1 });
  const r = await waitResult(page);
  const frames = await page.evaluate(() => sinewApp.trainFrames);
  t.true(r.testAcc >= CLAIMED_ACCURACY, `test accuracy ${r.testAcc}`);
  t.true(frames.fps >= MIN_FPS, `main thread ${frames.fps.toFixed(1)} fps`);
  results.simd = { build: info.build, threads: 1, testAccuracy: r.testAcc, samplesPerSec: r.samplesPerSec, mainThreadFps: frames.fps, longestFrameMs: frames.maxGapMs };
  t.log(`simd: test accuracy ${(100 * r.testAcc).toFixed(1)} %, ${Math.round(r.samplesPerSec)} samples/s, page ${frames.fps.toFixed(1)} fps`);
  if (results.threads) t.log(`samples/s, ${results.threads.build} build ×${results.threads.threads} / ${info.build} build ×1: ${(results.threads.samplesPerSec / r.samplesPerSec).toFixed(2)}×`);
  t.deepEqual(errors, []);
  await context.close();
});

test.serial('offline: after one visit the page reloads with the network gone and trains (pause, resume, stop)', async (t) => {
  const server = await startServer({ root: APP_DIST, isolated: true });
  const { context, page, errors } = await openApp(server);
  t.true(await page.evaluate(() => sinewApp.offlineReady), 'service worker installed');
  await server.close();
  await context.setOffline(true);
  await page.reload();
  await waitReady(page);
  const s = await page.evaluate(async () => ({
    controlled: navigator.serviceWorker.controller !== null,
    threads: sinewApp.info.threads > 1,
    network: await fetch('./not-cached.txt').then(() => 'reachable', () => 'unreachable'),
  }));
  t.deepEqual(s, { controlled: true, threads: true, network: 'unreachable' }, 'served from the cache, still cross-origin isolated, no network');

  await start(page, { epochs: 1 });
  await waitBatches(page, 30);
  await page.click('#pause');
  await page.waitForFunction(() => sinewApp.state === 'paused');
  const at = await page.evaluate(() => sinewApp.batchesSeen);
  await page.waitForTimeout(400);
  t.is(await page.evaluate(() => sinewApp.batchesSeen), at, 'no batches while paused');
  t.is(await page.textContent('#pause'), 'Resume');
  await page.click('#pause');
  await waitBatches(page, at + 20);
  await page.click('#stop');
  const r = await waitResult(page);
  t.true(r.stopped);
  t.true(r.samples >= (at + 20) * 32 && r.samples < 10_000, `${r.samples} samples`);
  t.is(r.confusion.flat().reduce((a, b) => a + b, 0), 2000);
  t.regex(await page.textContent('#train-status'), /^stopped: /);
  t.deepEqual(errors.filter((e) => !/not-cached\.txt|ERR_INTERNET_DISCONNECTED|ERR_FAILED|Failed to fetch/.test(e)), []);
  await context.close();
});

test.serial('persistence: IndexedDB save → reload → load, and file export → import, predict the same probabilities', async (t) => {
  const { context, page, errors } = await openApp(isolated);
  await start(page, { epochs: 1 });
  await waitBatches(page, 80);
  await page.click('#stop');
  await waitResult(page);
  await drawShirt(page);
  const before = await page.evaluate(() => sinewApp.predictPad());
  t.is(before.length, 10);

  await page.click('#save');
  await page.waitForFunction(() => /^Saved to indexeddb:/.test(document.getElementById('model-status').textContent));

  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await page.click('#export');
  await page.waitForFunction(() => /^Exported/.test(document.getElementById('model-status').textContent));
  await t.notThrowsAsync(async () => {
    for (let i = 0; i < 50 && downloads.length < 2; i++) await page.waitForTimeout(100);
  });
  const names = downloads.map((d) => d.suggestedFilename()).sort();
  t.deepEqual(names, ['sinew-fashion-cnn.json', 'sinew-fashion-cnn.weights.bin']);
  const exportDir = join(OUT, 'web-export');
  const paths = {};
  for (const d of downloads) await d.saveAs((paths[d.suggestedFilename()] = join(exportDir, d.suggestedFilename())));
  const json = JSON.parse(await readFile(paths['sinew-fashion-cnn.json'], 'utf8'));
  t.is(json.format, 'layers-model');
  t.is(json.modelTopology.class_name, 'Sequential');

  await page.reload();
  await waitReady(page);
  t.regex(await page.textContent('#model-status'), /A model is saved in IndexedDB/);
  await page.click('#load');
  await page.waitForFunction(() => /^Loaded indexeddb:/.test(document.getElementById('model-status').textContent));
  await drawShirt(page);
  const afterReload = await page.evaluate(() => sinewApp.predictPad());
  t.true(maxDiff(before, afterReload) <= 1e-6, `IndexedDB round trip: max |Δp| ${maxDiff(before, afterReload)}`);
  const top = before.indexOf(Math.max(...before));
  await page.waitForFunction((i) => document.querySelector(`#probs li[data-class="${i}"]`).classList.contains('top'), top);

  // Import the exported files into a fresh page.
  await page.reload();
  await waitReady(page);
  await page.setInputFiles('#import', [paths['sinew-fashion-cnn.json'], paths['sinew-fashion-cnn.weights.bin']]);
  await page.waitForFunction(() => /^Imported/.test(document.getElementById('model-status').textContent));
  await drawShirt(page);
  const afterImport = await page.evaluate(() => sinewApp.predictPad());
  t.true(maxDiff(before, afterImport) <= 1e-6, `file round trip: max |Δp| ${maxDiff(before, afterImport)}`);
  t.log(`drawn T-shirt: top class ${top} (p = ${before[top].toFixed(3)}); same probabilities after IndexedDB and file round trips`);
  t.deepEqual(errors, []);
  await context.close();
});

test.serial('text tabs: the names → gender GRU trains in the worker (2 epochs, held-out accuracy) and classifies a typed name; the spam BiLSTM trains and scores a message', async (t) => {
  const { context, page, errors } = await openApp(isolated);
  await page.click('#tabs button[data-task="names"]');
  await page.waitForFunction(() => sinewApp.textCounts !== null, null, { timeout: 60_000 });
  const counts = await page.evaluate(() => sinewApp.textCounts);
  t.deepEqual(counts, { names: { nTrain: 6402, nTest: 1601 }, spam: { nTrain: 4837, nTest: 1209 } }, 'stratified 80/20 splits of 8,003 names and 6,046 mails');
  t.true(await page.isHidden('#draw-panel'));
  t.true(await page.isVisible('#text-panel'));
  await start(page, { epochs: 2, batchSize: 32, learningRate: 0.01 });
  const r = await waitResult(page);
  t.false(r.stopped);
  t.is(r.samples, 2 * 6402);
  t.true(r.testAcc >= 0.78, `held-out accuracy ${r.testAcc}`);
  t.is(r.confusion.length, 2);
  t.is(r.confusion.flat().reduce((a, b) => a + b, 0), 1601);
  const epochs = await page.evaluate(() => sinewApp.epochs.length);
  t.is(epochs, 2, 'the charts got an epoch point per epoch');

  await page.fill('#text-input', 'Olivia');
  await page.waitForFunction(() => sinewApp.textProb !== null);
  const shown = await page.evaluate(() => sinewApp.textProb);
  const direct = await page.evaluate(() => sinewApp.predictText('Olivia'));
  t.true(shown >= 0 && shown <= 1);
  t.is(shown, direct);
  t.regex(await page.textContent('#text-result'), /^\d+\.\d % female, \d+\.\d % male$/);
  await page.screenshot({ path: join(OUT, 'web-app-text.png'), fullPage: true });
  results.names = { testAccuracy: r.testAcc, samplesPerSec: r.samplesPerSec, olivia: shown };
  t.log(`names GRU in Chromium (${(await page.evaluate(() => sinewApp.info.threads))} threads): held-out accuracy ${(100 * r.testAcc).toFixed(1)} % after 2 epochs, ${Math.round(r.samplesPerSec)} samples/s; P(female | Olivia) = ${shown.toFixed(3)}`);

  // The spam tab: its BiLSTM trains a few batches, is stopped, and scores a pasted message.
  await page.click('#tabs button[data-task="spam"]');
  t.is(await page.textContent('#dataset'), '4,837 train / 1,209 test mails');
  await page.evaluate(() => { sinewApp.result = null; });
  await start(page, { epochs: 1, batchSize: 64, learningRate: 0.005 });
  await waitBatches(page, 10);
  await page.click('#stop');
  const s = await waitResult(page);
  t.true(s.stopped);
  t.is(s.confusion.flat().reduce((a, b) => a + b, 0), 1209);
  await page.fill('#text-input', 'CLICK HERE to claim your FREE prize!!!');
  await page.waitForFunction(() => sinewApp.textProb !== null);
  t.regex(await page.textContent('#text-result'), /^\d+\.\d % spam: (spam|not spam)$/);
  t.deepEqual(errors, []);
  await context.close();
});

test.serial('text tab persistence: the names model (with its vocabulary) survives IndexedDB save → reload → load and file export → import; a text model without a vocabulary is refused', async (t) => {
  const openNames = async (page) => {
    await page.click('#tabs button[data-task="names"]');
    await page.waitForFunction(() => sinewApp.textCounts !== null && !document.getElementById('load').disabled, null, { timeout: 60_000 });
  };
  const { context, page, errors } = await openApp(isolated);
  await openNames(page);
  t.true(await page.isVisible('#model-panel'));
  t.true(await page.isDisabled('#save'), 'nothing to save before training');
  await start(page, { epochs: 1, batchSize: 32, learningRate: 0.01 });
  await waitBatches(page, 40);
  await page.click('#stop');
  await waitResult(page);
  const probe = ['Olivia', 'Liam', 'Zelda'];
  const before = await page.evaluate(async (names) => { const out = []; for (const n of names) out.push(await sinewApp.predictText(n)); return out; }, probe);

  await page.click('#save');
  await page.waitForFunction(() => /^Saved to indexeddb:\/\/sinew-name-gender /.test(document.getElementById('model-status').textContent));
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  await page.click('#export');
  await page.waitForFunction(() => /^Exported/.test(document.getElementById('model-status').textContent));
  for (let i = 0; i < 50 && downloads.length < 2; i++) await page.waitForTimeout(100);
  t.deepEqual(downloads.map((d) => d.suggestedFilename()).sort(), ['sinew-name-gender.json', 'sinew-name-gender.weights.bin']);
  const dir = join(OUT, 'web-export-names');
  const paths = {};
  for (const d of downloads) await d.saveAs((paths[d.suggestedFilename()] = join(dir, d.suggestedFilename())));
  const json = JSON.parse(await readFile(paths['sinew-name-gender.json'], 'utf8'));
  const vocab = json.userDefinedMetadata?.vocabulary;
  t.is(vocab?.format, 'sinew-tokenizer');
  t.is(vocab.config.level, 'char');
  t.true(vocab.vocabulary.includes('o') && vocab.vocabulary[0] === '?', 'the character vocabulary, OOV token first');

  // A fresh page: the Fashion tab's status is not the names tab's; the names tab finds its saved model.
  await page.reload();
  await waitReady(page);
  await openNames(page);
  t.regex(await page.textContent('#model-status'), /A model is saved in IndexedDB/);
  await page.click('#load');
  await page.waitForFunction(() => /^Loaded indexeddb:\/\/sinew-name-gender \(\d/.test(document.getElementById('model-status').textContent));
  const loaded = await page.evaluate(async (names) => { const out = []; for (const n of names) out.push(await sinewApp.predictText(n)); return out; }, probe);
  t.true(maxDiff(before, loaded) <= 1e-6, `IndexedDB round trip: max |Δp| ${maxDiff(before, loaded)}`);
  await page.fill('#text-input', 'Olivia');
  await page.waitForFunction(() => sinewApp.textProb !== null);
  t.true(Math.abs((await page.evaluate(() => sinewApp.textProb)) - before[0]) <= 1e-6, 'the text box uses the loaded model');

  // Files into another fresh page.
  await page.reload();
  await waitReady(page);
  await openNames(page);
  await page.setInputFiles('#import', [paths['sinew-name-gender.json'], paths['sinew-name-gender.weights.bin']]);
  await page.waitForFunction(() => /^Imported/.test(document.getElementById('model-status').textContent));
  const imported = await page.evaluate(async (names) => { const out = []; for (const n of names) out.push(await sinewApp.predictText(n)); return out; }, probe);
  t.true(maxDiff(before, imported) <= 1e-6, `file round trip: max |Δp| ${maxDiff(before, imported)}`);

  // The same files without the vocabulary: refused with a typed error, the imported model stays.
  const bare = { ...json };
  delete bare.userDefinedMetadata;
  await page.setInputFiles('#import', [
    { name: 'sinew-name-gender.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bare)) },
    { name: 'sinew-name-gender.weights.bin', mimeType: 'application/octet-stream', buffer: await readFile(paths['sinew-name-gender.weights.bin']) },
  ]);
  await page.waitForFunction(() => !document.getElementById('error').hidden);
  t.regex(await page.textContent('#error span'), /^InvalidArgumentError: this model has no vocabulary/);
  t.true(maxDiff([before[0]], [await page.evaluate(() => sinewApp.predictText('Olivia'))]) <= 1e-6, 'the imported model still answers');
  t.log(`names model: P(female) of ${probe.join(', ')} = ${before.map((p) => p.toFixed(3)).join(', ')}, the same after IndexedDB and file round trips`);
  t.deepEqual(errors, []);
  await context.close();
});

test.serial('bad input: a corrupt model file shows an error and the app keeps working', async (t) => {
  const { context, page, errors } = await openApp(isolated);
  const errorText = () => page.evaluate(() => (document.getElementById('error').hidden ? null : document.querySelector('#error span').textContent));
  const bin = (n) => ({ name: 'model.weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(n) });

  // model.json cut off mid-way.
  await page.setInputFiles('#import', [
    { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"layers-model","modelTopology":{"class_name":"Seq') },
    bin(24),
  ]);
  await page.waitForFunction(() => !document.getElementById('error').hidden);
  t.regex(await errorText(), /^InvalidArgumentError: model\.json: not valid JSON/);
  await page.click('#error button');

  // A valid model.json whose weights file is too short.
  const json = {
    format: 'layers-model',
    modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Dense', config: { units: 2, batch_input_shape: [null, 3] } }] } },
    weightsManifest: [{ paths: ['model.weights.bin'], weights: [{ name: 'dense/kernel', shape: [3, 2], dtype: 'float32' }] }],
  };
  await page.setInputFiles('#import', [{ name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) }, bin(5)]);
  await page.waitForFunction(() => !document.getElementById('error').hidden);
  t.regex(await errorText(), /truncated: 5 bytes, but model\.json's weightsManifest describes 24 bytes/);
  t.is(await page.textContent('#model-status'), 'No model yet.');

  // Still works: trains, predicts.
  await start(page, { epochs: 1 });
  await waitBatches(page, 20);
  await page.click('#stop');
  const r = await waitResult(page);
  t.true(r.stopped);
  await page.click('#sample');
  await page.waitForFunction(() => sinewApp.probs);
  t.is((await page.evaluate(() => sinewApp.probs)).length, 10);
  t.is((await page.evaluate(() => sinewApp.errors)).length, 2);
  t.deepEqual(errors, []);
  await context.close();
});
