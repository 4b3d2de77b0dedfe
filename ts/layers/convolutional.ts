/** Conv2D (NHWC, channels last, as TF.js and Keras). */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { conv2dFused as conv2d, conv2dPool, type Padding, type PoolWindow } from '../ops/conv.js';
import { pair } from '../ops/handle.js';
import type { Tensor } from '../tensor.js';
import { withActivation } from './activations.js';
import { KERNEL_OPTIONS, KERNEL_VALUES, KernelLayer, type KernelLayerArgs } from './kernel-layer.js';
import { expectRank, type SymbolicShape } from './layer.js';

export interface Conv2DArgs extends KernelLayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  /** Only channels-last (NHWC), as Sinew's kernels. */
  dataFormat?: 'channelsLast';
  /** Only 1: dilated convolutions are not implemented. */
  dilationRate?: 1 | [1, 1];
}


/** Output size along one axis, as TensorFlow computes it. */
export function convOutSize(size: number | null, k: number, stride: number, padding: Padding): number | null {
  if (size === null) return null;
  return padding === 'same' ? Math.ceil(size / stride) : Math.ceil((size - k + 1) / stride);
}

export class Conv2D extends KernelLayer {
  static override readonly className = 'Conv2D';
  static override readonly options = [...KERNEL_OPTIONS, 'filters', 'kernelSize', 'strides', 'padding'];
  // Dilated convolutions are not implemented: any rate but 1 is rejected (it would change the output shape).
  static override readonly optionValues = { ...KERNEL_VALUES, dataFormat: ['channelsLast'], dilationRate: [1, [1, 1]] };
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(args: Conv2DArgs = {} as Conv2DArgs) {
    super(args);
    if (!(Number.isInteger(args.filters) && args.filters > 0)) throw new InvalidArgumentError(`${this.name}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = pair(this.name, 'kernelSize', args.kernelSize);
    this.strides = pair(this.name, 'strides', args.strides ?? 1);
    this.padding = args.padding ?? 'valid';
    if (this.padding !== 'same' && this.padding !== 'valid') throw new InvalidArgumentError(`${this.name}: padding must be 'same' or 'valid', got '${String(this.padding)}'`);
  }

  override build(inputShape: SymbolicShape): void {
    expectRank(this, inputShape, 4, 'input [batch, height, width, channels]');
    const inC = inputShape[3];
    if (typeof inC !== 'number') throw new ShapeError(`${this.name}: the channel dimension must be known`);
    this.buildKernel([...this.kernelSize, inC, this.filters], this.filters);
    super.build(inputShape);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [s[0] ?? null, convOutSize(s[1] ?? null, this.kernelSize[0], this.strides[0], this.padding), convOutSize(s[2] ?? null, this.kernelSize[1], this.strides[1], this.padding), this.filters];
  }

  override call(x: Tensor): Tensor {
    if (x.rank !== 4) throw new ShapeError(`${this.name}: expected input of rank 4 [batch, height, width, channels], got shape [${x.shape.join(',')}]`);
    return withActivation(this.activation, (act) => conv2d(x, this.kernel, this.strides, this.padding, this.bias ?? undefined, act));
  }

  /** Convolution, bias, activation and the following pooling layer's window in one engine call (softmax: not fused). */
  override callThenPool(x: Tensor, pool: PoolWindow): Tensor | null {
    if (x.rank !== 4 || this.activation === 'softmax') return null;
    return conv2dPool(x, this.kernel, this.strides, this.padding, this.bias ?? undefined, this.activation, pool);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernel_size: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
    };
  }
}
