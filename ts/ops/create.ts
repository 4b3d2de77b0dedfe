/** Tensor creation and engine memory statistics. */
import { call } from '../engine/backend.js';
import { DTypeError, InvalidArgumentError } from '../errors.js';
import { Tensor, fmtShape, type DType, type NestedArray, type Shape } from '../tensor.js';
import { dims, seedArg, tensorArg, wrap } from './handle.js';

export type TypedArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array | Uint8ClampedArray;
export type TensorLike = number | NestedArray | TypedArray;

/**
 * Creates a float32 tensor from a number, nested arrays or a typed array.
 * `shape` defaults to the nesting of `values` (or `[n]` for a typed array).
 *
 *     tensor([[1, 2], [3, 4]])            // shape [2,2]
 *     tensor(new Float32Array(6), [2, 3])
 */
export function tensor(values: TensorLike, shape?: Shape, dtype: DType = 'float32'): Tensor {
  if (dtype !== 'float32' && dtype !== 'int32') throw new InvalidArgumentError(`tensor: dtype must be 'float32' or 'int32', got '${dtype}'`);
  if (dtype === 'int32') checkInt32Range(values);
  let flat: Float32Array;
  let inferred: number[];
  if (typeof values === 'number') {
    flat = Float32Array.of(values);
    inferred = [];
  } else if (ArrayBuffer.isView(values)) {
    flat = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
    inferred = [flat.length];
  } else if (Array.isArray(values)) {
    inferred = inferShape(values);
    flat = new Float32Array(inferred.reduce((a, b) => a * b, 1));
    flatten(values, flat, 0);
  } else {
    throw new InvalidArgumentError(`tensor: expected a number, nested arrays or a typed array, got ${typeof values}`);
  }
  if (shape !== undefined && !Array.isArray(shape)) throw new InvalidArgumentError(`tensor: shape must be an array of non-negative integers, got ${JSON.stringify(shape) ?? String(shape)}`);
  const finalShape = shape ? [...shape] : inferred;
  for (const d of finalShape) {
    if (!Number.isInteger(d) || d < 0) throw new InvalidArgumentError(`tensor: invalid shape ${fmtShape(finalShape)}`);
  }
  // The glue copies the values into engine memory with an allocation that
  // cannot fail gracefully: check first that the space is there.
  if (flat.length >= RESERVE_CHECK_VALUES) call((g) => g.reserve_bytes(flat.length * 4));
  const id = call((g) => g.tensor_from(flat, Uint32Array.from(finalShape), dtype === 'int32'));
  return new Tensor(id, finalShape, dtype);
}

/** A rank-0 tensor (as TF.js's `scalar`). */
export function scalar(value: number, dtype?: DType): Tensor {
  if (typeof value !== 'number') throw new InvalidArgumentError(`scalar: expected a number, got ${typeof value}`);
  return tensor(value, [], dtype);
}

/**
 * A tensor of a known rank (TF.js's `tensor1d` … `tensor4d`): nested arrays
 * must nest `rank` deep; flat values (a typed array or a flat array) need
 * `shape` unless the rank is 1.
 */
function tensorOfRank(rank: number, values: TensorLike, shape?: Shape, dtype?: DType): Tensor {
  const op = `tensor${rank}d`;
  if (typeof values === 'number') throw new InvalidArgumentError(`${op}: expected an array or a typed array, got a number (use scalar())`);
  if (shape !== undefined && (!Array.isArray(shape) || shape.length !== rank)) throw new InvalidArgumentError(`${op}: shape must have ${rank} dimensions, got ${JSON.stringify(shape)}`);
  const flat = ArrayBuffer.isView(values) || (Array.isArray(values) && !Array.isArray(values[0]) && values.length > 0);
  if (flat && rank > 1 && shape === undefined) throw new InvalidArgumentError(`${op}: flat values need a shape of ${rank} dimensions`);
  if (!flat && Array.isArray(values)) {
    const inferred = inferShape(values);
    if (inferred.length !== rank && !(values.length === 0 && shape)) throw new InvalidArgumentError(`${op}: values nest ${inferred.length} deep (shape ${fmtShape(inferred)}), expected ${rank}`);
  }
  return tensor(values, shape, dtype);
}

export const tensor1d = (values: TensorLike, dtype?: DType): Tensor => tensorOfRank(1, values, undefined, dtype);
export const tensor2d = (values: TensorLike, shape?: readonly [number, number], dtype?: DType): Tensor => tensorOfRank(2, values, shape, dtype);
export const tensor3d = (values: TensorLike, shape?: readonly [number, number, number], dtype?: DType): Tensor => tensorOfRank(3, values, shape, dtype);
export const tensor4d = (values: TensorLike, shape?: readonly [number, number, number, number], dtype?: DType): Tensor => tensorOfRank(4, values, shape, dtype);

/** From this many values up, `tensor` checks that engine memory has room before copying. */
const RESERVE_CHECK_VALUES = 1 << 18;

/** Largest integer an int32 tensor holds exactly (values are stored as float32). */
const INT32_EXACT = 2 ** 24;

/** Int32 tensors are float32 inside: larger integers would be rounded silently, so they are refused. */
function checkInt32Range(values: TensorLike): void {
  const check = (v: number) => {
    if (Math.abs(v) > INT32_EXACT) throw new DTypeError(`tensor: int32 value ${v} is beyond ±2^24 (${INT32_EXACT}), the largest integer Sinew stores exactly`);
  };
  if (typeof values === 'number') check(values);
  else if (ArrayBuffer.isView(values)) {
    // Only these can hold integers beyond 2^24.
    if (values instanceof Int32Array || values instanceof Uint32Array || values instanceof Float64Array || values instanceof Float32Array) for (const v of values) check(v);
  } else if (Array.isArray(values)) {
    const walk = (a: NestedArray[]): void => {
      for (const v of a) if (Array.isArray(v)) walk(v);
      else if (typeof v === 'number') check(v);
    };
    walk(values);
  }
}

function inferShape(values: NestedArray[]): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0]!;
  }
  return shape;
}

function flatten(values: NestedArray[], out: Float32Array, offset: number, depth = 0, shape = inferShape(values)): number {
  if (values.length !== shape[depth]) {
    throw new InvalidArgumentError(`tensor: ragged nested array: expected ${shape[depth]} elements at depth ${depth}, got ${values.length}`);
  }
  for (const v of values) {
    if (Array.isArray(v)) {
      if (depth + 1 >= shape.length) throw new InvalidArgumentError(`tensor: ragged nested array at depth ${depth + 1}`);
      offset = flatten(v, out, offset, depth + 1, shape);
    } else {
      if (depth + 1 !== shape.length) throw new InvalidArgumentError(`tensor: ragged nested array at depth ${depth + 1}`);
      if (typeof v !== 'number') throw new InvalidArgumentError(`tensor: expected numbers, got ${typeof v}`);
      out[offset++] = v;
    }
  }
  return offset;
}

/** Live tensors and the bytes they hold in the engine, and the engine's WASM memory size. */
export function memory(): { numTensors: number; numBytes: number; wasmBytes: number } {
  const [numTensors, numBytes, wasmBytes] = call((g) => g.memory_stats());
  return { numTensors: numTensors!, numBytes: numBytes!, wasmBytes: wasmBytes! };
}

/** A tensor of `shape` filled with `value`. */
export function fill(shape: Shape, value: number): Tensor {
  const d = dims('fill', 'shape', shape);
  return wrap(call((g) => g.tensor_fill(d, value)));
}

export const zeros = (shape: Shape): Tensor => fill(shape, 0);
export const ones = (shape: Shape): Tensor => fill(shape, 1);
/** Zeros of `x`'s shape and dtype. */
export const zerosLike = (x: Tensor): Tensor => fillLike('zerosLike', x, 0);
/** Ones of `x`'s shape and dtype. */
export const onesLike = (x: Tensor): Tensor => fillLike('onesLike', x, 1);

function fillLike(op: string, x: Tensor, value: number): Tensor {
  tensorArg(op, 'x', x);
  const d = dims('fill', 'shape', x.shape);
  const ix = wrap(call((g) => g.tensor_fill(d, value)));
  if (x.dtype === 'float32') return ix;
  const id = ix.id;
  try {
    return wrap(call((g) => g.op_cast(id, true)));
  } finally {
    ix.dispose();
  }
}

/** `num` evenly spaced values from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!(Number.isInteger(num) && num >= 1)) throw new InvalidArgumentError(`linspace: num must be a positive integer, got ${num}`);
  const step = num === 1 ? 0 : (stop - start) / (num - 1);
  return tensor(Float32Array.from({ length: num }, (_, i) => start + i * step));
}

/**
 * The `dtype` argument of the random ops, in TF.js's place (4th, before the seed).
 * Only float32 is drawn; a number there is a seed written in the wrong place
 * (an older Sinew signature), refused rather than silently ignored.
 */
function randomDType(op: string, dtype: unknown): void {
  if (dtype === undefined || dtype === 'float32') return;
  if (typeof dtype === 'number') throw new InvalidArgumentError(`${op}: the 4th argument is dtype, as in TF.js (got the number ${dtype}); pass the seed 5th: ${op}(shape, a, b, 'float32', seed)`);
  throw new DTypeError(`${op}: dtype must be 'float32', got ${JSON.stringify(dtype)}`);
}

/** Normal(mean, stdDev) values, as TF.js's `randomNormal`; the same `seed` gives the same values on every build. */
export function randomNormal(shape: Shape, mean = 0, stdDev = 1, dtype?: 'float32', seed?: number): Tensor {
  const d = dims('randomNormal', 'shape', shape);
  randomDType('randomNormal', dtype);
  const s = seedArg('randomNormal', seed);
  return wrap(call((g) => g.random_normal(d, mean, stdDev, false, s)));
}

/** Normal values redrawn beyond two standard deviations (Keras' truncated normal). */
export function truncatedNormal(shape: Shape, mean = 0, stdDev = 1, dtype?: 'float32', seed?: number): Tensor {
  const d = dims('truncatedNormal', 'shape', shape);
  randomDType('truncatedNormal', dtype);
  const s = seedArg('truncatedNormal', seed);
  return wrap(call((g) => g.random_normal(d, mean, stdDev, true, s)));
}

/** A shuffled `[0, n)` as int32 (one epoch's sample order). */
export function randomPermutation(n: number, seed?: number): Tensor {
  if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 31)) throw new InvalidArgumentError(`randomPermutation: n must be a non-negative integer, got ${n}`);
  const s = seedArg('randomPermutation', seed);
  return wrap(call((g) => g.random_permutation(n, s)));
}

/** Uniform values on [minval, maxval), as TF.js's `randomUniform`. */
export function randomUniform(shape: Shape, minval = 0, maxval = 1, dtype?: 'float32', seed?: number): Tensor {
  const d = dims('randomUniform', 'shape', shape);
  randomDType('randomUniform', dtype);
  const s = seedArg('randomUniform', seed);
  return wrap(call((g) => g.random_uniform(d, minval, maxval, s)));
}

/** Reseeds the generator behind unseeded random ops, for reproducible runs. */
export function setSeed(seed: number): void {
  seedArg('setSeed', seed);
  call((g) => g.set_seed(seed));
}

/** A copy of `x` (same shape, dtype and values). */
export function clone(x: Tensor): Tensor {
  const id = tensorArg('clone', 'x', x).id;
  return new Tensor(call((g) => g.tensor_clone(id)), x.shape, x.dtype);
}
