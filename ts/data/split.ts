/**
 * Row-data helpers: seeded shuffling, train/test splits, scaling, one-hot.
 *
 * Data is a flat typed array of rows of `width` values (row-major), the
 * layout tensors use: 100 samples of 4 features are a Float32Array of 400.
 */
import { InvalidArgumentError } from '../errors.js';
import { optionsArg } from '../options.js';

/** Typed arrays these helpers accept as row data. */
export type RowData = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array;

/**
 * mulberry32, a tiny 32-bit PRNG (Tommy Ettinger's): a 32-bit state advanced
 * by a Weyl increment and mixed; period 2^32, fine for shuffling, not for
 * cryptography. Returns a function giving floats in [0, 1). The same seed
 * gives the same sequence on every platform.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random permutation of 0..n-1 (Fisher–Yates with mulberry32(seed)). */
export function shuffledIndices(n: number, seed = 0): Uint32Array {
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`shuffledIndices: n must be a non-negative integer, got ${n}`);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}

function rowCount(fn: string, what: string, data: RowData, width: number): number {
  if (!ArrayBuffer.isView(data)) throw new InvalidArgumentError(`${fn}: ${what} must be a typed array, got ${typeof data}`);
  if (!Number.isInteger(width) || width < 1) throw new InvalidArgumentError(`${fn}: ${what} width must be a positive integer, got ${width}`);
  if (data.length % width !== 0) {
    throw new InvalidArgumentError(`${fn}: ${what} has ${data.length} values, not a whole number of rows of width ${width}`);
  }
  return data.length / width;
}

/** The rows of `data` (rows of `width`) at `indices`, in that order, as a new array of the same type. */
export function takeRows<T extends RowData>(data: T, width: number, indices: ArrayLike<number>): T {
  const n = rowCount('takeRows', 'data', data, width);
  const out = new (data.constructor as new (n: number) => T)(indices.length * width);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    if (!(i >= 0 && i < n)) throw new InvalidArgumentError(`takeRows: row index ${i} out of range [0, ${n})`);
    out.set(data.subarray(i * width, (i + 1) * width) as never, r * width);
  }
  return out;
}

/** Shuffles rows of `x` and `y` together (same permutation); returns new arrays. */
export function shuffleRows<X extends RowData, Y extends RowData>(
  x: X,
  y: Y,
  options: { seed?: number; xWidth?: number; yWidth?: number } = {},
): { x: X; y: Y; indices: Uint32Array } {
  options = optionsArg('shuffleRows', options);
  const { n, xWidth, yWidth } = widths('shuffleRows', x, y, options.xWidth, options.yWidth);
  const indices = shuffledIndices(n, options.seed ?? 0);
  return { x: takeRows(x, xWidth, indices), y: takeRows(y, yWidth, indices), indices };
}

function widths(fn: string, x: RowData, y: RowData, xWidth?: number, yWidth?: number): { n: number; xWidth: number; yWidth: number } {
  if (!ArrayBuffer.isView(x) || !ArrayBuffer.isView(y)) throw new InvalidArgumentError(`${fn}: x and y must be typed arrays`);
  let n: number;
  if (xWidth !== undefined) {
    n = rowCount(fn, 'x', x, xWidth);
    if (yWidth === undefined) {
      if (n === 0 ? y.length !== 0 : y.length % n !== 0) throw new InvalidArgumentError(`${fn}: x has ${n} rows but y has ${y.length} values, not a multiple`);
      yWidth = n === 0 ? 1 : y.length / n;
    }
  } else {
    yWidth ??= 1;
    n = rowCount(fn, 'y', y, yWidth);
    if (n === 0 ? x.length !== 0 : x.length % n !== 0) {
      throw new InvalidArgumentError(`${fn}: y has ${n} rows (width ${yWidth}) but x has ${x.length} values, not a multiple; pass xWidth`);
    }
    xWidth = n === 0 ? 1 : x.length / n;
  }
  const ny = rowCount(fn, 'y', y, yWidth);
  if (ny !== n) throw new InvalidArgumentError(`${fn}: x has ${n} rows (width ${xWidth}) but y has ${ny} rows (width ${yWidth})`);
  return { n, xWidth, yWidth };
}

/**
 * A stratified train/test split of `n = labels.length` rows: each class is
 * shuffled (mulberry32(seed)) and split on its own, so both sets keep the
 * class proportions. Returns row indices; each set in shuffled order.
 */
export function stratifiedSplitIndices(labels: ArrayLike<number>, options: { testFraction?: number; seed?: number } = {}): { trainIndices: Uint32Array; testIndices: Uint32Array } {
  const { testFraction = 0.2, seed = 0 } = optionsArg('stratifiedSplitIndices', options);
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') throw new InvalidArgumentError(`stratifiedSplitIndices: labels must be an array of class indices, got ${labels === null ? 'null' : typeof labels}`);
  if (typeof testFraction !== 'number' || !(testFraction >= 0 && testFraction <= 1)) {
    throw new InvalidArgumentError(`stratifiedSplitIndices: testFraction must be in [0, 1], got ${testFraction}`);
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c)) throw new InvalidArgumentError(`stratifiedSplitIndices: label ${i} is ${c}, not an integer class`);
    (byClass.get(c) ?? byClass.set(c, []).get(c)!).push(i);
  }
  const train: number[] = [], test: number[] = [];
  [...byClass.keys()].sort((a, b) => a - b).forEach((c, k) => {
    const rows = byClass.get(c)!;
    const order = shuffledIndices(rows.length, seed + k);
    const nTest = Math.round(rows.length * testFraction);
    order.forEach((j, r) => (r < nTest ? test : train).push(rows[j]!));
  });
  const mix = (rows: number[], s: number) => Uint32Array.from(shuffledIndices(rows.length, s), (j) => rows[j]!);
  return { trainIndices: mix(train, seed + 1000), testIndices: mix(test, seed + 2000) };
}

export interface SplitOptions {
  /** Fraction of rows for the test set, in [0, 1]; default 0.2. The test set has round(n·testFraction) rows. */
  testFraction?: number;
  /** Seed of the shuffle (mulberry32); default 0. */
  seed?: number;
  /** Shuffle before splitting (default true); if false the last rows are the test set. */
  shuffle?: boolean;
  /** Values per row of x; default x.length / rows of y. */
  xWidth?: number;
  /** Values per row of y; default 1 (one label per row), or y.length / rows of x when xWidth is given. */
  yWidth?: number;
}

export interface Split<X extends RowData, Y extends RowData> {
  xTrain: X;
  yTrain: Y;
  xTest: X;
  yTest: Y;
  /** The rows of the original data in each set. */
  trainIndices: Uint32Array;
  testIndices: Uint32Array;
}

/**
 * Splits rows of `x` and `y` into train and test sets, shuffled with a seed.
 *
 *     const s = trainTestSplit(features, labels, { testFraction: 0.25, seed: 42, xWidth: 4 });
 */
export function trainTestSplit<X extends RowData, Y extends RowData>(x: X, y: Y, options: SplitOptions = {}): Split<X, Y> {
  const { testFraction = 0.2, seed = 0, shuffle = true } = optionsArg('trainTestSplit', options);
  if (typeof testFraction !== 'number' || !(testFraction >= 0 && testFraction <= 1)) {
    throw new InvalidArgumentError(`trainTestSplit: testFraction must be in [0, 1], got ${testFraction}`);
  }
  const { n, xWidth, yWidth } = widths('trainTestSplit', x, y, options.xWidth, options.yWidth);
  const nTest = Math.round(n * testFraction);
  const order = shuffle ? shuffledIndices(n, seed) : Uint32Array.from({ length: n }, (_, i) => i);
  const trainIndices = order.slice(0, n - nTest);
  const testIndices = order.slice(n - nTest);
  return {
    xTrain: takeRows(x, xWidth, trainIndices),
    yTrain: takeRows(y, yWidth, trainIndices),
    xTest: takeRows(x, xWidth, testIndices),
    yTest: takeRows(y, yWidth, testIndices),
    trainIndices,
    testIndices,
  };
}

/** Per-column minimum and maximum, from `normalize`. */
export interface MinMaxStats {
  min: Float32Array;
  max: Float32Array;
}

/** Per-column mean and (population) standard deviation, from `standardize`. */
export interface StandardStats {
  mean: Float32Array;
  std: Float32Array;
}

/**
 * Min-max scaling per column to [0, 1]: (v - min) / (max - min); a constant
 * column becomes 0. Pass the `stats` from the training data to scale test
 * data the same way (its values may then fall outside [0, 1]). `width` 1
 * scales all values together.
 */
export function normalize(x: RowData, width = 1, stats?: MinMaxStats): { data: Float32Array; stats: MinMaxStats } {
  const n = rowCount('normalize', 'x', x, width);
  let s = stats;
  if (s) checkStats('normalize', s.min, s.max, width, 'min', 'max');
  else {
    const min = new Float32Array(width).fill(Infinity);
    const max = new Float32Array(width).fill(-Infinity);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < width; c++) {
        const v = x[r * width + c]!;
        if (v < min[c]!) min[c] = v;
        if (v > max[c]!) max[c] = v;
      }
    }
    s = { min, max };
  }
  const data = new Float32Array(x.length);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < width; c++) {
      const range = s.max[c]! - s.min[c]!;
      const i = r * width + c;
      data[i] = range > 0 ? (x[i]! - s.min[c]!) / range : 0;
    }
  }
  return { data, stats: s };
}

/**
 * Standardization per column: (v - mean) / std, std the population standard
 * deviation (a constant column becomes 0). Pass the training `stats` to
 * transform test data the same way.
 */
export function standardize(x: RowData, width = 1, stats?: StandardStats): { data: Float32Array; stats: StandardStats } {
  const n = rowCount('standardize', 'x', x, width);
  let s = stats;
  if (s) checkStats('standardize', s.mean, s.std, width, 'mean', 'std');
  else {
    if (n === 0) throw new InvalidArgumentError('standardize: no rows to compute statistics from');
    const sum = new Float64Array(width);
    for (let i = 0; i < x.length; i++) sum[i % width] += x[i]!;
    const mean = sum.map((v) => v / n);
    const sq = new Float64Array(width);
    for (let i = 0; i < x.length; i++) {
      const d = x[i]! - mean[i % width]!;
      sq[i % width] += d * d;
    }
    s = { mean: Float32Array.from(mean), std: Float32Array.from(sq, (v) => Math.sqrt(v / n)) };
  }
  const data = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = i % width;
    const sd = s.std[c]!;
    data[i] = sd > 0 ? (x[i]! - s.mean[c]!) / sd : 0;
  }
  return { data, stats: s };
}

function checkStats(fn: string, a: ArrayLike<number>, b: ArrayLike<number>, width: number, an: string, bn: string): void {
  if (!a || !b || a.length !== width || b.length !== width) {
    throw new InvalidArgumentError(`${fn}: stats.${an} and stats.${bn} must have ${width} values (one per column), got ${a?.length} and ${b?.length}`);
  }
}

/**
 * One-hot encodes class indices: row i of the result (numClasses wide) is 1
 * at labels[i]. Throws `InvalidArgumentError` naming the first label outside
 * [0, numClasses).
 */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new InvalidArgumentError(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= numClasses) {
      throw new InvalidArgumentError(`oneHot: labels[${i}] is ${l}, outside [0, ${numClasses})`);
    }
    out[i * numClasses + l] = 1;
  }
  return out;
}
