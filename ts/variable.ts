/**
 * `Variable`: a tensor whose values change in place (weights). Variables are
 * not freed by `tidy`; they live until `dispose()`.
 */
import { call } from './engine/backend.js';
import { untrack } from './engine/scope.js';
import { Tensor } from './tensor.js';
import { tensorArg } from './ops/handle.js';

const live = new Set<Variable>();
let counter = 0;

export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;

  /** @internal Use `variable()`. */
  constructor(id: number, shape: readonly number[], dtype: Tensor['dtype'], trainable: boolean, name: string) {
    super(id, shape, dtype);
    untrack(this);
    this.trainable = trainable;
    this.name = name;
    live.add(this);
  }

  /** Copies `value` (same shape and dtype) into this variable. */
  assign(value: Tensor): void {
    const [dst, src] = [this.id, value.id];
    call((g) => g.tensor_assign(dst, src));
  }

  override dispose(): void {
    live.delete(this);
    super.dispose();
  }
}

/** A new variable holding a copy of `initial`. */
export function variable(initial: Tensor, trainable = true, name?: string): Variable {
  const src = tensorArg('variable', 'initial', initial).id;
  const id = call((g) => g.tensor_clone(src));
  return new Variable(id, initial.shape, initial.dtype, trainable, name ?? `variable_${++counter}`);
}

/** Live trainable variables (what `variableGrads` differentiates by default). */
export function trainableVariables(): Variable[] {
  return [...live].filter((v) => v.trainable && !v.isDisposed);
}
