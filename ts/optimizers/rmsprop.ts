/**
 * RMSProp (Keras): `ms = ρ·ms + (1−ρ)·g²`; `inc = lr·g / √(ms + ε)`
 * (centered: `√(ms − mg² + ε)` with `mg = ρ·mg + (1−ρ)·g`); with momentum
 * `mom = momentum·mom + inc; p −= mom`, else `p −= inc`.
 */
import { checkNumber, Optimizer, type OptimizerArgs, type OptimizerKind } from './optimizer.js';

export interface RMSPropArgs extends OptimizerArgs {
  /** Decay of the moving average of squared gradients. Default 0.9. */
  rho?: number;
  /** Default 0. */
  momentum?: number;
  /** Default 1e-7. */
  epsilon?: number;
  /** Normalise by the estimated variance instead of the second moment. Default false. */
  centered?: boolean;
}

export class RMSProp extends Optimizer {
  static override readonly className: string = 'RMSProp';
  rho: number;
  momentum: number;
  epsilon: number;
  centered: boolean;

  /** Keras defaults: `learningRate` 0.001, `rho` 0.9, `momentum` 0, `epsilon` 1e-7, `centered` false. */
  constructor(args: RMSPropArgs = {}) {
    super(args, 0.001);
    const op = this.className;
    this.rho = checkNumber(op, 'rho', args.rho ?? 0.9, (x) => Number.isFinite(x), 'a number');
    this.momentum = checkNumber(op, 'momentum', args.momentum ?? 0, (x) => Number.isFinite(x), 'a number');
    this.epsilon = checkNumber(op, 'epsilon', args.epsilon ?? 1e-7, (x) => Number.isFinite(x), 'a number');
    this.centered = args.centered ?? false;
    this.checkHyper();
  }

  static fromConfig(config: RMSPropArgs): RMSProp {
    return new RMSProp(config);
  }

  protected kind(): OptimizerKind {
    return 'rmsprop';
  }

  protected ownHyper(): Record<string, number> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered ? 1 : 0 };
  }

  /** Engine order: `[rms, momentum?, mg?]`. */
  protected slotNames(): readonly string[] {
    return ['rms', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['mg'] : [])];
  }

  protected ownConfig(): Record<string, unknown> {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
