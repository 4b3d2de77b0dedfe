// sinew.data datasets (TF.js tf.data semantics) and model.fitDataset /
// evaluateDataset: element order and batching as TF.js documents them,
// laziness (a source is pulled only as far as training needs), CSV from a
// file path, a file: URL and an http URL, and training from a stream whose
// memory stays flat.
import test from 'ava';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as sinew from '../../dist/index.js';

const { data } = sinew;

test.before(async () => {
  await sinew.init();
});

const rowsOf = (t) => {
  const [n, d] = t.shape;
  const v = Array.from(t.dataSync());
  return Array.from({ length: n }, (_, i) => v.slice(i * d, (i + 1) * d));
};

test('array, map, filter, batch, take, skip, repeat, concatenate: elements and size as TF.js documents them', async (t) => {
  const ds = data.array([1, 2, 3, 4, 5, 6]);
  t.is(ds.size, 6);
  const b = ds.batch(4);
  t.is(b.size, 2);
  const batches = await b.toArray();
  t.deepEqual(batches.map((x) => Array.from(x.dataSync())), [[1, 2, 3, 4], [5, 6]]);
  t.deepEqual(batches.map((x) => x.shape), [[4], [2]]);
  t.is(ds.batch(4, false).size, 1);
  t.deepEqual(await ds.map((x) => x * 10).filter((x) => x > 20).take(2).toArray(), [30, 40]);
  t.deepEqual(await ds.skip(4).repeat(2).toArray(), [5, 6, 5, 6]);
  t.is(ds.skip(4).repeat(2).size, 4);
  t.is(ds.repeat().size, Infinity);
  t.deepEqual(await ds.repeat().take(8).toArray(), [1, 2, 3, 4, 5, 6, 1, 2]);
  t.deepEqual(await ds.take(2).concatenate(ds.skip(5)).toArray(), [1, 2, 6]);
  const seen = [];
  await ds.take(3).forEachAsync(async (x) => { seen.push(x); });
  t.deepEqual(seen, [1, 2, 3]);
  // The iterator protocol TF.js code uses.
  const it = await ds.iterator();
  t.deepEqual([await it.next(), await it.next()].map((r) => r.value), [1, 2]);
  await t.throwsAsync(() => ds.repeat().toArray(), { instanceOf: sinew.InvalidArgumentError, message: /endless/ });
});

test.serial('batch stacks objects of numbers, number arrays and tensors into tensors per key, and disposes the rows', async (t) => {
  const rows = [0, 1, 2].map((i) => ({ xs: [i, i + 0.5], ys: i % 2, img: sinew.tensor([i, -i], [1, 2]) }));
  const before = sinew.memory().numTensors;
  const [batch] = await data.array(rows).batch(3).toArray();
  t.deepEqual(batch.xs.shape, [3, 2]);
  t.deepEqual(rowsOf(batch.xs), [[0, 0.5], [1, 1.5], [2, 2.5]]);
  t.deepEqual(Array.from(batch.ys.dataSync()), [0, 1, 0]);
  t.deepEqual(batch.img.shape, [3, 1, 2]);
  t.deepEqual(Array.from(batch.img.dataSync()), [0, -0, 1, -1, 2, -2]);
  // data.array cloned the three tensors, batch freed the clones: the caller's own are untouched.
  t.false(rows[0].img.isDisposed);
  for (const k of ['xs', 'ys', 'img']) batch[k].dispose();
  t.is(sinew.memory().numTensors, before);
  await t.throwsAsync(() => data.array([{ a: 'x' }, { a: 'y' }]).batch(2).toArray(), { instanceOf: sinew.InvalidArgumentError, message: /element\.a is a string/ });
  await t.throwsAsync(() => data.array([[1, 2], [3]]).batch(2).toArray(), { instanceOf: sinew.InvalidArgumentError, message: /same shape/ });
  for (const r of rows) r.img.dispose();
});

test('shuffle: a permutation; reproducible with a seed; a new order each pass unless reshuffleEachIteration is false; buffer 1 keeps the order', async (t) => {
  const n = 50, items = Array.from({ length: n }, (_, i) => i);
  const a = data.array(items).shuffle(10, 7);
  const p1 = await a.toArray(), p2 = await a.toArray();
  t.deepEqual([...p1].sort((x, y) => x - y), items);
  t.notDeepEqual(p1, items);
  t.notDeepEqual(p1, p2);
  t.deepEqual(await data.array(items).shuffle(10, 7).toArray(), p1);
  const fixed = data.array(items).shuffle(10, 'seed', false);
  t.deepEqual(await fixed.toArray(), await fixed.toArray());
  t.deepEqual(await data.array(items).shuffle(1, 3).toArray(), items);
  // A buffer of 10 cannot move an element more than 9 places earlier.
  p1.forEach((v, i) => t.true(v <= i + 9));
});

test('generator (sync and async) is pulled lazily: take, prefetch and batch read only what they need', async (t) => {
  let pulled = 0;
  const endless = data.generator(function* () {
    for (let i = 0; ; i++) {
      pulled++;
      yield i;
    }
  });
  t.is(endless.size, null);
  t.deepEqual(await endless.take(3).toArray(), [0, 1, 2]);
  t.is(pulled, 3);
  pulled = 0;
  const it = await endless.batch(4).prefetch(2).iterator();
  t.is(pulled, 0, 'nothing is read before the first next()');
  const first = (await it.next()).value;
  t.deepEqual(Array.from(first.dataSync()), [0, 1, 2, 3]);
  first.dispose();
  t.true(pulled <= 4 * 3, `prefetch(2) read ${pulled} elements for one batch of 4`);
  const asyncGen = data.generator(async function* () {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 1));
      yield { x: i };
    }
  });
  t.deepEqual(await asyncGen.toArray(), [{ x: 0 }, { x: 1 }, { x: 2 }]);
  // TF.js's form: any function returning { next() }.
  let k = 0;
  t.deepEqual(await data.generator(() => ({ next: () => (k < 2 ? { value: k++, done: false } : { value: undefined, done: true }) })).toArray(), [0, 1]);
  t.throws(() => data.generator(5), { instanceOf: sinew.InvalidArgumentError });
});

test('zip: arrays and objects of datasets, ending with the shortest', async (t) => {
  const a = data.array([1, 2, 3]), b = data.array(['x', 'y']);
  t.deepEqual(await data.zip([a, b]).toArray(), [[1, 'x'], [2, 'y']]);
  t.deepEqual(await data.zip({ n: a, s: { inner: b } }).toArray(), [{ n: 1, s: { inner: 'x' } }, { n: 2, s: { inner: 'y' } }]);
  t.is(data.zip({ n: a, s: b }).size, 2);
});

const dir = mkdtempSync(join(tmpdir(), 'sinew-data-'));
const CSV = 'sepal,petal,note,species\n5.1,1.4,"a, quoted\nnote",0\n4.9,,plain,1\n6.3,4.9,x,2\n';
const csvPath = join(dir, 'small.csv');
writeFileSync(csvPath, CSV);

test('csv from a path and a file: URL: header, TF.js value rules, columnConfigs with isLabel, dtype and default', async (t) => {
  for (const src of [csvPath, pathToFileURL(csvPath).href]) {
    const ds = data.csv(src, { columnConfigs: { species: { isLabel: true, dtype: 'int32' }, petal: { default: -1 } } });
    t.deepEqual(await ds.columnNames(), ['sepal', 'petal', 'note', 'species']);
    t.deepEqual(await ds.toArray(), [
      { xs: { sepal: 5.1, petal: 1.4, note: 'a, quoted\nnote' }, ys: { species: 0 } },
      { xs: { sepal: 4.9, petal: -1, note: 'plain' }, ys: { species: 1 } },
      { xs: { sepal: 6.3, petal: 4.9, note: 'x' }, ys: { species: 2 } },
    ]);
  }
  const only = data.csv(csvPath, { columnConfigs: { sepal: {}, species: {} }, configuredColumnsOnly: true });
  t.deepEqual(await only.toArray(), [{ sepal: 5.1, species: 0 }, { sepal: 4.9, species: 1 }, { sepal: 6.3, species: 2 }]);
  const noHeader = data.csv(csvPath, { hasHeader: false, columnNames: ['a', 'b', 'c', 'd'] });
  t.deepEqual((await noHeader.take(1).toArray())[0], { a: 'sepal', b: 'petal', c: 'note', d: 'species' });
  await t.throwsAsync(() => data.csv(csvPath, { columnConfigs: { nope: {} } }).toArray(), { instanceOf: sinew.InvalidArgumentError, message: /'nope', which is not a column/ });
  await t.throwsAsync(() => data.csv(csvPath, { columnConfigs: { petal: { required: true } } }).toArray(), { instanceOf: sinew.InvalidArgumentError, message: /line 4: required column 'petal' is empty/ });
  await t.throwsAsync(() => data.csv(join(dir, 'missing.csv')).toArray(), { instanceOf: sinew.InvalidArgumentError, message: /no such file/ });
  t.throws(() => data.csv(csvPath, { hasHeader: false }), { instanceOf: sinew.InvalidArgumentError, message: /columnNames must be given/ });
});

test('csv from an http URL streams: records split across network chunks are whole, and take() stops early', async (t) => {
  // 20,000 rows sent in 1,000-byte writes (records straddle the chunks).
  const rows = Array.from({ length: 20000 }, (_, i) => `${i},${i % 3},"q${i}"`);
  const body = `id,label,text\n${rows.join('\n')}\n`;
  let bytesSent = 0;
  const server = createServer(async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv' });
    for (let i = 0; i < body.length && !res.destroyed; i += 1000) {
      const ok = res.write(body.slice(i, i + 1000));
      bytesSent += 1000;
      if (!ok) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${server.address().port}/data.csv`;
    const all = await data.csv(url, { columnConfigs: { label: { isLabel: true } } }).toArray();
    t.is(all.length, 20000);
    t.deepEqual(all[12345], { xs: { id: 12345, text: 'q12345' }, ys: { label: 0 } });
    const batch = (await data.csv(url).map((r) => [r.id, r.label]).batch(500).take(1).toArray())[0];
    t.deepEqual(batch.shape, [500, 2]);
    batch.dispose();
  } finally {
    server.close();
  }
});

/** A model for y = x·w (four inputs, one output). */
function linearModel() {
  const m = sinew.sequential({ layers: [sinew.layers.dense({ units: 1, inputShape: [4], kernelInitializer: 'zeros' })] });
  m.compile({ optimizer: new sinew.SGD({ learningRate: 0.1 }), loss: 'meanSquaredError' });
  return m;
}
const W = [0.5, -1, 2, 0.25];
function sample(i) {
  const x = [Math.sin(i), Math.cos(i * 1.3), Math.sin(i * 0.7 + 1), Math.cos(i * 0.2)];
  return { xs: x, ys: [x.reduce((s, v, j) => s + v * W[j], 0)] };
}

test.serial('fitDataset trains from a generator of many batches pulled one at a time, with engine memory and heap flat', async (t) => {
  const m = linearModel();
  let pulled = 0;
  const maxAhead = [];
  // 600 batches of 32 generated on the fly: never materialised.
  const ds = data.generator(function* () {
    for (let i = 0; i < 600 * 32; i++) {
      pulled++;
      yield sample(i);
    }
  }).batch(32).prefetch(1);
  const tensorsBefore = sinew.memory().numTensors;
  const heap = [];
  const h = await m.fitDataset(ds, {
    epochs: 1,
    callbacks: {
      onBatchEnd: (b) => {
        maxAhead.push(pulled - (b + 1) * 32);
        if (b % 100 === 99) heap.push(process.memoryUsage().heapUsed);
      },
    },
  });
  // At most the batch being trained plus one prefetched batch are read ahead.
  t.true(Math.max(...maxAhead) <= 2 * 32, `read ${Math.max(...maxAhead)} samples ahead`);
  t.true(h.history.loss[0] < 0.05, `loss ${h.history.loss[0]}`);
  t.is(sinew.memory().numTensors, tensorsBefore, 'every batch tensor was freed');
  t.true(heap[heap.length - 1] - heap[0] < 16 * 2 ** 20, `heap grew ${(heap[heap.length - 1] - heap[0]) / 2 ** 20} MiB over 500 batches`);
  const w = m.getWeights()[0].dataSync();
  W.forEach((v, j) => t.true(Math.abs(w[j] - v) < 0.1, `w[${j}] = ${w[j]}`));
  m.dispose();
});

test('fitDataset: epochs restart the data; batchesPerEpoch continues one iterator and stops (with a warning) when it runs out; validation from a dataset or tensors', async (t) => {
  const m = linearModel();
  const samples = Array.from({ length: 96 }, (_, i) => sample(i));
  const ds = data.array(samples).batch(32);
  let starts = 0;
  const counting = data.generator(function* () {
    starts++;
    yield* samples;
  }).batch(32);
  const val = data.array(samples.slice(0, 40)).batch(16);
  const h = await m.fitDataset(counting, { epochs: 3, validationData: val });
  t.is(starts, 3);
  t.deepEqual(Object.keys(h.history).sort(), ['loss', 'val_loss']);
  t.true(h.history.loss[2] < h.history.loss[0]);
  // Validation equals evaluateDataset and evaluate on the same samples (sample-weighted over a short last batch).
  const ev = await m.evaluateDataset(val);
  const x = sinew.tensor(samples.slice(0, 40).map((s) => s.xs)), y = sinew.tensor(samples.slice(0, 40).map((s) => s.ys));
  const e2 = m.evaluate(x, y);
  t.true(Math.abs(ev.dataSync()[0] - e2.dataSync()[0]) < 1e-6);
  const h2 = await m.fitDataset(ds, { epochs: 1, validationData: [x, y] });
  t.true(Math.abs(h2.history.val_loss[0] - m.evaluate(x, y).dataSync()[0]) < 1e-6);
  // 3 batches per pass; 2 per epoch: epoch 2 reads batch 3 and 1 more is missing.
  const warnings = [];
  const warn = console.warn;
  console.warn = (s) => warnings.push(s);
  let h3;
  try {
    h3 = await m.fitDataset(ds, { epochs: 5, batchesPerEpoch: 2 });
  } finally {
    console.warn = warn;
  }
  t.is(h3.epoch.length, 2);
  t.regex(warnings[0], /ran out of data after 1 of 2 batches in epoch 2/);
  // An endless dataset with batchesPerEpoch trains; without it is refused.
  const h4 = await m.fitDataset(ds.repeat(), { epochs: 2, batchesPerEpoch: 5 });
  t.is(h4.epoch.length, 2);
  await t.throwsAsync(() => m.fitDataset(ds.repeat(), { epochs: 1 }), { instanceOf: sinew.InvalidArgumentError, message: /endless.*batchesPerEpoch/ });
  await t.throwsAsync(() => m.fitDataset(ds, { epochs: 1, classWeight: { 0: 1 } }), { instanceOf: sinew.InvalidArgumentError, message: /classWeight/ });
  await t.throwsAsync(() => m.fitDataset(data.array([1, 2]).batch(2), { epochs: 1 }), { instanceOf: sinew.InvalidArgumentError, message: /\{ xs, ys \} or \[xs, ys\]/ });
  // [xs, ys] elements work as well.
  const h5 = await m.fitDataset(data.zip([data.array(samples.map((s) => s.xs)), data.array(samples.map((s) => s.ys))]).batch(48), { epochs: 1 });
  t.is(h5.history.loss.length, 1);
  t.false(m.isTraining);
  m.dispose();
});

test('fitDataset from a CSV file with a label column, the TF.js idiom (map to arrays, batch)', async (t) => {
  const path = join(dir, 'linear.csv');
  const lines = ['a,b,c,d,y'];
  for (let i = 0; i < 256; i++) {
    const s = sample(i);
    lines.push([...s.xs, s.ys[0]].map((v) => v.toFixed(6)).join(','));
  }
  writeFileSync(path, lines.join('\n'));
  const ds = data.csv(path, { columnConfigs: { y: { isLabel: true } } })
    .map(({ xs, ys }) => ({ xs: Object.values(xs), ys: Object.values(ys) }))
    .shuffle(64, 1)
    .batch(32);
  const m = linearModel();
  const h = await m.fitDataset(ds, { epochs: 8 });
  t.true(h.history.loss[7] < 0.2 * h.history.loss[0], `${h.history.loss[0]} -> ${h.history.loss[7]}`);
  t.is(readFileSync(path, 'utf8').split('\n').length, 257);
  m.dispose();
});
