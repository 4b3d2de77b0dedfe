/**
 * Element-wise math with NumPy broadcasting, activations, reductions and
 * softmax. Every op is differentiable (see `grad`) unless noted.
 */
import { call } from '../engine/backend.js';
import { InvalidArgumentError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { tensor } from './create.js';
import { transpose } from './layout.js';
import { name as nameArg, tensorArg, wrap } from './handle.js';
import type { ActivationName, BinaryOpName, ReductionName, UnaryOpName } from './names.js';

export type { ActivationName } from './names.js';

/** A tensor, or a number used as a scalar tensor. */
export type TensorOrNumber = Tensor | number;

function binary(kind: BinaryOpName, a: TensorOrNumber, b: TensorOrNumber, names: [string, string] = ['a', 'b']): Tensor {
  if (typeof a !== 'number') tensorArg(kind, names[0], a, true);
  if (typeof b !== 'number') tensorArg(kind, names[1], b, true);
  const ta = typeof a === 'number' ? tensor(a) : a;
  const tb = typeof b === 'number' ? tensor(b) : b;
  try {
    const [ia, ib] = [ta.id, tb.id];
    return wrap(call((g) => g.op_binary(kind, ia, ib)));
  } finally {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
}

/** `a + b`, broadcasting. */
export const add = (a: TensorOrNumber, b: TensorOrNumber): Tensor => binary('add', a, b);
/** `a - b`, broadcasting. */
export const sub = (a: TensorOrNumber, b: TensorOrNumber): Tensor => binary('sub', a, b);
/** `a * b` element-wise, broadcasting. */
export const mul = (a: TensorOrNumber, b: TensorOrNumber): Tensor => binary('mul', a, b);
/** `a / b`, broadcasting. */
export const div = (a: TensorOrNumber, b: TensorOrNumber): Tensor => binary('div', a, b);
/** Element-wise maximum, broadcasting. */
export const maximum = (a: TensorOrNumber, b: TensorOrNumber): Tensor => binary('maximum', a, b);
/** Element-wise minimum, broadcasting. */
export const minimum = (a: TensorOrNumber, b: TensorOrNumber): Tensor => binary('minimum', a, b);

/** `base ** exp`: a scalar exponent uses a fast path; a tensor exponent broadcasts. */
export function pow(base: Tensor, exp: TensorOrNumber): Tensor {
  if (typeof exp === 'number') return unary('pow', base, exp, 0, 'base');
  return binary('pow', base, exp, ['base', 'exp']);
}

function unary(kind: UnaryOpName, x: Tensor, p = 0, q = 0, what = 'x'): Tensor {
  const ix = tensorArg(kind, what, x).id;
  return wrap(call((g) => g.op_unary(kind, ix, p, q)));
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
/** e^x (SIMD, max relative error about 1e-7). */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** Natural logarithm. */
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
/** 1 where x > 0, else 0 (the perceptron's activation; its gradient is 0). TF.js's `alpha` (the value below zero) other than 0 is refused. */
export function step(x: Tensor, alpha = 0): Tensor {
  if (alpha !== 0) throw new InvalidArgumentError(`step: alpha ${alpha} is not supported (only 0)`);
  return unary('step', x);
}
/** Values limited to [min, max]. */
export const clipByValue = (x: Tensor, min: number, max: number): Tensor => unary('clipByValue', x, min, max);

/** Applies an activation by name (`alpha` for leakyRelu / elu; defaults 0.2 and 1, as in TensorFlow.js). */
export function activation(name: ActivationName, x: Tensor, alpha?: number): Tensor {
  nameArg('activation', 'name', name);
  const ix = tensorArg(name, 'x', x).id;
  return wrap(call((g) => g.op_activation(name, ix, alpha)));
}

export const relu = (x: Tensor): Tensor => activation('relu', x);
export const leakyRelu = (x: Tensor, alpha?: number): Tensor => activation('leakyRelu', x, alpha);
export const elu = (x: Tensor, alpha?: number): Tensor => activation('elu', x, alpha);
/** 1 / (1 + e^-x), stable for large |x|. */
export const sigmoid = (x: Tensor): Tensor => activation('sigmoid', x);
export const tanh = (x: Tensor): Tensor => activation('tanh', x);
/** log(1 + e^x), stable. */
export const softplus = (x: Tensor): Tensor => activation('softplus', x);
/** GELU, tanh approximation (as Keras `gelu(approximate=True)`). */
export const gelu = (x: Tensor): Tensor => activation('gelu', x);
/** `x·sigmoid(x)` (TensorFlow.js and Keras call it swish). */
export const swish = (x: Tensor): Tensor => activation('swish', x);
/** Another name of `swish` (Keras 3, PyTorch). */
export const silu = swish;
/** Scaled ELU: `1.0507·(x > 0 ? x : 1.67326·(e^x − 1))` (TF.js `tf.selu`). */
export const selu = (x: Tensor): Tensor => activation('selu', x);
/** `min(max(x, 0), 6)` (TF.js `tf.relu6`). */
export const relu6 = (x: Tensor): Tensor => activation('relu6', x);
/** `clamp(0.2·x + 0.5, 0, 1)` (TF.js's `'hardSigmoid'` layer activation; Keras 3's differs: `relu6(x + 3) / 6`). */
export const hardSigmoid = (x: Tensor): Tensor => activation('hardSigmoid', x);

function axesArg(op: string, axis: number | number[] | undefined): Int32Array {
  const list = axis === undefined ? [] : Array.isArray(axis) ? axis : [axis];
  if (!list.every(Number.isInteger)) throw new InvalidArgumentError(`${op}: axis must be integers, got ${JSON.stringify(axis)}`);
  return Int32Array.from(list);
}

function reduce(kind: ReductionName, x: Tensor, axis: number | number[] | undefined, keepDims: boolean): Tensor {
  const ix = tensorArg(kind, 'x', x).id;
  const axes = axesArg(kind, axis);
  return wrap(call((g) => g.op_reduce(kind, ix, axes, keepDims)));
}

/** Sum along `axis` (one or several; all when omitted). */
export const sum = (x: Tensor, axis?: number | number[], keepDims = false): Tensor => reduce('sum', x, axis, keepDims);
export const mean = (x: Tensor, axis?: number | number[], keepDims = false): Tensor => reduce('mean', x, axis, keepDims);
export const max = (x: Tensor, axis?: number | number[], keepDims = false): Tensor => reduce('max', x, axis, keepDims);
export const min = (x: Tensor, axis?: number | number[], keepDims = false): Tensor => reduce('min', x, axis, keepDims);

/** Index of the largest value along `axis` (default 0, as TF.js; int32; not differentiable). */
export function argMax(x: Tensor, axis = 0): Tensor {
  const ix = tensorArg('argMax', 'x', x).id;
  return wrap(call((g) => g.op_argmax(ix, axis)));
}

/** Index of the smallest value along `axis` (default 0, as TF.js; int32; not differentiable). */
export function argMin(x: Tensor, axis = 0): Tensor {
  const n = neg(tensorArg('argMin', 'x', x));
  try {
    return argMax(n, axis);
  } finally {
    n.dispose();
  }
}

/**
 * Softmax along `dim` (default the last axis, as TF.js), stable for large
 * inputs (e.g. [1010, 1000, 990]).
 */
export function softmax(logits: Tensor, dim = -1): Tensor {
  return alongAxis('softmax', logits, dim, false);
}

/** log(softmax(x)) along `axis` (default the last), computed stably. */
export function logSoftmax(logits: Tensor, axis = -1): Tensor {
  return alongAxis('logSoftmax', logits, axis, true);
}

/** The kernel normalises the last axis: another axis is swapped there and back. */
function alongAxis(op: string, x: Tensor, axis: number, log: boolean): Tensor {
  tensorArg(op, 'logits', x);
  const last = x.rank - 1;
  const a = axis < 0 ? x.rank + axis : axis;
  if (!(Number.isInteger(a) && a >= 0 && a <= Math.max(last, 0))) throw new InvalidArgumentError(`${op}: axis ${axis} is out of range for rank ${x.rank}`);
  if (a === last || x.rank === 0) {
    const ix = x.id;
    return wrap(call((g) => g.op_softmax(ix, log)));
  }
  const perm = x.shape.map((_, i) => (i === a ? last : i === last ? a : i));
  // Intermediates stay for the caller's tidy: the tape may still refer to them.
  return transpose(alongAxis(op, transpose(x, perm), -1, log), perm);
}

/**
 * Mean cross-entropy of softmax(logits) against `labels`: one-hot (or soft)
 * float32 rows `[n, classes]`, or int32 class indices `[n]`. One fused,
 * stable kernel; a scalar. Labels first, as TF.js's
 * `losses.softmaxCrossEntropy(onehotLabels, logits)`.
 */
export function softmaxCrossEntropy(labels: Tensor, logits: Tensor): Tensor {
  const [il, iy] = [tensorArg('softmaxCrossEntropy', 'logits', logits).id, tensorArg('softmaxCrossEntropy', 'labels', labels).id];
  return wrap(call((g) => g.op_softmax_cross_entropy(il, iy)));
}
