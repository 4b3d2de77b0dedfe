/** Conv1D over `[batch, steps, channels]` (channels last, as TF.js and Keras). */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { conv1d, conv1dOutLength, type Padding1D } from '../ops/conv1d.js';
import type { Tensor } from '../tensor.js';
import { withActivation } from './activations.js';
import { KERNEL_OPTIONS, KERNEL_VALUES, KernelLayer, type KernelLayerArgs } from './kernel-layer.js';
import { expectRank, type SymbolicShape } from './layer.js';

export interface Conv1DArgs extends KernelLayerArgs {
  filters: number;
  kernelSize: number | [number];
  strides?: number | [number];
  padding?: Padding1D;
  /** Spacing between kernel taps; above 1 needs strides 1. */
  dilationRate?: number | [number];
}

/** `n` or `[n]` (Keras writes 1-tuples) → n, a positive integer. */
export function single(layer: string, what: string, v: number | readonly number[]): number {
  const n = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (!(typeof n === 'number' && Number.isInteger(n) && n >= 1)) throw new InvalidArgumentError(`${layer}: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

export class Conv1D extends KernelLayer {
  static override readonly className = 'Conv1D';
  static override readonly options = [...KERNEL_OPTIONS, 'filters', 'kernelSize', 'strides', 'padding', 'dilationRate'];
  static override readonly optionValues = { ...KERNEL_VALUES, dataFormat: ['channelsLast'] };
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding1D;
  readonly dilationRate: number;

  constructor(args: Conv1DArgs = {} as Conv1DArgs) {
    super(args);
    if (!(Number.isInteger(args.filters) && args.filters > 0)) throw new InvalidArgumentError(`${this.name}: filters must be a positive integer, got ${args.filters}`);
    this.filters = args.filters;
    this.kernelSize = single(this.name, 'kernelSize', args.kernelSize);
    this.strides = single(this.name, 'strides', args.strides ?? 1);
    this.dilationRate = single(this.name, 'dilationRate', args.dilationRate ?? 1);
    this.padding = args.padding ?? 'valid';
    if (!['same', 'valid', 'causal'].includes(this.padding)) throw new InvalidArgumentError(`${this.name}: padding must be 'same', 'valid' or 'causal', got '${String(this.padding)}'`);
    if (this.dilationRate > 1 && this.strides > 1) throw new InvalidArgumentError(`${this.name}: dilationRate ${this.dilationRate} needs strides 1, got ${this.strides}`);
  }

  override build(inputShape: SymbolicShape): void {
    expectRank(this, inputShape, 3, 'input [batch, steps, channels]');
    const inC = inputShape[2];
    if (typeof inC !== 'number') throw new ShapeError(`${this.name}: the channel dimension must be known`);
    this.buildKernel([this.kernelSize, inC, this.filters], this.filters);
    super.build(inputShape);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const steps = s[1];
    return [s[0] ?? null, typeof steps === 'number' ? conv1dOutLength(steps, this.kernelSize, this.strides, this.padding, this.dilationRate) : null, this.filters];
  }

  override call(x: Tensor): Tensor {
    if (x.rank !== 3) throw new ShapeError(`${this.name}: expected input of rank 3 [batch, steps, channels], got shape [${x.shape.join(',')}]`);
    return withActivation(this.activation, (act) => conv1d(x, this.kernel, this.strides, this.padding, this.dilationRate, this.bias ?? undefined, act));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernel_size: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [this.dilationRate],
    };
  }
}
