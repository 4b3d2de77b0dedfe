// Thread-scaling measurements: the same functions run in Node (sync API) and
// in a browser engine Worker (via engine.run), so both report the same thing.
// State (models, data) lives in this module between calls.
import { TEXT_MODELS, textData, textModel } from './train-contenders.mjs';

/**
 * Training workloads (synthetic data, one epoch of `samples`): issue 10's
 * image models, and issue 12's text models as `npm run bench` trains them
 * (same layers, ids and batch; here 1 and N threads alternate in one process,
 * over epochs of 16-32 steps instead of 10-step repetitions in separate
 * processes, so a noisy minute lands on both sides).
 */
export const FIT_WORKLOADS = {
  'mlp-b128': { kind: 'mlp', batch: 128, samples: 2048, label: 'MLP 784-256-128-10 Adam, batch 128' },
  'mlp-b32': { kind: 'mlp', batch: 32, samples: 1024, label: 'MLP 784-256-128-10 Adam, batch 32' },
  'cnn-b64': { kind: 'cnn', batch: 64, samples: 512, label: 'demo CNN conv16-pool-conv32-pool-dense128, batch 64' },
  'lstm-b64': { kind: 'lstm', batch: 64, samples: 1024, label: TEXT_MODELS.lstm.label },
  'conv1d-b64': { kind: 'conv1d', batch: 64, samples: 2048, label: TEXT_MODELS.conv1d.label },
  'gru-b64': { kind: 'gru', batch: 64, samples: 2048, label: TEXT_MODELS.gru.label },
};

const prepared = new Map();

function buildModel(sinew, kind) {
  const L = sinew.layers;
  const layers =
    kind === 'mlp'
      ? [
          L.dense({ units: 256, activation: 'relu', inputShape: [784] }),
          L.dense({ units: 128, activation: 'relu' }),
          L.dense({ units: 10, activation: 'softmax' }),
        ]
      : [
          // examples/fashion-mnist-cnn.mjs (the demo's model)
          L.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }),
          L.maxPooling2d({ poolSize: 2 }),
          L.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
          L.maxPooling2d({ poolSize: 2 }),
          L.flatten(),
          L.dense({ units: 128, activation: 'relu' }),
          L.dropout({ rate: 0.25, seed: 1 }),
          L.dense({ units: 10, activation: 'softmax' }),
        ];
  const model = sinew.sequential({ layers });
  model.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

function prepare(sinew, name) {
  let w = prepared.get(name);
  if (w) return w;
  const spec = FIT_WORKLOADS[name];
  const n = spec.samples;
  if (spec.kind in TEXT_MODELS) {
    const { images, labels } = textData(spec.kind, n);
    const model = textModel(sinew, spec.kind);
    model.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 1e-3 }), loss: 'binaryCrossentropy' });
    w = { spec, model, x: sinew.tensor(images, [n, TEXT_MODELS[spec.kind].len], 'int32'), y: sinew.tensor(labels, [n, 1]) };
    prepared.set(name, w);
    return w;
  }
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  for (let i = 0; i < n; i++) y[i] = Math.floor(rand() * 10);
  const shape = spec.kind === 'mlp' ? [n, 784] : [n, 28, 28, 1];
  w = { spec, model: buildModel(sinew, spec.kind), x: sinew.tensor(x, shape), y: sinew.tensor(y, [n], 'int32') };
  prepared.set(name, w);
  return w;
}

/** ms per training step of one `model.fit` epoch with `threads` (0 = all). */
export async function fitStepMs(sinew, name, threads) {
  const w = prepare(sinew, name);
  sinew.setNumThreads(threads);
  const t0 = performance.now();
  await w.model.fit(w.x, w.y, { epochs: 1, batchSize: w.spec.batch, shuffle: false, verbose: 0, yieldEvery: Infinity });
  const ms = performance.now() - t0;
  sinew.setNumThreads(0);
  return ms / Math.ceil(w.spec.samples / w.spec.batch);
}

const mats = new Map();
/**
 * Calls per timed sample: ~1.25 GFLOP, ~25-45 ms on one thread here. (At
 * ~2 ms a sample, a rescheduling of a few hundred µs moved a 256² ratio
 * by 0.2, and the other-processes share, read from /proc/stat's 10 ms
 * ticks, was mostly tick noise.)
 */
const matmulCalls = (n) => Math.max(1, Math.min(5000, Math.round(1.25e9 / (2 * n ** 3))));

/** ms per `c = a·b` at n×n with `threads` (0 = all), averaged over `matmulCalls(n)` calls. */
export function matmulMs(sinew, n, threads) {
  let m = mats.get(n);
  if (!m) {
    m = [sinew.tensor(new Float32Array(n * n).fill(0.5), [n, n]), sinew.tensor(new Float32Array(n * n).fill(0.25), [n, n])];
    mats.set(n, m);
  }
  const calls = matmulCalls(n);
  sinew.setNumThreads(threads);
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) sinew.matmul(m[0], m[1]).dispose();
  const ms = (performance.now() - t0) / calls;
  sinew.setNumThreads(0);
  return ms;
}

/**
 * The pool's per-thread counters over one profiled run (a fit epoch, or
 * `calls` matmuls when `name` is a number), with `threads` (0 = all).
 */
export async function profile(sinew, name, threads) {
  sinew.threadPoolStats({ reset: true, profile: true });
  let steps;
  if (typeof name === 'number') {
    matmulMs(sinew, name, threads);
    steps = matmulCalls(name);
  } else {
    await fitStepMs(sinew, name, threads);
    const spec = FIT_WORKLOADS[name];
    steps = Math.ceil(spec.samples / spec.batch);
  }
  const stats = sinew.threadPoolStats({ reset: true, profile: false });
  return { steps, stats };
}
