/**
 * Metrics, computed per batch on the engine side (one scalar crosses to JS)
 * and averaged over an epoch weighted by batch size.
 */
import { InvalidArgumentError } from './errors.js';
import type { AccuracyName } from './ops/names.js';
import { accuracy } from './ops/nn.js';
import { tensorArgs } from './ops/handle.js';
import { div, maximum, mean, mul, step, sub, sum } from './ops/math.js';
import { cosineProximity, meanAbsoluteError, meanSquaredError, type LossName } from './losses.js';
import type { Tensor } from './tensor.js';

/** A metric: the batch value as a scalar tensor. */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

function accuracyOf(name: string, kind: AccuracyName, threshold = 0.5): MetricFn {
  return (yTrue, yPred) => (tensorArgs(`metrics.${name}`, { yTrue, yPred }), accuracy(yTrue, yPred, kind, threshold));
}

export const categoricalAccuracy: MetricFn = accuracyOf('categoricalAccuracy', 'categorical');
export const sparseCategoricalAccuracy: MetricFn = accuracyOf('sparseCategoricalAccuracy', 'sparse');
export const binaryAccuracy: MetricFn = accuracyOf('binaryAccuracy', 'binary');
/** Binary accuracy for a model that outputs logits (threshold 0 ≡ probability 0.5). */
export const binaryAccuracyFromLogits: MetricFn = accuracyOf('binaryAccuracy', 'binary', 0);

/** 1 where `x > 0.5`, else 0 (binary labels and thresholded predictions). */
const positive = (x: Tensor): Tensor => step(sub(x, 0.5));

/** True positives / `of` (predicted or actual positives), 0 when there are none (TF.js). */
function ratioOfPositives(yTrue: Tensor, yPred: Tensor, of: 'predicted' | 'actual'): Tensor {
  tensorArgs(`metrics.${of === 'predicted' ? 'precision' : 'recall'}`, { yTrue, yPred });
  const t = positive(yTrue);
  const p = positive(yPred);
  // Counts are whole numbers, so max(count, 1) only changes 0/0 into 0/1 = 0.
  return div(sum(mul(t, p)), maximum(sum(of === 'predicted' ? p : t), 1));
}

/**
 * TF.js's `metrics.precision(yTrue, yPred)`: true positives / predicted
 * positives over the batch (0 when nothing is predicted positive), a scalar.
 * Predictions count as positive above 0.5, as in Keras (TF.js counts only
 * predictions exactly equal to 1; the two agree on 0/1 predictions).
 */
export const precision: MetricFn = (yTrue, yPred) => ratioOfPositives(yTrue, yPred, 'predicted');
/** TF.js's `metrics.recall(yTrue, yPred)`: true positives / actual positives over the batch (0 when there are none); thresholds as `precision`. */
export const recall: MetricFn = (yTrue, yPred) => ratioOfPositives(yTrue, yPred, 'actual');

/**
 * Keras's `top_k_categorical_accuracy(yTrue, yPred, k = 5)` (TF.js declares it
 * but throws "not implemented"): the fraction of rows whose true class (argmax
 * of one-hot `yTrue`) is among the `k` highest predictions; classes tied with
 * the true one count in its favour, as TensorFlow's `in_top_k`.
 */
export function topKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  tensorArgs('metrics.topKCategoricalAccuracy', { yTrue, yPred });
  if (!(Number.isInteger(k) && k >= 1)) throw new InvalidArgumentError(`topKCategoricalAccuracy: k must be a positive integer, got ${k}`);
  const target = sum(mul(yTrue, yPred), -1, true);
  const above = sum(step(sub(yPred, target)), -1);
  return mean(step(sub(k, above)));
}

/** TF.js's metric spellings of the regression losses (batch means). */
export { meanSquaredError, meanAbsoluteError, meanSquaredError as mse, meanSquaredError as MSE, meanAbsoluteError as mae, meanAbsoluteError as MAE, cosineProximity as cosine };

export type MetricName =
  | 'accuracy' | 'acc' | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy'
  | 'meanSquaredError' | 'mse' | 'MSE' | 'meanAbsoluteError' | 'mae' | 'MAE'
  | 'precision' | 'recall' | 'topKCategoricalAccuracy';

export interface ResolvedMetric {
  /** Key in logs and History (`acc`, `mse`, ...; validation adds `val_`). */
  key: string;
  fn: MetricFn;
  /** Which accuracy (lets `fit` evaluate it on logits). */
  accuracy?: AccuracyName;
  /** A user function (cannot be saved by name). */
  custom?: boolean;
}

/** Resolves a metric; 'accuracy' picks the variant matching the loss, as Keras does. */
export function getMetric(spec: MetricName | string | MetricFn, loss: LossName | 'custom'): ResolvedMetric {
  if (typeof spec === 'function') return { key: spec.name || 'metric', fn: spec, custom: true };
  if (typeof spec !== 'string') throw new InvalidArgumentError(`metric must be a name or a function, got ${spec === null ? 'null' : typeof spec}`);
  const key = spec.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  switch (key) {
    case 'accuracy':
    case 'acc': {
      const kind = loss === 'binaryCrossentropy' ? 'binary' : loss === 'sparseCategoricalCrossentropy' ? 'sparse' : 'categorical';
      return { key: 'acc', fn: { binary: binaryAccuracy, sparse: sparseCategoricalAccuracy, categorical: categoricalAccuracy }[kind], accuracy: kind };
    }
    case 'binaryAccuracy': return { key: 'binaryAccuracy', fn: binaryAccuracy, accuracy: 'binary' };
    case 'categoricalAccuracy': return { key: 'categoricalAccuracy', fn: categoricalAccuracy, accuracy: 'categorical' };
    case 'sparseCategoricalAccuracy': return { key: 'sparseCategoricalAccuracy', fn: sparseCategoricalAccuracy, accuracy: 'sparse' };
    case 'meanSquaredError': case 'mse': case 'MSE': return { key: 'mse', fn: meanSquaredError };
    case 'meanAbsoluteError': case 'mae': case 'MAE': return { key: 'mae', fn: meanAbsoluteError };
    case 'precision': return { key: 'precision', fn: precision };
    case 'recall': return { key: 'recall', fn: recall };
    case 'topKCategoricalAccuracy': return { key: 'topKCategoricalAccuracy', fn: topKCategoricalAccuracy };
  }
  throw new InvalidArgumentError(`unknown metric '${spec}' (expected accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, mse, mae, precision, recall or topKCategoricalAccuracy)`);
}
