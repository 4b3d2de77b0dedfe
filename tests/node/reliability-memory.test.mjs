// Issue 13, out of memory: any allocation that does not fit is a typed
// OutOfMemoryError naming the op and the bytes asked for, on every path
// (tensor creation, op outputs, gradients, optimizer slots, loading), in the
// threads, simd and baseline builds; the engine then still works and the
// tensors that existed before are intact. (These used to trap the instance:
// `EngineCrashedError: engine trapped: unreachable`.) Each build runs in its
// own process: the cases grow WASM memory to its limit.
import test from 'ava';
import { isolated } from './_isolated.mjs';

const OOM = (op, bytes) => new RegExp(`^OutOfMemoryError: ${op}: cannot allocate .*\\(${bytes} bytes\\)`);

/** Cases every build must survive: [name, code returning the error text, expected]. */
const common = `
  const out = {};
  const err = (fn) => { try { fn(); return 'no error'; } catch (e) { return e.name + ': ' + e.message; } };
  const works = () => sinew.matmul(sinew.tensor([[1, 2], [3, 4]]), sinew.tensor([[1], [1]])).arraySync();
  const keep = sinew.tensor([5, 6, 7]);
  out.zeros = err(() => sinew.zeros([2 ** 29]));
  out.beyondOneTensor = err(() => sinew.zeros([2 ** 30]));
  out.broadcast = err(() => sinew.losses.meanSquaredError(sinew.zeros([30000]), sinew.zeros([30000, 1])));
  const m = sinew.sequential({ layers: [sinew.layers.dense({ units: 2048, inputShape: [10] }), sinew.layers.dense({ units: 1 })] });
  const x = sinew.zeros([300000, 10]);
  out.predict = err(() => m.predict(x, { batchSize: 300000 }));
  const p = m.predict(x, { batchSize: 20000 });
  out.batchedPredict = p.shape;
  p.dispose();
  x.dispose();
  out.works = works();
  out.kept = Array.from(keep.dataSync());
`;

for (const backend of ['threads', 'simd', 'baseline']) {
  test(`${backend}: oversized tensors, broadcasts and predict batches are OutOfMemoryErrors and the engine carries on`, async (t) => {
    const r = await isolated(`${common} return out;`, { backend, timeoutMs: 180_000 });
    t.false(r.timedOut);
    t.truthy(r.value, `exit ${r.code}: ${r.error?.message ?? r.stderr.slice(-800)}`);
    const v = r.value ?? {};
    t.regex(String(v.zeros), OOM('fill', 2 ** 31));
    t.regex(String(v.beyondOneTensor), /^OutOfMemoryError: fill: cannot allocate 4\.29 GB \(4294967296 bytes\): shape \[1073741824\] has more elements than one tensor can hold/);
    t.regex(String(v.broadcast), OOM('sub', 3_600_000_000));
    t.regex(String(v.predict), OOM('dense', 300000 * 2048 * 4));
    t.deepEqual(v.batchedPredict, [300000, 1], 'batched predict needs one batch of activations at a time');
    t.deepEqual(v.works, [[3], [7]]);
    t.deepEqual(v.kept, [5, 6, 7]);
  });
}

test('threads: memory filled to the limit, then more tensors, gradients, optimizer slots and a loaded model all fail typed; what existed stays intact', async (t) => {
  const r = await isolated(
    `
    const { mkdtemp, readFile, writeFile, rm } = await import('node:fs/promises');
    const out = {};
    const err = async (fn) => { try { await fn(); return 'no error'; } catch (e) { return e.name + ': ' + e.message; } };
    const works = () => sinew.matmul(sinew.tensor([[1, 2], [3, 4]]), sinew.tensor([[1], [1]])).arraySync();
    // Optimizer slots that do not fit: fit fails before any step, weights unchanged.
    const big = sinew.sequential({ layers: [sinew.layers.dense({ units: 12000, inputShape: [12000], useBias: false })] });
    big.compile({ optimizer: 'adam', loss: 'mse' });
    const w0 = Array.from(sinew.slice(big.weights[0], [0, 0], [1, 4]).dataSync());
    out.slots = await err(() => big.fit(sinew.ones([2, 12000]), sinew.ones([2, 12000]), { verbose: 0 }));
    out.weightsUnchanged = JSON.stringify(w0) === JSON.stringify(Array.from(sinew.slice(big.weights[0], [0, 0], [1, 4]).dataSync()));
    big.dispose();
    // A model.json edited to 200 million units.
    const dir = await mkdtemp('/tmp/sinew-oom-');
    const small = sinew.sequential({ layers: [sinew.layers.dense({ units: 3, inputShape: [4] })] });
    await small.save(dir);
    const j = JSON.parse(await readFile(dir + '/model.json', 'utf8'));
    j.modelTopology.config.layers.find((l) => l.class_name === 'Dense').config.units = 200000000;
    await writeFile(dir + '/model.json', JSON.stringify(j));
    out.load = await err(() => sinew.loadSequential(dir));
    await rm(dir, { recursive: true });
    // A 1 GiB tensor, then a second one (the threads build's memory is 2 GiB).
    const keep1 = sinew.tensor([1, 2, 3]);
    const a = sinew.fill([2 ** 28], 7);
    out.second = await err(() => sinew.zeros([2 ** 28]));
    // Fill the rest in 64 MiB steps: the last step fails, and small ops still run (the reserve).
    const held = [];
    out.fill = await err(() => { for (;;) held.push(sinew.fill([2 ** 24], 3)); });
    out.heldCount = held.length;
    out.smallOps = works();
    out.copyIn = await err(() => sinew.tensor(new Float32Array(2 ** 25)));
    // Reading needs no engine memory: the values are copied straight out.
    out.read = await err(() => {
      const d = a.dataSync();
      out.readValues = [d.length, d[0], d[d.length - 1]];
    });
    // A JavaScript allocation that fails is typed too, and harms nothing.
    const slice = Float32Array.prototype.slice;
    Float32Array.prototype.slice = () => { throw new RangeError('Array buffer allocation failed'); };
    out.readNoJsMemory = await err(() => keep1.dataSync());
    Float32Array.prototype.slice = slice;
    out.readAfter = Array.from(keep1.dataSync());
    // A gradient that does not fit.
    out.grad = await err(() => sinew.grad((z) => sinew.sum(sinew.mul(z, z)))(held[0]));
    out.aIntact = Array.from(sinew.slice(a, [2 ** 28 - 2], [2]).dataSync());
    out.heldIntact = held.every((h) => sinew.slice(h, [5], [1]).dataSync()[0] === 3);
    for (const h of held) h.dispose();
    a.dispose();
    out.works = works();
    return out;
  `,
    { backend: 'threads', timeoutMs: 300_000 },
  );
  t.false(r.timedOut);
  t.truthy(r.value, `exit ${r.code}: ${r.error?.message ?? r.stderr.slice(-800)}`);
  const v = r.value ?? {};
  t.regex(String(v.second), OOM('fill', 2 ** 30));
  t.regex(String(v.fill), OOM('fill', 2 ** 26));
  t.true(v.heldCount >= 10, `held ${v.heldCount} × 64 MiB`);
  t.deepEqual(v.smallOps, [[3], [7]]);
  t.regex(String(v.copyIn), OOM('tensor', 2 ** 27));
  t.is(v.read, 'no error');
  t.deepEqual(v.readValues, [2 ** 28, 7, 7]);
  t.is(v.readNoJsMemory, 'OutOfMemoryError: data: cannot allocate 12 bytes in JavaScript for the values of a tensor of shape [3]');
  t.deepEqual(v.readAfter, [1, 2, 3]);
  t.regex(String(v.grad), /^OutOfMemoryError: /);
  t.deepEqual(v.aIntact, [7, 7]);
  t.true(v.heldIntact);
  t.regex(String(v.slots), OOM('fill', 576_000_000));
  t.true(v.weightsUnchanged);
  t.regex(String(v.load), /^OutOfMemoryError: randomUniform: cannot allocate 3\.20 GB/);
  t.deepEqual(v.works, [[3], [7]]);
});

// Near the limit, a gradient can fail at any of its allocations: memory is
// given back a few MB at a time and the step retried until it runs. Every
// failure must be a typed error that frees what the step had made (a
// convolution's backward used to leak its partial gradient on every failure),
// and a kernel's own scratch must be checked before it runs (an LSTM's
// backward used to trap the engine once its outputs fitted and its scratch
// did not).
test('threads: a gradient retried as memory frees up fails typed every time, leaks nothing, and then runs', async (t) => {
  const r = await isolated(
    `
    const L = sinew.layers;
    const cases = {
      lstm: [L.lstm({ units: 256 }), sinew.randomNormal([128, 50, 32])],
      conv1d: [L.conv1d({ filters: 128, kernelSize: 5 }), sinew.randomNormal([256, 200, 64])],
    };
    const out = {};
    for (const [name, [layer, x]] of Object.entries(cases)) {
      const step = () => sinew.tidy(() => { sinew.grad((z) => sinew.sum(layer.apply(z)))(x); });
      step(); // builds the layer's weights
      const held = [];
      try { for (;;) held.push(sinew.fill([2 ** 24], 3)); } catch {}
      for (let i = 0; i < 4; i++) held.pop().dispose();
      try { for (;;) held.push(sinew.fill([2 ** 19], 3)); } catch {}
      const r = { failures: 0, others: [], leaks: [] };
      for (;;) {
        const before = sinew.memory();
        let e = null;
        try { step(); } catch (err) { e = err; }
        const after = sinew.memory();
        if (after.numTensors !== before.numTensors || after.numBytes !== before.numBytes) r.leaks.push([before.numTensors, after.numTensors, after.numBytes - before.numBytes]);
        if (!e) break;
        if (e.name === 'OutOfMemoryError') r.failures++;
        else { r.others.push(e.name + ': ' + e.message); break; }
        for (let i = 0; i < 2 && held.length; i++) held.pop().dispose();
        if (!held.length) { r.others.push('never ran'); break; }
      }
      for (const h of held) h.dispose();
      r.stillWorks = sinew.matmul(sinew.tensor([[1, 2]]), sinew.tensor([[1], [1]])).arraySync();
      out[name] = r;
    }
    return out;
  `,
    { backend: 'threads', timeoutMs: 400_000 },
  );
  t.false(r.timedOut);
  t.truthy(r.value, `exit ${r.code}: ${r.error?.message ?? r.stderr.slice(-800)}`);
  for (const [name, v] of Object.entries(r.value ?? {})) {
    t.deepEqual(v.others, [], name);
    t.deepEqual(v.leaks, [], name);
    t.true(v.failures >= 3, `${name}: ${v.failures} failures before it ran (the sweep must cross the backward's allocations)`);
    t.deepEqual(v.stillWorks, [[3]], name);
  }
});
