/**
 * Rebuilding a functional model from its Keras-format config (TF.js layers
 * format: `layers` with `inbound_nodes`, `input_layers`, `output_layers`), the
 * inverse of `LayersModel.getConfig`. Layers are made by the caller's
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

/** Rebuilds a functional model (without weights) from its config. */
export function functionalFromConfig(config: unknown, makeLayer: LayerFactory): LayersModel {
  const c = config as { name?: unknown; layers?: unknown; input_layers?: unknown; output_layers?: unknown; trainable?: unknown } | null;
  if (!c || typeof c !== 'object' || !Array.isArray(c.layers) || !Array.isArray(c.input_layers) || !Array.isArray(c.output_layers)) {
    throw new InvalidArgumentError('model.json: a functional model config needs layers, input_layers and output_layers arrays');
  }
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
          const data = rec.nodes[rec.outputs.length];
          if (!Array.isArray(data) || data.length === 0) throw new InvalidArgumentError(`model.json: ${where}: a call needs a non-empty list of inputs`);
          const ins = data.map((d) => find(tensorRef(d, where), where));
          if (ins.some((t) => !t)) break;
          const out = data.length === 1 ? rec.layer.apply(ins[0]!) : rec.layer.apply(ins as SymbolicTensor[]);
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
      inputs: resolve(c.input_layers, 'input_layers'),
      outputs: resolve(c.output_layers, 'output_layers'),
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
