/**
 * `Sequential`: a stack of layers with the Keras workflow — `add`, `compile`,
 * `fit`, `evaluate`, `predict`, `summary`, `getWeights`/`setWeights`,
 * `save`/`loadSequential`.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { tidy } from '../engine/scope.js';
import { clone } from '../ops/create.js';
import { concat } from '../ops/layout.js';
import { Layer, uniqueName, type SymbolicShape } from '../layers/layer.js';
import { getLoss, lossName, type LossFn, type LossName } from '../losses.js';
import { getMetric, type MetricFn, type MetricName, type ResolvedMetric } from '../metrics.js';
import { get as getOptimizer, type Optimizer } from '../optimizers/index.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import type { History } from '../callbacks/callback.js';
import { evaluateBatches, fit, type FitArgs } from './fit.js';
import { saveModel } from './serialization.js';
import { formatSummary } from './summary.js';

export interface CompileArgs {
  optimizer: Optimizer | string;
  loss: LossName | LossFn;
  metrics?: (MetricName | MetricFn)[];
}

/** @internal What `compile` resolved. */
export interface Compiled {
  optimizer: Optimizer;
  loss: LossFn;
  lossName: LossName | 'custom';
  metrics: ResolvedMetric[];
}

export interface SequentialArgs {
  name?: string;
  layers?: Layer[];
}

export class Sequential {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Set to true (e.g. by a callback) to stop `fit` after the current epoch. */
  stopTraining = false;
  /** @internal */
  compiled: Compiled | null = null;

  constructor(args: SequentialArgs = {}) {
    this.name = args.name ?? uniqueName('sequential');
    for (const l of args.layers ?? []) this.add(l);
  }

  /** Appends a layer. The first layer needs `inputShape`; later ones are built right away. */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new InvalidArgumentError(`${this.name}.add: expected a Layer, got ${typeof layer}`);
    if (this.layers.length === 0 && !layer.batchInputShape) {
      throw new InvalidArgumentError(`${this.name}: the first layer needs an inputShape (e.g. dense({ units: 10, inputShape: [784] }))`);
    }
    const inShape = this.layers.length === 0 ? layer.batchInputShape! : this.outputShape;
    if (!layer.built) layer.build(inShape);
    this.layers.push(layer);
  }

  /** Input shape with the batch dimension (`null`). */
  get inputShape(): SymbolicShape {
    if (!this.layers.length) throw new InvalidArgumentError(`${this.name} has no layers`);
    return this.layers[0]!.batchInputShape!;
  }

  get outputShape(): SymbolicShape {
    // Every layer of a chain has one input and one output.
    return this.layers.reduce((s, l) => l.computeOutputShape(s) as SymbolicShape, this.inputShape);
  }

  get weights(): Variable[] {
    return this.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.trainableWeights);
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** Runs the layers on `x` (training mode enables dropout and batch statistics). */
  apply(x: Tensor, training = false): Tensor {
    this.checkInput('apply', x);
    return this.layers.reduce((h, l) => l.apply(h, training), x);
  }

  /** @internal Throws a ShapeError unless `x` fits the input shape. */
  checkInput(op: string, x: Tensor): void {
    const want = this.inputShape.slice(1);
    const got = x.shape.slice(1);
    if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
      throw new ShapeError(`${this.name}.${op}: expected input shape [batch,${want.join(',')}], got [${x.shape.join(',')}]`);
    }
  }

  compile(args: CompileArgs): void {
    if (!args || args.loss === undefined || args.optimizer === undefined) throw new InvalidArgumentError(`${this.name}.compile: needs an optimizer and a loss`);
    const name = typeof args.loss === 'function' ? 'custom' : lossName(args.loss);
    // Resolve everything first: a failed compile leaves the previous one (and its optimizer state) intact.
    const compiled: Compiled = {
      optimizer: getOptimizer(args.optimizer),
      loss: getLoss(args.loss),
      lossName: name,
      metrics: (args.metrics ?? []).map((m) => getMetric(m, name)),
    };
    if (this.compiled && this.compiled.optimizer !== compiled.optimizer) this.compiled.optimizer.dispose();
    this.compiled = compiled;
  }

  /** Trains for `epochs` over `(x, y)`; resolves to the History of epoch logs. */
  fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
    return fit(this, x, y, args);
  }

  /** Loss and metrics over `(x, y)`, e.g. `{ loss: 0.31, acc: 0.89 }`. */
  evaluate(x: Tensor, y: Tensor, { batchSize = 256 }: { batchSize?: number } = {}): Record<string, number> {
    return evaluateBatches(this, x, y, batchSize);
  }

  /** Outputs for `x`, computed in batches. */
  predict(x: Tensor, { batchSize = 256 }: { batchSize?: number } = {}): Tensor {
    this.checkInput('predict', x);
    const n = x.shape[0]!;
    if (n <= batchSize) return tidy(() => this.apply(x, false));
    return tidy(() => {
      const parts: Tensor[] = [];
      for (let s = 0; s < n; s += batchSize) {
        const xb = sliceRows(x, s, Math.min(batchSize, n - s));
        parts.push(this.apply(xb, false));
      }
      return concat(parts, 0);
    });
  }

  /** The layer table (names, output shapes, parameter counts), printed or returned. */
  summary(print: ((line: string) => void) | null = console.log): string {
    const text = formatSummary(this);
    if (print) print(text);
    return text;
  }

  /** Copies of all weights, in layer order (dispose them when done). */
  getWeights(): Tensor[] {
    return this.weights.map((w) => clone(w));
  }

  /** Sets all weights from tensors in `getWeights()` order (shapes must match). */
  setWeights(weights: readonly Tensor[]): void {
    const own = this.weights;
    if (weights.length !== own.length) throw new InvalidArgumentError(`${this.name}.setWeights: expected ${own.length} tensors, got ${weights.length}`);
    own.forEach((w, i) => {
      const t = weights[i]!;
      if (t.shape.length !== w.shape.length || t.shape.some((d, j) => d !== w.shape[j])) {
        throw new ShapeError(`${this.name}.setWeights: weight ${i} (${w.name}) has shape [${w.shape.join(',')}], got [${t.shape.join(',')}]`);
      }
    });
    own.forEach((w, i) => w.assign(weights[i]!));
  }

  /** Keras-format topology (`modelTopology` of model.json). */
  toJSON(): Record<string, unknown> {
    return {
      class_name: 'Sequential',
      config: { name: this.name, layers: this.layers.map((l) => ({ class_name: l.className, config: l.getConfig() })) },
      keras_version: 'sinew',
      backend: 'sinew',
    };
  }

  /**
   * Saves in the TensorFlow.js layers format (model.json + weights.bin): a
   * directory path or `file://` URL in Node, `indexeddb://name` or
   * `downloads://name` in browsers, or an IOHandler.
   */
  save(destination: Parameters<typeof saveModel>[1]): ReturnType<typeof saveModel> {
    return saveModel(this, destination);
  }

  /** Frees all weights and optimizer state. */
  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.compiled?.optimizer.dispose();
    this.compiled = null;
  }
}

/** Rows `start .. start+count` of `x`. */
export function sliceRows(x: Tensor, start: number, count: number): Tensor {
  return tidy(() => {
    const begin = x.shape.map((_, i) => (i === 0 ? start : 0));
    const size = x.shape.map((d, i) => (i === 0 ? count : d));
    return sliceOp(x, begin, size);
  });
}

import { slice as sliceOp } from '../ops/layout.js';

/** A model from a list of layers: `sequential({ layers: [...] })`. */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
