/**
 * `Tensor`: a handle to values that live in the engine's WASM memory.
 * JavaScript never loops over elements; reading values copies them out once.
 */
import { call, engineF32, isInitialized } from './engine/backend.js';
import { DisposedError, OutOfMemoryError } from './errors.js';
import { track } from './engine/scope.js';
import type { TensorMethods } from './ops/methods.js';

export type DType = 'float32' | 'int32';
export type Shape = readonly number[];

/** Nested JS arrays, as `arraySync()` returns them. */
export type NestedArray = number | NestedArray[];

// Safety net for tensors the user forgot to dispose: when the JS handle is
// garbage-collected, free the engine memory. `dispose()`/`tidy` stay the
// deterministic way; GC timing is up to the JS engine.
const registry = new FinalizationRegistry<number>((id) => {
  if (isInitialized()) {
    try {
      call((g) => g.tensor_dispose(id));
    } catch {
      /* engine gone: nothing to free */
    }
  }
});

// The chainable methods (`x.sub(m).div(s)`): typed here from the ops table,
// installed on the prototype by ops/methods.ts (a type-only import, so no cycle).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface Tensor extends TensorMethods {}

export class Tensor {
  #id: number;
  #disposed = false;
  #shape: Shape | undefined;
  #dtype: DType | undefined;

  /**
   * @internal Use `tensor()` or an op to make tensors. Without `shape`, the
   * shape and dtype are read from the engine on first use: most intermediates
   * never need them, which saves a call per op.
   */
  constructor(id: number, shape?: Shape, dtype?: DType) {
    this.#id = id;
    if (shape) {
      this.#shape = Object.freeze([...shape]);
      this.#dtype = dtype ?? 'float32';
    }
    registry.register(this, id, this);
    track(this);
  }

  #meta(): void {
    const id = this.id;
    const [code, ...shape] = call((g) => g.tensor_meta(id));
    this.#shape = Object.freeze(shape);
    this.#dtype = code === 1 ? 'int32' : 'float32';
  }

  /**
   * @internal The shape if this handle already knows it (no engine call):
   * ops use it to give their outputs a shape computed in JS.
   */
  get knownShape(): Shape | undefined {
    return this.#shape;
  }

  /** Dimensions, e.g. `[batch, 784]`. */
  get shape(): Shape {
    if (!this.#shape) this.#meta();
    return this.#shape!;
  }

  /** `'float32'`, or `'int32'` for labels and indices. */
  get dtype(): DType {
    if (!this.#dtype) this.#meta();
    return this.#dtype!;
  }

  /** Engine handle. Throws `DisposedError` after `dispose()`. */
  get id(): number {
    if (this.#disposed) throw new DisposedError(`tensor ${this.#shape ? fmtShape(this.#shape) : `#${this.#id}`} was disposed`);
    return this.#id;
  }

  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Copies the values out of the engine (row-major). */
  dataSync(): Float32Array {
    const id = this.id;
    const [at, len] = call((g) => g.tensor_data_view(id));
    try {
      // One copy, straight out of the engine's memory into a fresh, unshared array.
      return engineF32(at!, len!).slice();
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      throw new OutOfMemoryError(`data: cannot allocate ${len! * 4} bytes in JavaScript for the values of a tensor of shape ${fmtShape(this.shape)}`);
    }
  }

  /** Async form of `dataSync()`, the form that also works through a remote engine. */
  async data(): Promise<Float32Array> {
    return this.dataSync();
  }

  /** The values as nested arrays shaped like the tensor. */
  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape);
  }

  async array(): Promise<NestedArray> {
    return this.arraySync();
  }

  /** Frees the engine memory now. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    registry.unregister(this);
    if (isInitialized()) call((g) => g.tensor_dispose(this.#id));
  }

  toString(): string {
    if (this.#disposed) return `Tensor(disposed${this.#shape ? `, shape=${fmtShape(this.#shape)}` : ''})`;
    return `Tensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype})\n${JSON.stringify(this.arraySync())}`;
  }

  /** Prints `toString()` to the console. */
  print(): void {
    console.log(this.toString());
  }
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

function nest(flat: Float32Array, shape: Shape): NestedArray {
  if (shape.length === 0) return flat[0]!;
  const build = (offset: number, dim: number): NestedArray[] => {
    const n = shape[dim]!;
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      out.push(dim === shape.length - 1 ? flat[offset + i]! : build(offset + i * stride, dim + 1));
    }
    return out;
  };
  return build(0, 0);
}
