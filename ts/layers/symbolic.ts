/**
 * The graph of a functional model: symbolic tensors (a shape, a dtype and the
 * node that made them) and nodes (one call of a layer on symbolic inputs), as
 * in tf.layers / Keras. `layer.apply(symbolicTensor)` adds a node and returns
 * its outputs; `model({ inputs, outputs })` walks the nodes back from the
 * outputs. No engine memory is involved until the model runs on real tensors.
 */
import type { DType } from '../tensor.js';
import type { Layer, SymbolicShape } from './layer.js';

let nextId = 0;

/** A placeholder for a tensor in a layer graph: what `input()` and `layer.apply(symbolic)` return. */
export class SymbolicTensor {
  /** @internal Unique per process: the key of this tensor's value while a model runs. */
  readonly id = nextId++;
  readonly shape: SymbolicShape;

  constructor(
    shape: SymbolicShape,
    readonly dtype: DType,
    /** The layer call that produces this tensor. */
    readonly node: Node,
    /** Which of the node's outputs this is. */
    readonly outputIndex: number,
  ) {
    this.shape = [...shape];
  }

  get rank(): number {
    return this.shape.length;
  }

  /** `<layer name>` for a single-output layer, `<layer name>/<i>` otherwise (as in summaries). */
  get name(): string {
    return this.node.outputs.length > 1 ? `${this.node.layer.name}/${this.outputIndex}` : this.node.layer.name;
  }

  toString(): string {
    return `SymbolicTensor ${this.name} [${this.shape.map((d) => d ?? 'null').join(',')}] ${this.dtype}`;
  }
}

/** One call of `layer` on symbolic inputs. */
export class Node {
  outputs: SymbolicTensor[] = [];
  constructor(
    readonly layer: Layer,
    readonly inputs: readonly SymbolicTensor[],
    /** True when the layer was called with one tensor rather than a list (it then gets a Tensor, not a Tensor[]). */
    readonly singleInput: boolean,
  ) {}
}

export const isSymbolic = (x: unknown): x is SymbolicTensor => x instanceof SymbolicTensor;

/** A shape, or a list of shapes (one per input or output of a multi-tensor layer). */
export type ShapeOrShapes = SymbolicShape | SymbolicShape[];

/** True when `s` is a list of shapes rather than one shape. */
export const isShapeList = (s: ShapeOrShapes): s is SymbolicShape[] => s.length > 0 && Array.isArray(s[0]);
