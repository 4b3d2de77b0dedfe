/** Activation layers with parameters: ReLU (maxValue, for ReLU6), LeakyReLU, Softmax (any axis) and PReLU (a learned slope). */
import { InvalidArgumentError } from '../errors.js';
import { initializerConfig, type Initializer, type InitializerName } from '../initializers.js';
import { add, leakyRelu, minimum, mul, neg, relu, softmax } from '../ops/math.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';

abstract class ElementwiseLayer extends Layer {
  override get supportsMasking(): boolean {
    return true;
  }
}

export interface ReLUArgs extends LayerArgs {
  /** Upper bound of the output (6 for ReLU6); none when omitted. */
  maxValue?: number | null;
  /** Keras options: only their defaults (0) are supported. */
  negativeSlope?: number;
  threshold?: number;
}

/** `min(max(x, 0), maxValue)`. */
export class ReLU extends ElementwiseLayer {
  static override readonly className = 'ReLU';
  static override readonly options = ['maxValue', 'negativeSlope', 'threshold'];
  readonly maxValue: number | null;
  constructor(args: ReLUArgs = {}) {
    super(args);
    if ((args.negativeSlope ?? 0) !== 0 || (args.threshold ?? 0) !== 0) {
      throw new InvalidArgumentError(`${this.name}: only negativeSlope 0 and threshold 0 are supported (as TF.js), got ${args.negativeSlope ?? 0} and ${args.threshold ?? 0}`);
    }
    const mv = args.maxValue ?? null;
    if (mv !== null && !(typeof mv === 'number' && mv >= 0)) throw new InvalidArgumentError(`${this.name}: maxValue must be a non-negative number, got ${mv}`);
    this.maxValue = mv;
  }
  override call(x: Tensor): Tensor {
    const y = relu(x);
    return this.maxValue === null ? y : minimum(y, this.maxValue);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), max_value: this.maxValue };
  }
}

export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for x < 0 (default 0.3, as Keras and TF.js). */
  alpha?: number;
}

export class LeakyReLU extends ElementwiseLayer {
  static override readonly className = 'LeakyReLU';
  static override readonly options = ['alpha'];
  readonly alpha: number;
  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    this.alpha = args.alpha ?? 0.3;
    if (!Number.isFinite(this.alpha)) throw new InvalidArgumentError(`${this.name}: alpha must be a finite number, got ${this.alpha}`);
  }
  override call(x: Tensor): Tensor {
    return leakyRelu(x, this.alpha);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface SoftmaxArgs extends LayerArgs {
  /** Axis to normalise (default -1). */
  axis?: number;
}

export class Softmax extends ElementwiseLayer {
  static override readonly className = 'Softmax';
  static override readonly options = ['axis'];
  readonly axis: number;
  constructor(args: SoftmaxArgs = {}) {
    super(args);
    const a = Array.isArray(args.axis) ? (args.axis as number[])[0] : args.axis ?? -1;
    if (!Number.isInteger(a)) throw new InvalidArgumentError(`${this.name}: axis must be an integer, got ${JSON.stringify(args.axis)}`);
    this.axis = a as number;
  }
  override call(x: Tensor): Tensor {
    const axis = this.axis < 0 ? x.rank + this.axis : this.axis;
    if (axis < 1 || axis >= x.rank) throw new InvalidArgumentError(`${this.name}: axis ${this.axis} is not a non-batch axis of an input of rank ${x.rank}`);
    return softmax(x, axis);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface PReLUArgs extends LayerArgs {
  alphaInitializer?: InitializerName | Initializer;
  alphaRegularizer?: Regularizer;
  /** Axes (1-based, batch excluded) along which one slope is shared, e.g. [1, 2] for images. */
  sharedAxes?: number | number[] | null;
}

/** `max(x, 0) + alpha·min(x, 0)` with a trained `alpha` per element (or shared along `sharedAxes`). */
export class PReLU extends ElementwiseLayer {
  static override readonly className = 'PReLU';
  static override readonly options = ['alphaInitializer', 'alphaRegularizer', 'sharedAxes'];
  static override readonly optionValues = { alphaConstraint: [null] };
  readonly alphaInitializer: InitializerName | Initializer;
  readonly alphaRegularizer: Regularizer | null;
  readonly sharedAxes: number[] | null;
  alpha!: Variable;
  constructor(args: PReLUArgs = {}) {
    super(args);
    this.alphaInitializer = args.alphaInitializer ?? 'zeros';
    this.alphaRegularizer = getRegularizer(args.alphaRegularizer);
    this.sharedAxes = args.sharedAxes === undefined || args.sharedAxes === null ? null : [args.sharedAxes].flat();
  }
  override build(inputShape: SymbolicShape): void {
    const shape = inputShape.slice(1).map((d, i) => (this.sharedAxes?.includes(i + 1) ? 1 : d));
    if (!shape.every((d): d is number => typeof d === 'number')) throw new InvalidArgumentError(`${this.name}: every non-shared input dimension must be known, got ${JSON.stringify(inputShape)}`);
    this.alpha = this.addWeight('alpha', shape, this.alphaInitializer, { regularizer: this.alphaRegularizer });
    super.build(inputShape);
  }
  override call(x: Tensor): Tensor {
    // relu(x) − alpha·relu(−x) = max(x, 0) + alpha·min(x, 0)
    return add(relu(x), mul(this.alpha, neg(relu(neg(x)))));
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), alpha_initializer: initializerConfig(this.alphaInitializer), alpha_regularizer: this.alphaRegularizer?.config ?? null, alpha_constraint: null, shared_axes: this.sharedAxes };
  }
}
