/**
 * Stochastic gradient descent, Keras-style: plain (`p −= lr·g`), with
 * momentum (`v = momentum·v − lr·g; p += v`) or Nesterov momentum
 * (`p += momentum·v − lr·g` with the new `v`).
 */
import { checkNumber, Optimizer, type OptimizerArgs, type OptimizerKind } from './optimizer.js';

export interface SGDArgs extends OptimizerArgs {
  /** Default 0 (plain SGD). */
  momentum?: number;
  /** Default false. */
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  static override readonly className: string = 'SGD';
  momentum: number;
  nesterov: boolean;

  /** Keras defaults: `learningRate` 0.01, `momentum` 0, `nesterov` false. */
  constructor(args: SGDArgs = {}) {
    super(args, 0.01);
    this.momentum = checkNumber(this.className, 'momentum', args.momentum ?? 0, (x) => Number.isFinite(x), 'a number');
    this.nesterov = args.nesterov ?? false;
    this.checkHyper();
  }

  static fromConfig(config: SGDArgs): SGD {
    return new SGD(config);
  }

  protected kind(): OptimizerKind {
    return this.momentum !== 0 ? 'momentum' : 'sgd';
  }

  protected ownHyper(): Record<string, number> {
    return this.momentum !== 0 ? { momentum: this.momentum, nesterov: this.nesterov ? 1 : 0 } : {};
  }

  protected slotNames(): readonly string[] {
    return this.momentum !== 0 ? ['momentum'] : [];
  }

  protected ownConfig(): Record<string, unknown> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
