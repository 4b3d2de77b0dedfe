/**
 * Weight initializers, Keras names and semantics, seeded. Each is a function
 * of the weight shape returning a new tensor, plus a Keras-format config for
 * saving (`{ class_name, config }`).
 */
import { InvalidArgumentError } from './errors.js';
import { fill, randomNormal, randomUniform, truncatedNormal } from './ops/create.js';
import type { Tensor } from './tensor.js';

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

/** Keras VarianceScaling: the family behind Glorot, He and LeCun. */
export function varianceScaling(scale: number, mode: FanMode, distribution: Distribution, seed?: number): Initializer {
  const fn = (shape: readonly number[]) => {
    const [fanIn, fanOut] = fans(shape);
    const n = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const s = scale / Math.max(1, n);
    if (distribution === 'uniform') {
      const limit = Math.sqrt(3 * s);
      return randomUniform(shape, -limit, limit, seed);
    }
    // Keras divides by the stddev of a standard normal truncated at ±2.
    return truncatedNormal(shape, 0, Math.sqrt(s) / 0.8796256610342398, seed);
  };
  return make(fn, 'VarianceScaling', { scale, mode: pyMode[mode], distribution: pyDist[distribution], seed: seed ?? null });
}

export const glorotUniform = (seed?: number) => varianceScaling(1, 'fanAvg', 'uniform', seed);
export const glorotNormal = (seed?: number) => varianceScaling(1, 'fanAvg', 'normal', seed);
export const heNormal = (seed?: number) => varianceScaling(2, 'fanIn', 'normal', seed);
export const heUniform = (seed?: number) => varianceScaling(2, 'fanIn', 'uniform', seed);
export const leCunNormal = (seed?: number) => varianceScaling(1, 'fanIn', 'normal', seed);
export const leCunUniform = (seed?: number) => varianceScaling(1, 'fanIn', 'uniform', seed);

export const zeros = (): Initializer => make((shape) => fill(shape, 0), 'Zeros', {});
export const ones = (): Initializer => make((shape) => fill(shape, 1), 'Ones', {});
export const constant = (value: number): Initializer => make((shape) => fill(shape, value), 'Constant', { value });
export const randomNormalInit = (mean = 0, stddev = 0.05, seed?: number): Initializer =>
  make((shape) => randomNormal(shape, mean, stddev, seed), 'RandomNormal', { mean, stddev, seed: seed ?? null });
export const randomUniformInit = (minval = -0.05, maxval = 0.05, seed?: number): Initializer =>
  make((shape) => randomUniform(shape, minval, maxval, seed), 'RandomUniform', { minval, maxval, seed: seed ?? null });

/** Initializer names accepted where a layer takes an initializer. */
export type InitializerName =
  | 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'leCunNormal' | 'leCunUniform'
  | 'zeros' | 'ones' | 'randomNormal' | 'randomUniform';

/** Resolves a name (camelCase or Keras snake_case), an initializer, or a Keras config. */
export function getInitializer(spec: InitializerName | Initializer | { class_name: string; config?: Record<string, unknown> }): Initializer {
  if (typeof spec === 'function') return spec;
  if (typeof spec === 'string') {
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
      case 'randomNormal': return randomNormalInit();
      case 'randomUniform': return randomUniformInit();
    }
    throw new InvalidArgumentError(`unknown initializer '${spec}'`);
  }
  const c = spec.config ?? {};
  const seed = typeof c.seed === 'number' ? c.seed : undefined;
  switch (spec.class_name) {
    case 'VarianceScaling': {
      const mode = ({ fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg' } as const)[String(c.mode ?? 'fan_in') as 'fan_in'] ?? 'fanIn';
      const dist = String(c.distribution ?? 'truncated_normal');
      return varianceScaling(Number(c.scale ?? 1), mode, dist === 'uniform' ? 'uniform' : 'normal', seed);
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
    case 'RandomNormal': return randomNormalInit(Number(c.mean ?? 0), Number(c.stddev ?? 0.05), seed);
    case 'RandomUniform': return randomUniformInit(Number(c.minval ?? -0.05), Number(c.maxval ?? 0.05), seed);
  }
  throw new InvalidArgumentError(`unknown initializer class '${spec.class_name}'`);
}

/** Keras config of an initializer given by name or object (for `getConfig`). */
export function initializerConfig(spec: InitializerName | Initializer): { class_name: string; config: Record<string, unknown> } {
  return getInitializer(spec).config;
}
