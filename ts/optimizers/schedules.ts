/**
 * Learning-rate schedules (Keras formulas): functions of the iteration — the
 * number of optimizer steps already taken, 0 on the first step — returning
 * the learning rate. Each carries `className` and `getConfig()` so an
 * optimizer using it can be serialized.
 *
 *     const lr = sinew.optimizers.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96 });
 *     const opt = new sinew.optimizers.SGD({ learningRate: lr });
 */
import { InvalidArgumentError } from '../errors.js';
import { optionsArg } from '../options.js';

export interface LearningRateSchedule {
  (iteration: number): number;
  /** Keras class name, e.g. `'ExponentialDecay'`. */
  readonly className: string;
  getConfig(): Record<string, unknown>;
}

function schedule(className: string, config: Record<string, unknown>, f: (step: number) => number): LearningRateSchedule {
  const frozen = Object.freeze({ ...config });
  return Object.assign((step: number) => f(step), { className, getConfig: () => ({ ...frozen }) });
}

function num(op: string, name: string, v: unknown, check: (x: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
    throw new InvalidArgumentError(`${op}: ${name} must be ${want}, got ${String(v)}`);
  }
  return v;
}
const positive = (op: string, name: string, v: unknown) => num(op, name, v, (x) => x > 0, 'a positive number');
const nonNegative = (op: string, name: string, v: unknown) => num(op, name, v, (x) => x >= 0, 'a non-negative number');

export interface ExponentialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  /** Decay in whole intervals (`floor(step / decaySteps)`). Default false. */
  staircase?: boolean;
}

/** `lr = initialLearningRate · decayRate^(step / decaySteps)` (exponent floored when `staircase`). */
export function exponentialDecay(args: ExponentialDecayArgs): LearningRateSchedule {
  args = optionsArg('optimizers.exponentialDecay', args);
  const op = 'exponentialDecay';
  const lr0 = nonNegative(op, 'initialLearningRate', args.initialLearningRate);
  const steps = positive(op, 'decaySteps', args.decaySteps);
  const rate = positive(op, 'decayRate', args.decayRate);
  const staircase = args.staircase ?? false;
  return schedule('ExponentialDecay', { initialLearningRate: lr0, decaySteps: steps, decayRate: rate, staircase }, (step) => {
    const p = step / steps;
    return lr0 * rate ** (staircase ? Math.floor(p) : p);
  });
}

/**
 * Step decay: the rate is multiplied by `factor` every `stepSize` iterations,
 * `lr = initialLearningRate · factor^floor(step / stepSize)` (an
 * `exponentialDecay` with `staircase: true`).
 */
export function stepDecay(initialLearningRate: number, stepSize: number, factor: number): LearningRateSchedule {
  return exponentialDecay({ initialLearningRate, decaySteps: stepSize, decayRate: factor, staircase: true });
}

export interface PiecewiseConstantDecayArgs {
  /** Increasing iteration boundaries. */
  boundaries: number[];
  /** One more value than boundaries: `values[0]` while `step <= boundaries[0]`, ... */
  values: number[];
}

/**
 * `values[0]` for `step <= boundaries[0]`, `values[i]` for
 * `boundaries[i-1] < step <= boundaries[i]`, the last value after the last boundary.
 */
export function piecewiseConstantDecay(args: PiecewiseConstantDecayArgs): LearningRateSchedule {
  args = optionsArg('optimizers.piecewiseConstantDecay', args);
  const op = 'piecewiseConstantDecay';
  const { boundaries, values } = args;
  if (!Array.isArray(boundaries) || !Array.isArray(values) || values.length !== boundaries.length + 1) {
    throw new InvalidArgumentError(`${op}: values must have one more entry than boundaries (got ${values?.length} values, ${boundaries?.length} boundaries)`);
  }
  boundaries.forEach((b, i) => {
    num(op, `boundaries[${i}]`, b, (x) => i === 0 || x > boundaries[i - 1]!, 'finite and increasing');
  });
  values.forEach((v, i) => nonNegative(op, `values[${i}]`, v));
  const b = [...boundaries];
  const v = [...values];
  return schedule('PiecewiseConstantDecay', { boundaries: b, values: v }, (step) => {
    const i = b.findIndex((x) => step <= x);
    return v[i === -1 ? b.length : i]!;
  });
}

export interface CosineDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  /** Floor as a fraction of the (peak) rate. Default 0. */
  alpha?: number;
  /** Linear warm-up from `initialLearningRate` to this rate first. */
  warmupTarget?: number;
  /** Length of the warm-up. Default 0. */
  warmupSteps?: number;
}

/**
 * Cosine decay (Keras `CosineDecay`): `lr = peak · ((1 − alpha) · ½(1 + cos(π·s/decaySteps)) + alpha)`
 * with `s = min(step, decaySteps)`. With `warmupTarget`, the rate first rises
 * linearly from `initialLearningRate` to `warmupTarget` over `warmupSteps`,
 * then decays from `warmupTarget` (the peak) with `s = step − warmupSteps`.
 */
export function cosineDecay(args: CosineDecayArgs): LearningRateSchedule {
  args = optionsArg('optimizers.cosineDecay', args);
  const op = 'cosineDecay';
  const lr0 = nonNegative(op, 'initialLearningRate', args.initialLearningRate);
  const steps = positive(op, 'decaySteps', args.decaySteps);
  const alpha = num(op, 'alpha', args.alpha ?? 0, (x) => x >= 0 && x <= 1, 'in [0, 1]');
  const warmupSteps = nonNegative(op, 'warmupSteps', args.warmupSteps ?? 0);
  const target = args.warmupTarget === undefined ? undefined : nonNegative(op, 'warmupTarget', args.warmupTarget);
  const decay = (s: number, from: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * s) / steps)) + alpha);
  const config: Record<string, unknown> = { initialLearningRate: lr0, decaySteps: steps, alpha, warmupSteps };
  if (target !== undefined) config.warmupTarget = target;
  return schedule('CosineDecay', config, (step) => {
    if (target === undefined) return decay(Math.min(step, steps), lr0);
    const s = Math.min(step, steps + warmupSteps);
    if (s < warmupSteps) return lr0 + ((target - lr0) * s) / warmupSteps;
    return decay(s - warmupSteps, target);
  });
}

export interface InverseTimeDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}

/** `lr = initialLearningRate / (1 + decayRate · step / decaySteps)` (ratio floored when `staircase`). */
export function inverseTimeDecay(args: InverseTimeDecayArgs): LearningRateSchedule {
  args = optionsArg('optimizers.inverseTimeDecay', args);
  const op = 'inverseTimeDecay';
  const lr0 = nonNegative(op, 'initialLearningRate', args.initialLearningRate);
  const steps = positive(op, 'decaySteps', args.decaySteps);
  const rate = nonNegative(op, 'decayRate', args.decayRate);
  const staircase = args.staircase ?? false;
  return schedule('InverseTimeDecay', { initialLearningRate: lr0, decaySteps: steps, decayRate: rate, staircase }, (step) => {
    const p = step / steps;
    return lr0 / (1 + rate * (staircase ? Math.floor(p) : p));
  });
}

export interface PolynomialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  /** Default 0.0001. */
  endLearningRate?: number;
  /** Default 1 (linear). */
  power?: number;
  /** Restart the decay every `decaySteps` (with a longer period). Default false. */
  cycle?: boolean;
}

/** `lr = (initial − end) · (1 − s/decaySteps)^power + end`, `s = min(step, decaySteps)` (Keras `PolynomialDecay`). */
export function polynomialDecay(args: PolynomialDecayArgs): LearningRateSchedule {
  args = optionsArg('optimizers.polynomialDecay', args);
  const op = 'polynomialDecay';
  const lr0 = nonNegative(op, 'initialLearningRate', args.initialLearningRate);
  const steps = positive(op, 'decaySteps', args.decaySteps);
  const end = nonNegative(op, 'endLearningRate', args.endLearningRate ?? 0.0001);
  const power = nonNegative(op, 'power', args.power ?? 1);
  const cycle = args.cycle ?? false;
  return schedule('PolynomialDecay', { initialLearningRate: lr0, decaySteps: steps, endLearningRate: end, power, cycle }, (step) => {
    let period = steps;
    let s = step;
    if (cycle) period = steps * (step === 0 ? 1 : Math.ceil(step / steps));
    else s = Math.min(step, steps);
    return (lr0 - end) * (1 - s / period) ** power + end;
  });
}

const builders: Record<string, (config: never) => LearningRateSchedule> = {
  ExponentialDecay: exponentialDecay,
  PiecewiseConstantDecay: piecewiseConstantDecay,
  CosineDecay: cosineDecay,
  InverseTimeDecay: inverseTimeDecay,
  PolynomialDecay: polynomialDecay,
};

/** Rebuilds a schedule from `{ className, config }` (what `serializeSchedule` gives). */
export function deserializeSchedule(value: { className: string; config: Record<string, unknown> }): LearningRateSchedule {
  const build = builders[value?.className];
  if (!build) {
    throw new InvalidArgumentError(`unknown learning-rate schedule '${value?.className}' (known: ${Object.keys(builders).join(', ')})`);
  }
  return build(value.config as never);
}

/** `{ className, config }` of a schedule, for `getConfig()` of optimizers. */
export function serializeSchedule(s: LearningRateSchedule): { className: string; config: Record<string, unknown> } {
  if (typeof (s as { getConfig?: unknown } | null)?.getConfig !== 'function') throw new InvalidArgumentError(`serializeSchedule: expected a learning-rate schedule, got ${s === null ? 'null' : typeof s}`);
  return { className: s.className, config: s.getConfig() };
}
