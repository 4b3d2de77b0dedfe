/** Weight penalties added to the loss: L1, L2 (weight decay), or both. */
import { abs, add, mul, square, sum } from './ops/math.js';
import type { Tensor } from './tensor.js';

export interface Regularizer {
  /** The penalty of `w`, a scalar tensor. */
  (w: Tensor): Tensor;
  readonly config: { class_name: 'L1L2'; config: { l1: number; l2: number } };
}

/** `l1·Σ|w| + l2·Σw²`. */
export function l1l2({ l1 = 0, l2 = 0 }: { l1?: number; l2?: number } = {}): Regularizer {
  const fn = (w: Tensor): Tensor => {
    const terms: Tensor[] = [];
    if (l1) terms.push(mul(sum(abs(w)), l1));
    if (l2) terms.push(mul(sum(square(w)), l2));
    return terms.length === 2 ? add(terms[0]!, terms[1]!) : terms[0] ?? mul(sum(w), 0);
  };
  return Object.assign(fn, { config: { class_name: 'L1L2' as const, config: { l1, l2 } } });
}

export const l1 = (l1 = 0.01): Regularizer => l1l2({ l1 });
export const l2 = (l2 = 0.01): Regularizer => l1l2({ l2 });

/** From a Keras config `{ class_name: 'L1L2' | 'L1' | 'L2', config }`. */
export function getRegularizer(spec: Regularizer | { class_name: string; config?: Record<string, number> } | null | undefined): Regularizer | null {
  if (!spec) return null;
  if (typeof spec === 'function') return spec;
  const c = spec.config ?? {};
  return l1l2({ l1: c.l1 ?? 0, l2: c.l2 ?? 0 });
}
