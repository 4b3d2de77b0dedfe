// Issue 13, silent wrong answers made loud: each case either does the right
// thing or says clearly why it will not.
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sinew from '../../dist/index.js';
import { isolated } from './_isolated.mjs';

test.before(async () => {
  await sinew.init();
});

test('int32 tensors refuse integers beyond 2^24 (stored as float32, they would be rounded)', (t) => {
  t.throws(() => sinew.tensor(Int32Array.of(16777217), [1], 'int32'), { instanceOf: sinew.DTypeError, message: /int32 value 16777217 is beyond ±2\^24/ });
  t.throws(() => sinew.tensor([[1], [-16777218]], undefined, 'int32'), { instanceOf: sinew.DTypeError });
  t.throws(() => sinew.tensor(2 ** 31, [], 'int32'), { instanceOf: sinew.DTypeError });
  t.deepEqual(Array.from(sinew.tensor(Int32Array.of(16777216, -16777216), [2], 'int32').dataSync()), [16777216, -16777216]);
});

test('the mean of nothing is NaN (was 0)', (t) => {
  t.true(Number.isNaN(sinew.mean(sinew.zeros([0, 3])).dataSync()[0]));
  t.deepEqual(Array.from(sinew.mean(sinew.zeros([0, 3]), 0).dataSync()), [NaN, NaN, NaN]);
  t.deepEqual(Array.from(sinew.mean(sinew.zeros([2, 0]), 0).dataSync()), []);
  t.deepEqual(Array.from(sinew.mean(sinew.tensor([[1, 2], [3, 6]]), 0).dataSync()), [2, 4]);
});

test('setNumThreads beyond the pool size is refused (was silently clamped)', (t) => {
  const pool = sinew.backendInfo().poolSize;
  t.throws(() => sinew.setNumThreads(pool + 1), { instanceOf: sinew.InvalidArgumentError, message: new RegExp(`pool size ${pool}`) });
  t.throws(() => sinew.setNumThreads(1000), { instanceOf: sinew.InvalidArgumentError });
  sinew.setNumThreads(pool);
  t.is(sinew.backendInfo().threads, pool);
  sinew.setNumThreads(0);
});

test.serial('grad of a non-scalar throws without leaking a tensor per call', (t) => {
  const x = sinew.tensor([1, 2, 3]);
  const f = sinew.grad((v) => sinew.mul(v, 2));
  t.throws(() => f(x), { instanceOf: sinew.ShapeError, message: /is not a scalar/ });
  const before = sinew.memory().numTensors;
  for (let i = 0; i < 20; i++) t.throws(() => f(x));
  // An input the function does not use: the other gradients and the value are freed too.
  const g2 = sinew.grads((a, b) => sinew.sum(a));
  for (let i = 0; i < 5; i++) t.throws(() => g2([x, sinew.clone(x)]), { message: /does not depend on input 1/ });
  t.is(sinew.memory().numTensors, before + 5, 'only the 5 clones passed in remain');
});

test('parseCsv refuses NaN, Infinity and 1e999 unless allowNonFinite', (t) => {
  for (const v of ['NaN', 'Infinity', '-Infinity', '1e999']) {
    t.throws(() => sinew.data.parseCsv(`a,b\n1,2\n3,${v}\n`), { instanceOf: sinew.InvalidArgumentError, message: new RegExp(`line 3, column 2 \\('b'\\): "${v}" is not a finite number`) });
  }
  t.deepEqual(sinew.data.parseCsv('a\n1e999\n', { allowNonFinite: true }).rows, [[Infinity]]);
});

test('loadMnistIdx refuses a label that is not a class (e.g. 250)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sinew-idx-'));
  const idx = (magic, dims, bytes) => {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    return Buffer.concat([head, Buffer.from(bytes)]);
  };
  const images = idx(0x803, [2, 28, 28], new Uint8Array(2 * 784));
  await writeFile(join(dir, 'train-images-idx3-ubyte'), images);
  await writeFile(join(dir, 't10k-images-idx3-ubyte'), images);
  await writeFile(join(dir, 'train-labels-idx1-ubyte'), idx(0x801, [2], [3, 9]));
  await writeFile(join(dir, 't10k-labels-idx1-ubyte'), idx(0x801, [2], [1, 250]));
  try {
    await t.throwsAsync(() => sinew.data.loadMnistIdx({ dir }), { instanceOf: sinew.InvalidArgumentError, message: /MNIST test: .*t10k-labels-idx1-ubyte: label 250 at index 1 is not a class \(expected 0 to 9\)/ });
    await writeFile(join(dir, 't10k-labels-idx1-ubyte'), idx(0x801, [2], [1, 9]));
    t.deepEqual(Array.from((await sinew.data.loadMnistIdx({ dir })).test.labels), [1, 9]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('init with options that conflict with the loaded engine is refused, also while the first init is still loading', async (t) => {
  const r = await isolated(
    `
    const first = sinew.init();            // (already done by the harness; a no-op)
    await first;
    const errs = [];
    for (const o of [{ threads: 1 }, { backend: 'baseline' }]) {
      try { await sinew.init(o); errs.push('accepted'); } catch (e) { errs.push(e.name + ': ' + e.message); }
    }
    return errs;
  `,
    { backend: 'threads' },
  );
  t.regex(String(r.value?.[0]), /UnsupportedError: init: the engine already runs with a pool of \d+ thread/);
  t.regex(String(r.value?.[1]), /UnsupportedError: init: the 'threads' build is already loaded/);
  // Concurrent: the second call's options are checked once the first has loaded.
  const program = `
    import * as sinew from ${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)};
    const [a, b] = await Promise.allSettled([sinew.init(), sinew.init({ backend: 'baseline' })]);
    console.log(JSON.stringify([a.status, b.status, b.reason?.name, sinew.backendInfo().build]));
    process.exit(0);
  `;
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8', env: { ...process.env, SINEW_BACKEND: '' } });
  const [sa, sb, name, build] = JSON.parse(out.trim().split('\n').at(-1));
  t.is(sa, 'fulfilled');
  t.is(build === 'baseline' ? 'fulfilled' : sb, build === 'baseline' ? 'fulfilled' : 'rejected');
  if (build !== 'baseline') t.is(name, 'UnsupportedError');
});
