/** Reshaping, transposing, slicing, joining and indexing. */
import { call } from '../engine/backend.js';
import { InvalidArgumentError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { fill, tensor } from './create.js';
import { dims, tensorArg, tensorListArg, wrap } from './handle.js';

/** Same values in a new shape; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  tensorArg('reshape', 'x', x);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= -1)) throw new InvalidArgumentError(`reshape: invalid shape ${JSON.stringify(shape)}`);
  const [ix, s] = [x.id, Int32Array.from(shape)];
  return wrap(call((g) => g.op_reshape(ix, s)));
}

/** Permutes axes (default: reverses them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  tensorArg('transpose', 'x', x);
  const p = dims('transpose', 'perm', perm ?? x.shape.map((_, i) => x.rank - 1 - i));
  const ix = x.id;
  return wrap(call((g) => g.op_transpose(ix, p)));
}

/** The block starting at `begin` of `size` (-1 or omitted: to the end). */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  tensorArg('slice', 'x', x);
  const b = dims('slice', 'begin', begin);
  const s = Int32Array.from(size ?? begin.map(() => -1));
  const ix = x.id;
  return wrap(call((g) => g.op_slice(ix, b, s)));
}

/** Joins tensors along `axis`. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  const ids = Uint32Array.from(tensorListArg('concat', 'tensors', xs).map((t) => t.id));
  return wrap(call((g) => g.op_concat(ids, axis)));
}

export function indexList(op: string, indices: unknown): readonly number[] {
  if (!Array.isArray(indices)) throw new InvalidArgumentError(`${op}: indices must be an int32 tensor or an array of integers, got ${JSON.stringify(indices) ?? String(indices)}`);
  return indices as number[];
}

/** Entries of `x` along `axis` at `indices` (int32 tensor or numbers). TF.js's `batchDims` other than 0 is refused. */
export function gather(x: Tensor, indices: Tensor | readonly number[], axis = 0, batchDims = 0): Tensor {
  tensorArg('gather', 'x', x);
  if (batchDims !== 0) throw new InvalidArgumentError(`gather: batchDims ${batchDims} is not supported (only 0)`);
  const ti = indices instanceof Tensor ? indices : tensor([...indexList('gather', indices)], [indices.length], 'int32');
  try {
    const [ix, ii] = [x.id, ti.id];
    return wrap(call((g) => g.op_gather(ix, ii, axis)));
  } finally {
    if (ti !== indices) ti.dispose();
  }
}

/** Rows `start .. start+count` of `x` (first axis). */
export function sliceRows(x: Tensor, start: number, count: number): Tensor {
  const begin = x.shape.map((_, i) => (i === 0 ? start : 0));
  const size = x.shape.map((d, i) => (i === 0 ? count : d));
  return slice(x, begin, size);
}

/**
 * Zero padding: `paddings[i] = [before, after]` zeros along axis `i` (as
 * `tf.pad` with a zero constant; another `constantValue` is refused). Composed from `concat`, so it is
 * differentiable and its gradient is a slice.
 */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor {
  tensorArg('pad', 'x', x);
  if (constantValue !== 0) throw new InvalidArgumentError(`pad: only zero padding is supported, got constantValue ${constantValue}`);
  if (!Array.isArray(paddings)) throw new InvalidArgumentError(`pad: paddings must be an array of [before, after] pairs, got ${paddings === null ? 'null' : typeof paddings}`);
  if (paddings.length !== x.rank) throw new InvalidArgumentError(`pad: paddings has ${paddings.length} entries for a tensor of rank ${x.rank}`);
  if (!paddings.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0))) {
    throw new InvalidArgumentError(`pad: paddings must be pairs of non-negative integers, got ${JSON.stringify(paddings)}`);
  }
  // Intermediates are left to the caller's tidy: the tape may still refer to them.
  let y = x;
  paddings.forEach(([before, after], axis) => {
    if (before === 0 && after === 0) return;
    const side = (n: number) => fill(y.shape.map((d, i) => (i === axis ? n : d)), 0);
    y = concat([...(before ? [side(before)] : []), y, ...(after ? [side(after)] : [])], axis);
  });
  return y === x ? reshape(x, x.shape) : y;  // a new tensor, still on the tape
}

/** `x` with the order of entries along `axis` reversed (as `tf.reverse` on one axis); a gather, so differentiable. */
export function reverse(x: Tensor, axis: number): Tensor {
  tensorArg('reverse', 'x', x);
  const a = axis < 0 ? x.rank + axis : axis;
  if (!(Number.isInteger(a) && a >= 0 && a < x.rank)) throw new InvalidArgumentError(`reverse: axis ${axis} is out of range for rank ${x.rank}`);
  const n = x.shape[a]!;
  return gather(x, Array.from({ length: n }, (_, i) => n - 1 - i), a);
}
