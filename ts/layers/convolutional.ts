/** Conv2D (NHWC, channels last, as TF.js and Keras). */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { initializerConfig, type Initializer, type InitializerName } from '../initializers.js';
import { conv2d, type FusedActivation, type Padding } from '../ops/conv.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { activationName, applyActivation, FUSED, type LayerActivation } from './activations.js';
import { expectRank, Layer, type LayerArgs, type SymbolicShape } from './layer.js';

export interface Conv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  activation?: LayerActivation;
  useBias?: boolean;
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** Output size along one axis, as TensorFlow computes it. */
export function convOutSize(size: number | null, k: number, stride: number, padding: Padding): number | null {
  if (size === null) return null;
  return padding === 'same' ? Math.ceil(size / stride) : Math.ceil((size - k + 1) / stride);
}

export class Conv2D extends Layer {
  static override readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: LayerActivation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName | Initializer;
  readonly biasInitializer: InitializerName | Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  kernel!: Variable;
  bias: Variable | null = null;

  constructor(args: Conv2DArgs) {
    super(args);
    const ints = (v: number[]) => v.every((d) => Number.isInteger(d) && d > 0);
    if (!ints([args.filters])) throw new InvalidArgumentError(`${this.name}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    if (!ints(this.kernelSize) || !ints(this.strides)) throw new InvalidArgumentError(`${this.name}: kernelSize and strides must be positive integers`);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'same' && this.padding !== 'valid') throw new InvalidArgumentError(`${this.name}: padding must be 'same' or 'valid', got '${String(this.padding)}'`);
    this.activation = activationName(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
  }

  override build(inputShape: SymbolicShape): void {
    expectRank(this, inputShape, 4, 'input [batch, height, width, channels]');
    const inC = inputShape[3];
    if (typeof inC !== 'number') throw new ShapeError(`${this.name}: the channel dimension must be known`);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, inC, this.filters], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    super.build(inputShape);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [s[0] ?? null, convOutSize(s[1] ?? null, this.kernelSize[0], this.strides[0], this.padding), convOutSize(s[2] ?? null, this.kernelSize[1], this.strides[1], this.padding), this.filters];
  }

  override call(x: Tensor): Tensor {
    if (x.rank !== 4) throw new ShapeError(`${this.name}: expected input of rank 4 [batch, height, width, channels], got shape [${x.shape.join(',')}]`);
    // linear/relu/sigmoid/tanh are fused into the convolution op.
    if (FUSED.has(this.activation)) return conv2d(x, this.kernel, this.strides, this.padding, this.bias ?? undefined, this.activation as FusedActivation);
    return applyActivation(this.activation, conv2d(x, this.kernel, this.strides, this.padding, this.bias ?? undefined));
  }

  override getConfig(): Record<string, unknown> {
    const init = initializerConfig;
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernel_size: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: this.activation,
      use_bias: this.useBias,
      kernel_initializer: init(this.kernelInitializer),
      bias_initializer: init(this.biasInitializer),
      kernel_regularizer: this.kernelRegularizer?.config ?? null,
      bias_regularizer: this.biasRegularizer?.config ?? null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    };
  }
}
