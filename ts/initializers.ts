/**
 * Weight initializers, Keras names and semantics, seeded. Each is a function
 * of the weight shape returning a new tensor, plus a Keras-format config for
 * saving (`{ class_name, config }`).
 */
import { InvalidArgumentError } from './errors.js';
import { fill, randomNormal as randomNormalTensor, randomUniform as randomUniformTensor, tensor, truncatedNormal as truncatedNormalTensor } from './ops/create.js';
import type { Tensor } from './tensor.js';
import { optionsArg } from './options.js';

export interface Initializer {
  (shape: readonly number[]): Tensor;
  /** Keras serialization: `{ class_name, config }`. */
  readonly config: { class_name: string; config: Record<string, unknown> };
}

function make(fn: (shape: readonly number[]) => Tensor, class_name: string, config: Record<string, unknown>): Initializer {
  return Object.assign(fn, { config: { class_name, config } });
}

/** `[fanIn, fanOut]` as Keras computes them (conv kernels: receptive field × channels). */
export function fans(shape: readonly number[]): [number, number] {
  if (!Array.isArray(shape)) throw new InvalidArgumentError(`fans: shape must be an array of sizes, got ${shape === null ? 'null' : typeof shape}`);
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [receptive * shape[shape.length - 2]!, receptive * shape[shape.length - 1]!];
}

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type Distribution = 'normal' | 'uniform' | 'truncatedNormal';

const pyMode = { fanIn: 'fan_in', fanOut: 'fan_out', fanAvg: 'fan_avg' } as const;
const pyDist = { normal: 'truncated_normal', truncatedNormal: 'truncated_normal', uniform: 'uniform' } as const;

/** TF.js's argument object (`glorotNormal({ seed: 1 })`), or the seed alone. */
export type SeedArgs = { seed?: number } | number;

export interface VarianceScalingArgs {
  scale?: number;
  mode?: FanMode;
  distribution?: Distribution;
  seed?: number;
}

/** The seed of `SeedArgs`, checked (a seed that is not an integer would silently give unseeded weights). */
function seedOf(where: string, args: SeedArgs | undefined): number | undefined {
  const seed = typeof args === 'number' ? args : args?.seed;
  if (seed !== undefined && !Number.isInteger(seed)) throw new InvalidArgumentError(`initializers.${where}: seed must be an integer, got ${String(seed)}`);
  return seed;
}

/** Keras / TF.js VarianceScaling: the family behind Glorot, He and LeCun. */
export function varianceScaling(args: VarianceScalingArgs = {}): Initializer {
  args = optionsArg('initializers.varianceScaling', args);
  const { scale = 1, mode = 'fanIn', distribution = 'normal' } = args;
  const seed = seedOf('varianceScaling', args);
  if (!(scale > 0)) throw new InvalidArgumentError(`initializers.varianceScaling: scale must be positive, got ${scale}`);
  if (!(mode in pyMode)) throw new InvalidArgumentError(`initializers.varianceScaling: mode must be fanIn, fanOut or fanAvg, got '${String(mode)}'`);
  if (!(distribution in pyDist)) throw new InvalidArgumentError(`initializers.varianceScaling: distribution must be normal, truncatedNormal or uniform, got '${String(distribution)}'`);
  const fn = (shape: readonly number[]) => {
    const [fanIn, fanOut] = fans(shape);
    const n = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const s = scale / Math.max(1, n);
    if (distribution === 'uniform') {
      const limit = Math.sqrt(3 * s);
      return randomUniformTensor(shape, -limit, limit, 'float32', seed);
    }
    // Keras and TF.js divide by the stddev of a standard normal truncated at ±2.
    return truncatedNormalTensor(shape, 0, Math.sqrt(s) / 0.8796256610342398, 'float32', seed);
  };
  return make(fn, 'VarianceScaling', { scale, mode: pyMode[mode], distribution: pyDist[distribution], seed: seed ?? null });
}

export const glorotUniform = (args?: SeedArgs) => varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: seedOf('glorotUniform', args) });
export const glorotNormal = (args?: SeedArgs) => varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'normal', seed: seedOf('glorotNormal', args) });
export const heNormal = (args?: SeedArgs) => varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal', seed: seedOf('heNormal', args) });
export const heUniform = (args?: SeedArgs) => varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'uniform', seed: seedOf('heUniform', args) });
export const leCunNormal = (args?: SeedArgs) => varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'normal', seed: seedOf('leCunNormal', args) });
export const leCunUniform = (args?: SeedArgs) => varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'uniform', seed: seedOf('leCunUniform', args) });

export const zeros = (): Initializer => make((shape) => fill(shape, 0), 'Zeros', {});
export const ones = (): Initializer => make((shape) => fill(shape, 1), 'Ones', {});
/** `constant({ value })` as in TF.js, or `constant(value)`. */
export function constant(args: { value: number } | number): Initializer {
  const value = typeof args === 'number' ? args : args?.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidArgumentError(`initializers.constant: value must be a finite number, got ${String(value)}`);
  return make((shape) => fill(shape, value), 'Constant', { value });
}
export function randomNormal(args: { mean?: number; stddev?: number; seed?: number } = {}): Initializer {
  args = optionsArg('initializers.randomNormal', args);
  const { mean = 0, stddev = 0.05 } = args;
  const seed = seedOf('randomNormal', args);
  return make((shape) => randomNormalTensor(shape, mean, stddev, 'float32', seed), 'RandomNormal', { mean, stddev, seed: seed ?? null });
}
export function randomUniform(args: { minval?: number; maxval?: number; seed?: number } = {}): Initializer {
  args = optionsArg('initializers.randomUniform', args);
  const { minval = -0.05, maxval = 0.05 } = args;
  const seed = seedOf('randomUniform', args);
  return make((shape) => randomUniformTensor(shape, minval, maxval, 'float32', seed), 'RandomUniform', { minval, maxval, seed: seed ?? null });
}
/** Normal values beyond two standard deviations redrawn (TF.js and Keras `truncatedNormal`). */
export function truncatedNormal(args: { mean?: number; stddev?: number; seed?: number } = {}): Initializer {
  args = optionsArg('initializers.truncatedNormal', args);
  const { mean = 0, stddev = 0.05 } = args;
  const seed = seedOf('truncatedNormal', args);
  return make((shape) => truncatedNormalTensor(shape, mean, stddev, 'float32', seed), 'TruncatedNormal', { mean, stddev, seed: seed ?? null });
}

/**
 * A (semi-)orthogonal matrix times `gain` (Keras / TF.js `orthogonal`, the
 * default for recurrent kernels): the Q of a QR decomposition of a normal
 * random matrix, signs fixed by R's diagonal. Shapes of rank > 2 are
 * flattened to [product of leading dims, last dim]. Computed once at build
 * time, in JS (modified Gram-Schmidt in float64).
 */
export function orthogonal(args: { gain?: number; seed?: number } = {}): Initializer {
  args = optionsArg('initializers.orthogonal', args);
  const { gain = 1 } = args;
  const seed = seedOf('orthogonal', args);
  return make((shape) => {
    if (shape.length < 2) throw new InvalidArgumentError(`orthogonal: needs a shape of rank ≥ 2, got [${shape.join(',')}]`);
    const cols = shape[shape.length - 1]!;
    const rows = shape.reduce((a, b) => a * b, 1) / cols;
    // Orthonormal columns of a tall [m, k] matrix, transposed back when wide.
    const [m, k] = rows >= cols ? [rows, cols] : [cols, rows];
    const g = randomNormalTensor([m, k], 0, 1, 'float32', seed);
    const a = Float64Array.from(g.dataSync());
    g.dispose();
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += a[i * k + p]! * a[i * k + j]!;
        for (let i = 0; i < m; i++) a[i * k + j]! -= dot * a[i * k + p]!;
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += a[i * k + j]! ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < m; i++) a[i * k + j]! /= norm;
    }
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) out[rows >= cols ? i * k + j : j * m + i] = gain * a[i * k + j]!;
    return tensor(out, [...shape]);
  }, 'Orthogonal', { gain, seed: seed ?? null });
}

/** Initializer names accepted where a layer takes an initializer: TF.js identifiers, Keras snake_case names, or class names (`'Zeros'`). */
export type InitializerName =
  | 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'leCunNormal' | 'leCunUniform'
  | 'zeros' | 'ones' | 'randomNormal' | 'randomUniform' | 'truncatedNormal' | 'varianceScaling' | 'orthogonal'
  | 'GlorotUniform' | 'GlorotNormal' | 'HeNormal' | 'HeUniform' | 'LeCunNormal' | 'LeCunUniform'
  | 'Zeros' | 'Ones' | 'RandomNormal' | 'RandomUniform' | 'TruncatedNormal' | 'VarianceScaling' | 'Orthogonal'
  | (string & {});

/** Resolves a name (TF.js camelCase, Keras snake_case, or a class name), an initializer, or a Keras config. */
export function getInitializer(spec: InitializerName | Initializer | { class_name: string; config?: Record<string, unknown> }): Initializer {
  if (spec === null || spec === undefined) throw new InvalidArgumentError(`getInitializer: expected an initializer, its name or a Keras config, got ${String(spec)}`);
  if (typeof spec === 'function') return spec;
  if (typeof spec === 'string') {
    // A class name ('Zeros', 'VarianceScaling') is a config with default arguments, as in TF.js and Keras.
    if (/^[A-Z]/.test(spec)) return getInitializer({ class_name: spec, config: {} });
    const key = spec.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
    switch (key) {
      case 'glorotUniform': return glorotUniform();
      case 'glorotNormal': return glorotNormal();
      case 'heNormal': return heNormal();
      case 'heUniform': return heUniform();
      case 'leCunNormal': case 'lecunNormal': return leCunNormal();
      case 'leCunUniform': case 'lecunUniform': return leCunUniform();
      case 'zeros': return zeros();
      case 'ones': return ones();
      case 'randomNormal': return randomNormal();
      case 'randomUniform': return randomUniform();
      case 'truncatedNormal': return truncatedNormal();
      case 'varianceScaling': return varianceScaling();
      case 'orthogonal': return orthogonal();
    }
    throw new InvalidArgumentError(`unknown initializer '${spec}' (Sinew has glorotUniform, glorotNormal, heNormal, heUniform, leCunNormal, leCunUniform, zeros, ones, randomNormal, randomUniform, truncatedNormal, varianceScaling, orthogonal, constant)`);
  }
  const c = spec.config ?? {};
  const seed = typeof c.seed === 'number' ? c.seed : undefined;
  switch (spec.class_name) {
    case 'VarianceScaling': {
      const mode = ({ fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg', fanIn: 'fanIn', fanOut: 'fanOut', fanAvg: 'fanAvg' } as const)[String(c.mode ?? 'fan_in') as 'fan_in'];
      if (!mode) throw new InvalidArgumentError(`initializer VarianceScaling: unknown mode '${String(c.mode)}'`);
      const dist = String(c.distribution ?? 'truncated_normal');
      // Keras's 'normal' (old name) and 'truncated_normal' are both the truncated normal; 'untruncated_normal' is not implemented.
      if (!['uniform', 'normal', 'truncated_normal', 'truncatedNormal'].includes(dist)) throw new InvalidArgumentError(`initializer VarianceScaling: distribution '${dist}' is not supported`);
      return varianceScaling({ scale: Number(c.scale ?? 1), mode, distribution: dist === 'uniform' ? 'uniform' : 'normal', ...(seed === undefined ? {} : { seed }) });
    }
    case 'GlorotUniform': return glorotUniform(seed);
    case 'GlorotNormal': return glorotNormal(seed);
    case 'HeNormal': return heNormal(seed);
    case 'HeUniform': return heUniform(seed);
    case 'LecunNormal': case 'LeCunNormal': return leCunNormal(seed);
    case 'LecunUniform': case 'LeCunUniform': return leCunUniform(seed);
    case 'Zeros': return zeros();
    case 'Ones': return ones();
    case 'Constant': return constant(Number(c.value ?? 0));
    case 'RandomNormal': return randomNormal({ mean: Number(c.mean ?? 0), stddev: Number(c.stddev ?? 0.05), ...(seed === undefined ? {} : { seed }) });
    case 'RandomUniform': return randomUniform({ minval: Number(c.minval ?? -0.05), maxval: Number(c.maxval ?? 0.05), ...(seed === undefined ? {} : { seed }) });
    case 'TruncatedNormal': return truncatedNormal({ mean: Number(c.mean ?? 0), stddev: Number(c.stddev ?? 0.05), ...(seed === undefined ? {} : { seed }) });
    case 'Orthogonal': return orthogonal({ gain: Number(c.gain ?? 1), ...(seed === undefined ? {} : { seed }) });
  }
  throw new InvalidArgumentError(`unknown initializer class '${spec.class_name}'`);
}

/** Keras config of an initializer given by name or object (for `getConfig`). */
export function initializerConfig(spec: InitializerName | Initializer): { class_name: string; config: Record<string, unknown> } {
  return getInitializer(spec).config;
}
