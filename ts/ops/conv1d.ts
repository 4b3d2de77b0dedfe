/**
 * 1-D convolution over `[batch, steps, channels]` with filters
 * `[kernelSize, inChannels, outChannels]` (as `tf.conv1d`), composed from the
 * 2-D convolution kernels: the sequence is a 1-pixel-high image. Dilation
 * uses TensorFlow's space-to-batch identity: with dilation d the padded
 * sequence is cut into d interleaved phases (rows of the image), each phase
 * convolved with the undilated filter, and the phases interleaved back.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { conv2dFused as conv2d, type FusedActivation } from './conv.js';
import { pad, reshape, slice, transpose } from './layout.js';
import { optionalTensorArg, tensorArg } from './handle.js';
import type { Padding } from './names.js';

/** `'causal'` pads only on the left, so output t sees inputs ≤ t (as Keras / TF.js). */
export type Padding1D = Padding | 'causal';

const positiveInt = (op: string, what: string, v: number) => {
  if (!(Number.isInteger(v) && v >= 1)) throw new InvalidArgumentError(`${op}: ${what} must be a positive integer, got ${v}`);
};

/** Output length, as TensorFlow computes it. */
export function conv1dOutLength(steps: number, kernelSize: number, stride: number, padding: Padding1D, dilation = 1): number {
  const span = (kernelSize - 1) * dilation + 1;
  return padding === 'valid' ? Math.max(0, Math.ceil((steps - span + 1) / stride)) : Math.ceil(steps / stride);
}

/**
 * `activation(conv1d(x, filter) + bias)` with `stride`, `padding` and
 * `dilation` (a dilation above 1 needs stride 1, as in TensorFlow).
 */
export function conv1d(x: Tensor, filter: Tensor, stride = 1, padding: Padding1D = 'valid', dilation = 1, bias?: Tensor, activation: FusedActivation = 'linear'): Tensor {
  const op = 'conv1d';
  tensorArg(op, 'x', x);
  tensorArg(op, 'filter', filter);
  optionalTensorArg(op, 'bias', bias);
  positiveInt(op, 'stride', stride);
  positiveInt(op, 'dilation', dilation);
  if (padding !== 'same' && padding !== 'valid' && padding !== 'causal') throw new InvalidArgumentError(`${op}: padding must be 'same', 'valid' or 'causal', got '${String(padding)}'`);
  if (dilation > 1 && stride > 1) throw new InvalidArgumentError(`${op}: a dilation of ${dilation} needs stride 1, got stride ${stride} (as in TensorFlow)`);
  if (x.rank !== 3) throw new ShapeError(`${op}: expected x of rank 3 [batch, steps, channels], got [${x.shape.join(',')}]`);
  if (filter.rank !== 3) throw new ShapeError(`${op}: expected a filter of rank 3 [kernelSize, inChannels, outChannels], got [${filter.shape.join(',')}]`);
  const [b, steps, c] = x.shape as [number, number, number];
  const [k, fc, f] = filter.shape as [number, number, number];
  if (fc !== c) throw new ShapeError(`${op}: x has ${c} channels but the filter expects ${fc}`);
  const span = (k - 1) * dilation;
  // The engine takes a rank-3 input and filter as a 1-pixel-high image
  // directly (no reshape copies of x, y or their gradients).
  if (dilation === 1 && padding !== 'causal') return conv2d(x, filter, [1, stride], padding, bias, activation);
  // Explicit padding, then a 'valid' convolution.
  const before = padding === 'causal' ? span : padding === 'same' ? Math.floor(span / 2) : 0;
  const after = padding === 'same' ? span - before : 0;
  const padded = steps + before + after;
  const outLen = conv1dOutLength(steps, k, stride, padding, dilation);
  if (dilation === 1) return conv2d(pad(x, [[0, 0], [before, after], [0, 0]]), filter, [1, stride], 'valid', bias, activation);
  const w = reshape(filter, [1, k, c, f]);
  // Space-to-batch: pad to a multiple of d, phases as image rows [b, d, len/d, c].
  const phaseLen = Math.ceil(padded / dilation);
  if (phaseLen < k) throw new ShapeError(`${op}: a sequence of ${steps} steps is shorter than the dilated kernel span ${span + 1}`);
  const xp = pad(x, [[0, 0], [before, after + phaseLen * dilation - padded], [0, 0]]);
  const phases = transpose(reshape(xp, [b, phaseLen, dilation, c]), [0, 2, 1, 3]);
  const y = conv2d(phases, w, 1, 'valid', bias, activation);                    // [b, d, phaseLen-k+1, f]
  const interleaved = reshape(transpose(y, [0, 2, 1, 3]), [b, (phaseLen - k + 1) * dilation, f]);
  return slice(interleaved, [0, 0, 0], [b, outLen, f]);
}
