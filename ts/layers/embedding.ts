/**
 * Embedding: integer token ids `[batch, ...]` → vectors `[batch, ..., outputDim]`,
 * a row lookup (`gather`) in a trainable `[inputDim, outputDim]` table. Its
 * gradient is the engine's scatter-add of `gather`.
 */
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { initializerConfig, type Initializer, type InitializerName } from '../initializers.js';
import { tensor } from '../ops/create.js';
import { gather, reshape } from '../ops/layout.js';
import { getRegularizer, type Regularizer } from '../regularizers.js';
import type { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import { Layer, type LayerArgs, type SymbolicShape } from './layer.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: ids are in [0, inputDim). */
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: InitializerName | Initializer;
  embeddingsRegularizer?: Regularizer;
  /** Id 0 is padding: downstream recurrent layers and global pooling skip those steps. */
  maskZero?: boolean;
  /** Sequence length (sets the input shape `[inputLength]` when no inputShape is given). */
  inputLength?: number | number[];
}

export class Embedding extends Layer {
  static override readonly className = 'Embedding';
  static override readonly options = ['inputDim', 'outputDim', 'embeddingsInitializer', 'embeddingsRegularizer', 'maskZero', 'inputLength'];
  static override readonly optionValues = { embeddingsConstraint: [null], activityRegularizer: [null] };
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength: number[] | null;
  readonly embeddingsInitializer: InitializerName | Initializer;
  readonly embeddingsRegularizer: Regularizer | null;
  embeddings!: Variable;

  constructor(args: EmbeddingArgs = {} as EmbeddingArgs) {
    const length = args?.inputLength === undefined || args.inputLength === null ? null : [args.inputLength].flat();
    super(length && !args.inputShape && !args.batchInputShape ? { ...args, inputShape: length } : args);
    for (const k of ['inputDim', 'outputDim'] as const) {
      if (!(Number.isInteger(args[k]) && args[k] > 0)) throw new InvalidArgumentError(`${this.name}: ${k} must be a positive integer, got ${args[k]}`);
    }
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.maskZero = args.maskZero ?? false;
    this.inputLength = length;
    this.embeddingsInitializer = args.embeddingsInitializer ?? 'randomUniform';
    this.embeddingsRegularizer = getRegularizer(args.embeddingsRegularizer);
  }

  override build(inputShape: SymbolicShape): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], this.embeddingsInitializer, { regularizer: this.embeddingsRegularizer });
    super.build(inputShape);
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    return [...s, this.outputDim];
  }

  /** int32 ids (float ids are converted, as TF.js casts them); an out-of-range id is an InvalidArgumentError from `gather`. */
  #ids(x: Tensor): Tensor {
    if (x.dtype === 'int32') return reshape(x, [x.size]);
    // One copy per batch, not per element: the engine has no cast op yet.
    const v = x.dataSync();
    if (!v.every(Number.isInteger)) throw new InvalidArgumentError(`${this.name}: token ids must be integers`);
    return tensor(Int32Array.from(v), [v.length], 'int32');
  }

  override call(x: Tensor): Tensor {
    if (x.rank < 1) throw new ShapeError(`${this.name}: expected ids of rank ≥ 1 [batch, ...], got a scalar`);
    const ids = this.#ids(x);
    try {
      return reshape(gather(this.embeddings, ids, 0), [...x.shape, this.outputDim]);
    } finally {
      if (x.dtype !== 'int32') ids.dispose();
    }
  }

  /** With `maskZero`: 1 where the id is not 0, as float32 `[batch, steps]`. */
  override computeMask(x: Tensor | Tensor[]): Tensor | null {
    if (!this.maskZero) return null;
    const ids = this.#ids(x as Tensor);
    try {
      // A lookup in the table [0, 1, 1, ...]: the same gather, no comparison op needed.
      const table = tensor(Float32Array.from({ length: this.inputDim }, (_, i) => (i === 0 ? 0 : 1)));
      const m = gather(table, ids, 0);
      table.dispose();
      return reshape(m, (x as Tensor).shape);
    } finally {
      if ((x as Tensor).dtype !== 'int32') ids.dispose();
    }
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      input_dim: this.inputDim,
      output_dim: this.outputDim,
      embeddings_initializer: initializerConfig(this.embeddingsInitializer),
      embeddings_regularizer: this.embeddingsRegularizer?.config ?? null,
      activity_regularizer: null,
      embeddings_constraint: null,
      mask_zero: this.maskZero,
      input_length: this.inputLength,
    };
  }
}
