/**
 * Fused ops, as TensorFlow.js's `tf.fused`: product, bias and activation in
 * one engine call (one pass over the output and one node on the gradient
 * tape for linear/relu/sigmoid/tanh, whose derivative needs only the output).
 */
import { call } from '../engine/backend.js';
import { InvalidArgumentError } from '../errors.js';
import { optionsArg } from '../options.js';
import type { Tensor } from '../tensor.js';
import { conv2dFused as convOp, type FusedActivation, type Padding } from './conv.js';
import { depthwiseConv2dFused } from './depthwise.js';
import { name, optionalTensorArg, tensorArg, wrap } from './handle.js';

export type { FusedActivation } from './conv.js';

/**
 * `activation(a·b + bias)` for 2-D `a` [n, k] and `b` [k, m]; `bias` is [m].
 * `leakyreluAlpha` parameterises leakyRelu (TF.js's name; also elu's alpha here).
 */
export function matMul(args: { a: Tensor; b: Tensor; bias?: Tensor; activation?: FusedActivation; leakyreluAlpha?: number }): Tensor {
  const op = 'fused.matMul';
  const { a, b, bias, activation = 'linear', leakyreluAlpha } = optionsArg(op, args);
  const [ia, ib, ic] = [tensorArg(op, 'a', a).id, tensorArg(op, 'b', b).id, optionalTensorArg(op, 'bias', bias)?.id];
  name(op, 'activation', activation);
  const id = call((g) => g.op_dense(ia, ib, ic, activation, leakyreluAlpha));
  // The engine checked a [n, k] · b [k, m]: the output is [n, m], float32.
  const [sa, sb] = [a.knownShape, b.knownShape];
  return sa && sb ? wrap(id, [sa[0]!, sb[1]!], 'float32') : wrap(id);
}

/** `activation(conv2d(x, filter) + bias)` (NHWC). */
export function conv2d(args: { x: Tensor; filter: Tensor; strides?: number | [number, number]; pad?: Padding; bias?: Tensor; activation?: FusedActivation; leakyreluAlpha?: number }): Tensor {
  const { x, filter, strides = 1, pad = 'valid', bias, activation = 'linear', leakyreluAlpha } = optionsArg('fused.conv2d', args);
  return convOp(x, filter, strides, pad, bias, activation, leakyreluAlpha);
}

/** `activation(depthwiseConv2d(x, filter) + bias)` (NHWC; TF.js's `fused.depthwiseConv2d`). */
export function depthwiseConv2d(args: { x: Tensor; filter: Tensor; strides?: number | [number, number]; pad?: Padding; dataFormat?: 'NHWC'; dilations?: number | [number, number]; bias?: Tensor; activation?: FusedActivation; leakyreluAlpha?: number }): Tensor {
  const { x, filter, strides = 1, pad = 'valid', dataFormat = 'NHWC', dilations = 1, bias, activation = 'linear', leakyreluAlpha } = optionsArg('fused.depthwiseConv2d', args);
  if (dataFormat !== 'NHWC') throw new InvalidArgumentError(`fused.depthwiseConv2d: dataFormat must be 'NHWC', got '${String(dataFormat)}'`);
  return depthwiseConv2dFused(x, filter, strides, pad, dilations, bias, activation, leakyreluAlpha);
}
