/**
 * Losses, Keras names and semantics: each takes `(yTrue, yPred)` and returns
 * the batch mean as a scalar. Cross-entropies take `fromLogits` and are
 * computed stably (log-sum-exp / softplus forms).
 */
import { InvalidArgumentError } from './errors.js';
import { abs, add, clipByValue, div, log, mean, mul, neg, relu, softmaxCrossEntropy, softplus, square, sub, sum } from './ops/math.js';
import { oneHot } from './ops/layout.js';
import type { Tensor } from './tensor.js';

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Keras' clipping epsilon for probabilities. */
const EPS = 1e-7;

export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(square(sub(yPred, yTrue)));
}

export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  return mean(abs(sub(yPred, yTrue)));
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
  if (fromLogits) return softmaxCrossEntropy(yPred, yTrue);
  const p = clipByValue(div(yPred, sum(yPred, -1, true)), EPS, 1 - EPS);
  return neg(mean(sum(mul(yTrue, log(p)), -1)));
}

/** Integer class labels `[n]` (int32, or float32 holding integers). */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, fromLogits = false): Tensor {
  const classes = yPred.shape[yPred.rank - 1]!;
  const labels = yTrue.dtype === 'int32' ? yTrue : null;
  if (fromLogits && labels) return softmaxCrossEntropy(yPred, labels);
  const hot = oneHot(labels ?? yTrue.dataSync().map(Math.round) as unknown as number[], classes);
  return categoricalCrossentropy(hot, yPred, fromLogits);
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
