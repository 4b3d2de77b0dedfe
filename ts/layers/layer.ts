/**
 * `Layer`: the base of every layer, and the way to write your own in
 * TypeScript from engine ops:
 *
 *     class Scale extends Layer {
 *       static override readonly className = 'Scale';
 *       private s!: Variable;
 *       override build(inputShape: SymbolicShape) {
 *         this.s = this.addWeight('scale', [inputShape.at(-1)!], initializers.ones());
 *         super.build(inputShape);
 *       }
 *       override call(x: Tensor) { return mul(x, this.s); }
 *     }
 *     registerLayer(Scale);   // so saved models can be loaded
 *
 * `call` runs inside the model's gradient tape, so any op used there is
 * differentiable; weights made with `addWeight` are trained and saved.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { getInitializer, type Initializer, type InitializerName } from '../initializers.js';
import type { PoolWindow } from '../ops/conv.js';
import { clone } from '../ops/create.js';
import { checkOptions, optionsArg } from '../options.js';
import type { Regularizer } from '../regularizers.js';
import type { Tensor } from '../tensor.js';
import { variable, type Variable } from '../variable.js';
import { isShapeList, isSymbolic, Node, SymbolicTensor, type ShapeOrShapes } from './symbolic.js';

/** A shape whose first (batch) dimension may be unknown. */
export type SymbolicShape = (number | null)[];


export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  /** Input shape without the batch dimension (first layer of a model). */
  inputShape?: number[];
  /** Input shape with the batch dimension (`null` = any). */
  batchInputShape?: SymbolicShape;
  /** Only `'float32'` (accepted for TF.js compatibility). */
  dtype?: 'float32';
  inputDType?: 'float32';
}

/** Option names every layer takes, and accepted values of TF.js options Sinew has no other value for. */
const LAYER_OPTIONS = ['name', 'trainable', 'inputShape', 'batchInputShape'];
const LAYER_VALUES = { dtype: ['float32'], inputDType: ['float32'] };

interface LayerWeight {
  variable: Variable;
  trainable: boolean;
  regularizer: Regularizer | null;
}

const counters = new Map<string, number>();

/** `dense_1`, `dense_2`, ... unique per process. */
export function uniqueName(prefix: string): string {
  const n = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, n);
  return `${prefix}_${n}`;
}

const snake = (s: string) => s.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

export abstract class Layer {
  /** Class name used in saved models (Keras / TF.js `class_name`). */
  static readonly className: string = 'Layer';
  /**
   * The constructor options the class implements besides the common ones
   * (name, trainable, inputShape, batchInputShape); others are rejected with
   * an InvalidArgumentError. `null` (custom layers) skips the check.
   */
  static readonly options: readonly string[] | null = null;
  /** TF.js options accepted only with these values (what Sinew always does, e.g. `dataFormat: 'channelsLast'`). */
  static readonly optionValues: Readonly<Record<string, readonly unknown[]>> = {};
  readonly name: string;
  /** When false, the layer's weights are not updated by `fit`. */
  trainable: boolean;
  readonly batchInputShape?: SymbolicShape;
  built = false;
  /**
   * @internal Prefix of this layer's weight names (`<scope>/kernel`): its
   * name, or the wrapping layer's name where TF.js names them so (TimeDistributed).
   */
  weightScope: string;
  /** @internal The calls of this layer on symbolic tensors, in call order (Keras `inbound_nodes`). */
  readonly inboundNodes: Node[] = [];
  #weights: LayerWeight[] = [];

  constructor(args: LayerArgs = {}) {
    const cls = this.constructor as typeof Layer;
    args = optionsArg(`new ${cls.className}`, args);
    this.name = args.name ?? uniqueName(snake(cls.className));
    if (cls.options) checkOptions(this.name, args, [...LAYER_OPTIONS, ...cls.options], { ...LAYER_VALUES, ...cls.optionValues });
    this.weightScope = this.name;
    this.trainable = args.trainable ?? true;
    if (args.batchInputShape) this.batchInputShape = [...args.batchInputShape];
    else if (args.inputShape) this.batchInputShape = [null, ...args.inputShape];
    if (this.batchInputShape && !this.batchInputShape.slice(1).every((d) => Number.isInteger(d) && (d as number) > 0)) {
      throw new InvalidArgumentError(`${this.name}: inputShape must be positive integers, got ${JSON.stringify(this.batchInputShape.slice(1))}`);
    }
  }

  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  /**
   * Creates the weights for inputs of `inputShape` (batch dimension first; a
   * list of shapes for a layer called on several tensors). Call `super.build` last.
   */
  build(_inputShape: ShapeOrShapes): void {
    this.built = true;
  }

  /**
   * The layer's computation. `training` is true inside `fit`. A layer called
   * on a list of tensors (a merge layer, a nested model) gets the list; a
   * layer with several outputs returns a list.
   */
  abstract call(x: Tensor | Tensor[], training: boolean, mask?: Tensor | null): Tensor | Tensor[];

  /**
   * Whether a mask reaching this layer (`[batch, steps]`, 1 = real step,
   * 0 = padding; made by `embedding({ maskZero: true })`) passes through it
   * unchanged. Layers that consume a mask (recurrent layers, global pooling)
   * read it in `call` and return no mask.
   */
  get supportsMasking(): boolean {
    return false;
  }

  /** The mask of this layer's output, given its input and the input's mask (Keras `compute_mask`). */
  computeMask(_x: Tensor | Tensor[], mask: Tensor | null): Tensor | null {
    return this.supportsMasking ? mask : null;
  }

  /** Output shape(s) for input shape(s) (batch dimension first). */
  computeOutputShape(inputShape: ShapeOrShapes): ShapeOrShapes {
    return inputShape;
  }

  /**
   * Builds on first use, then calls. On symbolic tensors (from `input()` or
   * another `apply`) it runs nothing: it records the call as a node of the
   * layer graph and returns symbolic outputs, for `model({ inputs, outputs })`.
   * Calling the same layer again shares its weights.
   */
  apply(x: SymbolicTensor, training?: boolean): SymbolicTensor;
  apply(x: SymbolicTensor[], training?: boolean): SymbolicTensor | SymbolicTensor[];
  apply(x: Tensor, training?: boolean, mask?: Tensor | null): Tensor;
  apply(x: Tensor[], training?: boolean, mask?: Tensor | null): Tensor | Tensor[];
  apply(x: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[], training = false, mask: Tensor | null = null): Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[] {
    const list: unknown[] = Array.isArray(x) ? x : [x];
    if (list.length === 0) throw new InvalidArgumentError(`${this.name}.apply: got an empty list of inputs`);
    const symbolic = list.filter(isSymbolic).length;
    if (symbolic > 0 && symbolic < list.length) throw new InvalidArgumentError(`${this.name}.apply: inputs mix symbolic and concrete tensors`);
    if (symbolic) return this.#applySymbolic(x as SymbolicTensor | SymbolicTensor[]);
    const t = x as Tensor | Tensor[];
    if (!this.built) this.build(Array.isArray(t) ? t.map((e) => [null, ...e.shape.slice(1)]) : [null, ...t.shape.slice(1)]);
    return this.call(t, training, mask);
  }

  #applySymbolic(x: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    const single = !Array.isArray(x);
    const inputs = single ? [x] : x;
    const inShape = single ? x.shape : inputs.map((s) => s.shape);
    if (!this.built) this.build(inShape);
    const outShape = this.computeOutputShape(inShape);
    const node = new Node(this, inputs, single);
    const many = isShapeList(outShape);
    node.outputs = (many ? outShape : [outShape]).map((s, i) => new SymbolicTensor(s, 'float32', node, i));
    this.inboundNodes.push(node);
    return many ? node.outputs : node.outputs[0]!;
  }

  /**
   * For a layer whose output is `activation(z)` (softmax or sigmoid): `z`, so
   * training can feed it to the matching fused, stable cross-entropy instead
   * of the probabilities. `null` (the default) when the layer's output is not
   * of that form; a custom layer may override it to opt in.
   */
  callLogits(_x: Tensor, _activation: 'softmax' | 'sigmoid', _training: boolean): Tensor | null {
    return null;
  }

  /**
   * @internal For a pooling layer: its window, so that the layer before it
   * can fuse it (`callThenPool`). `null` (the default) for other layers.
   */
  pooling(): PoolWindow | null {
    return null;
  }

  /**
   * @internal `pool(this.call(x))` in one engine call, used by a model when
   * the only reader of this layer's output is a pooling layer (a convolution
   * then pooling: inference never writes the full convolution output). `null`
   * (the default) when the layer cannot fuse it; the model then calls both.
   */
  callThenPool(_x: Tensor, _pool: PoolWindow, _training: boolean): Tensor | null {
    return null;
  }

  /** Creates a weight named `<layer>/<name>`, initialised now. */
  protected addWeight(
    name: string,
    shape: number[],
    initializer: InitializerName | Initializer,
    { trainable = true, regularizer = null }: { trainable?: boolean; regularizer?: Regularizer | null } = {},
  ): Variable {
    const init = getInitializer(initializer)(shape);
    const v = variable(init, trainable, `${this.weightScope}/${name}`);
    init.dispose();
    this.#weights.push({ variable: v, trainable, regularizer });
    return v;
  }

  /** All weights, in creation order (the order of `getWeights`/`setWeights` and saved files). */
  get weights(): Variable[] {
    return this.#weights.map((w) => w.variable);
  }

  /** Weights `fit` updates: none when the layer is frozen (`trainable = false`). */
  get trainableWeights(): Variable[] {
    return this.trainable ? this.#weights.filter((w) => w.trainable).map((w) => w.variable) : [];
  }

  get nonTrainableWeights(): Variable[] {
    return this.#weights.filter((w) => !this.trainable || !w.trainable).map((w) => w.variable);
  }

  countParams(): number {
    return this.#weights.reduce((n, w) => n + w.variable.size, 0);
  }

  /** Copies of the weights (all, or only the trainable ones), in `weights` order, as in TF.js. Dispose them when done. */
  getWeights(trainableOnly = false): Tensor[] {
    return (trainableOnly ? this.trainableWeights : this.weights).map((w) => clone(w));
  }

  /** Sets the weights from tensors in `getWeights()` order; shapes must match. */
  setWeights(weights: readonly Tensor[]): void {
    assignWeights(`${this.name}.setWeights`, this.weights, weights);
  }

  /** Penalties of regularized weights (scalars), added to the loss by `fit`. */
  regularizationLosses(): Tensor[] {
    return this.#weights.filter((w) => w.regularizer).map((w) => w.regularizer!(w.variable));
  }

  /** Keras-format config (snake_case keys), saved in model.json. */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: 'float32' };
    if (this.batchInputShape) c.batch_input_shape = this.batchInputShape;
    return c;
  }

  /** Frees the layer's weights. */
  dispose(): void {
    for (const w of this.#weights) w.variable.dispose();
    this.#weights = [];
    this.built = false;
  }
}

/** Assigns `given` to `own` after checking count and every shape first (so a bad list changes nothing). */
export function assignWeights(where: string, own: readonly Variable[], given: readonly Tensor[]): void {
  if (!Array.isArray(given as unknown)) throw new InvalidArgumentError(`${where}: expected an array of tensors`);
  if (given.length !== own.length) throw new InvalidArgumentError(`${where}: expected ${own.length} tensors, got ${given.length}`);
  own.forEach((w, i) => {
    const t = given[i]!;
    if (t.shape.length !== w.shape.length || t.shape.some((d, j) => d !== w.shape[j])) {
      throw new ShapeError(`${where}: weight ${i} (${w.name}) has shape [${w.shape.join(',')}], got [${t.shape.join(',')}]`);
    }
  });
  own.forEach((w, i) => w.assign(given[i]!));
}

/** Throws a ShapeError unless `shape` has `rank` dimensions. */
export function expectRank(layer: Layer, shape: SymbolicShape, rank: number, what: string): void {
  if (shape.length !== rank) {
    throw new ShapeError(`${layer.name}: expected ${what} of rank ${rank}, got shape [${shape.map((d) => d ?? 'batch').join(',')}]`);
  }
}
