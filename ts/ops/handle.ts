/** Shared plumbing of op wrappers: handle → Tensor, argument checks. */
import { InvalidArgumentError } from '../errors.js';
import { Tensor, type DType, type Shape } from '../tensor.js';
import { PADDINGS, type Padding } from './names.js';

/** What an argument is, for error messages (`null`, `undefined`, `an array`, `the number 3`, ...). */
function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array (sinew.tensor(values) makes one a Tensor)';
  if (typeof v === 'object') {
    const c = (v as object).constructor?.name;
    return !c || c === 'Object' ? 'a plain object' : `a ${c}`;
  }
  return `the ${typeof v} ${typeof v === 'string' ? `'${v}'` : String(v)}`;
}

/**
 * A tensor argument of an op, checked. Every public op passes its tensor
 * arguments through here (or `optionalTensorArg` / `tensorListArg`) before
 * touching them, so `add(null, x)` is an InvalidArgumentError naming the op
 * and the argument, not a TypeError from reading `.id` of null.
 * `orNumber`: the op also takes a number (as a scalar).
 */
export function tensorArg(op: string, what: string, x: unknown, orNumber = false): Tensor {
  if (x instanceof Tensor) return x;
  throw new InvalidArgumentError(`${op}: ${what} must be a Tensor${orNumber ? ' or a number' : ''}, got ${describe(x)}`);
}

/** Several tensor arguments by name (`{ yTrue, yPred }`), each checked as `tensorArg`. */
export function tensorArgs(op: string, args: Record<string, unknown>): void {
  for (const [what, x] of Object.entries(args)) tensorArg(op, what, x);
}

/** An optional tensor argument (`bias`, `mask`, ...): undefined or null mean none. */
export function optionalTensorArg(op: string, what: string, x: unknown): Tensor | undefined {
  return x === undefined || x === null ? undefined : tensorArg(op, what, x);
}

/** A list of tensors (`concat`, `stack`), each checked. */
export function tensorListArg(op: string, what: string, xs: unknown): Tensor[] {
  if (!Array.isArray(xs)) throw new InvalidArgumentError(`${op}: ${what} must be an array of Tensors, got ${describe(xs)}`);
  return xs.map((x, i) => tensorArg(op, `${what}[${i}]`, x));
}

/**
 * Wraps an engine handle returned by an op. Shape and dtype are read from the
 * engine when first asked for, unless the op passes them (each read is an
 * engine call: a training step's layers ask for their inputs' shapes).
 */
export function wrap(id: number, shape?: Shape, dtype?: DType): Tensor {
  return new Tensor(id, shape, dtype);
}

/** A non-negative integer seed, or undefined. */
export function seedArg(op: string, seed: number | undefined): number | undefined {
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0)) {
    throw new InvalidArgumentError(`${op}: seed must be a non-negative integer, got ${seed}`);
  }
  return seed;
}

/** `n` or `[h, w]` → `[h, w]`, each a positive integer. */
export function pair(op: string, what: string, v: number | readonly [number, number]): [number, number] {
  if (typeof v !== 'number' && !(Array.isArray(v) && v.length === 2)) {
    throw new InvalidArgumentError(`${op}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(v) ?? String(v)}`);
  }
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= 1 && x < 2 ** 31)) {
    throw new InvalidArgumentError(`${op}: ${what} must be positive integers, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** A shape argument: non-negative integers. */
export function dims(op: string, what: string, shape: readonly number[]): Uint32Array {
  if (!Array.isArray(shape)) throw new InvalidArgumentError(`${op}: ${what} must be an array of non-negative integers, got ${JSON.stringify(shape) ?? String(shape)}`);
  if (!shape.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 31)) {
    throw new InvalidArgumentError(`${op}: ${what} must be non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return Uint32Array.from(shape);
}

export type { Padding } from './names.js';

/**
 * A name the engine parses (and rejects when unknown); only its type is
 * checked here. Strings cross into the engine through the wasm-bindgen glue,
 * which does not check types: a number there corrupts memory (or hangs the
 * threads build) before Rust can see it.
 */
export function name(op: string, what: string, v: unknown): string {
  if (typeof v !== 'string') throw new InvalidArgumentError(`${op}: ${what} must be a string, got ${String(v)} (${typeof v})`);
  return v;
}

/** One of `PADDINGS` (`'same'` or `'valid'`). */
export function padding(op: string, v: unknown): Padding {
  if (!(PADDINGS as readonly unknown[]).includes(v)) {
    throw new InvalidArgumentError(`${op}: padding must be ${PADDINGS.map((p) => `'${p}'`).join(' or ')}, got ${typeof v === 'string' ? `'${v}'` : String(v)}`);
  }
  return v as Padding;
}
