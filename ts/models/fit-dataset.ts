/**
 * `fitDataset` / `evaluateDataset`: training and evaluation from a streaming
 * `data.Dataset` (TF.js semantics). Each element is one batch, `{ xs, ys }`
 * or `[xs, ys]` (each a tensor, a list, or an object keyed by input / output
 * name); it is pulled when the previous step is done and its tensors are
 * disposed after the step, so only the batches in flight are in memory.
 */
import { tidy } from '../engine/scope.js';
import { InvalidArgumentError, NotInitializedError } from '../errors.js';
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import { Tensor as TensorClass } from '../tensor.js';
import { History, type Callback, type Logs } from '../callbacks/callback.js';
import { Dataset } from '../data/dataset.js';
import { batchLogs, callbackList, evaluateBatches, forward, nextTick, notApplied, prepareData, trainBatch, WeightedMeans, yieldInterval, type FitArgs } from './fit.js';
import type { LayersModel, TensorsArg } from './functional.js';

export interface FitDatasetArgs {
  /** Passes over the data (TF.js requires it; default 1 here). */
  epochs?: number;
  /**
   * Batches per epoch. Without it an epoch is one pass over the dataset (a new
   * iterator each epoch); with it one iterator runs on across epochs, and
   * training stops with a warning if it runs out (as TF.js). Needed for an endless dataset.
   */
  batchesPerEpoch?: number;
  /** `[x, y]` tensors, or a dataset of batches like the training one. */
  validationData?: [TensorsArg, TensorsArg] | Dataset<unknown>;
  /** Batches of a validation dataset per evaluation (default: all of it). */
  validationBatches?: number;
  callbacks?: FitArgs['callbacks'];
  /** Only 0: `fitDataset` prints no progress (use a callback). */
  verbose?: 0;
  initialEpoch?: number;
  yieldEvery?: FitArgs['yieldEvery'];
}

export interface EvaluateDatasetArgs {
  /** Batches to evaluate (default: the whole dataset). */
  batches?: number;
  /** Only 0: evaluation prints nothing. */
  verbose?: 0;
}

const OPTIONS = ['epochs', 'batchesPerEpoch', 'validationData', 'validationBatches', 'callbacks', 'verbose', 'initialEpoch', 'yieldEvery'] satisfies (keyof FitDatasetArgs)[];

function positiveInt(model: LayersModel, op: string, name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (!(Number.isInteger(v) && (v as number) >= 1)) throw new InvalidArgumentError(`${model.name}.${op}: ${name} must be a positive integer, got ${String(v)}`);
  return v as number;
}

function checkDataset(model: LayersModel, op: string, ds: unknown): asserts ds is Dataset<unknown> {
  if (!(ds instanceof Dataset)) throw new InvalidArgumentError(`${model.name}.${op}: expected a sinew.data Dataset, got ${ds === null ? 'null' : typeof ds}`);
}

/** An element's `[x, y]`. */
function xy(model: LayersModel, op: string, el: unknown): [TensorsArg, TensorsArg] {
  if (Array.isArray(el) && el.length === 2) return [el[0] as TensorsArg, el[1] as TensorsArg];
  if (el && typeof el === 'object' && 'xs' in el && 'ys' in el) return [(el as { xs: TensorsArg }).xs, (el as { ys: TensorsArg }).ys];
  const keys = el && typeof el === 'object' ? `an object with keys ${Object.keys(el).join(', ') || '(none)'}` : typeof el;
  throw new InvalidArgumentError(`${model.name}.${op}: each dataset element must be one batch as { xs, ys } or [xs, ys] (tensors; batch() the dataset), got ${keys}`);
}

/** Disposes every tensor of a dataset element. */
function disposeElement(el: unknown): void {
  if (el instanceof TensorClass) {
    if (!el.isDisposed) el.dispose();
  } else if (Array.isArray(el)) el.forEach(disposeElement);
  else if (el && typeof el === 'object') Object.values(el).forEach(disposeElement);
}

/** Runs `f` on one element's prepared data, then frees the element and any label copies. */
function withBatch<R>(model: LayersModel, op: string, el: unknown, f: (d: ReturnType<typeof prepareData>) => R): R {
  const owned: Tensor[] = [];
  try {
    const [x, y] = xy(model, op, el);
    return f(prepareData(model, model.compiled!, op, x, y, owned));
  } finally {
    for (const t of owned) t.dispose();
    disposeElement(el);
  }
}

/** Loss and metrics over (up to `batches` batches of) `ds`, as numbers by name; sample-weighted means. */
export async function evaluateDatasetLogs(model: LayersModel, ds: Dataset<unknown>, batches: number | undefined, op = 'evaluateDataset'): Promise<Record<string, number>> {
  const c = model.compiled;
  if (!c) throw new NotInitializedError(`${model.name}.${op}: call compile() first`);
  checkDataset(model, op, ds);
  if (batches === undefined && ds.size === Infinity) throw new InvalidArgumentError(`${model.name}.${op}: the dataset is endless; give the number of batches to evaluate`);
  const it = await ds.iterator();
  const means = new WeightedMeans();
  let n = 0;
  for (let b = 0; batches === undefined || b < batches; b++) {
    const r = await it.next();
    if (r.done) break;
    withBatch(model, op, r.value, (d) => {
      const count = d.xs[0]!.shape[0]!;
      tidy(() => means.add(batchLogs(c, d, forward(model, c, d, false))));
      n += count;
    });
  }
  if (n === 0) throw new InvalidArgumentError(`${model.name}.${op}: the dataset gave no samples (a loss over 0 samples is undefined)`);
  return means.means();
}

export async function fitDataset(model: LayersModel, ds: Dataset<unknown>, args: FitDatasetArgs): Promise<History> {
  const op = 'fitDataset';
  const c = model.compiled;
  if (!c) throw new NotInitializedError(`${model.name}.${op}: call compile() first`);
  checkOptions(`${model.name}.${op}`, args, OPTIONS, { verbose: [0] });
  checkDataset(model, op, ds);
  const epochs = args.epochs ?? 1;
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new InvalidArgumentError(`${model.name}.${op}: epochs must be a non-negative integer, got ${epochs}`);
  const perEpoch = positiveInt(model, op, 'batchesPerEpoch', args.batchesPerEpoch);
  const valBatches = positiveInt(model, op, 'validationBatches', args.validationBatches);
  if (perEpoch === undefined && ds.size === Infinity) throw new InvalidArgumentError(`${model.name}.${op}: the dataset is endless (repeat() without a count); set batchesPerEpoch`);
  const val = args.validationData;
  if (val !== undefined && !(val instanceof Dataset) && !(Array.isArray(val) && val.length === 2)) {
    throw new InvalidArgumentError(`${model.name}.${op}: validationData must be [x, y] or a Dataset`);
  }
  const yieldEvery = yieldInterval(`${model.name}.${op}`, args.yieldEvery);
  if (model.isTraining) throw new InvalidArgumentError(`${model.name}.${op}: this model is already training (await the running fit before starting another)`);
  model.isTraining = true;
  try {
    const history = new History();
    const cbs: Callback[] = callbackList(model, history, args.callbacks, null);
    const vars = model.trainableWeights;
    model.stopTraining = false;
    for (const cb of cbs) await cb.onTrainBegin();
    let it = await ds.iterator();
    const first = args.initialEpoch ?? 0;
    for (let epoch = first; epoch < first + epochs && !model.stopTraining; epoch++) {
      for (const cb of cbs) await cb.onEpochBegin(epoch);
      const means = new WeightedMeans();
      let n = 0;
      let lastYield = performance.now();
      for (let b = 0; perEpoch === undefined || b < perEpoch; b++) {
        const r = await it.next();
        if (r.done) {
          if (perEpoch !== undefined) {
            console.warn(`${model.name}.${op}: the dataset ran out of data after ${b} of ${perEpoch} batches in epoch ${epoch + 1}; training stops. It must give batchesPerEpoch × epochs batches (e.g. use repeat()).`);
            model.stopTraining = true;
          } else if (b === 0) {
            throw new InvalidArgumentError(`${model.name}.${op}: the dataset gave no batches in epoch ${epoch + 1}`);
          }
          break;
        }
        for (const cb of cbs) await cb.onBatchBegin(b);
        const { logs, weights, applied, count } = withBatch(model, op, r.value, (d) => ({ ...tidy(() => trainBatch(model, c, d, vars)), count: d.xs[0]!.shape[0]! }));
        means.add({ logs, weights });
        n += count;
        for (const cb of cbs) await cb.onBatchEnd(b, { ...logs, batch: b, size: count });
        if (!applied) {
          if (model.stopTraining) break;
          throw notApplied(model, op, logs, epoch, b);
        }
        if (performance.now() - lastYield >= yieldEvery) {
          await nextTick();
          lastYield = performance.now();
        }
      }
      // Without batchesPerEpoch each epoch is a fresh pass over the data.
      if (perEpoch === undefined) it = await ds.iterator();
      const epochLogs: Logs = n > 0 ? means.means() : {};
      if (val !== undefined && n > 0) {
        const v = val instanceof Dataset ? await evaluateDatasetLogs(model, val, valBatches, `${op} (validationData)`) : evaluateBatches(model, val[0], val[1], 256);
        for (const [k, x] of Object.entries(v)) epochLogs[`val_${k}`] = x;
      }
      for (const cb of cbs) await cb.onEpochEnd(epoch, epochLogs);
      await nextTick();
    }
    for (const cb of cbs) await cb.onTrainEnd();
    return history;
  } finally {
    model.isTraining = false;
  }
}
