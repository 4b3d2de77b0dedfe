/**
 * Streaming datasets in the spirit of TF.js's `tf.data`: a `Dataset` is a
 * recipe for iterators, and every transformation (`map`, `filter`,
 * `shuffle`, `batch`, ...) pulls from its source one element at a time, so
 * data larger than memory flows through without being loaded whole.
 *
 *     const ds = sinew.data.generator(function* () { for (;;) yield { xs: [Math.random()], ys: [0] }; })
 *       .take(10_000).shuffle(256, 1).batch(32).prefetch(2);
 *     await model.fitDataset(ds, { epochs: 3 });
 *
 * As in TF.js: `map` and `filter` dispose the tensors of an input element
 * they do not pass on, `batch` stacks numbers, number arrays and tensors
 * (recursing into objects and arrays of them) and disposes the rows, and
 * `array` clones its tensors so a pipeline never disposes the caller's own.
 * Runs wherever Sinew runs (Node, a browser Worker): no Node modules here.
 */
import { InvalidArgumentError } from '../errors.js';
import { clone, tensor } from '../ops/create.js';
import { Tensor } from '../tensor.js';
import { mulberry32 } from './split.js';

/** An iterator over a dataset's elements (TF.js's `LazyIterator`): `await it.next()`. */
export interface DatasetIterator<T> {
  next(): Promise<IteratorResult<T, undefined>>;
}

type Source<T> = () => AsyncIterator<T> | Promise<AsyncIterator<T>>;

/** The tensors inside a container (objects and arrays, as `tidy` walks them). */
function tensorsIn(value: unknown, into: Set<Tensor> = new Set()): Set<Tensor> {
  if (value instanceof Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) tensorsIn(v, into);
  else if (isPlainObject(value)) for (const v of Object.values(value)) tensorsIn(v, into);
  return into;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/** Disposes the tensors of `input` that are not in `output`. */
function disposeUnused(input: unknown, output: unknown): void {
  const keep = tensorsIn(output);
  for (const t of tensorsIn(input)) if (!keep.has(t) && !t.isDisposed) t.dispose();
}

function count(where: string, n: unknown): number {
  if (n === undefined || n === null) return -1;
  if (typeof n !== 'number' || Number.isNaN(n) || (Number.isFinite(n) && !Number.isInteger(n))) throw new InvalidArgumentError(`${where}: count must be an integer, got ${String(n)}`);
  return n;
}

/** A 32-bit seed from TF.js's string seeds or a number. */
function seedOf(seed: string | number | undefined): number {
  if (seed === undefined) return (Math.random() * 2 ** 32) >>> 0;
  if (typeof seed === 'number') return seed >>> 0;
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class Dataset<T> {
  /** Number of elements when known (`Infinity` for an endless `repeat()`), else `null` (TF.js's `size`). */
  readonly size: number | null;
  readonly #source: Source<T>;

  constructor(source: Source<T>, size: number | null = null) {
    this.#source = source;
    this.size = size;
  }

  /** A fresh iterator from the start of the data. */
  async iterator(): Promise<DatasetIterator<T>> {
    const it = await this.#source();
    return { next: () => it.next() as Promise<IteratorResult<T, undefined>> };
  }

  /** `for await (const e of ds)`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    const it = await this.iterator();
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }

  #derive<O>(size: number | null, gen: (self: Dataset<T>) => AsyncGenerator<O, void, undefined>): Dataset<O> {
    return new Dataset<O>(() => gen(this), size);
  }

  /** Each element through `f` (synchronous, as TF.js's `map`); tensors of the input not in the output are disposed. */
  map<O>(f: (value: T) => O): Dataset<O> {
    if (typeof f !== 'function') throw new InvalidArgumentError(`Dataset.map: expected a function, got ${typeof f}`);
    return this.#derive(this.size, async function* (self) {
      for await (const v of self) {
        const out = f(v);
        disposeUnused(v, out);
        yield out;
      }
    });
  }

  /** `map` with an async function (TF.js's `mapAsync`). */
  mapAsync<O>(f: (value: T) => Promise<O>): Dataset<O> {
    if (typeof f !== 'function') throw new InvalidArgumentError(`Dataset.mapAsync: expected a function, got ${typeof f}`);
    return this.#derive(this.size, async function* (self) {
      for await (const v of self) {
        const out = await f(v);
        disposeUnused(v, out);
        yield out;
      }
    });
  }

  /** The elements for which `predicate` is true; the others' tensors are disposed. */
  filter(predicate: (value: T) => boolean): Dataset<T> {
    if (typeof predicate !== 'function') throw new InvalidArgumentError(`Dataset.filter: expected a function, got ${typeof predicate}`);
    return this.#derive(null, async function* (self) {
      for await (const v of self) {
        if (predicate(v)) yield v;
        else disposeUnused(v, undefined);
      }
    });
  }

  /**
   * Shuffles through a buffer of `bufferSize` elements (TF.js / tf.data
   * semantics: a buffer as large as the dataset gives a uniform shuffle; only
   * the buffer is held in memory). `seed` makes the order reproducible; with
   * `reshuffleEachIteration` (default) each new iterator draws a new order.
   */
  shuffle(bufferSize: number, seed?: string | number, reshuffleEachIteration = true): Dataset<T> {
    if (!(Number.isInteger(bufferSize) && bufferSize >= 1)) throw new InvalidArgumentError(`Dataset.shuffle: bufferSize must be a positive integer, got ${String(bufferSize)}`);
    const seeds = mulberry32(seedOf(seed));
    const fixed = (seeds() * 2 ** 32) >>> 0;
    return new Dataset<T>(() => {
      const random = mulberry32(reshuffleEachIteration ? (seeds() * 2 ** 32) >>> 0 : fixed);
      return (async function* (self: Dataset<T>) {
        const buffer: T[] = [];
        for await (const v of self) {
          if (buffer.length < bufferSize) {
            buffer.push(v);
            continue;
          }
          const i = Math.floor(random() * bufferSize);
          const out = buffer[i]!;
          buffer[i] = v;
          yield out;
        }
        while (buffer.length > 0) {
          const i = Math.floor(random() * buffer.length);
          const out = buffer[i]!;
          buffer[i] = buffer[buffer.length - 1]!;
          buffer.pop();
          yield out;
        }
      })(this);
    }, this.size);
  }

  /**
   * Groups `batchSize` consecutive elements into one (TF.js `batch`): numbers
   * and arrays of numbers become a tensor with a leading batch axis, tensors
   * are stacked, objects and arrays holding tensors are batched per entry.
   * The last, smaller batch is kept unless `smallLastBatch` is false.
   */
  batch(batchSize: number, smallLastBatch = true): Dataset<Batched<T>> {
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new InvalidArgumentError(`Dataset.batch: batchSize must be a positive integer, got ${String(batchSize)}`);
    const size = this.size === null ? null : !Number.isFinite(this.size) ? Infinity : smallLastBatch ? Math.ceil(this.size / batchSize) : Math.floor(this.size / batchSize);
    return this.#derive(size, async function* (self) {
      let rows: T[] = [];
      for await (const v of self) {
        rows.push(v);
        if (rows.length === batchSize) {
          yield batchRows(rows);
          rows = [];
        }
      }
      if (rows.length > 0 && smallLastBatch) yield batchRows(rows);
      else for (const r of rows) disposeUnused(r, undefined);
    }) as Dataset<Batched<T>>;
  }

  /** The first `count` elements (all of them when `count` is negative or omitted). */
  take(n?: number): Dataset<T> {
    const k = count('Dataset.take', n);
    if (k < 0) return this;
    const size = this.size === null ? null : Math.min(this.size, k);
    return new Dataset<T>(async () => {
      // The source iterator is created only when the first element is asked for, and never read past `k`.
      const gen = async function* (self: Dataset<T>) {
        if (k === 0) return;
        const it = await self.iterator();
        for (let i = 0; i < k; i++) {
          const r = await it.next();
          if (r.done) return;
          yield r.value;
        }
      };
      return gen(this);
    }, size);
  }

  /** All but the first `count` elements (their tensors are disposed). */
  skip(n?: number): Dataset<T> {
    const k = count('Dataset.skip', n);
    if (k <= 0) return this;
    const size = this.size === null ? null : Math.max(0, this.size - k);
    return this.#derive(size, async function* (self) {
      let i = 0;
      for await (const v of self) {
        if (i++ < k) disposeUnused(v, undefined);
        else yield v;
      }
    });
  }

  /** The dataset `count` times over (forever when omitted or negative), restarting its source each time. */
  repeat(n?: number): Dataset<T> {
    const k = count('Dataset.repeat', n);
    const size = k < 0 ? (this.size === 0 ? 0 : Infinity) : this.size === null ? null : this.size * k;
    return this.#derive(size, async function* (self) {
      for (let i = 0; k < 0 || i < k; i++) {
        let any = false;
        for await (const v of self) {
          any = true;
          yield v;
        }
        // An empty source repeated forever would spin without yielding.
        if (!any) return;
      }
    });
  }

  /** This dataset's elements, then `other`'s. */
  concatenate(other: Dataset<T>): Dataset<T> {
    if (!(other instanceof Dataset)) throw new InvalidArgumentError('Dataset.concatenate: expected a Dataset');
    const size = this.size === null || other.size === null ? null : this.size + other.size;
    return this.#derive(size, async function* (self) {
      yield* self;
      yield* other;
    });
  }

  /**
   * Reads up to `bufferSize` elements ahead of the consumer, so an async
   * source (a file, a URL, an async generator) is read while the model trains.
   */
  prefetch(bufferSize: number): Dataset<T> {
    if (!(Number.isInteger(bufferSize) && bufferSize >= 1)) throw new InvalidArgumentError(`Dataset.prefetch: bufferSize must be a positive integer, got ${String(bufferSize)}`);
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      const ahead: Promise<IteratorResult<T, undefined>>[] = [];
      let done = false;
      const fill = () => {
        while (!done && ahead.length < bufferSize) ahead.push(it.next());
      };
      return {
        async next(): Promise<IteratorResult<T, undefined>> {
          fill();
          if (ahead.length === 0) return { done: true, value: undefined };
          const r = await ahead.shift()!;
          if (r.done) {
            done = true;
            ahead.length = 0;
          } else {
            fill();
          }
          return r;
        },
      };
    }, this.size);
  }

  /** Calls `f` on every element in order (awaiting it when it returns a promise). */
  async forEachAsync(f: (value: T) => void | Promise<void>): Promise<void> {
    if (this.size === Infinity) throw new InvalidArgumentError('Dataset.forEachAsync: the dataset is endless (repeat() without a count); take() a part first');
    for await (const v of this) await f(v);
  }

  /** Every element in an array (the whole dataset in memory: for small datasets and tests). */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new InvalidArgumentError('Dataset.toArray: the dataset is endless (repeat() without a count); take() a part first');
    const out: T[] = [];
    for await (const v of this) out.push(v);
    return out;
  }
}

/** What `batch` makes of an element type: numbers and tensors become tensors, containers are batched per entry. */
export type Batched<T> = T extends Tensor ? Tensor
  : T extends number | boolean ? Tensor
  : T extends ArrayLike<number> ? Tensor
  : T extends readonly unknown[] ? { [K in keyof T]: Batched<T[K]> }
  : T extends Record<string, unknown> ? { [K in keyof T]: Batched<T[K]> }
  : Tensor;

/** A number, boolean, numeric array (nested) or typed array: a leaf `batch` turns into a tensor. */
function isNumericLeaf(v: unknown): boolean {
  if (typeof v === 'number' || typeof v === 'boolean') return true;
  if (ArrayBuffer.isView(v)) return true;
  return Array.isArray(v) && v.length > 0 && v.every(isNumericLeaf);
}

/** Stacks rows (same structure each) into one batched element, disposing the rows' tensors. */
function batchRows<T>(rows: T[]): Batched<T> {
  try {
    return batchLeaf(rows as unknown[], 'element') as Batched<T>;
  } finally {
    for (const r of rows) disposeUnused(r, undefined);
  }
}

function batchLeaf(values: unknown[], path: string): unknown {
  const first = values[0];
  if (first instanceof Tensor) {
    const shape = first.shape;
    for (const v of values) {
      if (!(v instanceof Tensor) || v.dtype !== first.dtype || v.shape.length !== shape.length || v.shape.some((d, i) => d !== shape[i])) {
        throw new InvalidArgumentError(`Dataset.batch: ${path} must be a ${first.dtype} tensor of shape [${shape.join(',')}] in every element (as in the first), got ${v instanceof Tensor ? `${v.dtype} [${v.shape.join(',')}]` : typeof v}`);
      }
    }
    const size = first.size;
    const Ctor = first.dtype === 'int32' ? Int32Array : Float32Array;
    const data = new Ctor(size * values.length);
    values.forEach((v, i) => data.set((v as Tensor).dataSync(), i * size));
    return tensor(data, [values.length, ...shape], first.dtype);
  }
  // A nested number array whose parts differ in length (e.g. `[xs, ys]` of
  // 4 and 1 numbers) is a container: each part is batched on its own.
  const ragged = Array.isArray(first) && first.some(Array.isArray) && first.some((p) => !Array.isArray(p) || p.length !== (first[0] as unknown[]).length);
  if (isNumericLeaf(first) && !ragged) {
    const rows = values.map((v) => (typeof v === 'boolean' ? Number(v) : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v));
    try {
      return tensor(rows as number[]);
    } catch (e) {
      throw new InvalidArgumentError(`Dataset.batch: ${path} must have the same shape in every element (${(e as Error).message})`);
    }
  }
  if (Array.isArray(first)) {
    return first.map((_, i) => batchLeaf(values.map((v) => (v as unknown[])[i]), `${path}[${i}]`));
  }
  if (isPlainObject(first)) {
    return Object.fromEntries(Object.keys(first).map((k) => [k, batchLeaf(values.map((v) => (v as Record<string, unknown>)[k]), `${path}.${k}`)]));
  }
  throw new InvalidArgumentError(`Dataset.batch: ${path} is ${typeof first === 'string' ? 'a string' : String(first)}; only numbers, booleans, numeric arrays and tensors (in objects or arrays) can be batched into tensors — map strings to numbers first`);
}

/**
 * A dataset over the items of an array (TF.js `data.array`). Tensors in the
 * items are cloned on the way out, so the pipeline's disposals never reach the array.
 */
export function array<T>(items: readonly T[]): Dataset<T> {
  if (!Array.isArray(items)) throw new InvalidArgumentError(`data.array: expected an array, got ${typeof items}`);
  const copy = [...items];
  return new Dataset<T>(async function* () {
    for (const item of copy) yield cloneTensors(item);
  }, copy.length);
}

function cloneTensors<T>(v: T): T {
  if (v instanceof Tensor) return clone(v) as T;
  if (Array.isArray(v)) return v.map(cloneTensors) as T;
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneTensors(x)])) as T;
  return v;
}

/**
 * A dataset from a function returning an iterator (TF.js `data.generator`):
 * a generator function, an async generator function, or any function
 * returning `{ next() }` (whose `next` may return a promise). The function is
 * called once per pass over the data; elements are pulled only when needed.
 */
export function generator<T>(make: () => Iterator<T> | AsyncIterator<T> | Promise<Iterator<T> | AsyncIterator<T>>): Dataset<T> {
  if (typeof make !== 'function') throw new InvalidArgumentError(`data.generator: expected a function returning an iterator (e.g. a generator function), got ${typeof make}`);
  return new Dataset<T>(async () => {
    const it = await make();
    if (!it || typeof (it as Iterator<T>).next !== 'function') throw new InvalidArgumentError('data.generator: the function must return an iterator (an object with next()), e.g. be a generator function');
    return {
      async next() {
        return (await it.next()) as IteratorResult<T>;
      },
    };
  });
}

type DatasetContainer = Dataset<unknown> | DatasetContainer[] | { [key: string]: DatasetContainer };
type Zipped<C> = C extends Dataset<infer E> ? E : { [K in keyof C]: Zipped<C[K]> };

/**
 * Elements of several datasets side by side (TF.js `data.zip`): an array or
 * object of datasets (nested too) gives elements of the same structure; it
 * ends with the shortest.
 */
export function zip<C extends DatasetContainer>(datasets: C): Dataset<Zipped<C>> {
  const leaves: Dataset<unknown>[] = [];
  const collect = (c: DatasetContainer): void => {
    if (c instanceof Dataset) leaves.push(c);
    else if (Array.isArray(c)) c.forEach(collect);
    else if (isPlainObject(c)) Object.values(c).forEach(collect);
    else throw new InvalidArgumentError('data.zip: expected an array or object of datasets');
  };
  collect(datasets);
  if (leaves.length === 0) throw new InvalidArgumentError('data.zip: no datasets given');
  const sizes = leaves.map((d) => d.size);
  const size = sizes.some((s) => s === null) ? null : Math.min(...(sizes as number[]));
  return new Dataset<Zipped<C>>(async () => {
    const its = await Promise.all(leaves.map((d) => d.iterator()));
    let done = false;
    return {
      async next(): Promise<IteratorResult<Zipped<C>, undefined>> {
        if (done) return { done: true, value: undefined };
        const rs = await Promise.all(its.map((it) => it.next()));
        if (rs.some((r) => r.done)) {
          done = true;
          for (const r of rs) if (!r.done) disposeUnused(r.value, undefined);
          return { done: true, value: undefined };
        }
        let i = 0;
        const build = (c: DatasetContainer): unknown =>
          c instanceof Dataset ? rs[i++]!.value : Array.isArray(c) ? c.map(build) : Object.fromEntries(Object.entries(c).map(([k, v]) => [k, build(v)]));
        return { done: false, value: build(datasets) as Zipped<C> };
      },
    };
  }, size);
}
