/** LayerNormalization: each sample normalised over its last axis, then scaled and shifted per feature. */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { initializerConfig, type Initializer, type InitializerName } from '../initializers.js';
import { add, div, mean, mul, sqrt, square, sub } from '../ops/math.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';

export interface LayerNormalizationArgs extends LayerArgs {
  /** Only the last axis (-1) is supported. */
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerName | Initializer;
  gammaInitializer?: InitializerName | Initializer;
  betaRegularizer?: Regularizer;
  gammaRegularizer?: Regularizer;
}

export class LayerNormalization extends Layer {
  static override readonly className = 'LayerNormalization';
  static override readonly options = ['axis', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'betaRegularizer', 'gammaRegularizer'];
  static override readonly optionValues = { betaConstraint: [null], gammaConstraint: [null] };
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: InitializerName | Initializer;
  readonly gammaInitializer: InitializerName | Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  gamma: Variable | null = null;
  beta: Variable | null = null;

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    const axes = [args.axis ?? -1].flat();
    if (axes.length !== 1 || axes[0] !== -1) throw new InvalidArgumentError(`${this.name}: only axis -1 (the last axis) is supported, got ${JSON.stringify(args.axis)}`);
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.epsilon > 0)) throw new InvalidArgumentError(`${this.name}: epsilon must be positive, got ${this.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = args.betaInitializer ?? 'zeros';
    this.gammaInitializer = args.gammaInitializer ?? 'ones';
    this.betaRegularizer = getRegularizer(args.betaRegularizer);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer);
  }

  override get supportsMasking(): boolean {
    return true;
  }

  override build(inputShape: SymbolicShape): void {
    const d = inputShape.at(-1);
    if (typeof d !== 'number') throw new ShapeError(`${this.name}: the last input dimension must be known, got ${JSON.stringify(inputShape)}`);
    if (this.scale) this.gamma = this.addWeight('gamma', [d], this.gammaInitializer, { regularizer: this.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', [d], this.betaInitializer, { regularizer: this.betaRegularizer });
    super.build(inputShape);
  }

  override call(x: Tensor): Tensor {
    const mu = mean(x, -1, true);
    const centred = sub(x, mu);
    let y = div(centred, sqrt(add(mean(square(centred), -1, true), this.epsilon)));
    if (this.gamma) y = mul(y, this.gamma);
    if (this.beta) y = add(y, this.beta);
    return y;
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: -1,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: initializerConfig(this.betaInitializer),
      gamma_initializer: initializerConfig(this.gammaInitializer),
      beta_regularizer: this.betaRegularizer?.config ?? null,
      gamma_regularizer: this.gammaRegularizer?.config ?? null,
    };
  }
}
