/**
 * The engine's name tables (`crates/engine/src/names.rs`) as TypeScript
 * lists and unions. `tests/node/names.test.mjs` checks that every list here
 * equals the one the loaded engine exports, so a name added in Rust must be
 * added here too (and nowhere else in the TypeScript code).
 */

/** Activations the engine computes (`activation`, and fused into `dense`/`conv2d`). */
export const ACTIVATIONS = ['linear', 'relu', 'leakyRelu', 'elu', 'sigmoid', 'tanh', 'softplus', 'gelu', 'swish', 'selu', 'relu6', 'hardSigmoid'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** Broadcasting binary ops. */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;
export type BinaryOpName = (typeof BINARY_OPS)[number];

/** Unary ops (`pow` here is the number-exponent form). */
export const UNARY_OPS = ['neg', 'exp', 'log', 'sqrt', 'abs', 'square', 'clipByValue', 'step', 'pow', 'expm1', 'reciprocal'] as const;
export type UnaryOpName = (typeof UNARY_OPS)[number];

export const REDUCTIONS = ['sum', 'mean', 'max', 'min'] as const;
export type ReductionName = (typeof REDUCTIONS)[number];

export const POOLS = ['max', 'avg'] as const;
export type PoolName = (typeof POOLS)[number];

/** What `accuracy` compares: argmax of one-hot rows, argmax against class indices, or thresholded values. */
export const ACCURACIES = ['categorical', 'sparse', 'binary'] as const;
export type AccuracyName = (typeof ACCURACIES)[number];

/** Update rules of the engine's fused optimizer step. */
export const OPTIMIZERS = ['sgd', 'momentum', 'adagrad', 'rmsprop', 'adam', 'adamw', 'adamax'] as const;
export type OptimizerKind = (typeof OPTIMIZERS)[number];

/** Recurrent cells (`rnn`) and their gate activations (Keras `recurrent_activation`). */
export const RNN_CELLS = ['simpleRNN', 'lstm', 'gru', 'gruResetAfter'] as const;
export type RnnCell = (typeof RNN_CELLS)[number];
export const RNN_GATES = ['sigmoid', 'hardSigmoid'] as const;
export type RnnGate = (typeof RNN_GATES)[number];

/** Padding of the windowed ops (convolutions, pooling); `conv1d`'s `'causal'` is padded in TypeScript. */
export const PADDINGS = ['same', 'valid'] as const;
export type Padding = (typeof PADDINGS)[number];

/** Every table, keyed as the engine's `name_tables()` export. */
export const NAME_TABLES: Readonly<Record<string, readonly string[]>> = {
  activation: ACTIVATIONS,
  binaryOp: BINARY_OPS,
  unaryOp: UNARY_OPS,
  reduction: REDUCTIONS,
  pool: POOLS,
  accuracy: ACCURACIES,
  optimizer: OPTIMIZERS,
  rnnCell: RNN_CELLS,
  rnnGate: RNN_GATES,
  padding: PADDINGS,
};
