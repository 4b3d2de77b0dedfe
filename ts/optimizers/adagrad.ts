/**
 * AdaGrad: `acc += g²; p −= lr·g / (√acc + ε)`, the accumulator starting at
 * `initialAccumulatorValue` (Keras 0.1).
 */
import { checkNumber, Optimizer, type OptimizerArgs, type OptimizerKind } from './optimizer.js';

export interface AdagradArgs extends OptimizerArgs {
  /** Default 0.1. */
  initialAccumulatorValue?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

export class Adagrad extends Optimizer {
  static override readonly className: string = 'Adagrad';
  readonly initialAccumulatorValue: number;
  epsilon: number;

  /** Keras defaults: `learningRate` 0.001, `initialAccumulatorValue` 0.1, `epsilon` 1e-7. */
  constructor(args: AdagradArgs = {}) {
    super(args, 0.001);
    this.initialAccumulatorValue = checkNumber(this.className, 'initialAccumulatorValue', args.initialAccumulatorValue ?? 0.1, (x) => x >= 0, 'a non-negative number');
    this.epsilon = checkNumber(this.className, 'epsilon', args.epsilon ?? 1e-7, (x) => Number.isFinite(x), 'a number');
    this.checkHyper();
  }

  static fromConfig(config: AdagradArgs): Adagrad {
    return new Adagrad(config);
  }

  protected kind(): OptimizerKind {
    return 'adagrad';
  }

  protected ownHyper(): Record<string, number> {
    return { epsilon: this.epsilon };
  }

  protected slotNames(): readonly string[] {
    return ['accumulator'];
  }

  protected override slotInitialValue(): number {
    return this.initialAccumulatorValue;
  }

  protected ownConfig(): Record<string, unknown> {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
