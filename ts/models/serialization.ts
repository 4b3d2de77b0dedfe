/**
 * Saving and loading Sequential models in the TensorFlow.js layers format
 * (model.json topology + weights.bin), so models move between Sinew,
 * TensorFlow.js and Keras (through tensorflowjs_converter).
 */
import { InvalidArgumentError, ShapeError, SinewError } from '../errors.js';
import { getInitializer } from '../initializers.js';
import { decodeWeights } from '../io/weights.js';
import { getHandler, type IOHandler, type TrainingConfig } from '../io/handlers.js';
import { InputLayer } from '../layers/input-layer.js';
import type { Layer } from '../layers/layer.js';
import { layerClass } from '../layers/registry.js';
import { tensor } from '../ops/create.js';
import { getRegularizer } from '../regularizers.js';
import { LayersModel } from './functional.js';
import { functionalFromConfig } from './functional-config.js';
import { Sequential } from './sequential.js';
import { compileArgsFromTrainingConfig } from './training-config.js';
import { matchWeights } from './weight-matching.js';

const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

/** Config keys that carry no information Sinew needs (or only defaults it always has). */
const IGNORED = new Set(['dtype', 'activity_regularizer', 'kernel_constraint', 'bias_constraint', 'beta_constraint', 'gamma_constraint', 'beta_regularizer', 'gamma_regularizer', 'noise_shape', 'data_format', 'dilation_rate', 'groups', 'sparse', 'ragged', 'batch_size',
  // Batch renormalization settings, meaningless with renorm false (which BatchNormalization checks).
  'renorm_clipping', 'renorm_momentum']);

/** Layers that take `dilation_rate` (others accept only 1). */
const DILATED = new Set(['Conv1D', 'DepthwiseConv2D', 'SeparableConv2D']);

/** Keras layer config (snake_case) → Sinew constructor arguments (camelCase). */
function configToArgs(className: string, config: Record<string, unknown>): Record<string, unknown> {
  const where = `layer ${String(config.name ?? className)} (${className})`;
  if (config.data_format !== undefined && config.data_format !== 'channels_last') {
    throw new InvalidArgumentError(`${where}: only data_format 'channels_last' is supported, got '${String(config.data_format)}'`);
  }
  const dil = config.dilation_rate;
  const dilated = DILATED.has(className) && dil !== undefined;
  if (!dilated && dil !== undefined && [dil].flat().some((d) => d !== 1)) throw new InvalidArgumentError(`${where}: dilation_rate ${JSON.stringify(dil)} is not supported`);
  if (config.groups !== undefined && config.groups !== 1) throw new InvalidArgumentError(`${where}: grouped convolutions are not supported`);
  const args: Record<string, unknown> = dilated ? { dilationRate: dil } : {};
  for (const [k, v] of Object.entries(config)) {
    if (IGNORED.has(k) || v === null) continue;
    if (k === 'layer') args.layer = layerFromEntry(where, v);   // a wrapper's inner layer
    else if (k.endsWith('_initializer')) args[camel(k)] = getInitializer(v as { class_name: string });
    else if (k.endsWith('_regularizer')) args[camel(k)] = getRegularizer(v as { class_name: string });
    else if (k === 'axis') {
      const a = Array.isArray(v) ? v[0] : v;
      // Keras writes the channel axis as a positive index (3 for NHWC); Sinew normalises channels-last.
      args.axis = typeof a === 'number' && a > 0 ? -1 : a;
    } else args[camel(k)] = v;
  }
  return args;
}

/** A wrapper's inner layer from its `{ class_name, config }` entry. */
function layerFromEntry(where: string, entry: unknown): Layer {
  const e = entry as { class_name?: unknown; config?: unknown } | null;
  if (!e || typeof e.class_name !== 'string' || !e.config || typeof e.config !== 'object') throw new InvalidArgumentError(`${where}: 'layer' must be { class_name, config }`);
  return makeLayer(e.class_name, e.config as Record<string, unknown>);
}

/** Class names of functional models (TF.js writes `Model`, Keras `Functional`). */
const FUNCTIONAL = new Set(['Model', 'Functional']);

/** One layer of a functional model from its Keras entry (a nested functional model included). */
function makeLayer(className: string, config: Record<string, unknown>): Layer {
  if (FUNCTIONAL.has(className)) return functionalFromConfig(config, makeLayer);
  if (className === 'Sequential') return modelFromTopology({ class_name: className, config });
  if (className === 'InputLayer') {
    const shape = (config.batch_input_shape ?? config.batch_shape) as (number | null)[] | undefined;
    return new InputLayer({ ...(shape ? { batchShape: shape } : {}), dtype: (config.dtype as 'float32' | 'int32' | undefined) ?? 'float32', ...(typeof config.name === 'string' ? { name: config.name } : {}) });
  }
  const Cls = layerClass(className) as unknown as new (a: Record<string, unknown>) => Layer;
  return new Cls(configToArgs(className, config));
}

/** Rebuilds a model (without weights) from its Keras topology: a Sequential, or a functional model (`Model`/`Functional`). */
export function modelFromTopology(topology: unknown): Sequential | LayersModel {
  const t = topology as { class_name?: unknown; config?: unknown; model_config?: unknown };
  const top = (t && typeof t === 'object' && 'model_config' in t ? t.model_config : t) as { class_name?: unknown; config?: unknown } | null;
  if (!top || typeof top !== 'object') throw new InvalidArgumentError('model.json: modelTopology must be an object');
  if (typeof top.class_name === 'string' && FUNCTIONAL.has(top.class_name)) return functionalFromConfig(top.config, makeLayer);
  if (top.class_name !== 'Sequential') {
    throw new InvalidArgumentError(`model.json: expected a Sequential or functional (Model) model, got class_name ${JSON.stringify(top.class_name)}`);
  }
  const cfg = top.config as { name?: string; layers?: unknown } | unknown[] | undefined;
  const list = Array.isArray(cfg) ? cfg : cfg?.layers;
  if (!Array.isArray(list) || list.length === 0) throw new InvalidArgumentError('model.json: modelTopology.config.layers must be a non-empty array');
  const name = Array.isArray(cfg) ? undefined : cfg?.name;
  const model = new Sequential(name ? { name } : {});
  let pendingInput: unknown = undefined;
  try {
    for (const [i, entry] of list.entries()) {
      const e = entry as { class_name?: unknown; config?: unknown };
      if (!e || typeof e.class_name !== 'string' || !e.config || typeof e.config !== 'object') {
        throw new InvalidArgumentError(`model.json: layer ${i} must be { class_name, config }`);
      }
      const config = e.config as Record<string, unknown>;
      if (e.class_name === 'InputLayer') {
        pendingInput = config.batch_input_shape ?? config.batch_shape;
        continue;
      }
      const args = configToArgs(e.class_name, config);
      if (pendingInput !== undefined && args.batchInputShape === undefined) args.batchInputShape = pendingInput;
      pendingInput = undefined;
      const Cls = layerClass(e.class_name) as unknown as new (a: Record<string, unknown>) => Layer;
      model.add(new Cls(args));
    }
  } catch (e) {
    // Free the weights of the layers built before the bad entry.
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * Loads a model saved in the TensorFlow.js layers format (by Sinew,
 * TensorFlow.js, or Keras through tensorflowjs_converter): a Sequential or a
 * functional model. Weights are matched by name, or by layer and variable
 * index for Keras 3's names (see `matchWeights`). With a training config the
 * model comes back compiled (with a fresh optimizer), as in TF.js; without
 * one, call `compile` to train.
 */
export async function loadLayersModel(source: string | URL | IOHandler): Promise<Sequential | LayersModel> {
  const art = await getHandler(source).load();
  let model: Sequential | LayersModel;
  try {
    model = modelFromTopology(art.modelTopology);
  } catch (e) {
    // The topology is data from a file: a config of the wrong type is a bad file, not a bug.
    if (e instanceof SinewError) throw e;
    throw new InvalidArgumentError(`model.json: a layer config is malformed: ${(e as Error)?.message ?? String(e)}`);
  }
  try {
    const weights = decodeWeights(art.weightData, art.weightSpecs);
    const dup = weights.find((w, i) => weights.findIndex((o) => o.name === w.name) !== i);
    if (dup) throw new InvalidArgumentError(`weights: '${dup.name}' appears more than once in the weights manifest`);
    for (const [v, w] of matchWeights(model.layers, model.weights, weights)) {
      if (w.shape.length !== v.shape.length || w.shape.some((d, i) => d !== v.shape[i])) {
        const as = w.name === v.name ? '' : ` (as '${w.name}')`;
        throw new ShapeError(`weights: '${v.name}' has shape [${w.shape.join(',')}] in the file${as} but the layer needs [${v.shape.join(',')}]`);
      }
      const t = tensor(w.values, w.shape, w.dtype);
      v.assign(t);
      t.dispose();
    }
    // tensorflowjs_converter writes Keras's training_config inside modelTopology.
    const trainingConfig = art.trainingConfig ?? (art.modelTopology as { training_config?: TrainingConfig }).training_config;
    if (trainingConfig) model.compile(compileArgsFromTrainingConfig(trainingConfig));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** Loads a Sequential model (see `loadLayersModel`); a typed error if the file holds another kind. */
export async function loadSequential(source: string | URL | IOHandler): Promise<Sequential> {
  const model = await loadLayersModel(source);
  if (model instanceof Sequential) return model;
  model.dispose();
  throw new InvalidArgumentError(`model.json: expected a Sequential model, got a functional model (use loadLayersModel)`);
}
