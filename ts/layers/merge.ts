/**
 * Merge layers: combine a list of tensors into one (Add, Subtract, Multiply,
 * Average, Maximum, Minimum, Concatenate, Dot), as in Keras. Each is a
 * composition of differentiable ops, so gradients come from the ops' rules.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { concat, reshape, transpose } from '../ops/layout.js';
import { add, div, maximum, minimum, mul, sqrt, square, sub, sum } from '../ops/math.js';
import type { Tensor } from '../tensor.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';
import { isShapeList, type ShapeOrShapes } from './symbolic.js';

const fmt = (s: SymbolicShape) => `[${s.map((d) => d ?? 'null').join(',')}]`;

/** The shapes of a merge layer's inputs: a list of at least `min`. */
function shapeList(layer: Layer, s: ShapeOrShapes, min = 2): SymbolicShape[] {
  if (!isShapeList(s) || s.length < min) throw new InvalidArgumentError(`${layer.name}: expects a list of at least ${min} inputs`);
  return s;
}

function tensorList(layer: Layer, x: Tensor | Tensor[], min = 2): Tensor[] {
  if (!Array.isArray(x) || x.length < min) throw new InvalidArgumentError(`${layer.name}: expects a list of at least ${min} tensors`);
  return x;
}

/** Dimension `a` and `b` agree (null matches anything); the known one of the two. */
function mergeDim(a: number | null, b: number | null): number | null | undefined {
  if (a === null) return b;
  if (b === null || a === b) return a;
  return undefined;
}

/** As `mergeDim`, but a 1 broadcasts against any size (as TF.js's merge layers allow). */
function broadcastDim(a: number | null, b: number | null): number | null | undefined {
  if (a === 1) return b;
  if (b === 1) return a;
  return mergeDim(a, b);
}

/** Element-wise merges: the inputs have the same shape (or broadcast, dimensions of 1), as does the output. */
abstract class ElementwiseMerge extends Layer {
  protected abstract combine(xs: Tensor[]): Tensor;
  protected readonly exactly: number | null = null;

  override computeOutputShape(inputShape: ShapeOrShapes): SymbolicShape {
    const shapes = shapeList(this, inputShape);
    if (this.exactly !== null && shapes.length !== this.exactly) throw new InvalidArgumentError(`${this.name}: expects exactly ${this.exactly} inputs, got ${shapes.length}`);
    return shapes.reduce((acc, s) => {
      const merged = acc.length === s.length ? acc.map((d, i) => broadcastDim(d, s[i]!)) : null;
      if (!merged || merged.some((d) => d === undefined)) throw new ShapeError(`${this.name}: inputs must have the same shape (or dimensions of 1 to broadcast), got ${shapes.map(fmt).join(' and ')}`);
      return merged as SymbolicShape;
    });
  }

  override call(x: Tensor | Tensor[]): Tensor {
    const xs = tensorList(this, x);
    this.computeOutputShape(xs.map((t) => [...t.shape]));
    return this.combine(xs);
  }
}

export class Add extends ElementwiseMerge {
  static override readonly className = 'Add';
  protected combine(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => add(a, b));
  }
}

/** `x0 - x1` (exactly two inputs). */
export class Subtract extends ElementwiseMerge {
  static override readonly className = 'Subtract';
  protected override readonly exactly = 2;
  protected combine([a, b]: Tensor[]): Tensor {
    return sub(a!, b!);
  }
}

export class Multiply extends ElementwiseMerge {
  static override readonly className = 'Multiply';
  protected combine(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => mul(a, b));
  }
}

export class Average extends ElementwiseMerge {
  static override readonly className = 'Average';
  protected combine(xs: Tensor[]): Tensor {
    return mul(xs.reduce((a, b) => add(a, b)), 1 / xs.length);
  }
}

export class Maximum extends ElementwiseMerge {
  static override readonly className = 'Maximum';
  protected combine(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => maximum(a, b));
  }
}

export class Minimum extends ElementwiseMerge {
  static override readonly className = 'Minimum';
  protected combine(xs: Tensor[]): Tensor {
    return xs.reduce((a, b) => minimum(a, b));
  }
}

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join on (default -1, the last); the batch axis 0 is not allowed. */
  axis?: number;
}

/** Joins the inputs along `axis`; the other dimensions must agree. */
export class Concatenate extends Layer {
  static override readonly className = 'Concatenate';
  readonly axis: number;
  constructor(args: ConcatenateArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new InvalidArgumentError(`${this.name}: axis must be an integer, got ${String(args.axis)}`);
  }

  /** `axis` as a non-negative index into shapes of `rank`. */
  #axisFor(rank: number): number {
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    if (a <= 0 || a >= rank) throw new InvalidArgumentError(`${this.name}: axis ${this.axis} is out of range for inputs of rank ${rank} (the batch axis 0 cannot be joined)`);
    return a;
  }

  override computeOutputShape(inputShape: ShapeOrShapes): SymbolicShape {
    const shapes = shapeList(this, inputShape);
    const rank = shapes[0]!.length;
    const axis = this.#axisFor(rank);
    const bad = () => new ShapeError(`${this.name}: inputs must agree on every axis but ${this.axis}, got ${shapes.map(fmt).join(' and ')}`);
    return shapes.reduce((acc, s) => {
      if (s.length !== rank) throw bad();
      return acc.map((d, i) => {
        if (i === axis) return d === null || s[i] === null ? null : d + s[i]!;
        const m = mergeDim(d, s[i]!);
        if (m === undefined) throw bad();
        return m;
      });
    });
  }

  override call(x: Tensor | Tensor[]): Tensor {
    const xs = tensorList(this, x);
    this.computeOutputShape(xs.map((t) => [...t.shape]));
    return concat(xs, this.#axisFor(xs[0]!.rank));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface DotArgs extends LayerArgs {
  /** The axis of each input to contract (one number for both, or one per input); not the batch axis. */
  axes: number | [number, number];
  /** L2-normalise both inputs along their `axes` first, so the product is the cosine similarity. */
  normalize?: boolean;
}

/**
 * Per-sample dot product of two tensors along `axes`, as Keras's `Dot`
 * (`batch_dot`): `[b,n]·[b,n] → [b,1]`, `[b,n,m]·[b,m,k]` with axes `[2,1]` →
 * `[b,n,k]`. The output has the first input's other axes, then the second's.
 */
export class Dot extends Layer {
  static override readonly className = 'Dot';
  readonly axes: number | [number, number];
  readonly normalize: boolean;
  constructor(args: DotArgs = {} as DotArgs) {
    super(args);
    const ok = (a: unknown) => Number.isInteger(a);
    if (!(ok(args?.axes) || (Array.isArray(args?.axes) && args.axes.length === 2 && args.axes.every(ok)))) {
      throw new InvalidArgumentError(`${this.name}: axes must be an integer or a pair of integers, got ${JSON.stringify(args?.axes)}`);
    }
    this.axes = Array.isArray(args.axes) ? [args.axes[0], args.axes[1]] : args.axes;
    this.normalize = args.normalize ?? false;
  }

  /** The contracted axis of each input, as non-negative indices. */
  #axes(r0: number, r1: number): [number, number] {
    const [a0, a1] = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    const pos = (a: number, r: number) => {
      const p = a < 0 ? a + r : a;
      if (p <= 0 || p >= r) throw new InvalidArgumentError(`${this.name}: axis ${a} is out of range for an input of rank ${r} (the batch axis 0 cannot be contracted)`);
      return p;
    };
    return [pos(a0, r0), pos(a1, r1)];
  }

  override computeOutputShape(inputShape: ShapeOrShapes): SymbolicShape {
    const shapes = shapeList(this, inputShape);
    if (shapes.length !== 2) throw new InvalidArgumentError(`${this.name}: expects exactly 2 inputs, got ${shapes.length}`);
    const [s0, s1] = shapes as [SymbolicShape, SymbolicShape];
    if (s0.length < 2 || s1.length < 2) throw new ShapeError(`${this.name}: inputs need rank >= 2, got ${fmt(s0)} and ${fmt(s1)}`);
    const [a0, a1] = this.#axes(s0.length, s1.length);
    if (mergeDim(s0[a0]!, s1[a1]!) === undefined) throw new ShapeError(`${this.name}: axis ${a0} of ${fmt(s0)} and axis ${a1} of ${fmt(s1)} differ`);
    const rest = [...s0.slice(1).filter((_, i) => i + 1 !== a0), ...s1.slice(1).filter((_, i) => i + 1 !== a1)];
    const batch = mergeDim(s0[0]!, s1[0]!) ?? null;
    return rest.length ? [batch, ...rest] : [batch, 1];
  }

  override call(x: Tensor | Tensor[]): Tensor {
    const xs = tensorList(this, x);
    const outShape = this.computeOutputShape(xs.map((t) => [...t.shape])) as number[];
    let [x0, x1] = xs as [Tensor, Tensor];
    const [a0, a1] = this.#axes(x0.rank, x1.rank);
    if (this.normalize) [x0, x1] = [l2Normalize(x0, a0), l2Normalize(x1, a1)];
    // Broadcast product: x0 as [b, rest0..., K, 1 (per rest1)...], x1 as [b, 1 (per rest0)..., K, rest1...];
    // the sum over K is the dot product. Uses only mul/sum/transpose, whose gradients the engine has.
    const r0 = x0.shape.filter((_, i) => i !== 0 && i !== a0);
    const r1 = x1.shape.filter((_, i) => i !== 0 && i !== a1);
    const k = x0.shape[a0]!;
    const b = x0.shape[0]!;
    const t0 = transpose(x0, [0, ...range(1, x0.rank).filter((i) => i !== a0), a0]);
    const t1 = transpose(x1, [0, a1, ...range(1, x1.rank).filter((i) => i !== a1)]);
    const e0 = reshape(t0, [b, ...r0, k, ...r1.map(() => 1)]);
    const e1 = reshape(t1, [b, ...r0.map(() => 1), k, ...r1]);
    const dot = sum(mul(e0, e1), 1 + r0.length);
    return reshape(dot, [b, ...outShape.slice(1)]);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** `x / sqrt(max(sum(x², axis), 1e-12))`, Keras's `l2_normalize`. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return div(x, sqrt(maximum(sum(square(x), axis, true), 1e-12)));
}
