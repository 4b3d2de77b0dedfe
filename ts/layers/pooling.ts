/** MaxPooling2D and AveragePooling2D (NHWC). */
import { ShapeError } from '../errors.js';
import { avgPool, maxPool, type Padding, type PoolWindow } from '../ops/conv.js';
import { padding, pair } from '../ops/handle.js';
import type { Tensor } from '../tensor.js';
import { convOutSize } from './convolutional.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: number | [number, number];
  /** Defaults to `poolSize`. */
  strides?: number | [number, number];
  padding?: Padding;
  /** Only channels-last (NHWC), as Sinew's kernels. */
  dataFormat?: 'channelsLast';
}

abstract class Pooling2D extends Layer {
  static override readonly options = ['poolSize', 'strides', 'padding'];
  static override readonly optionValues = { dataFormat: ['channelsLast'] };
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  constructor(args: Pooling2DArgs = {}) {
    super(args);
    this.poolSize = pair(this.name, 'poolSize', args.poolSize ?? 2);
    this.strides = pair(this.name, 'strides', args.strides ?? this.poolSize);
    this.padding = padding(this.name, args.padding ?? 'valid');
  }
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [s[0] ?? null, convOutSize(s[1] ?? null, this.poolSize[0], this.strides[0], this.padding), convOutSize(s[2] ?? null, this.poolSize[1], this.strides[1], this.padding), s[3] ?? null];
  }
  protected abstract readonly kind: PoolWindow['kind'];
  override pooling(): PoolWindow {
    return { kind: this.kind, poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
  protected check(x: Tensor): void {
    if (x.rank !== 4) throw new ShapeError(`${this.name}: expected input of rank 4 [batch, height, width, channels], got shape [${x.shape.join(',')}]`);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), pool_size: this.poolSize, strides: this.strides, padding: this.padding, data_format: 'channels_last' };
  }
}

export class MaxPooling2D extends Pooling2D {
  static override readonly className = 'MaxPooling2D';
  protected readonly kind = 'max';
  override call(x: Tensor): Tensor {
    this.check(x);
    return maxPool(x, this.poolSize, this.strides, this.padding);
  }
}

export class AveragePooling2D extends Pooling2D {
  static override readonly className = 'AveragePooling2D';
  protected readonly kind = 'avg';
  override call(x: Tensor): Tensor {
    this.check(x);
    return avgPool(x, this.poolSize, this.strides, this.padding);
  }
}
