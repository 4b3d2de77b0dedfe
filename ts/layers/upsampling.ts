/**
 * UpSampling2D: `[batch, h, w, c]` → `[batch, h·sh, w·sw, c]`, as TF.js's
 * `resizeNearestNeighbor` / `resizeBilinear` (alignCorners and halfPixelCenters
 * false: output pixel `o` samples source position `o / s`). Both are gathers
 * along height then width (bilinear: two gathers and a lerp per axis), so the
 * gradient is the engine's scatter-add.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { tensor } from '../ops/create.js';
import { pair } from '../ops/handle.js';
import { gather } from '../ops/layout.js';
import { add, mul, sub } from '../ops/math.js';
import type { Tensor } from '../tensor.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';

export type Interpolation = 'nearest' | 'bilinear';

export interface UpSampling2DArgs extends LayerArgs {
  /** Factors `[rows, cols]` (or one for both). Default [2, 2]. */
  size?: number | [number, number];
  /** Default 'nearest'. */
  interpolation?: Interpolation;
  dataFormat?: 'channelsLast';
}

/** Resizes axis `axis` (of length `n`) by the integer factor `s`. */
function resizeAxis(x: Tensor, axis: number, n: number, s: number, interpolation: Interpolation): Tensor {
  if (s === 1) return x;
  const out = Array.from({ length: n * s }, (_, o) => o);
  const lo = out.map((o) => Math.floor(o / s));
  const near = gather(x, lo, axis);
  if (interpolation === 'nearest') return near;
  // y = x[lo] + (x[hi] - x[lo])·frac, frac = (o mod s)/s, hi clamped to the last row.
  const far = gather(x, lo.map((i) => Math.min(i + 1, n - 1)), axis);
  const shape = [1, 1, 1, 1];
  shape[axis] = n * s;
  const frac = tensor(out.map((o) => (o % s) / s), shape);
  try {
    return add(near, mul(sub(far, near), frac));
  } finally {
    frac.dispose();
  }
}

export class UpSampling2D extends Layer {
  static override readonly className = 'UpSampling2D';
  static override readonly options = ['size', 'interpolation'];
  static override readonly optionValues = { dataFormat: ['channelsLast'] };
  readonly size: [number, number];
  readonly interpolation: Interpolation;

  constructor(args: UpSampling2DArgs = {}) {
    super(args);
    this.size = pair(this.name, 'size', args.size ?? [2, 2]);
    this.interpolation = args.interpolation ?? 'nearest';
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear') {
      throw new InvalidArgumentError(`${this.name}: interpolation must be 'nearest' or 'bilinear', got '${String(this.interpolation)}'`);
    }
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const grow = (d: number | null | undefined, k: number) => (typeof d === 'number' ? d * k : null);
    return [s[0] ?? null, grow(s[1], this.size[0]), grow(s[2], this.size[1]), s[3] ?? null];
  }

  override call(x: Tensor): Tensor {
    if (x.rank !== 4) throw new ShapeError(`${this.name}: expected input of rank 4 [batch, height, width, channels], got shape [${x.shape.join(',')}]`);
    const rows = resizeAxis(x, 1, x.shape[1]!, this.size[0], this.interpolation);
    return resizeAxis(rows, 2, x.shape[2]!, this.size[1], this.interpolation);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size, interpolation: this.interpolation, data_format: 'channels_last' };
  }
}
