/** Dense, Activation, Flatten, Reshape and Dropout layers. */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { matMul } from '../ops/fused.js';
import { reshape } from '../ops/layout.js';
import type { ActivationName } from '../ops/names.js';
import { dropout } from '../ops/nn.js';
import type { Tensor } from '../tensor.js';
import { activationName, applyActivation, withActivation, type LayerActivation } from './activations.js';
import { KERNEL_OPTIONS, KERNEL_VALUES, KernelLayer, type KernelLayerArgs } from './kernel-layer.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';

export interface DenseArgs extends KernelLayerArgs {
  units: number;
  /** TF.js / Keras shorthand for `inputShape: [inputDim]`. */
  inputDim?: number;
}

/**
 * `activation(x·kernel + bias)` as one engine call (with linear, relu,
 * sigmoid or tanh, one pass over the output too). Inputs of rank > 2 are
 * applied on the last axis, as in Keras.
 */
export class Dense extends KernelLayer {
  static override readonly className = 'Dense';
  static override readonly options = [...KERNEL_OPTIONS, 'units', 'inputDim'];
  static override readonly optionValues = KERNEL_VALUES;
  readonly units: number;

  constructor(args: DenseArgs = {} as DenseArgs) {
    super(args?.inputDim !== undefined && !args.inputShape && !args.batchInputShape ? { ...args, inputShape: [args.inputDim] } : args);
    if (!(Number.isInteger(args.units) && args.units > 0)) throw new InvalidArgumentError(`${this.name}: units must be a positive integer, got ${args.units}`);
    this.units = args.units;
  }

  override build(inputShape: SymbolicShape): void {
    const inDim = inputShape[inputShape.length - 1];
    if (typeof inDim !== 'number') throw new ShapeError(`${this.name}: the last input dimension must be known, got ${JSON.stringify(inputShape)}`);
    this.buildKernel([inDim, this.units], this.units);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    // A built layer (shared, or used before) fits only its kernel's input size: say so when the graph is made, not when it runs.
    const inDim = inputShape[inputShape.length - 1];
    if (this.built && typeof inDim === 'number' && inDim !== this.kernel.shape[0]) {
      throw new ShapeError(`${this.name}: expected inputs with last dimension ${this.kernel.shape[0]}, got shape [${inputShape.map((d) => d ?? 'null').join(',')}]`);
    }
    return [...inputShape.slice(0, -1), this.units];
  }

  override get supportsMasking(): boolean {
    return true;
  }

  /** With `activation` as its own, the product before it (see `Layer.callLogits`). */
  override callLogits(x: Tensor, activation: 'softmax' | 'sigmoid'): Tensor | null {
    return this.activation === activation ? this.#dense(x, 'linear') : null;
  }

  override call(x: Tensor): Tensor {
    return withActivation(this.activation, (act) => this.#dense(x, act));
  }

  #dense(x: Tensor, act: ActivationName): Tensor {
    const inDim = this.kernel.shape[0]!;
    if (x.shape[x.rank - 1] !== inDim) {
      throw new ShapeError(`${this.name}: expected inputs with last dimension ${inDim}, got shape [${x.shape.join(',')}]`);
    }
    const flat = x.rank === 2 ? x : reshape(x, [-1, inDim]);
    const y = matMul({ a: flat, b: this.kernel, bias: this.bias ?? undefined, activation: act });
    return x.rank === 2 ? y : reshape(y, [...x.shape.slice(0, -1), this.units]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), units: this.units };
  }
}

export interface ActivationArgs extends LayerArgs {
  activation: LayerActivation;
}

/** Applies an activation by name. */
export class Activation extends Layer {
  static override readonly className = 'Activation';
  static override readonly options = ['activation'];
  readonly activation: LayerActivation;
  constructor(args: ActivationArgs = {} as ActivationArgs) {
    super(args);
    this.activation = activationName(args.activation);
  }
  override get supportsMasking(): boolean {
    return true;
  }
  override call(x: Tensor): Tensor {
    return applyActivation(this.activation, x);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

/** `[batch, ...]` → `[batch, product]`. */
export class Flatten extends Layer {
  static override readonly className = 'Flatten';
  static override readonly options = [];
  static override readonly optionValues = { dataFormat: ['channelsLast'] };
  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    return [inputShape[0] ?? null, inputShape.slice(1).reduce<number>((a, b) => a * (b ?? NaN), 1)];
  }
  override call(x: Tensor): Tensor {
    return reshape(x, [x.shape[0]!, x.shape.slice(1).reduce((a, b) => a * b, 1)]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
}

export interface ReshapeArgs extends LayerArgs {
  /** Target shape without the batch dimension; one entry may be -1. */
  targetShape: number[];
}

export class Reshape extends Layer {
  static override readonly className = 'Reshape';
  static override readonly options = ['targetShape'];
  readonly targetShape: number[];
  constructor(args: ReshapeArgs = {} as ReshapeArgs) {
    super(args);
    if (!Array.isArray(args.targetShape) || !args.targetShape.every((d) => d === -1 || (Number.isInteger(d) && d >= 0))) {
      throw new InvalidArgumentError(`${this.name}: targetShape must be an array of sizes (-1 for one inferred size), got ${JSON.stringify(args.targetShape) ?? 'undefined'}`);
    }
    this.targetShape = [...args.targetShape];
  }
  override computeOutputShape(inputShape: SymbolicShape): SymbolicShape {
    const total = inputShape.slice(1).reduce<number>((a, b) => a * (b ?? NaN), 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return [inputShape[0] ?? null, ...this.targetShape.map((d) => (d === -1 ? total / known : d))];
  }
  override call(x: Tensor): Tensor {
    return reshape(x, [x.shape[0]!, ...this.targetShape]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), target_shape: this.targetShape };
  }
}

export interface DropoutArgs extends LayerArgs {
  /** Fraction of inputs to zero during training, in [0, 1). */
  rate: number;
  seed?: number;
}

/** Zeroes a fraction `rate` of inputs while training (scaled so inference needs no change). */
export class Dropout extends Layer {
  static override readonly className = 'Dropout';
  static override readonly options = ['rate', 'seed'];
  static override readonly optionValues = { noiseShape: [null] };
  readonly rate: number;
  readonly seed?: number;
  #calls = 0;
  constructor(args: DropoutArgs = {} as DropoutArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new InvalidArgumentError(`${this.name}: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    if (args.seed !== undefined) this.seed = args.seed;
  }
  override get supportsMasking(): boolean {
    return true;
  }
  override call(x: Tensor, training: boolean): Tensor {
    if (!training || this.rate === 0) return x;
    // A seeded layer draws a different (but reproducible) mask at each call.
    const seed = this.seed === undefined ? undefined : this.seed + this.#calls++;
    return dropout(x, this.rate, undefined, seed);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noise_shape: null, seed: this.seed ?? null };
  }
}
