/**
 * Adam, AdamW and Adamax (Keras formulas, bias-corrected at step t):
 * - Adam: `m += (g − m)(1−β1)`, `v += (g² − v)(1−β2)`,
 *   `p −= lr·√(1−β2^t)/(1−β1^t) · m / (√v + ε)`;
 * - AdamW: Adam after a decoupled weight decay `p −= lr·weightDecay·p`;
 * - Adamax: `u = max(β2·u, |g|)`, `p −= lr/(1−β1^t) · m / (u + ε)`.
 */
import { checkNumber, Optimizer, type OptimizerArgs, type OptimizerKind } from './optimizer.js';

export interface AdamArgs extends OptimizerArgs {
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

abstract class AdamFamily extends Optimizer {
  beta1: number;
  beta2: number;
  epsilon: number;

  protected constructor(args: AdamArgs) {
    super(args, 0.001);
    const op = this.className;
    this.beta1 = checkNumber(op, 'beta1', args.beta1 ?? 0.9, (x) => Number.isFinite(x), 'a number');
    this.beta2 = checkNumber(op, 'beta2', args.beta2 ?? 0.999, (x) => Number.isFinite(x), 'a number');
    this.epsilon = checkNumber(op, 'epsilon', args.epsilon ?? 1e-7, (x) => Number.isFinite(x), 'a number');
  }

  protected ownHyper(): Record<string, number> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  protected ownConfig(): Record<string, unknown> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export class Adam extends AdamFamily {
  static override readonly className: string = 'Adam';

  /** Keras defaults: `learningRate` 0.001, `beta1` 0.9, `beta2` 0.999, `epsilon` 1e-7. */
  constructor(args: AdamArgs = {}) {
    super(args);
    this.checkHyper();
  }

  static fromConfig(config: AdamArgs): Adam {
    return new Adam(config);
  }

  protected kind(): OptimizerKind {
    return 'adam';
  }

  protected slotNames(): readonly string[] {
    return ['m', 'v'];
  }
}

export interface AdamWArgs extends AdamArgs {
  /** Decoupled weight decay. Default 0.004 (Keras). */
  weightDecay?: number;
}

export class AdamW extends AdamFamily {
  static override readonly className: string = 'AdamW';
  weightDecay: number;

  /** Keras defaults: `learningRate` 0.001, `weightDecay` 0.004, betas and epsilon as Adam. */
  constructor(args: AdamWArgs = {}) {
    super(args);
    this.weightDecay = checkNumber(this.className, 'weightDecay', args.weightDecay ?? 0.004, (x) => Number.isFinite(x), 'a number');
    this.checkHyper();
  }

  static fromConfig(config: AdamWArgs): AdamW {
    return new AdamW(config);
  }

  protected kind(): OptimizerKind {
    return 'adamw';
  }

  protected override ownHyper(): Record<string, number> {
    return { ...super.ownHyper(), weightDecay: this.weightDecay };
  }

  protected slotNames(): readonly string[] {
    return ['m', 'v'];
  }

  protected override ownConfig(): Record<string, unknown> {
    return { ...super.ownConfig(), weightDecay: this.weightDecay };
  }
}

export class Adamax extends AdamFamily {
  static override readonly className: string = 'Adamax';

  /** Keras defaults: `learningRate` 0.001, `beta1` 0.9, `beta2` 0.999, `epsilon` 1e-7. */
  constructor(args: AdamArgs = {}) {
    super(args);
    this.checkHyper();
  }

  static fromConfig(config: AdamArgs): Adamax {
    return new Adamax(config);
  }

  protected kind(): OptimizerKind {
    return 'adamax';
  }

  protected slotNames(): readonly string[] {
    return ['m', 'u'];
  }
}
