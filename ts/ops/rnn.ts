/**
 * A whole sequence through a recurrent cell in one engine call (forward
 * here, backward through time in the engine's gradient): the input
 * projection of all steps is one GEMM, then one recurrent product per step.
 */
import { call } from '../engine/backend.js';
import type { Tensor } from '../tensor.js';
import { wrap } from './handle.js';
import { RNN_CELLS, RNN_GATES, type RnnCell, type RnnGate } from './names.js';

export { RNN_CELLS, RNN_GATES, type RnnCell, type RnnGate };

export interface RnnArgs {
  /** `[gates·units]` (4 blocks for LSTM: i, f, c, o; 3 for GRU: z, r, h). */
  bias?: Tensor;
  /** Initial hidden state `[batch, units]`. */
  h0: Tensor;
  /** Initial cell state `[batch, units]`, LSTM only. */
  c0?: Tensor;
  /** `[batch, steps]` float32, 0 = padding: the step keeps (and outputs) the previous state. */
  mask?: Tensor | null;
}

/**
 * Runs `x` `[batch, steps, features]` through `cell` with `kernel`
 * `[features, gates·units]` and `recurrentKernel` `[units, gates·units]`
 * (tanh activation). Returns every step's hidden state `[batch, steps,
 * units]`; for LSTM `[batch, steps, 2·units]`, each step's h then c.
 */
export function rnn(cell: RnnCell, gate: RnnGate, x: Tensor, kernel: Tensor, recurrentKernel: Tensor, args: RnnArgs): Tensor {
  const ids = [x.id, kernel.id, recurrentKernel.id, args.h0.id, args.c0?.id, args.bias?.id, args.mask?.id] as const;
  return wrap(call((g) => g.op_rnn(cell, gate, ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6])));
}
