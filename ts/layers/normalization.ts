/** BatchNormalization over the last (channel) axis. */
import { InvalidArgumentError } from '../errors.js';
import { initializerConfig, type Initializer, type InitializerName } from '../initializers.js';
import { add, div, mean, mul, sqrt, square, sub } from '../ops/math.js';
import { keep } from '../engine/scope.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** Only the last axis (-1) is supported: channels last. */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerName | Initializer;
  gammaInitializer?: InitializerName | Initializer;
  movingMeanInitializer?: InitializerName | Initializer;
  movingVarianceInitializer?: InitializerName | Initializer;
}

/**
 * Normalises each channel with the batch statistics while training (and
 * updates moving averages of them), with the moving averages at inference.
 */
export class BatchNormalization extends Layer {
  static override readonly className = 'BatchNormalization';
  static override readonly options = ['axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer'];
  static override readonly optionValues = { betaConstraint: [null], gammaConstraint: [null], betaRegularizer: [null], gammaRegularizer: [null], synchronized: [false], renorm: [false] };
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean!: Variable;
  movingVariance!: Variable;
  readonly #inits: Required<Pick<BatchNormalizationArgs, 'betaInitializer' | 'gammaInitializer' | 'movingMeanInitializer' | 'movingVarianceInitializer'>>;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    if (args.axis !== undefined && args.axis !== -1) throw new InvalidArgumentError(`${this.name}: only axis -1 (channels last) is supported, got ${args.axis}`);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.#inits = {
      betaInitializer: args.betaInitializer ?? 'zeros',
      gammaInitializer: args.gammaInitializer ?? 'ones',
      movingMeanInitializer: args.movingMeanInitializer ?? 'zeros',
      movingVarianceInitializer: args.movingVarianceInitializer ?? 'ones',
    };
  }

  override build(inputShape: SymbolicShape): void {
    const c = inputShape[inputShape.length - 1];
    if (typeof c !== 'number') throw new InvalidArgumentError(`${this.name}: the channel dimension must be known`);
    if (this.scale) this.gamma = this.addWeight('gamma', [c], this.#inits.gammaInitializer);
    if (this.center) this.beta = this.addWeight('beta', [c], this.#inits.betaInitializer);
    this.movingMean = this.addWeight('moving_mean', [c], this.#inits.movingMeanInitializer, { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', [c], this.#inits.movingVarianceInitializer, { trainable: false });
    super.build(inputShape);
  }

  override call(x: Tensor, training: boolean): Tensor {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    let m: Tensor, v: Tensor;
    if (training) {
      m = mean(x, axes);
      v = mean(square(sub(x, m)), axes);
      // moving = moving·momentum + batch·(1 − momentum)
      const mm = keep(add(mul(this.movingMean, this.momentum), mul(m, 1 - this.momentum)));
      const mv = keep(add(mul(this.movingVariance, this.momentum), mul(v, 1 - this.momentum)));
      this.movingMean.assign(mm);
      this.movingVariance.assign(mv);
      mm.dispose();
      mv.dispose();
    } else {
      m = this.movingMean;
      v = this.movingVariance;
    }
    let y = div(sub(x, m), sqrt(add(v, this.epsilon)));
    if (this.gamma) y = mul(y, this.gamma);
    if (this.beta) y = add(y, this.beta);
    return y;
  }

  override getConfig(): Record<string, unknown> {
    const init = initializerConfig;
    return {
      ...super.getConfig(),
      axis: -1,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: init(this.#inits.betaInitializer),
      gamma_initializer: init(this.#inits.gammaInitializer),
      moving_mean_initializer: init(this.#inits.movingMeanInitializer),
      moving_variance_initializer: init(this.#inits.movingVarianceInitializer),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    };
  }
}
