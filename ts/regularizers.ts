/** Weight penalties added to the loss: L1, L2 (weight decay), or both. */
import { InvalidArgumentError } from './errors.js';
import { abs, add, mul, square, sum } from './ops/math.js';
import type { Tensor } from './tensor.js';
import { optionsArg } from './options.js';

export interface Regularizer {
  /** The penalty of `w`, a scalar tensor. */
  (w: Tensor): Tensor;
  readonly config: { class_name: 'L1L2'; config: { l1: number; l2: number } };
}

/** A penalty factor: a finite number ≥ 0 (anything else would train silently wrong, or fail much later). */
function factor(where: string, name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new InvalidArgumentError(`regularizers.${where}: ${name} must be a finite number ≥ 0, got ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  return v;
}

/** `l1·Σ|w| + l2·Σw²`; `l1l2({ l1, l2 })` as in TF.js. */
export function l1l2(args: { l1?: number; l2?: number } = {}): Regularizer {
  args = optionsArg('regularizers.l1l2', args);
  const l1 = factor('l1l2', 'l1', args.l1);
  const l2 = factor('l1l2', 'l2', args.l2);
  const fn = (w: Tensor): Tensor => {
    const terms: Tensor[] = [];
    if (l1) terms.push(mul(sum(abs(w)), l1));
    if (l2) terms.push(mul(sum(square(w)), l2));
    return terms.length === 2 ? add(terms[0]!, terms[1]!) : terms[0] ?? mul(sum(w), 0);
  };
  return Object.assign(fn, { config: { class_name: 'L1L2' as const, config: { l1, l2 } } });
}

/** `l1({ l1: 0.01 })` as in TF.js, or `l1(0.01)` as in Keras. */
export const l1 = (args: { l1?: number } | number = {}): Regularizer => l1l2({ l1: factor('l1', 'l1', typeof args === 'number' ? args : optionsArg('regularizers.l1', args).l1 ?? 0.01) });
/** `l2({ l2: 0.01 })` as in TF.js, or `l2(0.01)` as in Keras. */
export const l2 = (args: { l2?: number } | number = {}): Regularizer => l1l2({ l2: factor('l2', 'l2', typeof args === 'number' ? args : optionsArg('regularizers.l2', args).l2 ?? 0.01) });

/** TF.js identifiers ('l1l2', 'l1', 'l2': default factors) and Keras configs (`{ class_name: 'L1L2' | 'L1' | 'L2', config }`). */
export function getRegularizer(spec: Regularizer | 'l1l2' | 'l1' | 'l2' | { class_name: string; config?: Record<string, number> } | null | undefined): Regularizer | null {
  if (!spec) return null;
  if (typeof spec === 'function') return spec;
  if (spec === 'l1') return l1();
  if (spec === 'l2') return l2();
  if (spec === 'l1l2') return l1l2({ l1: 0.01, l2: 0.01 });
  if (typeof spec !== 'object' || !['L1L2', 'L1', 'L2', 'l1_l2'].includes(spec.class_name)) {
    throw new InvalidArgumentError(`unknown regularizer ${JSON.stringify(spec)} (expected regularizers.l1/l2/l1l2(...), 'l1', 'l2', 'l1l2' or a Keras L1/L2/L1L2 config)`);
  }
  const c = spec.config ?? {};
  return l1l2({ l1: c.l1 ?? 0, l2: c.l2 ?? 0 });
}
