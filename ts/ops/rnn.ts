/**
 * A whole sequence through a recurrent cell in one engine call (forward
 * here, backward through time in the engine's gradient): the input
 * projection of all steps is one GEMM, then one recurrent product per step.
 */
import { call } from '../engine/backend.js';
import type { Tensor } from '../tensor.js';
import { optionalTensorArg, tensorArg, wrap } from './handle.js';
import { RNN_CELLS, RNN_GATES, type RnnCell, type RnnGate } from './names.js';

export { RNN_CELLS, RNN_GATES, type RnnCell, type RnnGate };

export interface RnnArgs {
  /**
   * `[gates·units]` (4 blocks for LSTM: i, f, c, o; 3 for GRU: z, r, h);
   * for 'gruResetAfter' `[2, 3·units]`: the input bias, then the recurrent
   * bias added to `h·U` (Keras's layout).
   */
  bias?: Tensor;
  /** Initial hidden state `[batch, units]`. */
  h0: Tensor;
  /** Initial cell state `[batch, units]`, LSTM only. */
  c0?: Tensor;
  /** `[batch, steps]` float32, 0 = padding: the step keeps (and outputs) the previous state. */
  mask?: Tensor | null;
}

/**
 * Runs `x` `[batch, steps, features]` through `cell` ('gruResetAfter' is
 * Keras's GRU with `reset_after=True`: `ĥ = tanh(x·W_h + b_h + r ⊙ (h·U_h +
 * rb_h))`) with `kernel`
 * `[features, gates·units]` and `recurrentKernel` `[units, gates·units]`
 * (tanh activation). Returns every step's hidden state `[batch, steps,
 * units]`; for LSTM `[batch, steps, 2·units]`, each step's h then c.
 */
export function rnn(cell: RnnCell, gate: RnnGate, x: Tensor, kernel: Tensor, recurrentKernel: Tensor, args: RnnArgs): Tensor {
  const need = (what: string, t: unknown) => tensorArg('rnn', what, t).id;
  const maybe = (what: string, t: unknown) => optionalTensorArg('rnn', what, t)?.id;
  const ids = [need('x', x), need('kernel', kernel), need('recurrentKernel', recurrentKernel), need('h0', args.h0), maybe('c0', args.c0), maybe('bias', args.bias), maybe('mask', args.mask)] as const;
  return wrap(call((g) => g.op_rnn(cell, gate, ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6])));
}
