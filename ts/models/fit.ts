/**
 * The training loop, for any model (a Sequential is the one-chain case). Per
 * batch: one row gather per input and per target, one call per layer, one
 * (fused) loss per output, one backward walk, one fused optimizer update, one
 * scalar read per loss and metric — a handful of engine calls whatever the
 * model size.
 */
import { recordGradients } from '../autograd.js';
import { environment } from '../engine/detect.js';
import { tidy } from '../engine/scope.js';
import { InvalidArgumentError, NotInitializedError, ShapeError } from '../errors.js';
import { checkOptions } from '../options.js';
import { binaryCrossentropy } from '../losses.js';
import { randomPermutation, tensor } from '../ops/create.js';
import { gather, reshape, sliceRows } from '../ops/layout.js';
import { add, max, min, mul, sigmoid, softmax, softmaxCrossEntropy, sum } from '../ops/math.js';
import { accuracy, allFinite, countNonFinite, takeRows } from '../ops/nn.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { Callback, CustomCallback, History, type CallbackHandlers, type Logs } from '../callbacks/callback.js';
import { ProgressBar } from '../callbacks/progress-bar.js';
import { logKey, type Compiled, type CompiledOutput } from './compile.js';
import type { FusableActivation, LayersModel, OutputValue, TensorsArg } from './functional.js';

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Fraction of the samples (taken from the end, before shuffling) held out for validation. */
  validationSplit?: number;
  /** `[x, y]`, each in any form `fit` takes. */
  validationData?: [TensorsArg, TensorsArg];
  callbacks?: Callback | CallbackHandlers | (Callback | CallbackHandlers)[];
  /** 1: progress bar per epoch in Node; 0: silent (default 1 in Node, 0 in browsers). */
  verbose?: 0 | 1;
  /** Seed for shuffling (reproducible epochs). */
  seed?: number;
  /** Epoch to start counting from (for resumed training). */
  initialEpoch?: number;
  /**
   * When to yield to the event loop during an epoch (browsers: keeps UIs
   * responsive): milliseconds between yields, or TF.js's `'auto'` (the
   * default: never in Node, every 100 ms elsewhere), `'batch'`, `'epoch'`,
   * `'never'` (`fit` always yields between epochs).
   */
  yieldEvery?: number | 'auto' | 'batch' | 'epoch' | 'never';
}

/** The options `fit` implements; others (TF.js's classWeight, sampleWeight, stepsPerEpoch, ...) are rejected. */
const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'callbacks', 'verbose', 'seed', 'initialEpoch', 'yieldEvery'] satisfies (keyof FitArgs)[];

/** Milliseconds between yields for a `yieldEvery` option. */
export function yieldInterval(where: string, v: FitArgs['yieldEvery']): number {
  if (v === undefined || v === 'auto') return environment() === 'node' ? Infinity : 100;
  if (v === 'batch') return 0;
  if (v === 'epoch' || v === 'never') return Infinity;
  if (typeof v === 'number' && v >= 0) return v;
  throw new InvalidArgumentError(`${where}: yieldEvery must be a number of milliseconds ≥ 0, 'auto', 'batch', 'epoch' or 'never', got ${JSON.stringify(v)}`);
}

/** A model's data as lists: inputs in input order, targets in output order (the form the loss needs). */
export interface Data {
  xs: Tensor[];
  ys: Tensor[];
}

type StepResult = {
  loss: Tensor;
  /**
   * Per output: its loss, its labels and predictions (or logits when the
   * activation was fused into the loss) as the loss and metrics saw them —
   * with a mask, only the real steps, as rows — and `steps`, the number of
   * real steps (null without a mask).
   */
  outputs: (OutputValue & { loss: Tensor; y: Tensor; steps: number | null })[];
};

/** @internal A batch's loss and metric values, and the weight of each in an epoch's mean. */
export type BatchLogs = {
  logs: Logs;
  /** Batch size for losses; real steps for the metrics of a masked output (Keras weights metrics by the mask). */
  weights: Record<string, number>;
};

/** @internal Running means of batch values over an epoch (or an evaluation), each weighted as `BatchLogs` says. */
export class WeightedMeans {
  readonly #sums: Logs = {};
  readonly #weights: Record<string, number> = {};

  add(b: BatchLogs): void {
    for (const [k, v] of Object.entries(b.logs)) {
      const w = b.weights[k]!;
      this.#sums[k] = (this.#sums[k] ?? 0) + v * w;
      this.#weights[k] = (this.#weights[k] ?? 0) + w;
    }
  }

  /** The means; 0 for a metric that saw no real step at all (Keras's divide_no_nan). */
  means(): Logs {
    return Object.fromEntries(Object.entries(this.#weights).map(([k, w]) => [k, w > 0 ? this.#sums[k]! / w : 0]));
  }
}

/**
 * Labels and predictions of a masked output (`[batch, steps, ...]`, mask
 * `[batch, steps]`) at its real steps only, as rows `[realSteps, ...]`: the
 * loss is then the mean over real steps (Keras: Σ loss·mask / Σ mask) and
 * metrics count real steps. One read of the mask per batch.
 */
function realStepRows(y: Tensor, output: Tensor, mask: Tensor): { y: Tensor; output: Tensor; steps: number } {
  const [b, steps] = mask.shape as [number, number];
  if (output.rank < 3 || output.shape[0] !== b || output.shape[1] !== steps || y.shape[0] !== b || y.shape[1] !== steps) {
    throw new ShapeError(`the mask [${mask.shape.join(',')}] does not match the output [${output.shape.join(',')}] and labels [${y.shape.join(',')}]: a masked output has one row per step`);
  }
  const m = mask.dataSync();
  const keep: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) keep.push(i);
  if (keep.length === m.length) return { y, output, steps: keep.length };
  const rowsOf = (t: Tensor) => reshape(t, [b * steps, ...t.shape.slice(2)]);
  const idx = tensor(Int32Array.from(keep), [keep.length], 'int32');
  return { y: gather(rowsOf(y), idx), output: gather(rowsOf(output), idx), steps: keep.length };
}

/** The activation whose logits `loss` takes fused (stable and cheaper), if any. */
function fusedLossActivation(loss: CompiledOutput['lossName']): FusableActivation {
  if (loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') return 'softmax';
  return loss === 'binaryCrossentropy' ? 'sigmoid' : null;
}

/**
 * Forward pass and losses: the total is Σ weight·loss over the outputs (plus
 * regularization while training). A softmax/sigmoid output layer feeding the
 * matching cross-entropy gives its logits to a fused loss.
 */
/**
 * A softmax output of rank > 2 (one distribution per time step, as a
 * sequence model's) as rows of the fused loss: labels and logits become
 * [rows, classes] (int32 labels [rows]), so the loss is the mean over every
 * step of every sample, as in Keras.
 */
function perStepRows(y: Tensor, logits: Tensor): [Tensor, Tensor] {
  if (logits.rank <= 2) return [y, logits];
  const classes = logits.shape[logits.rank - 1]!;
  return [y.dtype === 'int32' ? reshape(y, [-1]) : reshape(y, [-1, classes]), reshape(logits, [-1, classes])];
}

/** @internal Every output's loss (and metrics) for one batch, on the gradient tape when training. */
export function forward(model: LayersModel, c: Compiled, d: Data, training: boolean): StepResult {
  const outs = model.runForLoss(d.xs, training, c.outputs.map((o) => fusedLossActivation(o.lossName)));
  const outputs = outs.map((r, i) => {
    const o = c.outputs[i]!;
    const { y, output, steps } = r.mask ? realStepRows(d.ys[i]!, r.output, r.mask) : { y: d.ys[i]!, output: r.output, steps: null };
    let loss: Tensor;
    if (steps === 0) loss = mul(sum(r.output), 0); // all padding: loss 0 and zero gradients, as Keras's divide_no_nan
    else if (r.logits === 'softmax') loss = softmaxCrossEntropy(...perStepRows(y, output));
    else loss = r.logits === 'sigmoid' ? binaryCrossentropy(y, output, true) : o.loss(y, output);
    return { ...r, output, y, steps, loss };
  });
  let total = outputs
    .map((r, i) => (c.outputs[i]!.weight === 1 ? r.loss : mul(r.loss, c.outputs[i]!.weight)))
    .reduce((a, b) => add(a, b));
  if (training) {
    for (const penalty of model.regularizationLosses()) total = add(total, penalty);
  }
  return { loss: total, outputs };
}

/** @internal Loss and metric values of one batch (numbers), keyed as in History, with their weights in an epoch's mean. */
export function batchLogs(c: Compiled, d: Data, r: StepResult): BatchLogs {
  const count = d.xs[0]!.shape[0]!;
  const logs: Logs = { loss: r.loss.dataSync()[0]! };
  const weights: Record<string, number> = { loss: count };
  c.outputs.forEach((o, i) => {
    const out = r.outputs[i]!;
    const y = out.y;
    if (c.outputs.length > 1) {
      logs[logKey(c, o, 'loss')] = out.loss.dataSync()[0]!;
      weights[logKey(c, o, 'loss')] = count;
    }
    for (const m of o.metrics) {
      weights[logKey(c, o, m.key)] = out.steps ?? count;
      if (out.steps === 0) {
        logs[logKey(c, o, m.key)] = 0; // no real step: 0 with weight 0, as Keras's divide_no_nan
        continue;
      }
      let v: Tensor;
      if (m.accuracy && out.logits) {
        // argmax(logits) = argmax(softmax); logit > 0 ⇔ sigmoid > 0.5.
        v = accuracy(y, out.output, m.accuracy, out.logits === 'sigmoid' ? 0 : 0.5);
      } else {
        const probs = out.logits === 'softmax' ? softmax(out.output) : out.logits === 'sigmoid' ? sigmoid(out.output) : out.output;
        v = m.fn(y, probs);
      }
      logs[logKey(c, o, m.key)] = v.dataSync()[0]!;
    }
  });
  return { logs, weights };
}

/** Smallest and largest value of `t` (which has at least one value). */
export function valueRange(t: Tensor): [number, number] {
  if (t.dtype === 'int32') {
    // Math ops refuse int32; class indices are one value per sample, cheap to scan here.
    let lo = Infinity, hi = -Infinity;
    for (const v of t.dataSync()) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  }
  return tidy(() => [min(t).dataSync()[0]!, max(t).dataSync()[0]!] as [number, number]);
}

/**
 * Labels in the form output `i`'s loss needs (sparse losses want int32 class
 * indices [n]), checked whole before training starts: a bad label found at
 * batch 5 would leave batches 1-4 applied.
 */
function prepareLabels(model: LayersModel, o: CompiledOutput, i: number, y: Tensor, what: string): { y: Tensor; owned: boolean } {
  const out = model.outputs[i]!.shape.slice(1);
  const which = model.outputs.length > 1 ? `${what} for output '${o.name}'` : what;
  if (o.lossName === 'sparseCategoricalCrossentropy') {
    // One class index per distribution: [n] (or [n, 1]) for an output
    // [n, classes], [n, steps] (or [n, steps, 1]) for [n, steps, classes].
    const want = out.slice(0, -1);
    const got = y.shape.slice(1);
    const fits = (g: readonly number[]) => g.length === want.length && g.every((d, j) => want[j] === null || d === want[j]);
    if (!(fits(got) || (got.at(-1) === 1 && fits(got.slice(0, -1))))) {
      throw new ShapeError(`${model.name}.fit: sparseCategoricalCrossentropy needs class indices of shape [n${want.map((d) => `,${d ?? '?'}`).join('')}], got ${which} [${y.shape.join(',')}]`);
    }
    const classes = out[out.length - 1];
    if (y.size > 0 && typeof classes === 'number') {
      const [lo, hi] = valueRange(y);
      if (lo < 0 || hi >= classes) {
        throw new InvalidArgumentError(`${model.name}: ${which} holds class index ${lo < 0 ? lo : hi}, outside [0, ${classes - 1}] for the model's ${classes} outputs`);
      }
    }
    const shape = [y.shape[0]!, ...got.slice(0, want.length)];
    if (y.dtype === 'int32' && y.rank === shape.length) return { y, owned: false };
    return { y: tensor(y.dataSync(), shape, 'int32'), owned: true };
  }
  if (o.lossName === 'binaryCrossentropy' && y.size > 0) {
    const [lo, hi] = valueRange(y);
    if (lo < 0 || hi > 1) throw new InvalidArgumentError(`${model.name}: binaryCrossentropy needs ${which} in [0, 1], got values from ${lo} to ${hi}`);
  }
  const got = y.shape.slice(1);
  if (y.dtype !== 'float32' || got.length !== out.length || got.some((d, j) => out[j] !== null && d !== out[j])) {
    const hint = o.lossName === 'categoricalCrossentropy' && y.rank === 1 ? ' (class indices need sparseCategoricalCrossentropy, or one-hot them)' : '';
    throw new ShapeError(`${model.name}.fit: ${which} must be float32 of shape [n,${out.map((d) => d ?? 'any').join(',')}] to match the model output, got ${y.dtype} [${y.shape.join(',')}]${hint}`);
  }
  return { y, owned: false };
}

/**
 * @internal Inputs and labels as lists, checked (shapes, sample counts, no NaN) and
 * converted for the losses. Label copies it makes are pushed to `owned`.
 */
export function prepareData(model: LayersModel, c: Compiled, op: string, x: TensorsArg, y: TensorsArg, owned: Tensor[]): Data {
  const xs = model.normalizeInputs(op, x);
  const ysIn = model.normalizeTargets(op, y);
  const n = xs[0]!.shape[0];
  ysIn.forEach((t, i) => {
    if (t.shape[0] !== n) throw new ShapeError(`${model.name}.${op}: x has ${n} samples but y${ysIn.length > 1 ? ` for output '${model.outputNames[i]}'` : ''} has ${t.shape[0]}`);
  });
  for (const [list, what] of [[xs, 'x'], [ysIn, 'y']] as const) {
    for (const t of list) {
      const bad = countNonFinite(t);
      if (bad > 0) throw new InvalidArgumentError(`${model.name}.${op}: ${what} contains ${bad} NaN or infinite value(s)`);
    }
  }
  const ys = ysIn.map((t, i) => {
    const p = prepareLabels(model, c.outputs[i]!, i, t, op.includes('validation') ? 'validation y' : 'y');
    if (p.owned) owned.push(p.y);
    return p.y;
  });
  return { xs, ys };
}

const rows = (d: Data, start: number, count: number): Data => ({
  xs: d.xs.map((t) => sliceRows(t, start, count)),
  ys: d.ys.map((t) => sliceRows(t, start, count)),
});

/** `batchSize` as `fit`, `evaluate` and `predict` need it: 0 or NaN would loop forever or return nothing. */
export function checkBatchSize(model: { name: string }, op: string, batchSize: unknown): number {
  if (!(Number.isInteger(batchSize) && (batchSize as number) >= 1)) {
    throw new InvalidArgumentError(`${model.name}.${op}: batchSize must be a positive integer, got ${String(batchSize)}`);
  }
  return batchSize as number;
}

export function evaluateBatches(model: LayersModel, x: TensorsArg, y: TensorsArg, batchSize: number): Record<string, number> {
  const c = model.compiled;
  if (!c) throw new NotInitializedError(`${model.name}.evaluate: call compile() first`);
  checkBatchSize(model, 'evaluate', batchSize);
  const owned: Tensor[] = [];
  try {
    const d = prepareData(model, c, 'evaluate', x, y, owned);
    if (d.xs[0]!.shape[0] === 0) throw new InvalidArgumentError(`${model.name}.evaluate: x has no samples (a loss over 0 samples is undefined)`);
    return evaluateData(model, c, d, batchSize);
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** @internal Mean loss and metrics over `d`, in batches of `batchSize`. */
export function evaluateData(model: LayersModel, c: Compiled, d: Data, batchSize: number): Record<string, number> {
  const n = d.xs[0]!.shape[0]!;
  const means = new WeightedMeans();
  for (let s = 0; s < n; s += batchSize) {
    const count = Math.min(batchSize, n - s);
    tidy(() => {
      const b = n <= batchSize ? d : rows(d, s, count);
      means.add(batchLogs(c, b, forward(model, c, b, false)));
    });
  }
  return means.means();
}

export const nextTick = () => new Promise<void>((r) => setTimeout(r, 0));

export async function fit(model: LayersModel, xIn: TensorsArg, yIn: TensorsArg, args: FitArgs): Promise<History> {
  const c = model.compiled;
  if (!c) throw new NotInitializedError(`${model.name}.fit: call compile() first`);
  checkOptions(`${model.name}.fit`, args, FIT_OPTIONS);
  const yieldEvery = yieldInterval(`${model.name}.fit`, args.yieldEvery);
  if (model.isTraining) throw new InvalidArgumentError(`${model.name}.fit: this model is already training (await the running fit before starting another)`);
  model.isTraining = true;
  try {
    return await fitUnguarded(model, c, xIn, yIn, args, yieldEvery);
  } finally {
    model.isTraining = false;
  }
}

async function fitUnguarded(model: LayersModel, c: Compiled, xIn: TensorsArg, yIn: TensorsArg, args: FitArgs, yieldEvery: number): Promise<History> {
  const epochs = args.epochs ?? 1;
  const batchSize = args.batchSize ?? 32;
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new InvalidArgumentError(`${model.name}.fit: epochs must be a non-negative integer, got ${epochs}`);
  checkBatchSize(model, 'fit', batchSize);
  const split = args.validationSplit ?? 0;
  if (!(split >= 0 && split < 1)) throw new InvalidArgumentError(`${model.name}.fit: validationSplit must be in [0, 1), got ${split}`);

  const owned: Tensor[] = [];
  let train: Data;
  let val: Data | null = null;
  // Label copies and validation slices made before training are freed if a later check throws.
  try {
    const all = prepareData(model, c, 'fit', xIn, yIn, owned);
    train = all;
    if (args.validationData) {
      const [vx, vy] = args.validationData;
      val = prepareData(model, c, 'fit (validationData)', vx, vy, owned);
    } else if (split > 0) {
      const total = all.xs[0]!.shape[0]!;
      const nVal = Math.floor(total * split);
      if (nVal < 1 || nVal >= total) throw new InvalidArgumentError(`${model.name}.fit: validationSplit ${split} leaves no training or no validation samples out of ${total}`);
      train = rows(all, 0, total - nVal);
      val = rows(all, total - nVal, nVal);
      owned.push(...train.xs, ...train.ys, ...val.xs, ...val.ys);
    }
  } catch (e) {
    for (const t of owned) t.dispose();
    throw e;
  }

  const n = train.xs[0]!.shape[0]!;
  const batches = Math.ceil(n / batchSize);
  const history = new History();
  const verbose = args.verbose ?? (environment() === 'node' ? 1 : 0);
  const cbs = callbackList(model, history, args.callbacks, verbose ? new ProgressBar({ epochs, batches, samples: n }) : null);

  const vars = model.trainableWeights;
  model.stopTraining = false;
  try {
    for (const cb of cbs) await cb.onTrainBegin();
    const first = args.initialEpoch ?? 0;
    for (let epoch = first; epoch < first + epochs && !model.stopTraining; epoch++) {
      for (const cb of cbs) await cb.onEpochBegin(epoch);
      const seed = args.seed === undefined ? undefined : args.seed + epoch;
      const perm = args.shuffle === false ? tensor(Int32Array.from({ length: n }, (_, i) => i), [n], 'int32') : randomPermutation(n, seed);
      const means = new WeightedMeans();
      let lastYield = performance.now();
      try {
        for (let b = 0; b < batches; b++) {
          const start = b * batchSize;
          const count = Math.min(batchSize, n - start);
          for (const cb of cbs) await cb.onBatchBegin(b);
          const { logs, weights, applied } = tidy(() => trainStep(model, c, train, perm, start, count, vars));
          means.add({ logs, weights });
          for (const cb of cbs) await cb.onBatchEnd(b, { ...logs, batch: b, size: count });
          if (!applied) {
            // The step was not applied. A callback such as TerminateOnNaN may
            // stop training here; otherwise this is an error.
            if (model.stopTraining) break;
            throw notApplied(model, 'fit', logs, epoch, b);
          }
          if (performance.now() - lastYield >= yieldEvery) {
            await nextTick();
            lastYield = performance.now();
          }
        }
      } finally {
        perm.dispose();
      }
      const epochLogs: Logs = means.means();
      if (val) {
        for (const [k, v] of Object.entries(evaluateData(model, c, val, Math.max(batchSize, 256)))) epochLogs[`val_${k}`] = v;
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

/**
 * The user's callbacks (objects of functions wrapped), then History and the
 * progress bar if any, each given the model. Keras's order: History and the
 * progress bar come last, so they record what callbacks add to the epoch's
 * logs (ReduceLROnPlateau's `lr`).
 */
export function callbackList(model: LayersModel, history: History, user: FitArgs['callbacks'], progress: Callback | null): Callback[] {
  const list = user === undefined ? [] : Array.isArray(user) ? user : [user];
  const cbs: Callback[] = list.map((cb) => (cb instanceof Callback ? cb : new CustomCallback(cb)));
  cbs.push(history);
  if (progress) cbs.push(progress);
  for (const cb of cbs) cb.setModel(model);
  return cbs;
}

/** The error for a step that was not applied (non-finite loss or gradients). */
export function notApplied(model: LayersModel, op: string, logs: Logs, epoch: number, batch: number): InvalidArgumentError {
  const what = Number.isFinite(logs.loss!) ? 'a gradient became NaN or infinite' : `the loss became ${logs.loss}`;
  return new InvalidArgumentError(
    `${model.name}.${op}: ${what} at epoch ${epoch + 1}, batch ${batch + 1}; lower the learning rate or check the data. That step was not applied: the weights are those before it (the TerminateOnNaN callback stops training here instead of throwing)`,
  );
}

/** One step on rows `perm[start .. start+count]` of `d`. */
function trainStep(model: LayersModel, c: Compiled, d: Data, perm: Tensor, start: number, count: number, vars: Variable[]): BatchLogs & { applied: boolean } {
  const take = (t: Tensor) => takeRows(t, perm, start, count);
  return trainBatch(model, c, { xs: d.xs.map(take), ys: d.ys.map(take) }, vars);
}

/** @internal One step on `batch`; a step whose loss or gradients are not finite is not applied. */
export function trainBatch(model: LayersModel, c: Compiled, batch: Data, vars: Variable[]): BatchLogs & { applied: boolean } {
  const { result: r, grads } = recordGradients(() => forward(model, c, batch, true), (r) => r.loss, vars);
  const used = vars.filter((_, i) => grads[i] !== null);
  const present = grads.filter((g): g is Tensor => g !== null);
  const { logs, weights } = batchLogs(c, batch, r);
  const applied = Number.isFinite(logs.loss!) && allFinite(present);
  if (applied) c.optimizer.applyGradients(used, present);
  return { logs, weights, applied };
}
