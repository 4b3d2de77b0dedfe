/**
 * Optimizers (Keras vocabulary) and learning-rate schedules.
 *
 *     const opt = sinew.optimizers.get('adam');                 // Keras defaults
 *     const opt2 = new sinew.optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true });
 *     opt.applyGradients(vars, grads);                           // one engine call for all
 */
import { InvalidArgumentError } from '../errors.js';
import { Adam, AdamW, Adamax } from './adam.js';
import { Adagrad } from './adagrad.js';
import { learningRateFromConfig, Optimizer, type LearningRate } from './optimizer.js';
import { RMSProp } from './rmsprop.js';
import { SGD } from './sgd.js';

export { Optimizer, learningRateFromConfig } from './optimizer.js';
export type { LearningRate, OptimizerArgs, NamedTensor, OptimizerKind } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDArgs } from './sgd.js';
export { Adagrad } from './adagrad.js';
export type { AdagradArgs } from './adagrad.js';
export { RMSProp, RMSProp as RMSprop } from './rmsprop.js';
export type { RMSPropArgs } from './rmsprop.js';
export { Adam, AdamW, Adamax } from './adam.js';
export type { AdamArgs, AdamWArgs } from './adam.js';
export * from './schedules.js';

interface OptimizerClass {
  readonly className: string;
  fromConfig(config: Record<string, unknown>): Optimizer;
}

const byClassName = new Map<string, OptimizerClass>(
  ([SGD, Adagrad, RMSProp, Adam, AdamW, Adamax] as unknown as OptimizerClass[]).map((c) => [c.className, c]),
);
// TensorFlow.js's momentum optimizer is Keras SGD with momentum.
byClassName.set('Momentum', SGD as unknown as OptimizerClass);
// Keras spells it RMSprop.
byClassName.set('RMSprop', RMSProp as unknown as OptimizerClass);

const byName: Record<string, () => Optimizer> = {
  sgd: () => new SGD(),
  adam: () => new Adam(),
  adamw: () => new AdamW(),
  adamax: () => new Adamax(),
  rmsprop: () => new RMSProp(),
  adagrad: () => new Adagrad(),
};

/**
 * An optimizer from a name with Keras defaults (`'sgd'`, `'adam'`, `'adamw'`,
 * `'adamax'`, `'rmsprop'`, `'adagrad'`, any case), from `{ className, config }`,
 * or an optimizer instance (returned as is).
 */
export function get(identifier: string | Optimizer | { className?: string; class_name?: string; config?: Record<string, unknown> }): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier === 'string') {
    const make = byName[identifier.toLowerCase()];
    if (!make) {
      throw new InvalidArgumentError(`optimizers.get: unknown optimizer '${identifier}' (expected one of ${Object.keys(byName).join(', ')}, or an Optimizer)`);
    }
    return make();
  }
  if (identifier && typeof identifier === 'object' && (typeof identifier.className === 'string' || typeof identifier.class_name === 'string')) {
    return deserialize(identifier);
  }
  throw new InvalidArgumentError(`optimizers.get: expected an optimizer name, config or instance, got ${String(identifier)}`);
}

/** `{ className, config }` (TensorFlow.js / Keras names, camelCase config). */
export function serialize(optimizer: Optimizer): { className: string; config: Record<string, unknown> } {
  if (!(optimizer instanceof Optimizer)) throw new InvalidArgumentError(`serialize: expected an optimizer, got ${optimizer === null ? 'null' : typeof optimizer}`);
  return { className: optimizer.className, config: optimizer.getConfig() };
}

/** `learning_rate` → `learningRate`, `beta_1` → `beta1` (Keras JSON to Sinew args). */
function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Config keys to camelCase, `null`s dropped (Keras writes `clipnorm: null`), nested `{class_name, config}` too. */
function normalizeConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === null) continue;
    if (v && typeof v === 'object' && !Array.isArray(v) && ('class_name' in v || 'className' in v)) {
      const o = v as { class_name?: string; className?: string; config?: Record<string, unknown> };
      out[camel(k)] = { className: o.className ?? o.class_name, config: normalizeConfig(o.config ?? {}) };
    } else {
      out[camel(k)] = v;
    }
  }
  return out;
}

/**
 * Rebuilds an optimizer from `serialize`'s output (schedules included). Also
 * reads Keras / TensorFlow.js JSON: `class_name`, snake_case keys, `RMSprop`,
 * TF.js `Momentum` (`useNesterov`) and RMSProp `decay`.
 */
export function deserialize(value: { className?: string; class_name?: string; config?: Record<string, unknown> }): Optimizer {
  const className = value?.className ?? value?.class_name ?? '';
  const cls = byClassName.get(className);
  if (!cls) {
    throw new InvalidArgumentError(`unknown optimizer class '${className}' (known: ${[...byClassName.keys()].join(', ')})`);
  }
  const config = normalizeConfig(value.config ?? {});
  if ('learningRate' in config) config.learningRate = learningRateFromConfig(config.learningRate);
  // TF.js spellings.
  if (className === 'Momentum' && 'useNesterov' in config) config.nesterov = config.useNesterov;
  if ((className === 'RMSProp' || className === 'RMSprop') && 'decay' in config && !('rho' in config)) config.rho = config.decay;
  return cls.fromConfig(config);
}

/**
 * TensorFlow.js-style factories: `sinew.train.sgd(0.1)`, `sinew.train.adam()`.
 * Update rules are Keras's (for momentum they match TF.js at a constant rate).
 */
export const train = {
  sgd: (learningRate: LearningRate): SGD => new SGD({ learningRate }),
  momentum: (learningRate: LearningRate, momentum: number, useNesterov = false): SGD => new SGD({ learningRate, momentum, nesterov: useNesterov }),
  adagrad: (learningRate: LearningRate, initialAccumulatorValue = 0.1): Adagrad => new Adagrad({ learningRate, initialAccumulatorValue }),
  rmsprop: (learningRate: LearningRate, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false): RMSProp =>
    new RMSProp({ learningRate, rho: decay, momentum, epsilon, centered }),
  adam: (learningRate: LearningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7): Adam => new Adam({ learningRate, beta1, beta2, epsilon }),
  adamw: (learningRate: LearningRate = 0.001, weightDecay = 0.004, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7): AdamW =>
    new AdamW({ learningRate, weightDecay, beta1, beta2, epsilon }),
  adamax: (learningRate: LearningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7): Adamax => new Adamax({ learningRate, beta1, beta2, epsilon }),
};
