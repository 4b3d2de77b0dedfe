/**
 * `compile` arguments resolved per model output, as Keras and TF.js accept
 * them: one loss for every output, or one per output (a list in output order,
 * or an object keyed by output name); `lossWeights` likewise; metrics as one
 * list for every output, a list of lists, or an object keyed by output name.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkOptions } from '../options.js';
import { getLoss, lossName, type LossFn, type LossName } from '../losses.js';
import { getMetric, type MetricFn, type MetricName, type ResolvedMetric } from '../metrics.js';
import { get as getOptimizer, type Optimizer } from '../optimizers/index.js';

type LossSpec = LossName | LossFn;
type MetricSpec = MetricName | MetricFn;

export interface CompileArgs {
  optimizer: Optimizer | string;
  /** One loss for every output, a list (in output order), or an object keyed by output name. */
  loss: LossSpec | LossSpec[] | Record<string, LossSpec>;
  /** Weights of the outputs' losses in the total loss (default 1 each): a list or an object keyed by output name. */
  lossWeights?: number[] | Record<string, number>;
  /** Metrics for every output, a list of lists (per output), or an object keyed by output name. */
  metrics?: MetricSpec[] | MetricSpec[][] | Record<string, MetricSpec | MetricSpec[]>;
}

/** @internal One output's loss and metrics. */
export interface CompiledOutput {
  /** The output layer's name; the prefix of this output's log keys when the model has several outputs. */
  name: string;
  loss: LossFn;
  lossName: LossName | 'custom';
  weight: number;
  metrics: ResolvedMetric[];
}

/** @internal What `compile` resolved. */
export interface Compiled {
  optimizer: Optimizer;
  outputs: CompiledOutput[];
}

/** `spec` as one value per output: the same value for all, a list in output order, or an object keyed by name. */
function perOutput<T>(where: string, spec: T | T[] | Record<string, T>, names: string[], isOne: (v: unknown) => v is T, fallback?: T): T[] {
  if (isOne(spec)) return names.map(() => spec);
  if (Array.isArray(spec)) {
    if (spec.length !== names.length) throw new InvalidArgumentError(`compile: ${where} has ${spec.length} entries but the model has ${names.length} outputs (${names.join(', ')})`);
    return spec;
  }
  if (spec && typeof spec === 'object') {
    const rec = spec as Record<string, T>;
    const extra = Object.keys(rec).filter((k) => !names.includes(k));
    if (extra.length) throw new InvalidArgumentError(`compile: ${where} names unknown output(s) ${extra.join(', ')} (outputs: ${names.join(', ')})`);
    return names.map((n) => {
      if (rec[n] !== undefined) return rec[n];
      if (fallback !== undefined) return fallback;
      throw new InvalidArgumentError(`compile: ${where} has no entry for output '${n}'`);
    });
  }
  throw new InvalidArgumentError(`compile: ${where} must be a value, a list or an object keyed by output name, got ${String(spec)}`);
}

const isLoss = (v: unknown): v is LossSpec => typeof v === 'string' || typeof v === 'function';
const isWeight = (v: unknown): v is number => typeof v === 'number';
const isMetric = (v: unknown): v is MetricSpec => typeof v === 'string' || typeof v === 'function';

/** @internal Resolves `compile` arguments for outputs named `names`. Throws before anything is created on bad input. */
export function resolveCompile(args: CompileArgs, names: string[]): Compiled {
  if (!args || args.loss === undefined || args.optimizer === undefined) throw new InvalidArgumentError('compile: needs an optimizer and a loss');
  checkOptions('compile', args, ['optimizer', 'loss', 'lossWeights', 'metrics']);
  const losses = perOutput('loss', args.loss, names, isLoss);
  const weights = perOutput('lossWeights', args.lossWeights ?? 1, names, isWeight, 1);
  weights.forEach((w, i) => {
    if (!(Number.isFinite(w) && w >= 0)) throw new InvalidArgumentError(`compile: lossWeights for output '${names[i]}' must be a finite number >= 0, got ${w}`);
  });
  // A flat list of metrics applies to every output; a list of lists or an object is per output.
  const m = args.metrics ?? [];
  const nested = Array.isArray(m) && m.some((e) => Array.isArray(e));
  const metricLists: MetricSpec[][] = Array.isArray(m) && !nested
    ? names.map(() => m as MetricSpec[])
    : perOutput<MetricSpec | MetricSpec[]>('metrics', m as MetricSpec[][] | Record<string, MetricSpec | MetricSpec[]>, names, isMetric, []).map((e) => (Array.isArray(e) ? e : [e]));
  const outputs = names.map((name, i) => {
    const spec = losses[i]!;
    const ln: LossName | 'custom' = typeof spec === 'function' ? 'custom' : lossName(spec);
    return { name, loss: getLoss(spec), lossName: ln, weight: weights[i]!, metrics: metricLists[i]!.map((s) => getMetric(s, ln)) };
  });
  return { optimizer: getOptimizer(args.optimizer), outputs };
}

/** @internal Log key of an output's value: `loss`/`acc` for a single-output model, `<output>_loss`/`<output>_acc` otherwise (as Keras). */
export function logKey(c: Compiled, o: CompiledOutput, key: string): string {
  return c.outputs.length === 1 ? key : `${o.name}_${key}`;
}
