/** Choosing values element by element. */
import { tidy } from '../engine/scope.js';
import { InvalidArgumentError, ShapeError } from '../errors.js';
import { Tensor, fmtShape, type Shape } from '../tensor.js';
import { cast } from './cast.js';
import { linspace, zeros } from './create.js';
import { concat, gather, reshape } from './layout.js';
import { abs, add, step } from './math.js';
import { tensorArg } from './handle.js';

/** NumPy broadcasting of several shapes, or a ShapeError naming them. */
function broadcastShape(op: string, shapes: readonly Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    const dims = shapes.map((s) => s[s.length - rank + i] ?? 1);
    const d = Math.max(...dims);
    if (dims.some((x) => x !== 1 && x !== d)) throw new ShapeError(`${op}: shapes ${shapes.map(fmtShape).join(', ')} cannot be broadcast together`);
    return d;
  });
}

/** The most elements `where` can index: float32 computes its indices exactly up to 2^24. */
const WHERE_MAX = 2 ** 23;

/**
 * `a` where `condition` is non-zero, else `b` (as TF.js's `where`; Sinew has
 * no bool dtype, so the condition is a float32 or int32 tensor of 0/1, e.g.
 * `cast(x, 'int32')`). The three broadcast together. Exact (a NaN or ∞ in
 * the branch not taken does not leak), and differentiable in `a` and `b`.
 */
export function where(condition: Tensor, a: Tensor, b: Tensor): Tensor {
  tensorArg('where', 'condition', condition);
  tensorArg('where', 'a', a);
  tensorArg('where', 'b', b);
  if (a.dtype !== b.dtype) throw new InvalidArgumentError(`where: a and b must have one dtype, got ${a.dtype} and ${b.dtype}`);
  const shape = broadcastShape('where', [condition.shape, a.shape, b.shape]);
  const n = shape.reduce((p, d) => p * d, 1);
  if (n > WHERE_MAX) throw new InvalidArgumentError(`where: ${n} elements is more than the ${WHERE_MAX} it supports`);
  return tidy(() => {
    const zero = zeros(shape);
    const float = (t: Tensor) => (t.dtype === 'int32' ? cast(t, 'float32') : t);
    const column = (t: Tensor) => reshape(add(float(t), zero), [-1, 1]);
    let out: Tensor;
    if (n === 0) out = add(float(a), zero);
    else {
      // Row i of [b, a] holds both choices; index 2i + (condition ≠ 0) picks one.
      const pairs = reshape(concat([column(b), column(a)], 1), [-1]);
      const taken = reshape(step(abs(add(float(condition), zero))), [-1]);
      const index = cast(add(linspace(0, 2 * (n - 1), n), taken), 'int32');
      out = reshape(gather(pairs, index), shape);
    }
    return a.dtype === 'int32' ? cast(out, 'int32') : out;
  });
}
