/**
 * Training-loop ops: dropout, accuracy, batch gathering, finiteness checks.
 * (Layers, metrics and `fit` compose these; none of them calls the engine.)
 */
import { call } from '../engine/backend.js';
import { InvalidArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { seedArg, tensorArg, wrap } from './handle.js';
import type { AccuracyName } from './names.js';

/**
 * Inverted dropout (TensorFlow.js `tf.dropout`): zeroes each value with
 * probability `rate` and scales the rest by 1/(1−rate). `noiseShape` other
 * than `x`'s own shape is not supported.
 */
export function dropout(x: Tensor, rate: number, noiseShape?: readonly number[], seed?: number): Tensor {
  tensorArg('dropout', 'x', x);
  if (noiseShape !== undefined && (!Array.isArray(noiseShape) || noiseShape.length !== x.rank || noiseShape.some((d, i) => d !== x.shape[i]))) {
    throw new InvalidArgumentError(`dropout: noiseShape ${JSON.stringify(noiseShape) ?? String(noiseShape)} is not supported (only the input's shape [${x.shape.join(',')}])`);
  }
  const s = seedArg('dropout', seed);
  const ix = x.id;
  return wrap(call((g) => g.op_dropout(ix, rate, s)));
}

/**
 * Fraction of correct predictions, a scalar (not differentiable): `categorical`
 * compares the argmax of rows of `yPred` and one-hot `yTrue`, `sparse` the
 * argmax with int32 class indices, `binary` each `yPred > threshold` with
 * `yTrue > 0.5`. Divided by the number of predictions: rows (classes on the
 * last axis) for categorical and sparse, elements for binary.
 */
export function accuracy(yTrue: Tensor, yPred: Tensor, kind: AccuracyName, threshold = 0.5): Tensor {
  const [ip, iy] = [yPred.id, yTrue.id];
  return wrap(call((g) => g.op_accuracy(ip, iy, kind, threshold)));
}

/** Rows `perm[start .. start+count]` of `x` (first axis): one batch of a shuffled epoch. */
export function takeRows(x: Tensor, perm: Tensor, start: number, count: number): Tensor {
  const [ix, ip] = [x.id, perm.id];
  const id = call((g) => g.op_take_rows(ix, ip, start, count));
  // `count` rows of x (the engine checked the range); x's shape is known once fit has checked it.
  const s = x.knownShape;
  return s ? wrap(id, [count, ...s.slice(1)], x.dtype) : wrap(id);
}

/** Number of NaN or infinite values in `x` (a number, read back at once). */
export function countNonFinite(x: Tensor): number {
  const ix = x.id;
  return call((g) => g.tensor_count_non_finite(ix));
}

/** True when no value of any of `xs` is NaN or infinite (one engine pass; `fit` checks each step's gradients with it). */
export function allFinite(xs: readonly Tensor[]): boolean {
  const ids = Uint32Array.from(xs.map((x) => x.id));
  return call((g) => g.tensors_all_finite(ids));
}
