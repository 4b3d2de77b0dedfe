/** Activations by name, as layers take them (`activation: 'relu'`). */
import { InvalidArgumentError } from '../errors.js';
import { activation as applyNamed, softmax } from '../ops/math.js';
import { ACTIVATIONS, type ActivationName } from '../ops/names.js';
import type { Tensor } from '../tensor.js';

/** Names a layer's `activation` accepts (TF.js spelling; Keras snake_case also works). */
export type LayerActivation = ActivationName | 'softmax';

const NAMES: readonly LayerActivation[] = [...ACTIVATIONS, 'softmax'];

/** Other spellings of an activation: Keras 3 saves swish as 'silu'. */
const ALIASES: Readonly<Record<string, LayerActivation>> = { silu: 'swish' };

/** Canonical name for `name` (accepts `leaky_relu`, `silu`), or a typed error listing the choices. */
export function activationName(name: string | null | undefined): LayerActivation {
  if (name === null || name === undefined) return 'linear';
  const camel = name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  const key = (ALIASES[camel] ?? camel) as LayerActivation;
  if (!NAMES.includes(key)) throw new InvalidArgumentError(`unknown activation '${name}' (expected one of ${NAMES.join(', ')})`);
  return key;
}

export function applyActivation(name: LayerActivation, x: Tensor): Tensor {
  if (name === 'linear') return x;
  if (name === 'softmax') return softmax(x);
  return applyNamed(name, x);
}

/**
 * `op` (a dense or convolution op) with the activation applied in the same
 * engine call; softmax, which normalises across a row, runs after it.
 */
export function withActivation(name: LayerActivation, op: (act: ActivationName) => Tensor): Tensor {
  return name === 'softmax' ? softmax(op('linear')) : op(name);
}
