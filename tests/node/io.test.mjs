// sinew.io: TF.js weight binaries and manifests, model.json + weights.bin on
// disk, http(s) loading/saving, browser Files, URL routing, and the errors for
// corrupt or missing files.
import test from 'ava';
import { mkdtemp, writeFile, readFile, readdir, rm, mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sinew from '../../dist/index.js';

const { io } = sinew;

test.before(async () => {
  await sinew.init();
});

const weights = () => [
  { name: 'dense/kernel', shape: [3, 2], dtype: 'float32', values: Float32Array.of(0.5, -1, 2.25, 3e-8, -0, 1e30) },
  { name: 'dense/bias', shape: [2], dtype: 'float32', values: Float32Array.of(0.1, -0.2) },
  { name: 'step', shape: [], dtype: 'int32', values: Int32Array.of(-7) },
  { name: 'empty', shape: [0, 4], dtype: 'float32', values: new Float32Array(0) },
  { name: 'counts', shape: [3], dtype: 'int32', values: Int32Array.of(2147483647, -2147483648, 1) },
];

const topology = {
  class_name: 'Sequential',
  config: { name: 'seq', layers: [{ class_name: 'Dense', config: { units: 2, name: 'dense' } }] },
  keras_version: 'sinew',
  backend: 'sinew',
};

function artifacts() {
  const { data, specs } = io.encodeWeights(weights());
  return { modelTopology: topology, weightSpecs: specs, weightData: data };
}

async function tempDir(t) {
  const dir = await mkdtemp(join(tmpdir(), 'sinew-io-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------- weights

test('encodeWeights/decodeWeights round trip, manifest entries as TF.js writes them', (t) => {
  const { data, specs } = io.encodeWeights(weights());
  t.true(data instanceof ArrayBuffer);
  t.is(data.byteLength, (6 + 2 + 1 + 0 + 3) * 4);
  t.deepEqual(specs, [
    { name: 'dense/kernel', shape: [3, 2], dtype: 'float32' },
    { name: 'dense/bias', shape: [2], dtype: 'float32' },
    { name: 'step', shape: [], dtype: 'int32' },
    { name: 'empty', shape: [0, 4], dtype: 'float32' },
    { name: 'counts', shape: [3], dtype: 'int32' },
  ]);
  const back = io.decodeWeights(data, specs);
  t.deepEqual(back, weights());
  t.true(back[2].values instanceof Int32Array);
  t.is(io.weightsByteLength(specs), data.byteLength);
});

test('the weight binary is float32/int32 little-endian, concatenated in manifest order, byte-identical to TF.js', async (t) => {
  const { data } = io.encodeWeights(weights());
  const view = new DataView(data);
  let off = 0;
  for (const w of weights()) {
    for (const v of w.values) {
      if (w.dtype === 'float32') t.is(view.getFloat32(off, true), Math.fround(v));
      else t.is(view.getInt32(off, true), v);
      off += 4;
    }
  }
  t.is(off, data.byteLength);
  // TF.js's own encoder gives the same bytes and the same specs
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const named = weights().map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape, w.dtype) }));
  const ref = await tf.io.encodeWeights(named);
  t.deepEqual(new Uint8Array(data), new Uint8Array(ref.data));
  t.deepEqual(io.encodeWeights(weights()).specs, ref.specs);
  // and TF.js decodes ours
  const decoded = tf.io.decodeWeights(data, ref.specs);
  t.deepEqual([...decoded['dense/kernel'].dataSync()], [...weights()[0].values]);
  t.deepEqual([...decoded.counts.dataSync()], [...weights()[4].values]);
});

test('decodeWeights: truncated and oversized data name the weight and the byte counts', (t) => {
  const { data, specs } = io.encodeWeights(weights());
  let e = t.throws(() => io.decodeWeights(data.slice(0, 30), specs), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /truncated data: weight 'dense\/bias' \(\[2\] float32\) needs bytes 24\.\.32 but the data has 30 bytes; the specs describe 48 bytes/);
  const big = new Uint8Array(52);
  big.set(new Uint8Array(data));
  e = t.throws(() => io.decodeWeights(big.buffer, specs), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, /oversized data: the data has 52 bytes but the specs describe 48 \(4 bytes left over after the last weight 'counts'\)/);
  t.throws(() => io.decodeWeights(new Uint8Array(data), specs), { instanceOf: sinew.InvalidArgumentError, message: /expected an ArrayBuffer, got Uint8Array/ });
});

test('decodeWeights and encodeWeights reject unknown or unsupported dtypes and inconsistent weights', (t) => {
  const buf = new ArrayBuffer(8);
  t.throws(() => io.decodeWeights(buf, [{ name: 'w', shape: [1], dtype: 'float64' }]), {
    instanceOf: sinew.InvalidArgumentError,
    message: /weight 'w': unknown dtype "float64": Sinew reads 'float32' and 'int32' weights/,
  });
  t.throws(() => io.decodeWeights(buf, [{ name: 'b', shape: [8], dtype: 'bool' }]), { instanceOf: sinew.InvalidArgumentError, message: /unsupported dtype "bool"/ });
  t.throws(() => io.decodeWeights(buf, [{ name: 'w', shape: [-2], dtype: 'float32' }]), { instanceOf: sinew.InvalidArgumentError, message: /invalid shape/ });
  t.throws(() => io.encodeWeights([{ name: 'w', shape: [2], dtype: 'float16', values: new Float32Array(2) }]), {
    instanceOf: sinew.InvalidArgumentError,
    message: /unknown dtype "float16"/,
  });
  t.throws(() => io.encodeWeights([{ name: 'w', shape: [2, 2], dtype: 'float32', values: new Float32Array(3) }]), {
    instanceOf: sinew.InvalidArgumentError,
    message: /weight 'w' has shape \[2,2\] \(4 values\) but 3 values/,
  });
  t.throws(() => io.encodeWeights([{ name: 'w', shape: [2], dtype: 'int32', values: new Float32Array(2) }]), {
    instanceOf: sinew.InvalidArgumentError,
    message: /dtype 'int32' but its values are a Float32Array; expected a Int32Array/,
  });
  const w = { name: 'same', shape: [1], dtype: 'float32', values: new Float32Array(1) };
  t.throws(() => io.encodeWeights([w, w]), { instanceOf: sinew.InvalidArgumentError, message: /two weights are named 'same'/ });
});

test('decodeWeights dequantizes TF.js uint8, uint16 and float16 weights', (t) => {
  const bytes = new Uint8Array([0, 10, 255, /* uint16 LE */ 1, 0, 0, 1, /* float16 1.0, -2.5 */ 0x00, 0x3c, 0x00, 0xc1]);
  const out = io.decodeWeights(bytes.buffer, [
    { name: 'a', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
    { name: 'b', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 2, min: 0 } },
    { name: 'c', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
  ]);
  t.deepEqual([...out[0].values], [-1, 4, 126.5]);
  t.deepEqual([...out[1].values], [2, 512]);
  t.deepEqual([...out[2].values], [1, -2.5]);
  t.throws(() => io.decodeWeights(new ArrayBuffer(1), [{ name: 'q', shape: [1], dtype: 'float32', quantization: { dtype: 'int4' } }]), {
    instanceOf: sinew.InvalidArgumentError,
    message: /unknown quantization dtype "int4"/,
  });
});

// ---------------------------------------------------------------- file system

test('file:// handler: save writes model.json + weights.bin, load gives the same artifacts back', async (t) => {
  const dir = join(await tempDir(t), 'nested', 'model');
  const a = { ...artifacts(), trainingConfig: { loss: 'categorical_crossentropy', optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.001 } } } };
  const res = await io.getHandler(`file://${dir}`).save(a);
  t.is(res.modelArtifactsInfo.weightDataBytes, a.weightData.byteLength);
  t.is(res.modelArtifactsInfo.modelTopologyType, 'JSON');
  t.true(res.modelArtifactsInfo.dateSaved instanceof Date);
  t.deepEqual((await readdir(dir)).sort(), ['model.json', 'weights.bin']);
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  t.deepEqual(Object.keys(json), ['format', 'generatedBy', 'convertedBy', 'modelTopology', 'weightsManifest', 'trainingConfig']);
  t.is(json.format, 'layers-model');
  t.regex(json.generatedBy, /^sinew \d+\.\d+\.\d+/);
  t.is(json.convertedBy, null);
  t.deepEqual(json.modelTopology, topology);
  t.deepEqual(json.weightsManifest, [{ paths: ['weights.bin'], weights: a.weightSpecs }]);
  t.deepEqual(json.trainingConfig, a.trainingConfig);
  // weights.bin is exactly the encoder's bytes
  t.deepEqual(new Uint8Array(await readFile(join(dir, 'weights.bin'))), new Uint8Array(a.weightData));

  for (const url of [`file://${dir}`, dir, join(dir, 'model.json'), new URL(`file://${dir}`)]) {
    const back = await io.getHandler(url).load();
    t.deepEqual(back.modelTopology, topology);
    t.deepEqual(back.weightSpecs, a.weightSpecs);
    t.deepEqual(new Uint8Array(back.weightData), new Uint8Array(a.weightData));
    t.is(back.format, 'layers-model');
    t.deepEqual(back.trainingConfig, a.trainingConfig);
    t.deepEqual(io.decodeWeights(back.weightData, back.weightSpecs), weights());
  }
});

test('file handler: a .json path saves <name>.json + <name>.weights.bin; saving over a model replaces it', async (t) => {
  const dir = await tempDir(t);
  const h = io.getHandler(join(dir, 'net.json'));
  await h.save(artifacts());
  t.deepEqual((await readdir(dir)).sort(), ['net.json', 'net.weights.bin']);
  const json = JSON.parse(await readFile(join(dir, 'net.json'), 'utf8'));
  t.deepEqual(json.weightsManifest[0].paths, ['net.weights.bin']);
  const small = io.encodeWeights([{ name: 'x', shape: [1], dtype: 'float32', values: Float32Array.of(9) }]);
  await h.save({ modelTopology: { a: 1 }, weightSpecs: small.specs, weightData: small.data });
  const back = await h.load();
  t.deepEqual(back.modelTopology, { a: 1 });
  t.deepEqual([...io.decodeWeights(back.weightData, back.weightSpecs)[0].values], [9]);
  t.deepEqual((await readdir(dir)).sort(), ['net.json', 'net.weights.bin']);
});

test('file handler: save rejects inconsistent artifacts before writing anything', async (t) => {
  const dir = join(await tempDir(t), 'm');
  const a = artifacts();
  await t.throwsAsync(io.getHandler(dir).save({ ...a, weightData: a.weightData.slice(4) }), {
    instanceOf: sinew.InvalidArgumentError,
    message: /weightData has 44 bytes but weightSpecs describe 48/,
  });
  await t.throwsAsync(io.getHandler(dir).save({ ...a, modelTopology: 'x' }), { instanceOf: sinew.InvalidArgumentError, message: /modelTopology must be a JSON object/ });
  await t.throwsAsync(io.getHandler(dir).save({ ...a, weightData: new Uint8Array(a.weightData) }), {
    instanceOf: sinew.InvalidArgumentError,
    message: /weightData must be an ArrayBuffer, got Uint8Array/,
  });
  await t.throwsAsync(readdir(dir));
});

async function savedModel(t) {
  const dir = await tempDir(t);
  await io.getHandler(dir).save(artifacts());
  return dir;
}

async function loadError(t, dir, pattern) {
  const e = await t.throwsAsync(io.getHandler(dir).load(), { instanceOf: sinew.InvalidArgumentError });
  t.regex(e.message, pattern);
  return e;
}

test('corrupt model.json: not JSON, truncated, empty, not an object → InvalidArgumentError naming the file', async (t) => {
  const dir = await savedModel(t);
  const file = join(dir, 'model.json');
  const text = await readFile(file, 'utf8');
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await writeFile(file, 'this is not json');
  await loadError(t, dir, new RegExp(`^${escaped}: not valid JSON`));
  await writeFile(file, text.slice(0, text.length / 2));
  await loadError(t, dir, /model\.json: not valid JSON: .*truncated or not JSON\?/);
  await writeFile(file, '');
  await loadError(t, dir, /model\.json: not valid JSON: the file is empty/);
  await writeFile(file, '[1,2]');
  await loadError(t, dir, /model\.json: expected a JSON object, got an array/);
});

test('corrupt model.json: missing modelTopology, weightsManifest wrong, bad entries, other formats', async (t) => {
  const dir = await savedModel(t);
  const file = join(dir, 'model.json');
  const good = JSON.parse(await readFile(file, 'utf8'));
  const put = (patch) => writeFile(file, JSON.stringify({ ...good, ...patch }));
  const { modelTopology, ...noTopology } = good;
  await writeFile(file, JSON.stringify(noTopology));
  await loadError(t, dir, /model\.json: missing 'modelTopology'/);
  await put({ modelTopology: 'Sequential' });
  await loadError(t, dir, /'modelTopology' must be an object, got string/);
  const { weightsManifest, ...noManifest } = good;
  await writeFile(file, JSON.stringify(noManifest));
  await loadError(t, dir, /model\.json: missing 'weightsManifest'/);
  await put({ weightsManifest: { paths: ['weights.bin'], weights: [] } });
  await loadError(t, dir, /'weightsManifest' must be an array of \{ paths, weights \}, got an object/);
  await put({ weightsManifest: [{ weights: good.weightsManifest[0].weights }] });
  await loadError(t, dir, /weightsManifest\[0\]\.paths must be an array of file names, got undefined/);
  await put({ weightsManifest: [{ paths: ['weights.bin'], weights: 'all' }] });
  await loadError(t, dir, /weightsManifest\[0\]\.weights must be an array, got string/);
  await put({ weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'w', shape: [2, 'x'], dtype: 'float32' }] }] });
  await loadError(t, dir, /weightsManifest\[0\]\.weights\[0\] \('w'\): 'shape' must be an array of non-negative integers/);
  await put({ weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'w', shape: [12], dtype: 'float64' }] }] });
  await loadError(t, dir, /model\.json: weight 'w': unknown dtype "float64"/);
  await put({ weightsManifest: [{ paths: ['weights.bin'], weights: [{ shape: [12], dtype: 'float32' }] }] });
  await loadError(t, dir, /weights\[0\]: 'name' must be a string/);
  await put({ format: 'graph-model' });
  await loadError(t, dir, /format is "graph-model"; Sinew loads 'layers-model' models/);
});

test('truncated, oversized and missing weight files → InvalidArgumentError naming the file and byte counts', async (t) => {
  const dir = await savedModel(t);
  const bin = join(dir, 'weights.bin');
  const bytes = await readFile(bin);
  await writeFile(bin, bytes.subarray(0, 30));
  await loadError(t, dir, /weights\.bin: truncated: 30 bytes, but .*model\.json's weightsManifest describes 48 bytes \(weight 'dense\/bias' \[2\] float32 at bytes 24\.\.32 is cut off\)/);
  await writeFile(bin, Buffer.concat([bytes, Buffer.alloc(8)]));
  await loadError(t, dir, /weights\.bin: 56 bytes, but .*describes only 48 bytes \(8 extra bytes\)/);
  await rm(bin);
  await loadError(t, dir, /weights\.bin: a weights file named in .*model\.json does not exist/);
  await rm(join(dir, 'model.json'));
  await loadError(t, dir, /model\.json: model\.json does not exist/);
  await loadError(t, join(dir, 'no-such-dir'), /no-such-dir\/model\.json: model\.json does not exist/);
});

test('sharded weights: several paths and groups are concatenated in manifest order', async (t) => {
  const dir = await tempDir(t);
  const { data, specs } = io.encodeWeights(weights());
  const b = new Uint8Array(data);
  // group 1: kernel+bias in two shards (split mid-weight); group 2: the rest
  await writeFile(join(dir, 'g1-shard1of2.bin'), b.subarray(0, 10));
  await writeFile(join(dir, 'g1-shard2of2.bin'), b.subarray(10, 32));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'g2.bin'), b.subarray(32));
  await writeFile(
    join(dir, 'model.json'),
    JSON.stringify({
      modelTopology: topology,
      weightsManifest: [
        { paths: ['g1-shard1of2.bin', 'g1-shard2of2.bin'], weights: specs.slice(0, 2) },
        { paths: ['sub/g2.bin'], weights: specs.slice(2) },
      ],
    }),
  );
  const back = await io.getHandler(dir).load();
  t.deepEqual(back.weightSpecs, specs);
  t.deepEqual(io.decodeWeights(back.weightData, back.weightSpecs), weights());
  // a short shard is reported with the group's files
  await writeFile(join(dir, 'g1-shard2of2.bin'), b.subarray(10, 20));
  await loadError(t, dir, /g1-shard1of2\.bin \+ .*g1-shard2of2\.bin: truncated: 20 bytes, but .* describes 32 bytes/);
});

// ---------------------------------------------------------------- http(s)

async function serve(t, routes) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    requests.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
    const r = routes[req.url];
    if (!r) {
      res.writeHead(404, 'Not Found');
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': r.type ?? 'application/octet-stream' });
    res.end(r.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return { base: `http://127.0.0.1:${server.address().port}`, requests };
}

test('http handler loads model.json and resolves weight paths against it', async (t) => {
  const a = artifacts();
  const json = io.toModelJson(a, ['weights.bin']);
  const { base, requests } = await serve(t, {
    '/models/v1/model.json': { body: JSON.stringify(json), type: 'application/json' },
    '/models/v1/weights.bin': { body: Buffer.from(a.weightData) },
    '/broken/model.json': { body: '{"modelTopology": {' },
    '/short/model.json': { body: JSON.stringify(json) },
    '/short/weights.bin': { body: Buffer.from(a.weightData).subarray(0, 8) },
  });
  const back = await io.getHandler(`${base}/models/v1/model.json`).load();
  t.deepEqual(back.modelTopology, topology);
  t.deepEqual(io.decodeWeights(back.weightData, back.weightSpecs), weights());
  t.deepEqual(requests.map((r) => r.url), ['/models/v1/model.json', '/models/v1/weights.bin']);

  await t.throwsAsync(io.getHandler(`${base}/nope/model.json`).load(), { instanceOf: sinew.InvalidArgumentError, message: /nope\/model\.json: cannot fetch model\.json: HTTP 404/ });
  await t.throwsAsync(io.getHandler(`${base}/broken/model.json`).load(), { instanceOf: sinew.InvalidArgumentError, message: /broken\/model\.json: not valid JSON/ });
  await t.throwsAsync(io.getHandler(`${base}/short/model.json`).load(), { instanceOf: sinew.InvalidArgumentError, message: /short\/weights\.bin: truncated: 8 bytes/ });
  // weightPathPrefix
  const h = io.http(`${base}/short/model.json`, { weightPathPrefix: `${base}/models/v1` });
  t.is((await h.load()).weightData.byteLength, a.weightData.byteLength);
});

test('http handler saves with a multipart POST of model.json and model.weights.bin', async (t) => {
  const { base, requests } = await serve(t, { '/upload': { body: 'ok' } });
  const a = artifacts();
  const res = await io.getHandler(`${base}/upload`).save(a);
  t.is(res.responses[0].status, 200);
  t.is(requests.length, 1);
  t.is(requests[0].method, 'POST');
  const form = await new Response(requests[0].body, { headers: { 'content-type': requests[0].headers['content-type'] } }).formData();
  const json = JSON.parse(await form.get('model.json').text());
  t.is(json.format, 'layers-model');
  t.deepEqual(json.weightsManifest, [{ paths: ['./model.weights.bin'], weights: a.weightSpecs }]);
  t.deepEqual(new Uint8Array(await form.get('model.weights.bin').arrayBuffer()), new Uint8Array(a.weightData));
});

// ---------------------------------------------------------------- browser files, routing

test('browserFiles loads File objects (json first), matching weight files by name', async (t) => {
  const a = artifacts();
  const json = new File([JSON.stringify(io.toModelJson(a, ['./my.weights.bin']))], 'my.json');
  const bin = new File([a.weightData], 'my.weights.bin');
  const back = await io.browserFiles([json, bin]).load();
  t.deepEqual(io.decodeWeights(back.weightData, back.weightSpecs), weights());
  // a single weights file is used whatever its name
  const renamed = new File([a.weightData], 'my.weights (1).bin');
  t.is((await io.browserFiles([json, renamed]).load()).weightData.byteLength, 48);
  await t.throwsAsync(io.browserFiles([json, new File([a.weightData.slice(4)], 'my.weights.bin')]).load(), {
    instanceOf: sinew.InvalidArgumentError,
    message: /my\.weights\.bin: truncated: 44 bytes/,
  });
  await t.throwsAsync(io.browserFiles([new File(['{'], 'x.json'), bin]).load(), { instanceOf: sinew.InvalidArgumentError, message: /x\.json: not valid JSON/ });
  await t.throwsAsync(io.browserFiles([]).load(), { instanceOf: sinew.InvalidArgumentError, message: /no files/ });
  const twoPaths = new File([JSON.stringify({ ...io.toModelJson(a, ['a.bin', 'b.bin']) })], 'two.json');
  await t.throwsAsync(io.browserFiles([twoPaths, bin]).load(), { instanceOf: sinew.InvalidArgumentError, message: /needs a weights file named 'a\.bin', but the files given are 'my\.weights\.bin'/ });
  await t.throwsAsync(io.browserFiles([json, bin]).save(a), { instanceOf: sinew.UnsupportedError });
});

test('getHandler routes by scheme and says which schemes exist', async (t) => {
  const custom = { async save() { return { modelArtifactsInfo: {} }; }, async load() { return artifacts(); } };
  t.deepEqual((await io.getHandler(custom).load()).modelTopology, topology);
  const loadOnly = io.getHandler({ load: custom.load });
  await t.throwsAsync(loadOnly.save(artifacts()), { instanceOf: sinew.UnsupportedError, message: /cannot save/ });
  t.throws(() => io.getHandler('s3://bucket/model'), { instanceOf: sinew.InvalidArgumentError, message: /unknown URL scheme 's3:\/\/'.*file:\/\/, indexeddb:\/\/, downloads:\/\/, http:\/\/ or https:\/\// });
  t.throws(() => io.getHandler(''), { instanceOf: sinew.InvalidArgumentError });
  t.throws(() => io.getHandler(42), { instanceOf: sinew.InvalidArgumentError });
  // browser-only storage says so in Node
  await t.throwsAsync(io.getHandler('indexeddb://m').save(artifacts()), { instanceOf: sinew.UnsupportedError, message: /no IndexedDB/ });
  await t.throwsAsync(io.listModels(), { instanceOf: sinew.UnsupportedError });
  await t.throwsAsync(io.getHandler('downloads://m').save(artifacts()), { instanceOf: sinew.UnsupportedError, message: /only in a browser page/ });
  await t.throwsAsync(io.getHandler('downloads://m').load(), { instanceOf: sinew.UnsupportedError, message: /browserFiles/ });
});
