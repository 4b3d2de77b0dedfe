/**
 * Losses, Keras names and semantics: each takes `(yTrue, yPred)` and returns
 * the batch mean as a scalar. Cross-entropies take `fromLogits` and are
 * computed stably (log-sum-exp / softplus forms).
 *
 * The names TF.js's `tf.losses` also has (`meanSquaredError`,
 * `absoluteDifference`, `softmaxCrossEntropy`, `sigmoidCrossEntropy`) take its
 * argument order and optional arguments; per-sample `weights` and reductions
 * other than the mean are rejected rather than ignored.
 */
import { InvalidArgumentError } from './errors.js';
import { abs, add, clipByValue, div, log, mean, mul, neg, relu, softmaxCrossEntropy as fusedSoftmaxCrossEntropy, softplus, square, sub, sum } from './ops/math.js';
import { oneHot, reshape } from './ops/layout.js';
import type { Tensor } from './tensor.js';

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Keras' clipping epsilon for probabilities. */
const EPS = 1e-7;

/** TF.js's `tf.losses.Reduction` values; Sinew's losses compute the mean (`MEAN`, or `SUM_BY_NONZERO_WEIGHTS` without weights). */
export const Reduction = { NONE: 0, MEAN: 1, SUM: 2, SUM_BY_NONZERO_WEIGHTS: 3 } as const;
export type Reduction = (typeof Reduction)[keyof typeof Reduction];

/** Rejects TF.js's optional `weights` / `reduction` arguments that Sinew does not implement. */
function meanOnly(loss: string, weights: Tensor | undefined, reduction: Reduction | undefined): void {
  if (weights !== undefined) throw new InvalidArgumentError(`losses.${loss}: per-sample weights are not supported`);
  if (reduction !== undefined && reduction !== Reduction.MEAN && reduction !== Reduction.SUM_BY_NONZERO_WEIGHTS) {
    throw new InvalidArgumentError(`losses.${loss}: only the mean reduction is supported, got reduction ${String(reduction)}`);
  }
}

/** Mean of (predictions − labels)²; `(labels, predictions)` as in Keras and TF.js. */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor, weights?: Tensor, reduction?: Reduction): Tensor {
  meanOnly('meanSquaredError', weights, reduction);
  return mean(square(sub(yPred, yTrue)));
}

/** Mean of |predictions − labels|. */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(abs(sub(yPred, yTrue)));
}

/** TF.js's name for the mean absolute error. */
export function absoluteDifference(labels: Tensor, predictions: Tensor, weights?: Tensor, reduction?: Reduction): Tensor {
  meanOnly('absoluteDifference', weights, reduction);
  return meanAbsoluteError(labels, predictions);
}

/** Labels moved towards uniform: `labels·(1 − s) + s / classes` (TF.js / Keras label smoothing). */
function smooth(labels: Tensor, s: number, classes: number): Tensor {
  if (!(s >= 0 && s <= 1)) throw new InvalidArgumentError(`labelSmoothing must be in [0, 1], got ${s}`);
  return s === 0 ? labels : add(mul(labels, 1 - s), s / classes);
}

/**
 * TF.js's `losses.softmaxCrossEntropy(onehotLabels, logits)`: the mean over
 * the batch of the cross-entropy of softmax(logits), one fused stable kernel.
 * Labels are one-hot (or soft) rows, or int32 class indices.
 */
export function softmaxCrossEntropy(onehotLabels: Tensor, logits: Tensor, weights?: Tensor, labelSmoothing = 0, reduction?: Reduction): Tensor {
  meanOnly('softmaxCrossEntropy', weights, reduction);
  if (labelSmoothing === 0) return fusedSoftmaxCrossEntropy(onehotLabels, logits);
  const classes = logits.shape[logits.rank - 1]!;
  const hot = onehotLabels.dtype === 'int32' ? oneHot(onehotLabels, classes) : onehotLabels;
  return fusedSoftmaxCrossEntropy(smooth(hot, labelSmoothing, classes), logits);
}

/** TF.js's `losses.sigmoidCrossEntropy(multiClassLabels, logits)`: mean sigmoid cross-entropy on logits. */
export function sigmoidCrossEntropy(multiClassLabels: Tensor, logits: Tensor, weights?: Tensor, labelSmoothing = 0, reduction?: Reduction): Tensor {
  meanOnly('sigmoidCrossEntropy', weights, reduction);
  // TF.js smooths binary labels towards 0.5: labels·(1 − s) + s/2.
  return binaryCrossentropy(smooth(multiClassLabels, labelSmoothing, 2), logits, true);
}

/** Labels in {0, 1} (or soft); predictions are probabilities unless `fromLogits`. */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  if (fromLogits) {
    // max(x, 0) − x·y + log(1 + e^−|x|)
    return mean(add(sub(relu(yPred), mul(yPred, yTrue)), softplus(neg(abs(yPred)))));
  }
  const p = clipByValue(yPred, EPS, 1 - EPS);
  return neg(mean(add(mul(yTrue, log(p)), mul(sub(1, yTrue), log(sub(1, p))))));
}

/** One-hot (or soft) labels `[n, classes]`. */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  if (fromLogits) return fusedSoftmaxCrossEntropy(yTrue, yPred);
  const p = clipByValue(div(yPred, sum(yPred, -1, true)), EPS, 1 - EPS);
  return neg(mean(sum(mul(yTrue, log(p)), -1)));
}

/** Integer class labels `[n]` (int32, or float32 holding integers); `[n, steps]` for a prediction `[n, steps, classes]`. */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const classes = yPred.shape[yPred.rank - 1]!;
  const labels = yTrue.dtype === 'int32' ? yTrue : null;
  if (fromLogits && labels) return fusedSoftmaxCrossEntropy(labels, yPred);
  const hot = oneHot(labels ?? yTrue.dataSync().map(Math.round) as unknown as number[], classes);
  // Labels [n, steps] against [n, steps, classes]: one-hot rows back in the prediction's shape.
  return categoricalCrossentropy(yPred.rank > 2 ? reshape(hot, yPred.shape) : hot, yPred, fromLogits);
}

/** Loss names accepted by `compile` (camelCase, or Keras snake_case / short names). */
export type LossName =
  | 'meanSquaredError' | 'mse' | 'meanAbsoluteError' | 'mae'
  | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';

const LOSSES: Record<string, LossFn> = {
  meanSquaredError, mse: meanSquaredError, meanAbsoluteError, mae: meanAbsoluteError,
  binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
};

/** Canonical camelCase name of a loss. */
export function lossName(name: string): LossName {
  const key = name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  const canon = key === 'mse' ? 'meanSquaredError' : key === 'mae' ? 'meanAbsoluteError' : key;
  if (!(canon in LOSSES)) throw new InvalidArgumentError(`unknown loss '${name}' (expected one of ${Object.keys(LOSSES).join(', ')})`);
  return canon as LossName;
}

export function getLoss(spec: LossName | string | LossFn): LossFn {
  return typeof spec === 'function' ? spec : LOSSES[lossName(spec)]!;
}
