/**
 * DepthwiseConv2D and SeparableConv2D (NHWC), the building blocks of
 * MobileNet-style models: a per-channel spatial convolution (with
 * `depthMultiplier` filters per channel), and for SeparableConv2D a 1×1
 * convolution after it that mixes channels.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { getInitializer, initializerConfig, type Initializer, type InitializerName } from '../initializers.js';
import { depthwiseConv2dFused, separableConv2dFused } from '../ops/depthwise.js';
import { pair, type Padding } from '../ops/handle.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { activationName, withActivation, type LayerActivation } from './activations.js';
import { convOutSize } from './convolutional.js';
import { expectRank, Layer, type LayerArgs, type SymbolicShape } from './layer.js';

type RegularizerArg = Regularizer | 'l1l2' | 'l1' | 'l2';

export interface DepthwiseConv2DArgs extends LayerArgs {
  kernelSize: number | [number, number];
  /** Filters per input channel (output channels = input channels × this). Default 1. */
  depthMultiplier?: number;
  strides?: number | [number, number];
  padding?: Padding;
  /** Spacing between kernel taps; above 1 needs strides 1 (as in TensorFlow). */
  dilationRate?: number | [number, number];
  dataFormat?: 'channelsLast';
  activation?: LayerActivation;
  useBias?: boolean;
  depthwiseInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
  depthwiseRegularizer?: RegularizerArg;
  biasRegularizer?: RegularizerArg;
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  /** Output channels of the pointwise (1×1) convolution. */
  filters: number;
  pointwiseInitializer?: InitializerName | Initializer;
  pointwiseRegularizer?: RegularizerArg;
}

const DEPTHWISE_OPTIONS = ['kernelSize', 'depthMultiplier', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'depthwiseInitializer', 'biasInitializer', 'depthwiseRegularizer', 'biasRegularizer'];
const DEPTHWISE_VALUES = { dataFormat: ['channelsLast'], depthwiseConstraint: [null], biasConstraint: [null], activityRegularizer: [null] };

/** What both layers share: the depthwise stage's geometry, its kernel and the bias / activation. */
abstract class DepthwiseBase extends Layer {
  readonly kernelSize: [number, number];
  readonly depthMultiplier: number;
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly activation: LayerActivation;
  readonly useBias: boolean;
  readonly depthwiseInitializer: InitializerName | Initializer;
  readonly biasInitializer: InitializerName | Initializer;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  depthwiseKernel!: Variable;
  bias: Variable | null = null;

  constructor(args: DepthwiseConv2DArgs = {} as DepthwiseConv2DArgs) {
    super(args);
    this.kernelSize = pair(this.name, 'kernelSize', args.kernelSize);
    this.depthMultiplier = args.depthMultiplier ?? 1;
    if (!(Number.isInteger(this.depthMultiplier) && this.depthMultiplier > 0)) throw new InvalidArgumentError(`${this.name}: depthMultiplier must be a positive integer, got ${args.depthMultiplier}`);
    this.strides = pair(this.name, 'strides', args.strides ?? 1);
    this.dilationRate = pair(this.name, 'dilationRate', args.dilationRate ?? 1);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'same' && this.padding !== 'valid') throw new InvalidArgumentError(`${this.name}: padding must be 'same' or 'valid', got '${String(this.padding)}'`);
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new InvalidArgumentError(`${this.name}: dilationRate [${this.dilationRate.join(', ')}] needs strides 1, got [${this.strides.join(', ')}]`);
    }
    this.activation = activationName(args.activation);
    this.useBias = args.useBias ?? true;
    this.depthwiseInitializer = args.depthwiseInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    // Resolved now so an unknown name fails here, not when the layer is built.
    getInitializer(this.depthwiseInitializer);
    getInitializer(this.biasInitializer);
    this.depthwiseRegularizer = getRegularizer(args.depthwiseRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
  }

  /** Checks the input shape and creates the depthwise kernel; returns the input channels. */
  protected buildDepthwise(inputShape: SymbolicShape): number {
    expectRank(this, inputShape, 4, 'input [batch, height, width, channels]');
    const inC = inputShape[3];
    if (typeof inC !== 'number') throw new ShapeError(`${this.name}: the channel dimension must be known`);
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, inC, this.depthMultiplier], this.depthwiseInitializer, { regularizer: this.depthwiseRegularizer });
    return inC;
  }

  protected buildBias(units: number): void {
    if (this.useBias) this.bias = this.addWeight('bias', [units], this.biasInitializer, { regularizer: this.biasRegularizer });
  }

  /** Output `[batch, oh, ow, channels]` with the dilated window's output size. */
  protected outputShape(s: SymbolicShape, channels: number | null): SymbolicShape {
    const span = (k: number, d: number) => (k - 1) * d + 1;
    return [
      s[0] ?? null,
      convOutSize(s[1] ?? null, span(this.kernelSize[0], this.dilationRate[0]), this.strides[0], this.padding),
      convOutSize(s[2] ?? null, span(this.kernelSize[1], this.dilationRate[1]), this.strides[1], this.padding),
      channels,
    ];
  }

  protected checkInput(x: Tensor): void {
    if (x.rank !== 4) throw new ShapeError(`${this.name}: expected input of rank 4 [batch, height, width, channels], got shape [${x.shape.join(',')}]`);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      kernel_size: this.kernelSize,
      depth_multiplier: this.depthMultiplier,
      strides: this.strides,
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: this.dilationRate,
      activation: this.activation,
      use_bias: this.useBias,
      depthwise_initializer: initializerConfig(this.depthwiseInitializer),
      bias_initializer: initializerConfig(this.biasInitializer),
      depthwise_regularizer: this.depthwiseRegularizer?.config ?? null,
      bias_regularizer: this.biasRegularizer?.config ?? null,
      activity_regularizer: null,
      depthwise_constraint: null,
      bias_constraint: null,
    };
  }
}

export class DepthwiseConv2D extends DepthwiseBase {
  static override readonly className = 'DepthwiseConv2D';
  static override readonly options = DEPTHWISE_OPTIONS;
  static override readonly optionValues = DEPTHWISE_VALUES;

  override build(inputShape: SymbolicShape): void {
    const inC = this.buildDepthwise(inputShape);
    this.buildBias(inC * this.depthMultiplier);
    super.build(inputShape);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const c = s[3];
    return this.outputShape(s, typeof c === 'number' ? c * this.depthMultiplier : null);
  }

  override call(x: Tensor): Tensor {
    this.checkInput(x);
    return withActivation(this.activation, (act) => depthwiseConv2dFused(x, this.depthwiseKernel, this.strides, this.padding, this.dilationRate, this.bias ?? undefined, act));
  }
}

export class SeparableConv2D extends DepthwiseBase {
  static override readonly className = 'SeparableConv2D';
  static override readonly options = [...DEPTHWISE_OPTIONS, 'filters', 'pointwiseInitializer', 'pointwiseRegularizer'];
  // TF.js rejects kernel* options on this layer (they name no weight here); so does Sinew, by not listing them.
  static override readonly optionValues = { ...DEPTHWISE_VALUES, pointwiseConstraint: [null] };
  readonly filters: number;
  readonly pointwiseInitializer: InitializerName | Initializer;
  readonly pointwiseRegularizer: Regularizer | null;
  pointwiseKernel!: Variable;

  constructor(args: SeparableConv2DArgs = {} as SeparableConv2DArgs) {
    super(args);
    if (!(Number.isInteger(args.filters) && args.filters > 0)) throw new InvalidArgumentError(`${this.name}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.pointwiseInitializer = args.pointwiseInitializer ?? 'glorotUniform';
    getInitializer(this.pointwiseInitializer);
    this.pointwiseRegularizer = getRegularizer(args.pointwiseRegularizer);
  }

  override build(inputShape: SymbolicShape): void {
    const inC = this.buildDepthwise(inputShape);
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, inC * this.depthMultiplier, this.filters], this.pointwiseInitializer, { regularizer: this.pointwiseRegularizer });
    this.buildBias(this.filters);
    super.build(inputShape);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return this.outputShape(s, this.filters);
  }

  override call(x: Tensor): Tensor {
    this.checkInput(x);
    return withActivation(this.activation, (act) => separableConv2dFused(x, this.depthwiseKernel, this.pointwiseKernel, this.strides, this.padding, this.dilationRate, this.bias ?? undefined, act));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      pointwise_initializer: initializerConfig(this.pointwiseInitializer),
      pointwise_regularizer: this.pointwiseRegularizer?.config ?? null,
      pointwise_constraint: null,
    };
  }
}
