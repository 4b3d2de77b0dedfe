/**
 * Rebuilding a functional model from its Keras-format config (`layers` with
 * `inbound_nodes`, `input_layers`, `output_layers`), the inverse of
 * `LayersModel.getConfig`. Two spellings of a call are read: TF.js / Keras 2
 * (`[[layer, node, tensor, kwargs], ...]`) and Keras 3 (`{ args, kwargs }`
 * with `__keras_tensor__` entries whose `keras_history` is `[layer, node, tensor]`). Layers are made by the caller's
 * `makeLayer` (which knows the layer registry and config conventions); calls
 * are replayed on symbolic tensors in an order where each call's inputs exist.
 */
import { InvalidArgumentError } from '../errors.js';
import { InputLayer } from '../layers/input-layer.js';
import type { Layer } from '../layers/layer.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { LayersModel, NESTED_NODE_OFFSET } from './functional.js';

/** Builds one layer from its `class_name` and config (nested models included). */
export type LayerFactory = (className: string, config: Record<string, unknown>) => Layer;

type TensorRef = [string, number, number];

/** `[name, node, tensor, kwargs?]` → `[name, node, tensor]`, or a typed error. */
function tensorRef(v: unknown, where: string): TensorRef {
  if (!Array.isArray(v) || v.length < 3 || typeof v[0] !== 'string' || !Number.isInteger(v[1]) || !Number.isInteger(v[2])) {
    throw new InvalidArgumentError(`model.json: ${where}: expected [layer name, node index, tensor index], got ${JSON.stringify(v)}`);
  }
  if (v[3] !== undefined && v[3] !== null && Object.keys(v[3] as object).length > 0) {
    throw new InvalidArgumentError(`model.json: ${where}: call arguments ${JSON.stringify(v[3])} are not supported`);
  }
  return [v[0], v[1] as number, v[2] as number];
}

/** A Keras 3 call argument: `{ class_name: '__keras_tensor__', config: { keras_history } }`. */
function isKerasTensor(v: unknown): v is { config: { keras_history: unknown } } {
  return !!v && typeof v === 'object' && (v as { class_name?: unknown }).class_name === '__keras_tensor__';
}

/** Call arguments Sinew can ignore: `training` is decided by fit/predict, a null mask is no mask. */
function ignorableKwargs(k: unknown): boolean {
  return !k || (typeof k === 'object' && Object.entries(k).every(([key, v]) => key === 'training' || (key === 'mask' && v === null)));
}

/**
 * The tensors one call reads, and whether the layer got one tensor (not a
 * list), from either spelling of a node.
 */
function callInputs(data: unknown, where: string): { refs: TensorRef[]; single: boolean } {
  if (Array.isArray(data)) {
    if (data.length === 0) throw new InvalidArgumentError(`model.json: ${where}: a call needs a non-empty list of inputs`);
    return { refs: data.map((d) => tensorRef(d, where)), single: data.length === 1 };
  }
  const node = data as { args?: unknown; kwargs?: unknown } | null;
  if (node && typeof node === 'object' && Array.isArray(node.args)) {
    if (!ignorableKwargs(node.kwargs)) throw new InvalidArgumentError(`model.json: ${where}: call arguments ${JSON.stringify(node.kwargs)} are not supported`);
    const [first, ...rest] = node.args;
    const list = Array.isArray(first) ? first : [first];
    if (rest.length || list.length === 0 || !list.every(isKerasTensor)) {
      throw new InvalidArgumentError(`model.json: ${where}: expected the call's inputs (one tensor or a list), got ${JSON.stringify(node.args)}`);
    }
    return { refs: list.map((t) => tensorRef(t.config.keras_history, where)), single: !Array.isArray(first) };
  }
  throw new InvalidArgumentError(`model.json: ${where}: expected a list of [layer, node, tensor] or { args, kwargs }, got ${JSON.stringify(data)}`);
}

/** `input_layers` / `output_layers`: a list of refs, one ref (Keras 3, a single tensor), or an object of refs (Keras 3, named). */
function refList(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return typeof v[0] === 'string' ? [v] : v;
  if (v && typeof v === 'object') return Object.values(v);
  throw new InvalidArgumentError(`model.json: a functional model config needs layers, input_layers and output_layers arrays (${what} is ${JSON.stringify(v) ?? 'missing'})`);
}

/** Rebuilds a functional model (without weights) from its config. */
export function functionalFromConfig(config: unknown, makeLayer: LayerFactory): LayersModel {
  const c = config as { name?: unknown; layers?: unknown; input_layers?: unknown; output_layers?: unknown; trainable?: unknown } | null;
  if (!c || typeof c !== 'object' || !Array.isArray(c.layers)) throw new InvalidArgumentError('model.json: a functional model config needs layers, input_layers and output_layers arrays');
  const inputRefs = refList(c.input_layers, 'input_layers');
  const outputRefs = refList(c.output_layers, 'output_layers');
  const made: Layer[] = [];
  try {
    const byName = new Map<string, { layer: Layer; nodes: unknown[]; outputs: SymbolicTensor[][] }>();
    for (const [i, entry] of c.layers.entries()) {
      const e = entry as { class_name?: unknown; config?: unknown; inbound_nodes?: unknown; name?: unknown };
      if (!e || typeof e.class_name !== 'string' || !e.config || typeof e.config !== 'object') throw new InvalidArgumentError(`model.json: layer ${i} must be { class_name, config, inbound_nodes }`);
      const layer = makeLayer(e.class_name, e.config as Record<string, unknown>);
      made.push(layer);
      if (byName.has(layer.name)) throw new InvalidArgumentError(`model.json: two layers are named '${layer.name}'`);
      const nodes = e.inbound_nodes ?? [];
      if (!Array.isArray(nodes)) throw new InvalidArgumentError(`model.json: layer '${layer.name}': inbound_nodes must be an array`);
      byName.set(layer.name, { layer, nodes, outputs: layer instanceof InputLayer ? [[layer.output]] : [] });
    }
    const find = ([name, node, index]: TensorRef, where: string): SymbolicTensor | undefined => {
      const rec = byName.get(name);
      if (!rec) throw new InvalidArgumentError(`model.json: ${where} refers to unknown layer '${name}'`);
      return rec.outputs[node - (rec.layer instanceof LayersModel ? NESTED_NODE_OFFSET : 0)]?.[index];
    };
    // Replay the calls: each pass makes every call whose inputs exist; a pass that makes none means a dangling reference.
    let pending = [...byName.values()].reduce((n, r) => n + (r.layer instanceof InputLayer ? 0 : r.nodes.length), 0);
    while (pending > 0) {
      let progress = 0;
      for (const rec of byName.values()) {
        if (rec.layer instanceof InputLayer) continue;
        while (rec.outputs.length < rec.nodes.length) {
          const where = `layer '${rec.layer.name}' call ${rec.outputs.length}`;
          const { refs, single } = callInputs(rec.nodes[rec.outputs.length], where);
          const ins = refs.map((r) => find(r, where));
          if (ins.some((t) => !t)) break;
          const out = single ? rec.layer.apply(ins[0]!) : rec.layer.apply(ins as SymbolicTensor[]);
          rec.outputs.push(Array.isArray(out) ? out : [out]);
          progress++;
          pending--;
        }
      }
      if (progress === 0) throw new InvalidArgumentError('model.json: some layer calls read tensors that no call produces (a dangling or circular inbound_nodes reference)');
    }
    const resolve = (list: unknown[], what: string) =>
      list.map((v, i) => {
        const t = find(tensorRef(v, `${what}[${i}]`), `${what}[${i}]`);
        if (!t) throw new InvalidArgumentError(`model.json: ${what}[${i}] refers to a call that does not exist: ${JSON.stringify(v)}`);
        return t;
      });
    const model = new LayersModel({
      inputs: resolve(inputRefs, 'input_layers'),
      outputs: resolve(outputRefs, 'output_layers'),
      ...(typeof c.name === 'string' ? { name: c.name } : {}),
    });
    if (c.trainable === false) model.trainable = false;
    return model;
  } catch (e) {
    // Free the weights of the layers built before the error.
    for (const l of made) l.dispose();
    throw e;
  }
}
