/** Changing a tensor's dtype. */
import { call } from '../engine/backend.js';
import { DTypeError } from '../errors.js';
import type { DType, Tensor } from '../tensor.js';
import { tensorArg, wrap } from './handle.js';

/**
 * `x` as `dtype`, as TF.js's `cast`: float32 → int32 truncates toward zero
 * (values beyond ±2^24, NaN and ±Inf are refused: Sinew's int32 holds
 * integers exactly up to 2^24); int32 → float32 keeps the values;
 * float32 → float32 is a copy whose gradient is the identity. Sinew has no
 * `'bool'` dtype: casting to it throws (use `'int32'`, 0 and 1).
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  tensorArg('cast', 'x', x);
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new DTypeError(`cast: Sinew has dtypes 'float32' and 'int32', got ${JSON.stringify(dtype) ?? String(dtype)}${(dtype as string) === 'bool' ? " (no 'bool': cast to 'int32' for 0/1 values)" : ''}`);
  }
  const ix = x.id;
  return wrap(call((g) => g.op_cast(ix, dtype === 'int32')));
}
