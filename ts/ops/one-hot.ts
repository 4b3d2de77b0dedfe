/** One-hot encoding (its own module: it composes layout, math and cast ops). */
import { call } from '../engine/backend.js';
import { DTypeError, InvalidArgumentError } from '../errors.js';
import { Tensor, type DType } from '../tensor.js';
import { cast } from './cast.js';
import { tensor } from './create.js';
import { wrap } from './handle.js';
import { indexList } from './layout.js';
import { add, mul, sub } from './math.js';

/**
 * int32 class indices `[n]` → one-hot rows `[n, depth]`, as TF.js's
 * `oneHot(indices, depth, onValue, offValue, dtype)`; the default dtype is
 * float32 (what the losses take) where TF.js's is int32.
 */
export function oneHot(indices: Tensor | readonly number[], depth: number, onValue = 1, offValue = 0, dtype: DType = 'float32'): Tensor {
  if (!(Number.isInteger(depth) && depth >= 1)) throw new InvalidArgumentError(`oneHot: depth must be a positive integer, got ${depth}`);
  if (!Number.isFinite(onValue) || !Number.isFinite(offValue)) throw new InvalidArgumentError(`oneHot: onValue and offValue must be finite numbers, got ${onValue} and ${offValue}`);
  if (dtype !== 'float32' && dtype !== 'int32') throw new DTypeError(`oneHot: dtype must be 'float32' or 'int32', got ${JSON.stringify(dtype) ?? String(dtype)}`);
  const ti = indices instanceof Tensor ? indices : tensor([...indexList('oneHot', indices)], [indices.length], 'int32');
  const owned: Tensor[] = [];
  try {
    const ii = ti.id;
    let y = wrap(call((g) => g.op_one_hot(ii, depth)));
    if (onValue !== 1 || offValue !== 0) {
      // on·y + off·(1 − y): exact in float32 (off + (on − off)·y rounds 0.9 to 0.90000004)
      owned.push(y);
      const on = mul(y, onValue);
      owned.push(on);
      const rest = sub(1, y);
      owned.push(rest);
      const off = mul(rest, offValue);
      owned.push(off);
      y = add(on, off);
    }
    if (dtype === 'int32') {
      owned.push(y);
      y = cast(y, 'int32');
    }
    return y;
  } finally {
    if (ti !== indices) ti.dispose();
    for (const t of owned) t.dispose();
  }
}
