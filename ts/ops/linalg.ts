/** Matrix products. */
import { call } from '../engine/backend.js';
import type { Tensor } from '../tensor.js';
import { tensorArg, wrap } from './handle.js';

/**
 * Matrix product of 2-D tensors, `[m,k] x [k,n] -> [m,n]`. `transposeA` /
 * `transposeB` use an operand transposed without copying it. Multithreaded
 * above a size threshold.
 */
export function matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const [ia, ib] = [tensorArg('matMul', 'a', a).id, tensorArg('matMul', 'b', b).id];
  return wrap(call((g) => g.op_matmul(ia, ib, transposeA, transposeB)));
}

/** TF.js's name of `matmul`. */
export const matMul = matmul;
