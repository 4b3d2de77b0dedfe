/**
 * TF.js's shape helpers, composed from the layout ops (so each is
 * differentiable where its parts are): expandDims, squeeze, flatten, stack,
 * unstack, split.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { Tensor, fmtShape } from '../tensor.js';
import { concat, reshape, slice } from './layout.js';
import { tensorArg, tensorListArg } from './handle.js';

/** `axis` in `[-rank, rank)` (or `[-(rank+1), rank]` with `extra`) as a non-negative index. */
function axisArg(op: string, axis: number, rank: number, extra = 0): number {
  const a = axis < 0 ? axis + rank + extra : axis;
  if (!(Number.isInteger(axis) && a >= 0 && a < rank + extra)) {
    throw new InvalidArgumentError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** `x` with a dimension of size 1 inserted at `axis` (default 0; negative counts from the end). */
export function expandDims(x: Tensor, axis = 0): Tensor {
  tensorArg('expandDims', 'x', x);
  const a = axisArg('expandDims', axis, x.rank, 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** `x` without its dimensions of size 1 (all of them, or those at `axis`, which must be 1). */
export function squeeze(x: Tensor, axis?: readonly number[]): Tensor {
  tensorArg('squeeze', 'x', x);
  if (axis !== undefined && !Array.isArray(axis) && typeof axis !== 'number') throw new InvalidArgumentError(`squeeze: axis must be an array of axes, got ${axis === null ? 'null' : typeof axis}`);
  const axes = axis === undefined ? undefined : [axis].flat(); // a single number as TF.js takes it
  const drop = new Set(axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : axes.map((a) => axisArg('squeeze', a, x.rank)));
  for (const a of drop) {
    if (x.shape[a] !== 1) throw new ShapeError(`squeeze: dimension ${a} of ${fmtShape(x.shape)} is ${x.shape[a]}, not 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !drop.has(i)));
}

/** The values as a 1-D tensor. */
export function flatten(x: Tensor): Tensor {
  return reshape(tensorArg('flatten', 'x', x), [-1]);
}

/** Joins tensors of one shape along a new dimension at `axis` (default 0). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensorListArg('stack', 'tensors', tensors).length === 0) throw new InvalidArgumentError('stack: expected a non-empty array of tensors');
  const shape = tensors[0]!.shape;
  const other = tensors.find((t) => t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]));
  if (other) throw new ShapeError(`stack: all tensors must have one shape, got ${fmtShape(shape)} and ${fmtShape(other.shape)}`);
  const a = axisArg('stack', axis, shape.length, 1);
  // Intermediates stay for the caller's tidy: the tape may still refer to them.
  return concat(tensors.map((t) => expandDims(t, a)), a);
}

/** The slices of `x` along `axis` (default 0), each without that dimension. */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  tensorArg('unstack', 'x', x);
  const a = axisArg('unstack', axis, x.rank);
  return split(x, x.shape[a]!, a).map((part) => squeeze(part, [a]));
}

/** How many parts `split` makes of an empty dimension at most. */
const MAX_EMPTY_PARTS = 65536;

/**
 * Splits `x` along `axis` (default 0) into `numOrSizeSplits` equal parts, or
 * into parts of the given sizes (one may be -1: the rest).
 */
export function split(x: Tensor, numOrSizeSplits: number | readonly number[], axis = 0): Tensor[] {
  tensorArg('split', 'x', x);
  const a = axisArg('split', axis, x.rank);
  const n = x.shape[a]!;
  let sizes: number[];
  if (typeof numOrSizeSplits === 'number') {
    if (!(Number.isInteger(numOrSizeSplits) && numOrSizeSplits >= 1) || n % numOrSizeSplits !== 0) {
      throw new InvalidArgumentError(`split: ${numOrSizeSplits} does not divide dimension ${a} of ${fmtShape(x.shape)} (${n}) into equal parts`);
    }
    // Any count divides an empty dimension: 2^31 empty parts exhausted the JS heap and ended the process.
    if (n === 0 && numOrSizeSplits > MAX_EMPTY_PARTS) {
      throw new InvalidArgumentError(`split: ${numOrSizeSplits} empty parts of dimension ${a} of ${fmtShape(x.shape)} (at most ${MAX_EMPTY_PARTS})`);
    }
    sizes = new Array<number>(numOrSizeSplits).fill(n / numOrSizeSplits);
  } else {
    if (!Array.isArray(numOrSizeSplits) || !numOrSizeSplits.every((s) => Number.isInteger(s) && s >= -1) || numOrSizeSplits.filter((s) => s === -1).length > 1) {
      throw new InvalidArgumentError(`split: sizes must be non-negative integers with at most one -1, got ${JSON.stringify(numOrSizeSplits)}`);
    }
    const known = numOrSizeSplits.reduce((acc, s) => acc + (s === -1 ? 0 : s), 0);
    sizes = numOrSizeSplits.map((s) => (s === -1 ? n - known : s));
    if (known > n || sizes.reduce((acc, s) => acc + s, 0) !== n) {
      throw new InvalidArgumentError(`split: sizes ${JSON.stringify(numOrSizeSplits)} do not add up to dimension ${a} of ${fmtShape(x.shape)} (${n})`);
    }
  }
  let start = 0;
  return sizes.map((s) => {
    const part = slice(x, x.shape.map((_, i) => (i === a ? start : 0)), x.shape.map((d, i) => (i === a ? s : d)));
    start += s;
    return part;
  });
}
