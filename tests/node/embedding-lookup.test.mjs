// The Embedding lookup path (issue 12): an Embedding's output is rows of its
// table, gathered only when something reads it; a Conv1D or recurrent layer
// fed by it reads the table and the ids instead (precomputed table·W, table
// gradients summed per row), in training, in `predict`, and for the reversed
// half of a `bidirectional` layer. Checked here against the plain path (the
// same layers on a copy of the embedding output, which they cannot see
// through), against finite differences, and across thread counts.
import test from 'ava';
import * as sinew from '../../dist/index.js';

const { layers, initializers } = sinew;
const VOCAB = 40, DIM = 6, STEPS = 12, BATCH = 8;

test.before(async () => {
  await sinew.init();
});

/** Deterministic ids `[BATCH, STEPS]`, some 0 (padding id) among them. */
const ids = (seed = 1) => sinew.tensor(Array.from({ length: BATCH * STEPS }, (_, i) => (i * 7 + seed * 13 + ((i * i) % 5)) % VOCAB), [BATCH, STEPS], 'int32');

const SEQ = {
  conv1d: () => [layers.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: initializers.glorotUniform(2) }), layers.globalMaxPooling1d()],
  lstm: () => [layers.lstm({ units: 5, kernelInitializer: initializers.glorotUniform(2), recurrentInitializer: initializers.orthogonal({ seed: 3 }) })],
  gruBackwards: () => [layers.gru({ units: 5, goBackwards: true, returnSequences: true, kernelInitializer: initializers.glorotUniform(2), recurrentInitializer: initializers.orthogonal({ seed: 3 }) }), layers.globalAveragePooling1d()],
  bidirectionalLstm: () => [layers.bidirectional({ layer: layers.lstm({ units: 4, kernelInitializer: initializers.glorotUniform(2), recurrentInitializer: initializers.orthogonal({ seed: 3 }) }) })],
};

function textModel(kind) {
  return sinew.sequential({ layers: [
    layers.embedding({ inputDim: VOCAB, outputDim: DIM, inputLength: STEPS, embeddingsInitializer: initializers.randomUniform({ minval: -1, maxval: 1, seed: 5 }) }),
    ...SEQ[kind](),
    layers.dense({ units: 3, activation: 'softmax', kernelInitializer: initializers.glorotUniform(7) }),
  ] });
}

/** The layers after the embedding, on a copy of its output (the plain path). */
function plain(model, x) {
  const [emb, ...rest] = model.layers;
  const e = emb.apply(x);
  const copy = sinew.tensor(e.dataSync(), e.shape);
  e.dispose();
  return rest.reduce((h, l) => l.apply(h), copy);
}

function close(t, got, want, what, tol = 1e-5) {
  t.is(got.length, want.length, what);
  t.true(want.some((v) => v !== 0), `${what}: not all zero`);
  const bad = got.findIndex((v, i) => !(Math.abs(v - want[i]) <= tol * (1 + Math.abs(want[i]))));
  t.is(bad, -1, bad < 0 ? what : `${what}[${bad}] = ${got[bad]}, plain path ${want[bad]}`);
}

for (const kind of Object.keys(SEQ)) {
  test(`${kind}: predict through the lookup gives the plain path's outputs`, (t) => {
    const model = textModel(kind);
    const x = ids();
    const got = model.predict(x).dataSync();
    close(t, got, plain(model, x).dataSync(), 'predict');
    // The sequence layer did not gather the embedding output: reading it
    // afterwards allocates its values.
    const e0 = model.layers[0].apply(x);
    model.layers[1].apply(e0);
    const before = sinew.memory().numBytes;
    e0.dataSync();
    t.is(sinew.memory().numBytes - before, e0.size * 4, 'gathered only when read');
    // The embedding called directly (its output read) still gives its rows.
    const e = model.layers[0].apply(x).dataSync();
    const table = model.layers[0].embeddings.dataSync();
    const xs = x.dataSync();
    t.deepEqual([...e.slice(0, 2 * DIM)], [...table.slice(xs[0] * DIM, xs[0] * DIM + DIM), ...table.slice(xs[1] * DIM, xs[1] * DIM + DIM)]);
  });
}

/** Loss of a functional model whose embedding output feeds both `kind`'s layers and a global average pooling (so it is read as well); `viaCopy`: the sequence layers get `e · 1`, which they cannot see through. */
function sharedModel(kind) {
  const emb = layers.embedding({ inputDim: VOCAB, outputDim: DIM, embeddingsInitializer: initializers.randomUniform({ minval: -1, maxval: 1, seed: 5 }) });
  const seq = SEQ[kind]();
  const pool = layers.globalAveragePooling1d();
  const head = layers.dense({ units: 3, kernelInitializer: initializers.glorotUniform(7) });
  const loss = (x, viaCopy) => {
    const e = emb.apply(x);
    const h = seq.reduce((a, l) => l.apply(a), viaCopy ? sinew.mul(e, 1) : e);
    const y = head.apply(layers.concatenate().apply([h, pool.apply(e)]));
    return sinew.sum(sinew.mul(y, sinew.tensor(Array.from({ length: y.size }, (_, i) => ((i % 7) - 3) / 3), y.shape)));
  };
  return { emb, loss };
}

for (const kind of Object.keys(SEQ)) {
  test(`${kind}: an embedding output also read by another layer: the table's gradient equals the plain path's and finite differences`, (t) => {
    const { emb, loss } = sharedModel(kind);
    const x = ids(2);
    loss(x, false).dispose(); // builds the layers
    const table = emb.embeddings;
    const g = (viaCopy) => sinew.variableGrads(() => loss(x, viaCopy), [table]).grads[table.name].dataSync();
    const got = g(false);
    close(t, got, g(true), 'table gradient');
    // Central differences on a few used entries (f32 forward: loose tolerance).
    const base = table.dataSync().slice();
    const used = [...new Set(x.dataSync())].slice(0, 4);
    for (const row of used) {
      const i = row * DIM + (row % DIM);
      const at = (d) => {
        const v = base.slice();
        v[i] += d;
        table.assign(sinew.tensor(v, [VOCAB, DIM]));
        return loss(x, false).dataSync()[0];
      };
      const eps = 1e-2;
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      table.assign(sinew.tensor(base, [VOCAB, DIM]));
      t.true(Math.abs(fd - got[i]) <= 2e-2 * (1 + Math.abs(fd)), `d/d table[${row}, ${row % DIM}]: ${got[i]} vs finite difference ${fd}`);
    }
  });
}

test('training through the lookup is bitwise the same on 1 thread and on every thread of the pool', async (t) => {
  const pool = sinew.backendInfo().threads;
  for (const kind of Object.keys(SEQ)) {
    const run = async (n) => {
      sinew.setNumThreads(n);
      try {
        const model = textModel(kind);
        model.compile({ optimizer: sinew.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
        const x = ids(3), y = sinew.tensor(Array.from({ length: BATCH }, (_, i) => i % 3), [BATCH], 'int32');
        await model.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
        return model.getWeights().map((w) => [...w.dataSync()]);
      } finally {
        sinew.setNumThreads(0);
      }
    };
    t.deepEqual(await run(pool), await run(1), `${kind}: ${pool} threads vs 1`);
  }
});
