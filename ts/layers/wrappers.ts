/**
 * Wrappers: layers that hold another layer. TimeDistributed applies its layer
 * to every step of `[batch, steps, ...]` at once (steps folded into the
 * batch, one call, not a loop over steps).
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { reshape } from '../ops/layout.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { add, mul } from '../ops/math.js';
import { concat, reverse } from '../ops/layout.js';
import { Layer, uniqueName, type LayerArgs, type SymbolicShape } from './layer.js';
import { RNN } from './recurrent.js';
import { isShapeList, type ShapeOrShapes } from './symbolic.js';

export interface WrapperArgs extends LayerArgs {
  layer: Layer;
}

/** A layer whose weights are those of the layer(s) it wraps. */
export abstract class Wrapper extends Layer {
  constructor(args: LayerArgs, protected readonly wrapped: Layer[]) {
    super(args);
    if (!Array.isArray(wrapped) || !wrapped.every((l) => l instanceof Layer)) throw new InvalidArgumentError(`${this.name}: 'layer' must be a layer`);
  }
  override get weights(): Variable[] {
    return [...super.weights, ...this.wrapped.flatMap((l) => l.weights)];
  }
  override get trainableWeights(): Variable[] {
    return this.trainable ? [...super.trainableWeights, ...this.wrapped.flatMap((l) => l.trainableWeights)] : [];
  }
  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? [...super.nonTrainableWeights, ...this.wrapped.flatMap((l) => l.nonTrainableWeights)] : this.weights;
  }
  override countParams(): number {
    return super.countParams() + this.wrapped.reduce((n, l) => n + l.countParams(), 0);
  }
  override regularizationLosses(): Tensor[] {
    return [...super.regularizationLosses(), ...this.wrapped.flatMap((l) => l.regularizationLosses())];
  }
  override dispose(): void {
    for (const l of this.wrapped) l.dispose();
    super.dispose();
  }
}

/** `layer` applied to each step: `[batch, steps, ...in]` → `[batch, steps, ...out]`. */
export class TimeDistributed extends Wrapper {
  static override readonly className = 'TimeDistributed';
  static override readonly options = ['layer'];
  readonly layer: Layer;
  constructor(args: WrapperArgs = {} as WrapperArgs) {
    super(args, [args?.layer]);
    this.layer = args.layer;
    // TF.js builds the wrapped layer inside this layer's name scope.
    this.layer.weightScope = this.name;
  }
  override get supportsMasking(): boolean {
    return true;
  }
  #inner(s: SymbolicShape): SymbolicShape {
    if (s.length < 3) throw new ShapeError(`${this.name}: expected an input of rank ≥ 3 [batch, steps, ...], got shape [${s.map((d) => d ?? 'batch').join(',')}]`);
    return [null, ...s.slice(2)];
  }
  override build(inputShape: SymbolicShape): void {
    if (!this.layer.built) this.layer.build(this.#inner(inputShape));
    super.build(inputShape);
  }
  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    const out = this.layer.computeOutputShape(this.#inner(s));
    if (isShapeList(out)) throw new InvalidArgumentError(`${this.name}: the wrapped layer must have one output`);
    return [s[0] ?? null, s[1] ?? null, ...out.slice(1)];
  }
  override call(x: Tensor, training: boolean): Tensor {
    this.#inner([...x.shape]);
    const [b, steps] = x.shape as [number, number];
    const y = this.layer.apply(reshape(x, [b * steps, ...x.shape.slice(2)]), training);
    return reshape(y, [b, steps, ...y.shape.slice(1)]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: { class_name: this.layer.className, config: this.layer.getConfig() } };
  }
}

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

export interface BidirectionalArgs extends LayerArgs {
  /** A recurrent layer: it is run forwards and (a copy of it) backwards. */
  layer: RNN;
  /** How the two directions' outputs combine (default 'concat'; null: a list of both). */
  mergeMode?: MergeMode;
}

/**
 * Runs a recurrent layer over the sequence forwards and a copy of it
 * backwards, and merges their outputs (the backward sequence is put back in
 * forward order first). Weights are named `<name>/forward_<layer>/...` and
 * `<name>/backward_<layer>/...`, as TF.js names them.
 */
export class Bidirectional extends Wrapper {
  static override readonly className = 'Bidirectional';
  static override readonly options = ['layer', 'mergeMode'];
  readonly layer: RNN;
  readonly forwardLayer: RNN;
  readonly backwardLayer: RNN;
  readonly mergeMode: MergeMode;

  constructor(args: BidirectionalArgs = {} as BidirectionalArgs) {
    if (!(args?.layer instanceof RNN)) throw new InvalidArgumentError(`bidirectional: 'layer' must be a recurrent layer (simpleRNN, lstm, gru)`);
    const name = args.name ?? uniqueName('bidirectional');
    const inner = args.layer;
    const shape = args.batchInputShape ?? args.inputShape ?? inner.batchInputShape;
    const fwd = inner.cloneWith({ name: `${name}/forward_${inner.name}` });
    const bwd = inner.cloneWith({ name: `${name}/backward_${inner.name}`, goBackwards: !inner.goBackwards });
    super({ ...args, name, ...(shape && !args.batchInputShape && !args.inputShape ? { batchInputShape: shape } : {}) }, [fwd, bwd]);
    const mode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (!['concat', 'sum', 'mul', 'ave', null].includes(mode)) throw new InvalidArgumentError(`${this.name}: mergeMode must be 'concat', 'sum', 'mul', 'ave' or null, got '${String(mode)}'`);
    this.layer = inner;
    this.forwardLayer = fwd;
    this.backwardLayer = bwd;
    this.mergeMode = mode;
  }

  override build(inputShape: ShapeOrShapes): void {
    if (!this.forwardLayer.built) this.forwardLayer.build(inputShape);
    if (!this.backwardLayer.built) this.backwardLayer.build(inputShape);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: ShapeOrShapes): ShapeOrShapes {
    const one = this.forwardLayer.computeOutputShape(inputShape);
    const [out, ...states] = isShapeList(one) ? one : [one];
    const merged: SymbolicShape = this.mergeMode === 'concat' ? [...out!.slice(0, -1), (out!.at(-1) as number) * 2] : out!;
    const outs = this.mergeMode === null ? [out!, out!] : [merged];
    return this.forwardLayer.returnState || this.mergeMode === null ? [...outs, ...states, ...states] : merged;
  }

  override computeMask(_x: Tensor | Tensor[], mask: Tensor | null): Tensor | null {
    return this.layer.returnSequences && !this.layer.returnState && this.mergeMode !== null ? mask : null;
  }

  override call(x: Tensor | Tensor[], training: boolean, mask?: Tensor | null): Tensor | Tensor[] {
    const list = (r: Tensor | Tensor[]) => (Array.isArray(r) ? r : [r]);
    const [yf, ...sf] = list(this.forwardLayer.call(x, training, mask));
    let [yb, ...sb] = list(this.backwardLayer.call(x, training, mask));
    if (this.layer.returnSequences) yb = reverse(yb!, 1);
    const merged = this.mergeMode === null ? [yf!, yb!]
      : [this.mergeMode === 'concat' ? concat([yf!, yb!], -1) : this.mergeMode === 'sum' ? add(yf!, yb!) : this.mergeMode === 'mul' ? mul(yf!, yb!) : mul(add(yf!, yb!), 0.5)];
    if (!this.layer.returnState && merged.length === 1) return merged[0]!;
    return [...merged, ...sf, ...sb];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: { class_name: this.layer.className, config: this.layer.getConfig() }, merge_mode: this.mergeMode };
  }
}
