/**
 * MaxPooling1D and AveragePooling1D over the steps of `[batch, steps,
 * channels]`, on the 2-D pooling kernels with a 1-pixel-high image.
 */
import { ShapeError } from '../errors.js';
import { avgPool, maxPool, type Padding } from '../ops/conv.js';
import { reshape } from '../ops/layout.js';
import type { Tensor } from '../tensor.js';
import { convOutSize } from './convolutional.js';
import { single } from './convolutional1d.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';

export interface Pooling1DArgs extends LayerArgs {
  poolSize?: number | [number];
  /** Defaults to `poolSize`. */
  strides?: number | [number];
  padding?: Padding;
}

export function rank3(layer: Layer, x: Tensor): [number, number, number] {
  if (x.rank !== 3) throw new ShapeError(`${layer.name}: expected input of rank 3 [batch, steps, channels], got shape [${x.shape.join(',')}]`);
  return x.shape as [number, number, number];
}

abstract class Pooling1D extends Layer {
  static override readonly options = ['poolSize', 'strides', 'padding'];
  static override readonly optionValues = { dataFormat: ['channelsLast'] };
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: Padding;
  constructor(args: Pooling1DArgs = {}) {
    super(args);
    this.poolSize = single(this.name, 'poolSize', args.poolSize ?? 2);
    this.strides = single(this.name, 'strides', args.strides ?? this.poolSize);
    this.padding = args.padding ?? 'valid';
  }
  protected abstract pool2d(x: Tensor): Tensor;
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [s[0] ?? null, convOutSize(s[1] ?? null, this.poolSize, this.strides, this.padding), s[2] ?? null];
  }
  override call(x: Tensor): Tensor {
    const [b, steps, c] = rank3(this, x);
    const y = this.pool2d(reshape(x, [b, 1, steps, c]));
    return reshape(y, [b, y.shape[2]!, c]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), pool_size: [this.poolSize], strides: [this.strides], padding: this.padding, data_format: 'channels_last' };
  }
}

export class MaxPooling1D extends Pooling1D {
  static override readonly className = 'MaxPooling1D';
  protected pool2d(x: Tensor): Tensor {
    return maxPool(x, [1, this.poolSize], [1, this.strides], this.padding);
  }
}

export class AveragePooling1D extends Pooling1D {
  static override readonly className = 'AveragePooling1D';
  protected pool2d(x: Tensor): Tensor {
    return avgPool(x, [1, this.poolSize], [1, this.strides], this.padding);
  }
}
