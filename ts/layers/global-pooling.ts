/**
 * Global pooling: the mean or maximum over the steps of `[batch, steps,
 * channels]` (1D; masked steps from `embedding({ maskZero: true })` are
 * skipped) or over height and width of `[batch, h, w, channels]` (2D).
 */
import { ShapeError } from '../errors.js';
import { reshape } from '../ops/layout.js';
import { add, div, max, maximum, mean, mul, step, sub, sum } from '../ops/math.js';
import type { Tensor } from '../tensor.js';
import { Layer, type SymbolicShape } from './layer.js';
import { rank3 } from './pooling1d.js';

/** Masked steps carry no weight in the mean and can never be the maximum. */
abstract class GlobalPooling1D extends Layer {
  static override readonly options = [];
  static override readonly optionValues = { dataFormat: ['channelsLast'] };
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [s[0] ?? null, s[2] ?? null];
  }
  override computeMask(): Tensor | null {
    return null;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
}

export class GlobalAveragePooling1D extends GlobalPooling1D {
  static override readonly className = 'GlobalAveragePooling1D';
  override call(x: Tensor, _training: boolean, mask?: Tensor | null): Tensor {
    const [b, steps] = rank3(this, x);
    if (!mask) return mean(x, 1);
    const m = reshape(mask, [b, steps, 1]);
    // Σ x·m / Σ m; a sequence that is all padding averages to 0 (not NaN).
    return div(sum(mul(x, m), 1), maximum(sum(m, 1), 1));
  }
}

/** A large negative number added to masked steps (finite, so 0·it stays 0 in the gradient). */
const MASKED = 1e9;

export class GlobalMaxPooling1D extends GlobalPooling1D {
  static override readonly className = 'GlobalMaxPooling1D';
  override call(x: Tensor, _training: boolean, mask?: Tensor | null): Tensor {
    const [b, steps] = rank3(this, x);
    if (!mask) return max(x, 1);
    const m = reshape(mask, [b, steps, 1]);
    // An all-padding sequence gives 0, as the masked mean does.
    return mul(max(add(x, mul(sub(m, 1), MASKED)), 1), step(sum(m, 1)));
  }
}

/** Mean / max over height and width of `[batch, h, w, channels]`. */
abstract class GlobalPooling2D extends Layer {
  static override readonly options = [];
  static override readonly optionValues = { dataFormat: ['channelsLast'] };
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [s[0] ?? null, s[3] ?? null];
  }
  protected check(x: Tensor): void {
    if (x.rank !== 4) throw new ShapeError(`${this.name}: expected input of rank 4 [batch, height, width, channels], got shape [${x.shape.join(',')}]`);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), data_format: 'channels_last' };
  }
}

export class GlobalAveragePooling2D extends GlobalPooling2D {
  static override readonly className = 'GlobalAveragePooling2D';
  override call(x: Tensor): Tensor {
    this.check(x);
    return mean(x, [1, 2]);
  }
}

export class GlobalMaxPooling2D extends GlobalPooling2D {
  static override readonly className = 'GlobalMaxPooling2D';
  override call(x: Tensor): Tensor {
    this.check(x);
    return max(x, [1, 2]);
  }
}
