/** Tensor creation and engine memory statistics. */
import { call } from '../engine/backend.js';
import { InvalidArgumentError } from '../errors.js';
import { Tensor, fmtShape, type NestedArray, type Shape } from '../tensor.js';

export type TypedArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array | Uint8ClampedArray;
export type TensorLike = number | NestedArray | TypedArray;

/**
 * Creates a float32 tensor from a number, nested arrays or a typed array.
 * `shape` defaults to the nesting of `values` (or `[n]` for a typed array).
 *
 *     tensor([[1, 2], [3, 4]])            // shape [2,2]
 *     tensor(new Float32Array(6), [2, 3])
 */
export function tensor(values: TensorLike, shape?: Shape): Tensor {
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
  const finalShape = shape ? [...shape] : inferred;
  for (const d of finalShape) {
    if (!Number.isInteger(d) || d < 0) throw new InvalidArgumentError(`tensor: invalid shape ${fmtShape(finalShape)}`);
  }
  const id = call((g) => g.tensor_from(flat, Uint32Array.from(finalShape)));
  return new Tensor(id, finalShape);
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
