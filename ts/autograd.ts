/**
 * Gradients, TensorFlow.js style: `grad(f)` returns a function computing
 * df/dx. The engine records the ops `f` runs on a tape and walks it backwards
 * in one call; intermediates `f` creates are disposed afterwards.
 */
import { call } from './engine/backend.js';
import { tidy, type TensorContainer } from './engine/scope.js';
import { InvalidArgumentError } from './errors.js';
import { tensorArg, tensorListArg, wrap } from './ops/handle.js';
import { Tensor } from './tensor.js';
import { trainableVariables, type Variable } from './variable.js';

interface Gradients {
  value: Tensor;
  /** `null` where the value does not depend on that input. */
  grads: (Tensor | null)[];
}

/**
 * Runs `f` with the gradient tape recording and returns what it returned
 * together with the gradients of `valueOf(result)` (seeded with `dy`, else
 * a scalar) with respect to each of `xs`: `null` where the value does not
 * depend on that input. Tensors `f` creates and does not return are
 * disposed. The one place that drives the engine's tape (`grad`, `fit`, ...).
 */
export function recordGradients<R>(f: () => R, valueOf: (result: R) => Tensor, xs: readonly Tensor[], dy?: Tensor): { result: R; grads: (Tensor | null)[] } {
  const ids = Uint32Array.from(xs.map((x) => x.id));
  const dyId = dy?.id;
  call((g) => g.tape_start());
  try {
    // tidy keeps whatever tensors the result holds, however it is typed.
    const result = tidy(f as () => TensorContainer) as R;
    const value = valueOf(result);
    const valueId = value.id;
    let out: Uint32Array;
    try {
      out = call((g) => g.tape_backward(valueId, ids, dyId));
    } catch (e) {
      // e.g. a non-scalar value without dy: the caller gets nothing, so free it now.
      value.dispose();
      throw e;
    }
    return { result, grads: Array.from(out, (id) => (id === 0 ? null : wrap(id))) };
  } finally {
    call((g) => g.tape_end());
  }
}

function gradients(f: () => Tensor, xs: readonly Tensor[], dy?: Tensor): Gradients {
  const { result, grads } = recordGradients(() => {
    const y = f();
    if (!(y instanceof Tensor)) throw new InvalidArgumentError('grad: the function must return a Tensor');
    return y;
  }, (y) => y, xs, dy);
  return { value: result, grads };
}

/** All gradients, or (freeing them and `value`) an error naming the first missing one. */
function required(grads: (Tensor | null)[], what: string, value: Tensor): Tensor[] {
  const missing = grads.indexOf(null);
  if (missing >= 0) {
    for (const g of grads) g?.dispose();
    value.dispose();
    throw new InvalidArgumentError(`grad: the result does not depend on ${what} ${missing}; make sure f uses it`);
  }
  return grads as Tensor[];
}

/** `f` checked when the gradient function is made (calling a non-function later was a TypeError). */
function fnArg(op: string, f: unknown): void {
  if (typeof f !== 'function') throw new InvalidArgumentError(`${op}: f must be a function, got ${f === null ? 'null' : typeof f}`);
}

/** `grad(f)(x)` = df/dx, same shape as `x`. `f` must return a scalar unless `dy` is given. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  fnArg('grad', f);
  return (x, dy) => {
    tensorArg('grad', 'x', x);
    const { value, grads } = gradients(() => f(x), [x], dy);
    const g = required(grads, 'input', value)[0]!;
    value.dispose();
    return g;
  };
}

/** `grads(f)([a, b])` = [df/da, df/db]. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[] {
  fnArg('grads', f);
  return (xs, dy) => {
    tensorListArg('grads', 'xs', xs);
    const { value, grads: g } = gradients(() => f(...xs), xs, dy);
    const all = required(g, 'input', value);
    value.dispose();
    return all;
  };
}

/** Like `grad`, also returning f(x). */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  fnArg('valueAndGrad', f);
  return (x, dy) => {
    tensorArg('valueAndGrad', 'x', x);
    const { value, grads: g } = gradients(() => f(x), [x], dy);
    return { value, grad: required(g, 'input', value)[0]! };
  };
}

/** Like `grads`, also returning f(...xs). */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  fnArg('valueAndGrads', f);
  return (xs, dy) => {
    tensorListArg('valueAndGrads', 'xs', xs);
    const { value, grads: g } = gradients(() => f(...xs), xs, dy);
    return { value, grads: required(g, 'input', value) };
  };
}

/**
 * Value of `f()` (a scalar) and its gradients with respect to `varList`
 * (default: every trainable variable), keyed by variable name. Variables `f`
 * does not use get no entry.
 */
export function variableGrads(f: () => Tensor, varList: Variable[] = trainableVariables()): { value: Tensor; grads: Record<string, Tensor> } {
  fnArg('variableGrads', f);
  tensorListArg('variableGrads', 'varList', varList);
  const { value, grads: g } = gradients(f, varList);
  const out: Record<string, Tensor> = {};
  varList.forEach((v, i) => {
    if (g[i]) out[v.name] = g[i]!;
  });
  return { value, grads: out };
}
