/**
 * Depthwise and separable 2-D convolution, NHWC as in TensorFlow.js: input
 * `[batch, height, width, channels]`, depthwise filter
 * `[kh, kw, channels, multiplier]` (output channel `c·multiplier + m` is
 * input channel `c` through filter `m`), pointwise filter
 * `[1, 1, channels·multiplier, outChannels]`.
 */
import { call } from '../engine/backend.js';
import { InvalidArgumentError, ShapeError, UnsupportedError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { conv2dFused, type FusedActivation } from './conv.js';
import { name, optionalTensorArg, padding, pair, tensorArg, wrap, type Padding } from './handle.js';
import { reshape } from './layout.js';

function nhwc(op: string, dataFormat: unknown): void {
  if (dataFormat === 'NHWC') return;
  if (dataFormat === 'NCHW') throw new UnsupportedError(`${op}: dataFormat 'NCHW' is not supported (Sinew is NHWC; transpose the input to [batch, height, width, channels])`);
  throw new InvalidArgumentError(`${op}: dataFormat must be 'NHWC', got ${typeof dataFormat === 'string' ? `'${dataFormat}'` : String(dataFormat)}`);
}

/** TF.js's rule: a dilated window only at stride 1 (checked here too so the error names the TS arguments). */
function stridesOrDilations(op: string, [sh, sw]: [number, number], [dh, dw]: [number, number]): void {
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) throw new InvalidArgumentError(`${op}: either strides or dilations must be 1, got strides [${sh}, ${sw}] and dilations [${dh}, ${dw}]`);
}

/** A rank-3 `[h, w, c]` input is one image (as TF.js): `f` runs on `[1, h, w, c]` and the batch axis is dropped again. */
function batched(x: Tensor, op: string, f: (x4: Tensor) => Tensor): Tensor {
  if (x.rank === 4) return f(x);
  if (x.rank !== 3) throw new ShapeError(`${op}: expected x of rank 4 [batch, height, width, channels] or 3, got [${x.shape.join(',')}]`);
  const y = f(reshape(x, [1, ...x.shape]));
  return reshape(y, y.shape.slice(1));
}

/**
 * `activation(depthwiseConv2d(x, filter) + bias)` in one engine call (bias
 * per output channel, `channels·multiplier`). The door the layers and
 * `fused.depthwiseConv2d` use.
 */
export function depthwiseConv2dFused(x: Tensor, filter: Tensor, strides: number | [number, number] = 1, pad: Padding = 'valid', dilations: number | [number, number] = 1, bias?: Tensor, activation: FusedActivation = 'linear', alpha?: number): Tensor {
  const op = 'depthwiseConv2d';
  tensorArg(op, 'x', x);
  tensorArg(op, 'filter', filter);
  optionalTensorArg(op, 'bias', bias);
  const [sh, sw] = pair(op, 'strides', strides);
  const [dh, dw] = pair(op, 'dilations', dilations);
  stridesOrDilations(op, [sh, sw], [dh, dw]);
  padding(op, pad);
  name(op, 'activation', activation);
  return batched(x, op, (x4) => {
    const [ix, iw, ib] = [x4.id, filter.id, bias?.id];
    return wrap(call((g) => g.op_depthwise_conv2d(ix, iw, ib, sh, sw, dh, dw, pad, activation, alpha)));
  });
}

/** TF.js's `depthwiseConv2d(x, filter, strides, pad, dataFormat, dilations)`: `[b,h,w,c] → [b,oh,ow,c·multiplier]`. */
export function depthwiseConv2d(x: Tensor, filter: Tensor, strides: number | [number, number] = 1, pad: Padding = 'valid', dataFormat: 'NHWC' | 'NCHW' = 'NHWC', dilations: number | [number, number] = 1, dimRoundingMode?: unknown): Tensor {
  nhwc('depthwiseConv2d', dataFormat);
  if (dimRoundingMode !== undefined) throw new UnsupportedError('depthwiseConv2d: dimRoundingMode is not supported (it applies only to explicit numeric padding, which Sinew does not take)');
  return depthwiseConv2dFused(x, filter, strides, pad, dilations);
}

/**
 * `activation(pointwise(depthwise(x)) + bias)`: the depthwise convolution
 * (strides, padding, dilation) then a 1×1 convolution mixing channels, which
 * carries the bias and activation. Two engine calls.
 */
export function separableConv2dFused(x: Tensor, depthwiseFilter: Tensor, pointwiseFilter: Tensor, strides: number | [number, number] = 1, pad: Padding = 'valid', dilations: number | [number, number] = 1, bias?: Tensor, activation: FusedActivation = 'linear', alpha?: number): Tensor {
  const op = 'separableConv2d';
  tensorArg(op, 'x', x);
  tensorArg(op, 'depthwiseFilter', depthwiseFilter);
  tensorArg(op, 'pointwiseFilter', pointwiseFilter);
  optionalTensorArg(op, 'bias', bias);
  if (depthwiseFilter.rank !== 4) throw new ShapeError(`${op}: depthwiseFilter must be of rank 4 [kh, kw, channels, multiplier], got [${depthwiseFilter.shape.join(',')}]`);
  const [, , c, m] = depthwiseFilter.shape as [number, number, number, number];
  const pw = pointwiseFilter.shape;
  if (pw.length !== 4 || pw[0] !== 1 || pw[1] !== 1 || pw[2] !== c * m) {
    throw new ShapeError(`${op}: pointwiseFilter must be [1, 1, ${c * m}, outChannels] (channels ${c} × multiplier ${m}), got [${pw.join(',')}]`);
  }
  return batched(x, op, (x4) => conv2dFused(depthwiseConv2dFused(x4, depthwiseFilter, strides, pad, dilations), pointwiseFilter, 1, 'valid', bias, activation, alpha));
}

/** TF.js's `separableConv2d(x, depthwiseFilter, pointwiseFilter, strides, pad, dilation, dataFormat)`. */
export function separableConv2d(x: Tensor, depthwiseFilter: Tensor, pointwiseFilter: Tensor, strides: number | [number, number] = 1, pad: Padding = 'valid', dilation: number | [number, number] = 1, dataFormat: 'NHWC' | 'NCHW' = 'NHWC'): Tensor {
  nhwc('separableConv2d', dataFormat);
  return separableConv2dFused(x, depthwiseFilter, pointwiseFilter, strides, pad, dilation);
}
