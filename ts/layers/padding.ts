/** ZeroPadding2D: rows and columns of zeros around `[batch, h, w, channels]` images. */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { pad } from '../ops/layout.js';
import type { Tensor } from '../tensor.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';

type Pair = [number, number];

export interface ZeroPadding2DArgs extends LayerArgs {
  /**
   * `n` (n everywhere), `[rows, cols]` (symmetric), or
   * `[[top, bottom], [left, right]]`, as in TF.js. Default 1.
   */
  padding?: number | Pair | [Pair, Pair];
  dataFormat?: 'channelsLast';
}

export class ZeroPadding2D extends Layer {
  static override readonly className = 'ZeroPadding2D';
  static override readonly options = ['padding'];
  static override readonly optionValues = { dataFormat: ['channelsLast'] };
  /** `[[top, bottom], [left, right]]`. */
  readonly padding: [Pair, Pair];

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    const p = args.padding ?? 1;
    const bad = () => new InvalidArgumentError(`${this.name}: padding must be a non-negative integer, [rows, cols] or [[top, bottom], [left, right]], got ${JSON.stringify(p)}`);
    let full: [Pair, Pair];
    if (typeof p === 'number') full = [[p, p], [p, p]];
    else if (Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number')) full = [[p[0] as number, p[0] as number], [p[1] as number, p[1] as number]];
    else if (Array.isArray(p) && p.length === 2 && p.every((v) => Array.isArray(v) && v.length === 2)) full = [[...(p[0] as Pair)], [...(p[1] as Pair)]];
    else throw bad();
    if (!full.flat().every((v) => Number.isInteger(v) && v >= 0)) throw bad();
    this.padding = full;
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const grow = (d: number | null | undefined, [a, b]: Pair) => (typeof d === 'number' ? d + a + b : null);
    return [s[0] ?? null, grow(s[1], this.padding[0]), grow(s[2], this.padding[1]), s[3] ?? null];
  }

  override call(x: Tensor): Tensor {
    if (x.rank !== 4) throw new ShapeError(`${this.name}: expected input of rank 4 [batch, height, width, channels], got shape [${x.shape.join(',')}]`);
    return pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding, data_format: 'channels_last' };
  }
}
