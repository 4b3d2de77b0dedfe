/**
 * Losses, Keras names and semantics: each takes `(yTrue, yPred)` and returns
 * the batch mean as a scalar. Cross-entropies take `fromLogits` and are
 * computed stably (log-sum-exp / softplus forms).
 *
 * The names TF.js's `tf.losses` also has (`meanSquaredError`,
 * `absoluteDifference`, `softmaxCrossEntropy`, `sigmoidCrossEntropy`,
 * `huberLoss`, `hingeLoss`, `cosineDistance`) take its argument order and
 * optional arguments; per-sample `weights` and reductions other than the mean
 * are rejected rather than ignored. The names of TF.js's layers losses
 * (`hinge`, `logcosh`, `kullbackLeiblerDivergence`, `cosineProximity`, the
 * strings `compile` takes) compute what TF.js computes per sample, averaged
 * over the batch.
 */
import { InvalidArgumentError } from './errors.js';
import { abs, add, clipByValue, div, log, maximum, mean, minimum, mul, neg, relu, softmaxCrossEntropy as fusedSoftmaxCrossEntropy, softplus, sqrt, square, sub, sum } from './ops/math.js';
import { reshape } from './ops/layout.js';
import { oneHot } from './ops/one-hot.js';
import { tensorArgs } from './ops/handle.js';
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
  tensorArgs('losses.meanSquaredError', { yTrue, yPred });
  meanOnly('meanSquaredError', weights, reduction);
  return mean(square(sub(yPred, yTrue)));
}

/** Mean of |predictions − labels|. */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  tensorArgs('losses.meanAbsoluteError', { yTrue, yPred });
  return mean(abs(sub(yPred, yTrue)));
}

/** TF.js's name for the mean absolute error. */
export function absoluteDifference(labels: Tensor, predictions: Tensor, weights?: Tensor, reduction?: Reduction): Tensor {
  tensorArgs('losses.absoluteDifference', { labels, predictions });
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
  tensorArgs('losses.softmaxCrossEntropy', { onehotLabels, logits });
  meanOnly('softmaxCrossEntropy', weights, reduction);
  if (labelSmoothing === 0) return fusedSoftmaxCrossEntropy(onehotLabels, logits);
  const classes = logits.shape[logits.rank - 1]!;
  const hot = onehotLabels.dtype === 'int32' ? oneHot(onehotLabels, classes) : onehotLabels;
  return fusedSoftmaxCrossEntropy(smooth(hot, labelSmoothing, classes), logits);
}

/** TF.js's `losses.sigmoidCrossEntropy(multiClassLabels, logits)`: mean sigmoid cross-entropy on logits. */
export function sigmoidCrossEntropy(multiClassLabels: Tensor, logits: Tensor, weights?: Tensor, labelSmoothing = 0, reduction?: Reduction): Tensor {
  tensorArgs('losses.sigmoidCrossEntropy', { multiClassLabels, logits });
  meanOnly('sigmoidCrossEntropy', weights, reduction);
  // TF.js smooths binary labels towards 0.5: labels·(1 − s) + s/2.
  return binaryCrossentropy(smooth(multiClassLabels, labelSmoothing, 2), logits, true);
}

/**
 * TF.js's `losses.huberLoss(labels, predictions, weights?, delta = 1)`: per
 * element `0.5·e²` where |e| ≤ delta, else `delta·(|e| − 0.5·delta)`, averaged.
 */
export function huberLoss(labels: Tensor, predictions: Tensor, weights?: Tensor, delta = 1, reduction?: Reduction): Tensor {
  tensorArgs('losses.huberLoss', { labels, predictions });
  meanOnly('huberLoss', weights, reduction);
  if (!(delta > 0)) throw new InvalidArgumentError(`losses.huberLoss: delta must be a positive number, got ${delta}`);
  const err = abs(sub(predictions, labels));
  const quadratic = minimum(err, delta);
  return mean(add(mul(square(quadratic), 0.5), mul(sub(err, quadratic), delta)));
}

/** Keras's `huber(yTrue, yPred)` (delta 1): the same value as `huberLoss`. */
export function huber(yTrue: Tensor, yPred: Tensor): Tensor {
  tensorArgs('losses.huber', { yTrue, yPred });
  return huberLoss(yTrue, yPred);
}

/**
 * TF.js's `losses.hingeLoss(labels, predictions)`: labels in {0, 1} are
 * mapped to {−1, 1}, then `mean(max(0, 1 − labels·predictions))`.
 */
export function hingeLoss(labels: Tensor, predictions: Tensor, weights?: Tensor, reduction?: Reduction): Tensor {
  tensorArgs('losses.hingeLoss', { labels, predictions });
  meanOnly('hingeLoss', weights, reduction);
  return hinge(sub(mul(labels, 2), 1), predictions);
}

/** TF.js's layers `hinge` (the `'hinge'` loss): labels are −1 or 1 (not mapped), `mean(max(0, 1 − yTrue·yPred))`. */
export function hinge(yTrue: Tensor, yPred: Tensor): Tensor {
  tensorArgs('losses.hinge', { yTrue, yPred });
  return mean(relu(sub(1, mul(yTrue, yPred))));
}

/**
 * TF.js's `losses.cosineDistance(labels, predictions, axis)`: `1 − Σ labels·predictions`
 * along `axis`, averaged over the rest. The inputs are not normalised (TF.js expects unit vectors).
 */
export function cosineDistance(labels: Tensor, predictions: Tensor, axis: number, weights?: Tensor, reduction?: Reduction): Tensor {
  tensorArgs('losses.cosineDistance', { labels, predictions });
  meanOnly('cosineDistance', weights, reduction);
  if (!Number.isInteger(axis)) throw new InvalidArgumentError(`losses.cosineDistance: axis must be an integer, got ${String(axis)}`);
  return mean(sub(1, sum(mul(labels, predictions), axis, true)));
}

/** log(cosh(yPred − yTrue)) averaged, computed as TF.js does: `e + softplus(−2e) − log 2` (no overflow for large |e|). */
export function logcosh(yTrue: Tensor, yPred: Tensor): Tensor {
  tensorArgs('losses.logcosh', { yTrue, yPred });
  const e = sub(yPred, yTrue);
  return mean(sub(add(e, softplus(mul(e, -2))), Math.LN2));
}

/**
 * Σ yTrue·log(yTrue / yPred) over the last axis, averaged over the batch; both
 * clipped to [1e-7, 1] inside the log (TF.js and Keras).
 */
export function kullbackLeiblerDivergence(yTrue: Tensor, yPred: Tensor): Tensor {
  tensorArgs('losses.kullbackLeiblerDivergence', { yTrue, yPred });
  const ratio = div(clipByValue(yTrue, EPS, 1), clipByValue(yPred, EPS, 1));
  return mean(sum(mul(yTrue, log(ratio)), -1));
}

/** `x / sqrt(max(Σx², 1e-7))` along the last axis (TF.js's `l2Normalize` inside `cosineProximity`). */
function l2Normalize(x: Tensor): Tensor {
  return div(x, sqrt(maximum(sum(square(x), -1, true), EPS)));
}

/** −cos(yTrue, yPred) along the last axis, averaged over the batch (TF.js's `cosineProximity`; Keras's `cosine_similarity` loss). */
export function cosineProximity(yTrue: Tensor, yPred: Tensor): Tensor {
  tensorArgs('losses.cosineProximity', { yTrue, yPred });
  return neg(mean(sum(mul(l2Normalize(yTrue), l2Normalize(yPred)), -1)));
}

/** Labels in {0, 1} (or soft); predictions are probabilities unless `fromLogits`. */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  tensorArgs('losses.binaryCrossentropy', { yTrue, yPred });
  if (fromLogits) {
    // max(x, 0) − x·y + log(1 + e^−|x|)
    return mean(add(sub(relu(yPred), mul(yPred, yTrue)), softplus(neg(abs(yPred)))));
  }
  const p = clipByValue(yPred, EPS, 1 - EPS);
  return neg(mean(add(mul(yTrue, log(p)), mul(sub(1, yTrue), log(sub(1, p))))));
}

/** One-hot (or soft) labels `[n, classes]`. */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  tensorArgs('losses.categoricalCrossentropy', { yTrue, yPred });
  if (fromLogits) return fusedSoftmaxCrossEntropy(yTrue, yPred);
  const p = clipByValue(div(yPred, sum(yPred, -1, true)), EPS, 1 - EPS);
  return neg(mean(sum(mul(yTrue, log(p)), -1)));
}

/** Integer class labels `[n]` (int32, or float32 holding integers); `[n, steps]` for a prediction `[n, steps, classes]`. */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  tensorArgs('losses.sparseCategoricalCrossentropy', { yTrue, yPred });
  const classes = yPred.shape[yPred.rank - 1]!;
  // Per-step labels [n, steps] (or [n, 1]): one class index per row of the flattened prediction.
  const labels = yTrue.dtype === 'int32' ? (yTrue.rank > 1 ? reshape(yTrue, [-1]) : yTrue) : null;
  if (fromLogits && labels) return fusedSoftmaxCrossEntropy(labels, yPred.rank > 2 ? reshape(yPred, [-1, classes]) : yPred);
  const hot = oneHot(labels ?? yTrue.dataSync().map(Math.round) as unknown as number[], classes);
  // Labels [n, steps] against [n, steps, classes]: one-hot rows back in the prediction's shape.
  return categoricalCrossentropy(yPred.rank > 2 ? reshape(hot, yPred.shape) : hot, yPred, fromLogits);
}

/** Keras's short names for TF.js's. */
export const kld = kullbackLeiblerDivergence;
/** Keras 3's spelling of `logcosh`. */
export const logCosh = logcosh;

/** Loss names `compile` takes, as TF.js spells them (Keras's snake_case and short names are accepted too, see `lossName`). */
export type LossName =
  | 'meanSquaredError' | 'mse' | 'meanAbsoluteError' | 'mae'
  | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy'
  | 'hinge' | 'logcosh' | 'kullbackLeiblerDivergence' | 'kld' | 'cosineProximity' | 'huber';

/** The losses `compile` takes by name (canonical names: TF.js's layers spelling, or Keras's for `huber`). */
const LOSSES: Record<string, LossFn> = {
  meanSquaredError, meanAbsoluteError, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
  hinge, logcosh, kullbackLeiblerDivergence, cosineProximity, huber,
};

/** Other spellings (camelCased first): short names, Keras 2 / Keras 3 names of the same losses. */
const LOSS_ALIASES: Record<string, string> = {
  mse: 'meanSquaredError', MSE: 'meanSquaredError', mae: 'meanAbsoluteError', MAE: 'meanAbsoluteError',
  kld: 'kullbackLeiblerDivergence', KLD: 'kullbackLeiblerDivergence', klDivergence: 'kullbackLeiblerDivergence',
  logCosh: 'logcosh', huberLoss: 'huber', cosineSimilarity: 'cosineProximity', cosine: 'cosineProximity',
};

/** Canonical camelCase name of a loss. */
export function lossName(name: string): LossName {
  if (typeof name !== 'string') throw new InvalidArgumentError(`loss must be a name or a function, got ${name === null ? 'null' : typeof name}`);
  const key = name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  const canon = LOSS_ALIASES[key] ?? key;
  if (!Object.hasOwn(LOSSES, canon)) throw new InvalidArgumentError(`unknown loss '${name}' (expected one of ${[...Object.keys(LOSSES), ...Object.keys(LOSS_ALIASES)].join(', ')})`);
  return canon as LossName;
}

export function getLoss(spec: LossName | string | LossFn): LossFn {
  return typeof spec === 'function' ? spec : LOSSES[lossName(spec)]!;
}
