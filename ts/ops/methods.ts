/**
 * Chainable tensor methods (`x.sub(m).div(s)`, as TF.js's Tensor): each is
 * the op of the same name with the tensor as its first argument. This table
 * is the one list: the prototype methods and their TypeScript signatures (the
 * op's signature minus the first parameter) are both generated from it.
 *
 * Installing them on `Tensor.prototype` is a side effect of importing this
 * module: the package entry imports it, and `package.json` names both in
 * `sideEffects`, so bundlers keep it.
 */
import { Tensor } from '../tensor.js';
import { cast } from './cast.js';
import { clone, onesLike, zerosLike } from './create.js';
import { concat, gather, pad, reshape, reverse, slice, transpose } from './layout.js';
import { oneHot } from './one-hot.js';
import { matMul } from './linalg.js';
import * as m from './math.js';
import { expandDims, flatten, split, squeeze, stack, unstack } from './shape.js';

const list = (x: Tensor, others: Tensor | readonly Tensor[]): Tensor[] => [x, ...(Array.isArray(others) ? others : [others as Tensor])]; // the op then checks each

const METHODS = {
  add: m.add, sub: m.sub, mul: m.mul, div: m.div, pow: m.pow, maximum: m.maximum, minimum: m.minimum,
  neg: m.neg, exp: m.exp, log: m.log, sqrt: m.sqrt, abs: m.abs, square: m.square, expm1: m.expm1,
  reciprocal: m.reciprocal, step: m.step, clipByValue: m.clipByValue,
  relu: m.relu, leakyRelu: m.leakyRelu, elu: m.elu, selu: m.selu, relu6: m.relu6, sigmoid: m.sigmoid, tanh: m.tanh, softplus: m.softplus,
  sum: m.sum, mean: m.mean, max: m.max, min: m.min, argMax: m.argMax, argMin: m.argMin,
  softmax: m.softmax, logSoftmax: m.logSoftmax,
  matMul,
  reshape, transpose, slice, gather, oneHot, pad, reverse,
  flatten, expandDims, squeeze, unstack, split, cast, clone, zerosLike, onesLike,
  /** `x.concat(y, axis)` or `x.concat([y, z], axis)`: `concat([x, ...], axis)`. */
  concat: (x: Tensor, others: Tensor | readonly Tensor[], axis?: number): Tensor => concat(list(x, others), axis),
  /** `x.stack(y, axis)` or `x.stack([y, z], axis)`: `stack([x, ...], axis)`. */
  stack: (x: Tensor, others: Tensor | readonly Tensor[], axis?: number): Tensor => stack(list(x, others), axis),
};

/** An op `(x, ...rest) => R` as the method `(...rest) => R`. */
type Method<F> = F extends (x: never, ...rest: infer A) => infer R ? (...args: A) => R : never;

/** The chainable methods every `Tensor` has (tensor.ts merges them into the class's type). */
export type TensorMethods = { [K in keyof typeof METHODS]: Method<(typeof METHODS)[K]> };

/** Names of the chainable methods (for tests and docs). */
export const TENSOR_METHODS = Object.keys(METHODS) as (keyof typeof METHODS)[];

for (const [name, op] of Object.entries(METHODS) as [string, (x: Tensor, ...rest: unknown[]) => unknown][]) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...rest: unknown[]) {
      return op(this, ...rest);
    },
    writable: true,
    configurable: true,
  });
}
