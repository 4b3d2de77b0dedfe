/**
 * 2-D convolution and pooling, NHWC as in TensorFlow.js: inputs
 * `[batch, height, width, channels]`, filters `[kh, kw, inChannels, outChannels]`.
 */
import { call } from '../engine/backend.js';
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { dims, name, optionalTensorArg, padding, pair, tensorArg, wrap, type Padding } from './handle.js';
import type { ActivationName, PoolName } from './names.js';

export type { Padding } from './handle.js';

/** Activations `conv2d` and `fused.matMul` apply in the same engine call (all of them). */
export type FusedActivation = ActivationName;

/**
 * `activation(conv2d(x, filter) + bias)`: bias (per output channel) and
 * activation are optional and applied in the one engine call; `alpha`
 * parameterises leakyRelu / elu. The door the layers and `fused.conv2d` use.
 */
export function conv2dFused(x: Tensor, filter: Tensor, strides: number | [number, number] = 1, pad: Padding = 'valid', bias?: Tensor, activation: FusedActivation = 'linear', alpha?: number): Tensor {
  const [ix, iw, ib] = [tensorArg('conv2d', 'x', x).id, tensorArg('conv2d', 'filter', filter).id, optionalTensorArg('conv2d', 'bias', bias)?.id];
  const [sh, sw] = pair('conv2d', 'strides', strides);
  padding('conv2d', pad);
  name('conv2d', 'activation', activation);
  return wrap(call((g) => g.op_conv2d(ix, iw, ib, sh, sw, pad, activation, alpha)));
}

/** A pooling window applied after a convolution (see `conv2dPool`). */
export interface PoolWindow {
  kind: PoolName;
  poolSize: [number, number];
  strides: [number, number];
  padding: Padding;
}

/**
 * @internal `pool(activation(conv2d(x, filter) + bias))` in one engine call:
 * what a conv layer followed by a pooling layer computes. With no gradient
 * tape recording and a linear or relu activation the engine fuses it into
 * one pass that never writes the convolution's full output; otherwise it runs
 * (and records) the two ops.
 */
export function conv2dPool(x: Tensor, filter: Tensor, strides: [number, number], pad: Padding, bias: Tensor | undefined, activation: FusedActivation, pool: PoolWindow): Tensor {
  const [ix, iw, ib] = [tensorArg('conv2d', 'x', x).id, tensorArg('conv2d', 'filter', filter).id, optionalTensorArg('conv2d', 'bias', bias)?.id];
  const [sh, sw] = pair('conv2d', 'strides', strides);
  padding('conv2d', pad);
  name('conv2d', 'activation', activation);
  const op = `${pool.kind}Pool`;
  const [kh, kw] = pair(op, 'pool size', pool.poolSize);
  const [psh, psw] = pair(op, 'strides', pool.strides);
  padding(op, pool.padding);
  return wrap(call((g) => g.op_conv2d_pool(ix, iw, ib, sh, sw, pad, activation, undefined, pool.kind, kh, kw, psh, psw, pool.padding)));
}

/**
 * TF.js's `conv2d(x, filter, strides, pad, dataFormat, dilations)`. Only NHWC
 * and dilation 1 are computed; anything else is refused by name, never
 * silently computed as NHWC / undilated. Bias and activation: `fused.conv2d`.
 */
export function conv2d(x: Tensor, filter: Tensor, strides: number | [number, number] = 1, pad: Padding = 'valid', dataFormat: 'NHWC' | 'NCHW' = 'NHWC', dilations: number | [number, number] = 1): Tensor {
  if (dataFormat !== 'NHWC') {
    if (dataFormat === 'NCHW') throw new UnsupportedError("conv2d: dataFormat 'NCHW' is not supported (Sinew is NHWC; transpose the input to [batch, height, width, channels])");
    throw new InvalidArgumentError(`conv2d: dataFormat must be 'NHWC', got ${typeof dataFormat === 'string' ? `'${dataFormat}'` : `a value of type ${typeof dataFormat}`} (bias and activation go through fused.conv2d)`);
  }
  const [dh, dw] = pair('conv2d', 'dilations', dilations);
  if (dh !== 1 || dw !== 1) throw new UnsupportedError(`conv2d: dilations other than 1 are not supported, got [${dh}, ${dw}]`);
  return conv2dFused(x, filter, strides, pad);
}

/** Gradient of `conv2d` with respect to its input (of shape `xShape`), given `dy`. */
export function conv2dBackpropInput(xShape: readonly number[], dy: Tensor, filter: Tensor, strides: number | [number, number] = 1, pad: Padding = 'valid'): Tensor {
  const [sh, sw] = pair('conv2dBackpropInput', 'strides', strides);
  const shape = dims('conv2dBackpropInput', 'xShape', xShape);
  padding('conv2dBackpropInput', pad);
  const [idy, iw] = [tensorArg('conv2dBackpropInput', 'dy', dy).id, tensorArg('conv2dBackpropInput', 'filter', filter).id];
  return wrap(call((g) => g.op_conv2d_backprop_input(idy, iw, shape, sh, sw, pad)));
}

/** Gradient of `conv2d` with respect to its filter (of shape `filterShape`), given `dy`. */
export function conv2dBackpropFilter(x: Tensor, dy: Tensor, filterShape: readonly number[], strides: number | [number, number] = 1, pad: Padding = 'valid'): Tensor {
  const [sh, sw] = pair('conv2dBackpropFilter', 'strides', strides);
  const shape = dims('conv2dBackpropFilter', 'filterShape', filterShape);
  padding('conv2dBackpropFilter', pad);
  const [ix, idy] = [tensorArg('conv2dBackpropFilter', 'x', x).id, tensorArg('conv2dBackpropFilter', 'dy', dy).id];
  return wrap(call((g) => g.op_conv2d_backprop_filter(ix, idy, shape, sh, sw, pad)));
}

function pool(kind: PoolName, x: Tensor, poolSize: number | [number, number], strides: number | [number, number] | undefined, pad: Padding): Tensor {
  const op = `${kind}Pool`;
  tensorArg(op, 'x', x);
  const [kh, kw] = pair(op, 'pool size', poolSize);
  const [sh, sw] = pair(op, 'strides', strides ?? [kh, kw]);
  padding(op, pad);
  const ix = x.id;
  return wrap(call((g) => g.op_pool(kind, ix, kh, kw, sh, sw, pad)));
}

function poolBackward(kind: PoolName, x: Tensor, dy: Tensor, poolSize: number | [number, number], strides: number | [number, number] | undefined, pad: Padding): Tensor {
  const op = `${kind}PoolBackward`;
  tensorArg(op, 'x', x);
  tensorArg(op, 'dy', dy);
  const [kh, kw] = pair(op, 'pool size', poolSize);
  const [sh, sw] = pair(op, 'strides', strides ?? [kh, kw]);
  padding(op, pad);
  const [ix, idy] = [x.id, dy.id];
  return wrap(call((g) => g.op_pool_backward(kind, ix, idy, kh, kw, sh, sw, pad)));
}

/** Max pooling; `strides` defaults to the pool size. */
export function maxPool(x: Tensor, poolSize: number | [number, number], strides?: number | [number, number], pad: Padding = 'valid'): Tensor {
  return pool('max', x, poolSize, strides, pad);
}

/** Average pooling over the window's in-bounds elements; `strides` defaults to the pool size. */
export function avgPool(x: Tensor, poolSize: number | [number, number], strides?: number | [number, number], pad: Padding = 'valid'): Tensor {
  return pool('avg', x, poolSize, strides, pad);
}

/** Gradient of `maxPool` with respect to `x`: `dy` goes to each window's maximum. */
export function maxPoolBackward(x: Tensor, dy: Tensor, poolSize: number | [number, number], strides?: number | [number, number], pad: Padding = 'valid'): Tensor {
  return poolBackward('max', x, dy, poolSize, strides, pad);
}

/** Gradient of `avgPool` with respect to `x`. */
export function avgPoolBackward(x: Tensor, dy: Tensor, poolSize: number | [number, number], strides?: number | [number, number], pad: Padding = 'valid'): Tensor {
  return poolBackward('avg', x, dy, poolSize, strides, pad);
}
