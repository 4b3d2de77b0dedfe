// Issue 13, hangs and traps from bad arguments: arguments that cross into the
// engine are type-checked first, batch sizes are validated everywhere, and
// tidy refuses async functions at once. Each case runs in its own process
// (on the threads build, where these used to hang forever) with a time limit.
import test from 'ava';
import { isolated } from './_isolated.mjs';

const model = `
  const m = sinew.sequential({ layers: [sinew.layers.dense({ units: 3, inputShape: [4], activation: 'softmax' })] });
  m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  const x = sinew.zeros([5, 4]);
  const y = sinew.oneHot(sinew.tensor([0, 1, 2, 0, 1], [5], 'int32'), 3);
`;
/** After the bad call, the engine still computes (a matmul with a known answer). */
const stillWorks = `return { err, after: sinew.matmul(sinew.tensor([[1, 2], [3, 4]]), sinew.tensor([[1], [1]])).arraySync() };`;

const cases = {
  'maxPool(x, 2, 2, 0)': [`const x = sinew.zeros([1, 4, 4, 1]); let err; try { sinew.maxPool(x, 2, 2, 0); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: maxPool: padding must be 'same' or 'valid', got 0/],
  'conv2d(x, f, 1, 0)': [`const x = sinew.zeros([1, 4, 4, 1]); let err; try { sinew.conv2d(x, sinew.zeros([2, 2, 1, 1]), 1, 0); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: conv2d: padding must be/],
  'fused.conv2d activation 7': [`const x = sinew.zeros([1, 4, 4, 1]); let err; try { sinew.fused.conv2d({ x, filter: sinew.zeros([2, 2, 1, 1]), strides: 1, pad: 'same', activation: 7 }); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: conv2d: activation must be a string/],
  'conv2d with a bias where TF.js has dataFormat': [`const x = sinew.zeros([1, 4, 4, 1]); let err; try { sinew.conv2d(x, sinew.zeros([2, 2, 1, 1]), 1, 'same', sinew.zeros([1])); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: conv2d: dataFormat must be 'NHWC', got a value of type object \(bias and activation go through fused.conv2d\)/],
  'conv2d NCHW': [`const x = sinew.zeros([1, 4, 4, 1]); let err; try { sinew.conv2d(x, sinew.zeros([2, 2, 1, 1]), 1, 'same', 'NCHW'); } catch (e) { err = e.name + ': ' + e.message; }`, /UnsupportedError: conv2d: dataFormat 'NCHW' is not supported/],
  'conv2d dilations 2': [`const x = sinew.zeros([1, 4, 4, 1]); let err; try { sinew.conv2d(x, sinew.zeros([2, 2, 1, 1]), 1, 'same', 'NHWC', 2); } catch (e) { err = e.name + ': ' + e.message; }`, /UnsupportedError: conv2d: dilations other than 1 are not supported, got \[2, 2\]/],
  'randomNormal with the seed 4th': [`let err; try { sinew.randomNormal([2], 0, 1, 7); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: randomNormal: the 4th argument is dtype, as in TF.js \(got the number 7\); pass the seed 5th/],
  'randomUniform int32': [`let err; try { sinew.randomUniform([2], 0, 4, 'int32'); } catch (e) { err = e.name + ': ' + e.message; }`, /DTypeError: randomUniform: dtype must be 'float32', got "int32"/],
  'activation(1, x)': [`let err; try { sinew.activation(1, sinew.zeros([2])); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: activation: name must be a string/],
  'layers.maxPooling2d({ padding: 0 })': [`let err; try { sinew.layers.maxPooling2d({ padding: 0 }); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: .*padding must be 'same' or 'valid'/],
  'predict batchSize 0': [`${model} let err; try { m.predict(x, { batchSize: 0 }); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: .*predict: batchSize must be a positive integer, got 0/],
  'predict batchSize NaN': [`${model} let err; try { m.predict(x, { batchSize: NaN }); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: .*predict: batchSize must be a positive integer, got NaN/],
  'evaluate batchSize 0': [`${model} let err; try { m.evaluate(x, y, { batchSize: 0 }); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: .*evaluate: batchSize must be a positive integer, got 0/],
  'evaluate batchSize NaN': [`${model} let err; try { m.evaluate(x, y, { batchSize: NaN }); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: .*evaluate: batchSize must be a positive integer, got NaN/],
  'evaluate on 0 rows': [`${model} let err; try { m.evaluate(sinew.zeros([0, 4]), sinew.zeros([0, 3])); } catch (e) { err = e.name + ': ' + e.message; }`, /InvalidArgumentError: .*evaluate: x has no samples/],
};

test('bad arguments: a typed error at once, and the engine still computes afterwards', async (t) => {
  // One process for all cases (each in its own block); a hang fails the whole test by its time limit.
  const blocks = Object.entries(cases).map(([name, [code]]) => `out[${JSON.stringify(name)}] = await (async () => { ${code} ${stillWorks} })();`);
  const r = await isolated(`const out = {}; ${blocks.join('\n')} return out;`, { timeoutMs: 60_000 });
  t.false(r.timedOut, 'a case hung');
  t.truthy(r.value, `no result (exit ${r.code}): ${r.error?.message ?? r.stderr.slice(-800)}`);
  for (const [name, [, expected]] of Object.entries(cases)) {
    t.regex(String(r.value?.[name]?.err), expected, name);
    t.deepEqual(r.value?.[name]?.after, [[3], [7]], name);
  }
});

test('tidy(async fn) is refused before it runs, and no unhandled rejection kills the process later', async (t) => {
  const r = await isolated(`
    let ran = false, err;
    try { sinew.tidy(async () => { ran = true; return sinew.zeros([2]); }); } catch (e) { err = e.name + ': ' + e.message; }
    // A plain function returning a Promise is refused after it ran; its later rejection must not be unhandled.
    let err2;
    try { sinew.tidy(() => new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 10))); } catch (e) { err2 = e.name; }
    await new Promise((r) => setTimeout(r, 100));
    return { ran, err, err2 };
  `);
  t.false(r.timedOut);
  t.is(r.code, 0, r.stderr.slice(-500));
  t.deepEqual(r.value, { ran: false, err: 'InvalidArgumentError: tidy: the function must be synchronous (got an async function)', err2: 'InvalidArgumentError' });
});
