/**
 * The training loop. Per batch: two row gathers, one call per layer, one
 * fused loss, one backward walk, one fused optimizer update, one scalar read
 * per metric — a handful of engine calls whatever the model size.
 */
import { call } from '../engine/backend.js';
import { environment } from '../engine/detect.js';
import { tidy } from '../engine/scope.js';
import { InvalidArgumentError, NotInitializedError, ShapeError } from '../errors.js';
import { Dense } from '../layers/core.js';
import { binaryCrossentropy } from '../losses.js';
import { wrap } from '../ops/handle.js';
import { tensor } from '../ops/create.js';
import { add, mul, sigmoid, softmax, softmaxCrossEntropy } from '../ops/math.js';
import { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { Callback, CustomCallback, History, type CallbackHandlers, type Logs } from '../callbacks/callback.js';
import { ProgressBar } from '../callbacks/progress-bar.js';
import type { Compiled, Sequential } from './sequential.js';
import { sliceRows } from './sequential.js';

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Fraction of the samples (taken from the end, before shuffling) held out for validation. */
  validationSplit?: number;
  validationData?: [Tensor, Tensor];
  callbacks?: Callback | CallbackHandlers | (Callback | CallbackHandlers)[];
  /** 1: progress bar per epoch in Node; 0: silent (default 1 in Node, 0 in browsers). */
  verbose?: 0 | 1;
  /** Seed for shuffling (reproducible epochs). */
  seed?: number;
  /** Epoch to start counting from (for resumed training). */
  initialEpoch?: number;
  /** Milliseconds between yields to the event loop during an epoch (browsers: keeps UIs responsive). */
  yieldEvery?: number;
}

interface StepResult {
  loss: Tensor;
  /** Predictions, or logits when the last activation was fused into the loss. */
  output: Tensor;
  logits: 'softmax' | 'sigmoid' | null;
}

/** Forward pass and loss. A softmax/sigmoid output layer feeding the matching cross-entropy is fused (stable and cheaper). */
function forward(model: Sequential, c: Compiled, x: Tensor, y: Tensor, training: boolean): StepResult {
  const layers = model.layers;
  const last = layers[layers.length - 1]!;
  let h = x;
  for (const l of layers.slice(0, -1)) h = l.apply(h, training);
  let res: StepResult;
  if (last instanceof Dense && last.activation === 'softmax' && (c.lossName === 'categoricalCrossentropy' || c.lossName === 'sparseCategoricalCrossentropy')) {
    const logits = last.preActivation(h);
    res = { loss: softmaxCrossEntropy(logits, y), output: logits, logits: 'softmax' };
  } else if (last instanceof Dense && last.activation === 'sigmoid' && c.lossName === 'binaryCrossentropy') {
    const logits = last.preActivation(h);
    res = { loss: binaryCrossentropy(y, logits, true), output: logits, logits: 'sigmoid' };
  } else {
    const out = last.apply(h, training);
    res = { loss: c.loss(y, out), output: out, logits: null };
  }
  if (training) {
    for (const penalty of layers.flatMap((l) => l.regularizationLosses())) res.loss = add(res.loss, penalty);
  }
  return res;
}

/** Metric values of one batch (numbers). */
function metricValues(c: Compiled, y: Tensor, r: StepResult): Logs {
  const logs: Logs = {};
  for (const m of c.metrics) {
    let v: Tensor;
    if (m.accuracy && r.logits) {
      // argmax(logits) = argmax(softmax); logit > 0 ⇔ sigmoid > 0.5.
      const [ip, iy] = [r.output.id, y.id];
      const kind = m.accuracy;
      const correct = wrap(call((g) => g.op_accuracy(ip, iy, kind, r.logits === 'sigmoid' ? 0 : 0.5)));
      const n = kind === 'binary' ? r.output.size : r.output.shape[0]!;
      v = mul(correct, 1 / Math.max(1, n));
    } else {
      const probs = r.logits === 'softmax' ? softmax(r.output) : r.logits === 'sigmoid' ? sigmoid(r.output) : r.output;
      v = m.fn(y, probs);
    }
    logs[m.key] = v.dataSync()[0]!;
  }
  return logs;
}

/** Labels in the form the loss needs (sparse losses want int32 class indices [n]). */
function prepareLabels(model: Sequential, c: Compiled, y: Tensor, what: string): { y: Tensor; owned: boolean } {
  const out = model.outputShape.slice(1);
  if (c.lossName === 'sparseCategoricalCrossentropy') {
    if (!(y.rank === 1 || (y.rank === 2 && y.shape[1] === 1))) {
      throw new ShapeError(`${model.name}.fit: sparseCategoricalCrossentropy needs class indices of shape [n], got ${what} [${y.shape.join(',')}]`);
    }
    if (y.dtype === 'int32' && y.rank === 1) return { y, owned: false };
    return { y: tensor(y.dataSync(), [y.shape[0]!], 'int32'), owned: true };
  }
  const got = y.shape.slice(1);
  if (y.dtype !== 'float32' || got.length !== out.length || got.some((d, i) => d !== out[i])) {
    const hint = c.lossName === 'categoricalCrossentropy' && y.rank === 1 ? ' (class indices need sparseCategoricalCrossentropy, or one-hot them)' : '';
    throw new ShapeError(`${model.name}.fit: ${what} must be float32 of shape [n,${out.join(',')}] to match the model output, got ${y.dtype} [${y.shape.join(',')}]${hint}`);
  }
  return { y, owned: false };
}

function checkData(model: Sequential, op: string, x: Tensor, y: Tensor): void {
  model.checkInput(op, x);
  if (y.shape[0] !== x.shape[0]) {
    throw new ShapeError(`${model.name}.${op}: x has ${x.shape[0]} samples but y has ${y.shape[0]}`);
  }
  for (const [t, what] of [[x, 'x'], [y, 'y']] as const) {
    const id = t.id;
    const bad = call((g) => g.tensor_count_non_finite(id));
    if (bad > 0) throw new InvalidArgumentError(`${model.name}.${op}: ${what} contains ${bad} NaN or infinite value(s)`);
  }
}

export function evaluateBatches(model: Sequential, x: Tensor, y: Tensor, batchSize: number): Record<string, number> {
  const c = model.compiled;
  if (!c) throw new NotInitializedError(`${model.name}.evaluate: call compile() first`);
  checkData(model, 'evaluate', x, y);
  const labels = prepareLabels(model, c, y, 'y');
  try {
    const n = x.shape[0]!;
    const sums: Logs = {};
    for (let s = 0; s < n; s += batchSize) {
      const count = Math.min(batchSize, n - s);
      tidy(() => {
        const xb = n <= batchSize ? x : sliceRows(x, s, count);
        const yb = n <= batchSize ? labels.y : sliceRows(labels.y, s, count);
        const r = forward(model, c, xb, yb, false);
        const logs = { loss: r.loss.dataSync()[0]!, ...metricValues(c, yb, r) };
        for (const [k, v] of Object.entries(logs)) sums[k] = (sums[k] ?? 0) + v * count;
      });
    }
    return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / n]));
  } finally {
    if (labels.owned) labels.y.dispose();
  }
}

const nextTick = () => new Promise<void>((r) => setTimeout(r, 0));

export async function fit(model: Sequential, xIn: Tensor, yIn: Tensor, args: FitArgs): Promise<History> {
  const c = model.compiled;
  if (!c) throw new NotInitializedError(`${model.name}.fit: call compile() first`);
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new InvalidArgumentError(`${model.name}.fit: epochs must be a non-negative integer, got ${epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new InvalidArgumentError(`${model.name}.fit: batchSize must be a positive integer, got ${batchSize}`);
  const split = args.validationSplit ?? 0;
  if (!(split >= 0 && split < 1)) throw new InvalidArgumentError(`${model.name}.fit: validationSplit must be in [0, 1), got ${split}`);
  checkData(model, 'fit', xIn, yIn);

  const owned: Tensor[] = [];
  let x: Tensor, y: Tensor;
  let val: [Tensor, Tensor] | null = null;
  // Label copies and validation slices made before training are freed if a later check throws.
  try {
    const labelsAll = prepareLabels(model, c, yIn, 'y');
    if (labelsAll.owned) owned.push(labelsAll.y);
    x = xIn;
    y = labelsAll.y;
    if (args.validationData) {
      const [vx, vy] = args.validationData;
      checkData(model, 'fit (validationData)', vx, vy);
      const vl = prepareLabels(model, c, vy, 'validation y');
      if (vl.owned) owned.push(vl.y);
      val = [vx, vl.y];
    } else if (split > 0) {
      const total = xIn.shape[0]!;
      const nVal = Math.floor(total * split);
      if (nVal < 1 || nVal >= total) throw new InvalidArgumentError(`${model.name}.fit: validationSplit ${split} leaves no training or no validation samples out of ${total}`);
      x = sliceRows(xIn, 0, total - nVal);
      y = sliceRows(labelsAll.y, 0, total - nVal);
      val = [sliceRows(xIn, total - nVal, nVal), sliceRows(labelsAll.y, total - nVal, nVal)];
      owned.push(x, y, ...val);
    }
  } catch (e) {
    for (const t of owned) t.dispose();
    throw e;
  }

  const n = x.shape[0]!;
  const batches = Math.ceil(n / batchSize);
  const history = new History();
  const verbose = args.verbose ?? (environment() === 'node' ? 1 : 0);
  const cbs: Callback[] = [history];
  if (verbose) cbs.push(new ProgressBar({ epochs, batches, samples: n }));
  const user = args.callbacks === undefined ? [] : Array.isArray(args.callbacks) ? args.callbacks : [args.callbacks];
  for (const cb of user) cbs.push(cb instanceof Callback ? cb : new CustomCallback(cb));
  for (const cb of cbs) cb.setModel(model);

  const vars = model.trainableWeights;
  const varIds = Uint32Array.from(vars.map((v) => v.id));
  const yieldEvery = args.yieldEvery ?? (environment() === 'node' ? Infinity : 100);
  model.stopTraining = false;
  try {
    for (const cb of cbs) await cb.onTrainBegin();
    const first = args.initialEpoch ?? 0;
    for (let epoch = first; epoch < first + epochs && !model.stopTraining; epoch++) {
      for (const cb of cbs) await cb.onEpochBegin(epoch);
      const seed = args.seed === undefined ? undefined : args.seed + epoch;
      const perm = args.shuffle === false ? tensor(Int32Array.from({ length: n }, (_, i) => i), [n], 'int32') : wrap(call((g) => g.random_permutation(n, seed)));
      const sums: Logs = {};
      let lastYield = performance.now();
      try {
        for (let b = 0; b < batches; b++) {
          const start = b * batchSize;
          const count = Math.min(batchSize, n - start);
          for (const cb of cbs) await cb.onBatchBegin(b);
          const logs = tidy(() => trainStep(model, c, x, y, perm, start, count, vars, varIds));
          for (const [k, v] of Object.entries(logs)) sums[k] = (sums[k] ?? 0) + v * count;
          if (!Number.isFinite(logs.loss!)) {
            throw new InvalidArgumentError(`${model.name}.fit: the loss became ${logs.loss} at epoch ${epoch + 1}, batch ${b + 1}; lower the learning rate or check the data`);
          }
          for (const cb of cbs) await cb.onBatchEnd(b, { ...logs, batch: b, size: count });
          if (performance.now() - lastYield > yieldEvery) {
            await nextTick();
            lastYield = performance.now();
          }
        }
      } finally {
        perm.dispose();
      }
      const epochLogs: Logs = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / n]));
      if (val) {
        for (const [k, v] of Object.entries(evaluateBatches(model, val[0], val[1], Math.max(batchSize, 256)))) epochLogs[`val_${k}`] = v;
      }
      for (const cb of cbs) await cb.onEpochEnd(epoch, epochLogs);
      await nextTick();
    }
    for (const cb of cbs) await cb.onTrainEnd();
  } finally {
    for (const t of owned) t.dispose();
  }
  return history;
}

function trainStep(model: Sequential, c: Compiled, x: Tensor, y: Tensor, perm: Tensor, start: number, count: number, vars: Variable[], varIds: Uint32Array): Logs {
  const [ix, iy, ip] = [x.id, y.id, perm.id];
  const xb = wrap(call((g) => g.op_take_rows(ix, ip, start, count)));
  const yb = wrap(call((g) => g.op_take_rows(iy, ip, start, count)));
  call((g) => g.tape_start());
  let r: StepResult;
  let gradIds: Uint32Array;
  try {
    r = forward(model, c, xb, yb, true);
    const lossId = r.loss.id;
    gradIds = call((g) => g.tape_backward(lossId, varIds, undefined));
  } finally {
    call((g) => g.tape_end());
  }
  const used = vars.filter((_, i) => gradIds[i] !== 0);
  const grads = Array.from(gradIds).filter((id) => id !== 0).map((id) => new Tensor(id));
  c.optimizer.applyGradients(used, grads);
  return { loss: r.loss.dataSync()[0]!, ...metricValues(c, yb, r) };
}
