/**
 * Metrics, computed per batch on the engine side (one scalar crosses to JS)
 * and averaged over an epoch weighted by batch size.
 */
import { InvalidArgumentError } from './errors.js';
import type { AccuracyName } from './ops/names.js';
import { accuracy } from './ops/nn.js';
import { meanAbsoluteError, meanSquaredError, type LossName } from './losses.js';
import type { Tensor } from './tensor.js';

/** A metric: the batch value as a scalar tensor. */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

function accuracyOf(kind: AccuracyName, threshold = 0.5): MetricFn {
  return (yTrue, yPred) => accuracy(yTrue, yPred, kind, threshold);
}

export const categoricalAccuracy: MetricFn = accuracyOf('categorical');
export const sparseCategoricalAccuracy: MetricFn = accuracyOf('sparse');
export const binaryAccuracy: MetricFn = accuracyOf('binary');
/** Binary accuracy for a model that outputs logits (threshold 0 ≡ probability 0.5). */
export const binaryAccuracyFromLogits: MetricFn = accuracyOf('binary', 0);

export type MetricName =
  | 'accuracy' | 'acc' | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy'
  | 'meanSquaredError' | 'mse' | 'meanAbsoluteError' | 'mae';

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
  const key = spec.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  switch (key) {
    case 'accuracy':
    case 'acc': {
      const kind = loss === 'binaryCrossentropy' ? 'binary' : loss === 'sparseCategoricalCrossentropy' ? 'sparse' : 'categorical';
      return { key: 'acc', fn: accuracyOf(kind), accuracy: kind };
    }
    case 'binaryAccuracy': return { key: 'binaryAccuracy', fn: binaryAccuracy, accuracy: 'binary' };
    case 'categoricalAccuracy': return { key: 'categoricalAccuracy', fn: categoricalAccuracy, accuracy: 'categorical' };
    case 'sparseCategoricalAccuracy': return { key: 'sparseCategoricalAccuracy', fn: sparseCategoricalAccuracy, accuracy: 'sparse' };
    case 'meanSquaredError': case 'mse': return { key: 'mse', fn: meanSquaredError };
    case 'meanAbsoluteError': case 'mae': return { key: 'mae', fn: meanAbsoluteError };
  }
  throw new InvalidArgumentError(`unknown metric '${spec}' (expected accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, mse or mae)`);
}
