/** `input()`: the entry points of a functional model, and the InputLayer behind each. */
import { InvalidArgumentError } from '../errors.js';
import { optionsArg } from '../options.js';
import type { DType, Tensor } from '../tensor.js';
import { Layer, uniqueName, type SymbolicShape } from './layer.js';
import { Node, SymbolicTensor } from './symbolic.js';

export interface InputArgs {
  /** Shape of one sample (without the batch dimension); `null` for a dimension of any size. */
  shape?: (number | null)[];
  /** Shape with the batch dimension (`null` = any batch size). Give this or `shape`. */
  batchShape?: SymbolicShape;
  dtype?: DType;
  name?: string;
  /** Kept for TF.js/Keras configs; only `false` is supported. */
  sparse?: boolean;
}

/** Holds a model input's shape and dtype; called on a tensor it returns it unchanged. */
export class InputLayer extends Layer {
  static override readonly className = 'InputLayer';
  readonly dtype: DType;
  /** The symbolic tensor this layer feeds into the graph. */
  readonly output: SymbolicTensor;

  constructor(args: InputArgs & { batchInputShape?: SymbolicShape; inputShape?: (number | null)[] } = {}) {
    args = optionsArg('new InputLayer', args);
    const batchShape = args.batchShape ?? args.batchInputShape ?? (args.shape ?? args.inputShape ? [null, ...(args.shape ?? args.inputShape)!] : undefined);
    const name = args.name ?? uniqueName('input');
    if (!batchShape) throw new InvalidArgumentError(`input ${name}: needs a shape (e.g. input({ shape: [784] }))`);
    if (!Array.isArray(batchShape) || batchShape.length < 1 || !batchShape.every((d) => d === null || (Number.isInteger(d) && d > 0))) {
      throw new InvalidArgumentError(`input ${name}: the shape must be positive integers or null, got ${JSON.stringify(batchShape.slice(1))}`);
    }
    if (args.sparse) throw new InvalidArgumentError(`input ${name}: sparse inputs are not supported`);
    const dtype = args.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int32') throw new InvalidArgumentError(`input ${name}: dtype must be 'float32' or 'int32', got '${String(dtype)}'`);
    // Layer's own check requires known dimensions (it is about a first layer's weights); an input may leave some open.
    super({ name });
    this.dtype = dtype;
    (this as { batchInputShape?: SymbolicShape }).batchInputShape = [...batchShape];
    this.built = true;
    const node = new Node(this, [], true);
    this.output = new SymbolicTensor(batchShape, dtype, node, 0);
    node.outputs = [this.output];
    this.inboundNodes.push(node);
  }

  override call(x: Tensor): Tensor {
    return x;
  }

  override getConfig(): Record<string, unknown> {
    return { batch_input_shape: this.batchInputShape, dtype: this.dtype, sparse: false, name: this.name };
  }
}

/**
 * A model input: `const x = input({ shape: [784] })`, then
 * `layers.dense({ units: 10 }).apply(x)` and `model({ inputs: x, outputs })`.
 */
export function input(args: InputArgs): SymbolicTensor {
  return new InputLayer(optionsArg('input', args)).output;
}
