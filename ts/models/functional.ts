/**
 * Functional models: `model({ inputs, outputs })` over a graph of layer calls
 * made on symbolic tensors, as tf.model / keras.Model. Any DAG: several
 * inputs and outputs, shared layers (one layer called twice shares its
 * weights), and models called as layers inside other models.
 *
 *     const a = input({ shape: [8] }), b = input({ shape: [4] });
 *     const h = layers.dense({ units: 16, activation: 'relu' }).apply(a);
 *     const y = layers.dense({ units: 1 }).apply(layers.concatenate().apply([h, b]));
 *     const m = model({ inputs: [a, b], outputs: y });
 *
 * Running the model walks the nodes in topological order (computed once, here).
 */
import { DisposedError, InvalidArgumentError, ShapeError } from '../errors.js';
import { tidy } from '../engine/scope.js';
import { tensor } from '../ops/create.js';
import { checkOptions } from '../options.js';
import { concat, sliceRows } from '../ops/layout.js';
import { InputLayer } from '../layers/input-layer.js';
import { Layer, type SymbolicShape } from '../layers/layer.js';
import { isSymbolic, type Node, type ShapeOrShapes, type SymbolicTensor } from '../layers/symbolic.js';
import { Tensor } from '../tensor.js';
import type { Variable } from '../variable.js';
import type { History } from '../callbacks/callback.js';
import { resolveCompile, type CompileArgs, type Compiled } from './compile.js';
import { checkBatchSize, evaluateBatches, fit, type FitArgs } from './fit.js';
import { evaluateDatasetLogs, fitDataset, type EvaluateDatasetArgs, type FitDatasetArgs } from './fit-dataset.js';
import type { Dataset } from '../data/dataset.js';
import { saveModel } from './save.js';
import { formatSummary } from './summary.js';

export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

/** Tensors for a model's inputs (or outputs): one, a list in order, or an object keyed by input (output) layer name. */
export type TensorsArg = Tensor | Tensor[] | Record<string, Tensor>;

const fmt = (s: SymbolicShape) => `[${s.map((d) => d ?? 'null').join(',')}]`;

/**
 * The nodes that compute `outputs` from `inputs`, each after the nodes it
 * reads from (depth-first post-order from the outputs, the inputs' own nodes
 * included), and the model's layers in Keras/TF.js order: by decreasing depth
 * (distance from the outputs), ties in order of first visit. Throws when an
 * output depends on a tensor that is not computed from the given inputs.
 */
function traverse(name: string, inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): { nodes: Node[]; layers: Layer[] } {
  const inputNodes = new Set(inputs.map((t) => t.node));
  const order: Node[] = [];
  const firstVisit = new Map<Layer, number>();
  const done = new Set<Node>();
  const active = new Set<Node>();
  const visit = (node: Node, from: string) => {
    if (done.has(node)) return;
    if (active.has(node)) throw new InvalidArgumentError(`${name}: the layer graph has a cycle through '${node.layer.name}'`);
    if (node.layer instanceof InputLayer && !inputNodes.has(node)) {
      throw new InvalidArgumentError(`${name}: graph disconnected: ${from} depends on input '${node.layer.name}', which is not in the model's inputs`);
    }
    if (!firstVisit.has(node.layer)) firstVisit.set(node.layer, firstVisit.size);
    active.add(node);
    for (const i of node.inputs) visit(i.node, `'${node.layer.name}'`);
    active.delete(node);
    done.add(node);
    order.push(node);
  };
  for (const o of outputs) visit(o.node, `output '${o.name}'`);
  // Depths, as TF.js computes them: a node is one deeper than the deepest node that reads it;
  // a shared layer takes the greatest depth of its calls.
  const nodeDepth = new Map<Node, number>();
  const layerDepth = new Map<Layer, number>();
  for (const node of [...order].reverse()) {
    const depth = Math.max(nodeDepth.get(node) ?? 0, layerDepth.get(node.layer) ?? 0);
    layerDepth.set(node.layer, depth);
    nodeDepth.set(node, depth);
    for (const i of node.inputs) nodeDepth.set(i.node, Math.max(depth + 1, nodeDepth.get(i.node) ?? 0));
  }
  const layers = [...layerDepth.keys()].sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || firstVisit.get(a)! - firstVisit.get(b)!);
  return { nodes: order, layers };
}

/** An activation whose logits a loss can take fused (softmax or sigmoid cross-entropy). */
export type FusableActivation = 'softmax' | 'sigmoid' | null;

/** One output of a run for the loss: its value, or its logits when `logits` names the activation left out. */
export interface OutputValue {
  output: Tensor;
  logits: FusableActivation;
  /** The output's mask (`[batch, steps]`, 1 = real step) when one reaches it from an `embedding({ maskZero: true })`. */
  mask: Tensor | null;
}

/**
 * Single-input, single-output nodes whose output is read by one pooling
 * node alone (and is no model output), with that pooling node.
 */
function pooledPairs(nodes: readonly Node[], outputs: readonly SymbolicTensor[]): Map<Node, Node> {
  const readers = new Map<number, Node[]>();
  for (const n of nodes) for (const t of n.inputs) readers.set(t.id, [...(readers.get(t.id) ?? []), n]);
  const pairs = new Map<Node, Node>();
  for (const n of nodes) {
    const out = n.outputs[0];
    if (!n.singleInput || n.outputs.length !== 1 || !out || outputs.includes(out)) continue;
    const r = readers.get(out.id) ?? [];
    if (r.length === 1 && r[0]!.singleInput && r[0]!.layer.pooling() !== null) pairs.set(n, r[0]!);
  }
  return pairs;
}

/** Keras/TF.js: node references to a nested model skip its internal node 0. */
export const NESTED_NODE_OFFSET = 1;

/** The graph a model runs, computed once from its inputs and outputs. */
interface Graph {
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  layers: Layer[];
  /** The layer calls to run, in order (the inputs' own nodes excluded). */
  nodes: Node[];
  /** Each node's index among its layer's calls within this model (Keras's node index in `inbound_nodes`). */
  nodeIndex: Map<Node, number>;
  /** Ids of tensors some node reads (an output that no node reads may be replaced by its logits). */
  consumed: Set<number>;
  /**
   * Node → the pooling node that alone reads its (single) output, which is
   * no model output: the pair may run as one `callThenPool`.
   */
  pooledBy: Map<Node, Node>;
}

/** Options of `evaluate` (TF.js's `sampleWeight` and `steps` are not implemented and are rejected). */
export interface EvaluateArgs {
  batchSize?: number;
  /** Only 0: evaluation prints nothing. */
  verbose?: 0;
}

/** Options of `predict`. */
export interface PredictArgs {
  batchSize?: number;
  /** Only 0: prediction prints nothing. */
  verbose?: 0;
}

export class LayersModel extends Layer {
  static override readonly className: string = 'Model';
  /** Set to true (e.g. by a callback) to stop `fit` after the current epoch. */
  stopTraining = false;
  /** @internal What `compile` resolved. */
  compiled: Compiled | null = null;
  /** @internal Set while `fit` runs: a second concurrent `fit` is refused. */
  isTraining = false;
  #disposed = false;
  /** Whether `summary()` shows what each layer receives (a chain does not need it). */
  protected readonly showsConnections: boolean = true;
  #graph: Graph | null = null;

  /** `args` without inputs and outputs is for subclasses that build their graph later (Sequential). */
  constructor(args: ModelArgs | { name?: string }) {
    if (!args || typeof args !== 'object') throw new InvalidArgumentError('model: needs { inputs, outputs }');
    super(args.name === undefined ? {} : { name: args.name });
    if ('inputs' in args || 'outputs' in args || new.target === LayersModel) {
      const a = args as ModelArgs;
      if (a.inputs === undefined || a.outputs === undefined) throw new InvalidArgumentError(`${this.name}: model needs { inputs, outputs }`);
      this.setGraph(Array.isArray(a.inputs) ? a.inputs : [a.inputs], Array.isArray(a.outputs) ? a.outputs : [a.outputs]);
    }
  }

  /** @internal (Re)defines the graph: validates it, orders its nodes and layers. */
  protected setGraph(inputList: readonly SymbolicTensor[], outputList: readonly SymbolicTensor[]): void {
    const inputs = [...inputList];
    const outputs = [...outputList];
    for (const [list, what] of [[inputs, 'inputs'], [outputs, 'outputs']] as const) {
      if (list.length === 0) throw new InvalidArgumentError(`${this.name}: ${what} must not be empty`);
      const bad = list.findIndex((t) => !isSymbolic(t));
      if (bad >= 0) throw new InvalidArgumentError(`${this.name}: ${what}[${bad}] is not a symbolic tensor (make inputs with input() and outputs with layer.apply)`);
    }
    inputs.forEach((t, i) => {
      if (!(t.node.layer instanceof InputLayer)) throw new InvalidArgumentError(`${this.name}: inputs[${i}] ('${t.name}') must come from input(), not from a layer`);
      if (inputs.indexOf(t) !== i) throw new InvalidArgumentError(`${this.name}: input '${t.name}' is listed twice`);
    });
    const inputNodes = new Set(inputs.map((t) => t.node));
    const { nodes: all, layers } = traverse(this.name, inputs, outputs);
    // An input that no output depends on is still part of the model (Keras keeps it too).
    for (const t of inputs) if (!layers.includes(t.node.layer)) layers.push(t.node.layer);
    const names = new Set<string>();
    for (const l of layers) {
      if (l === this) throw new InvalidArgumentError(`${this.name}: a model cannot contain itself`);
      if (names.has(l.name)) throw new InvalidArgumentError(`${this.name}: two different layers are named '${l.name}' (layer names must be unique within a model)`);
      names.add(l.name);
    }
    const nodes = all.filter((n) => !inputNodes.has(n));
    const inModel = new Set<Node>([...inputNodes, ...nodes]);
    const nodeIndex = new Map<Node, number>();
    for (const l of layers) l.inboundNodes.filter((n) => inModel.has(n)).forEach((n, i) => nodeIndex.set(n, i));
    const consumed = new Set(nodes.flatMap((n) => n.inputs.map((t) => t.id)));
    this.#graph = { inputs, outputs, layers, nodes, nodeIndex, consumed, pooledBy: pooledPairs(nodes, outputs) };
    this.built = true;
  }

  /** False until a subclass that builds its graph later (Sequential) has one. */
  protected get hasGraph(): boolean {
    return this.#graph !== null;
  }

  #g(): Graph {
    if (!this.#graph) throw new InvalidArgumentError(`${this.name} has no layers`);
    return this.#graph;
  }

  get inputs(): readonly SymbolicTensor[] {
    return this.#g().inputs;
  }

  get outputs(): readonly SymbolicTensor[] {
    return this.#g().outputs;
  }

  /** Every layer of the graph, each once, in Keras/TF.js order (by decreasing depth from the outputs). */
  get layers(): readonly Layer[] {
    return this.#graph?.layers ?? [];
  }

  /** @internal The layer calls to run, in order (the inputs' own nodes excluded). */
  get nodes(): readonly Node[] {
    return this.#g().nodes;
  }

  /** As TF.js: a model with one output returns a tensor, not a list of one. */
  get #singleOutput(): boolean {
    return this.outputs.length === 1;
  }

  /** @internal This model's calls of `layer`, in order. */
  nodesOf(layer: Layer): Node[] {
    const index = this.#g().nodeIndex;
    return layer.inboundNodes.filter((n) => index.has(n));
  }

  /**
   * @internal `[layer name, node index, tensor index]`: how Keras names a
   * tensor of the graph. Keras and TF.js count a nested model's own internal
   * call as its node 0, so references to its calls start at 1
   * (`NESTED_NODE_OFFSET`); its `inbound_nodes` list does not include it.
   */
  tensorKey(t: SymbolicTensor): [string, number, number] {
    const offset = t.node.layer instanceof LayersModel ? NESTED_NODE_OFFSET : 0;
    return [t.node.layer.name, this.#g().nodeIndex.get(t.node)! + offset, t.outputIndex];
  }

  /** The InputLayers, in the order of `inputs`. */
  get inputLayers(): InputLayer[] {
    return this.inputs.map((t) => t.node.layer as InputLayer);
  }

  /** The layers that produce the outputs, in output order. */
  get outputLayers(): Layer[] {
    return this.outputs.map((t) => t.node.layer);
  }

  /** Names of the layers that produce the outputs (keys of name-keyed `y` and of per-output losses). */
  get outputNames(): string[] {
    return this.outputLayers.map((l) => l.name);
  }

  get inputNames(): string[] {
    return this.inputLayers.map((l) => l.name);
  }

  /** The layer named `name` (a typed error lists the names when there is none). */
  getLayer(name: string): Layer;
  /** The layer at `index` in `layers`. */
  getLayer(name: undefined, index: number): Layer;
  getLayer(name?: string, index?: number): Layer {
    if (name === undefined) {
      const l = index === undefined ? undefined : this.layers[index];
      if (!l) throw new InvalidArgumentError(`${this.name}.getLayer: no layer at index ${index} (the model has ${this.layers.length})`);
      return l;
    }
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new InvalidArgumentError(`${this.name}.getLayer: no layer named '${name}' (layers: ${this.layers.map((x) => x.name).join(', ')})`);
    return l;
  }

  /** Shapes of the inputs, batch dimension first. */
  get inputShape(): SymbolicShape | SymbolicShape[] {
    const s = this.inputs.map((t) => t.shape);
    return s.length === 1 ? s[0]! : s;
  }

  get outputShape(): SymbolicShape | SymbolicShape[] {
    const s = this.outputs.map((t) => t.shape);
    return this.#singleOutput ? s[0]! : s;
  }

  override computeOutputShape(_inputShape: ShapeOrShapes): ShapeOrShapes {
    return this.outputShape;
  }

  // ---- weights: the union over the layers (a shared layer counts once) ----

  // (A layer used both directly and inside a nested model is listed once.)
  override get weights(): Variable[] {
    this.alive('weights');
    return [...new Set(this.layers.flatMap((l) => l.weights))];
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? [...new Set(this.layers.flatMap((l) => l.trainableWeights))] : [];
  }

  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? [...new Set(this.layers.flatMap((l) => l.nonTrainableWeights))] : this.weights;
  }

  override countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  override regularizationLosses(): Tensor[] {
    return this.layers.flatMap((l) => l.regularizationLosses());
  }

  // ---- running ----

  /** @internal `x` as a list in input order, checked against the inputs' shapes and dtypes. */
  normalizeInputs(op: string, x: TensorsArg): Tensor[] {
    const xs = this.#toList(op, x, this.inputs, this.inputNames, 'input');
    xs.forEach((t, i) => {
      const s = this.inputs[i]!;
      const ok = t.rank === s.rank && s.shape.every((d, j) => j === 0 || d === null || d === t.shape[j]);
      if (!ok) {
        const want = xs.length === 1 ? `expected input shape [batch,${s.shape.slice(1).map((d) => d ?? 'null').join(',')}]` : `input '${this.inputNames[i]}' expects shape ${fmt(s.shape)}`;
        throw new ShapeError(`${this.name}.${op}: ${want}, got [${t.shape.join(',')}]`);
      }
      // A float32 input also takes int32 (token ids for a Sequential starting with an embedding, as TF.js allows).
      if (t.dtype !== s.dtype && !(s.dtype === 'float32' && t.dtype === 'int32')) throw new InvalidArgumentError(`${this.name}.${op}: input '${this.inputNames[i]}' expects ${s.dtype}, got ${t.dtype}`);
    });
    const n = xs[0]!.shape[0];
    const other = xs.findIndex((t) => t.shape[0] !== n);
    if (other > 0) throw new ShapeError(`${this.name}.${op}: inputs have different numbers of samples (${n} for '${this.inputNames[0]}', ${xs[other]!.shape[0]} for '${this.inputNames[other]}')`);
    return xs;
  }

  /** @internal One tensor per entry of `slots`, from a tensor, a list or a name-keyed object. */
  #toList(op: string, x: TensorsArg, slots: readonly unknown[], names: string[], what: string): Tensor[] {
    let list: unknown[];
    if (Array.isArray(x)) {
      if (!x.every((t) => t instanceof Tensor) && slots.length === 1) {
        throw new InvalidArgumentError(`${this.name}.${op}: ${what} must be a Tensor, got an array (make it a tensor with sinew.tensor)`);
      }
      if (x.length !== slots.length) throw new InvalidArgumentError(`${this.name}.${op}: expected ${slots.length} ${what} tensor(s), got ${x.length}`);
      list = x;
    } else if (x && typeof x === 'object' && !(x instanceof Tensor)) {
      const rec = x as Record<string, unknown>;
      const extra = Object.keys(rec).filter((k) => !names.includes(k));
      if (extra.length) throw new InvalidArgumentError(`${this.name}.${op}: unknown ${what} name(s) ${extra.join(', ')} (${what}s: ${names.join(', ')})`);
      const missing = names.find((k) => rec[k] === undefined);
      if (missing !== undefined) throw new InvalidArgumentError(`${this.name}.${op}: missing ${what} '${missing}'`);
      list = names.map((k) => rec[k]);
    } else {
      if (slots.length !== 1) throw new InvalidArgumentError(`${this.name}.${op}: the model has ${slots.length} ${what}s (${names.join(', ')}): pass a list or an object keyed by name`);
      list = [x];
    }
    // Plain JS arrays are not tensors: say so rather than fail inside an op.
    const bad = list.findIndex((t) => !(t instanceof Tensor));
    if (bad >= 0) throw new InvalidArgumentError(`${this.name}.${op}: ${what} '${names[bad]}' must be a Tensor, got ${Array.isArray(list[bad]) ? 'an array (make it a tensor with sinew.tensor)' : typeof list[bad]}`);
    return list as Tensor[];
  }

  /** @internal `y` as a list in output order. */
  normalizeTargets(op: string, y: TensorsArg): Tensor[] {
    return this.#toList(op, y, this.outputs, this.outputNames, 'output');
  }

  /** @internal Runs the graph on concrete inputs (in input order); outputs in output order. */
  run(xs: readonly Tensor[], training: boolean): Tensor[] {
    return this.runForLoss(xs, training, []).map((o) => o.output);
  }

  /**
   * @internal Runs the graph; for each output `i` with `fusable[i]` set, whose
   * layer offers the logits of that activation and whose value no other layer
   * reads, returns the logits instead (so the loss can take them fused).
   */
  runForLoss(xs: readonly Tensor[], training: boolean, fusable: readonly FusableActivation[]): OutputValue[] {
    this.alive('predict');
    const g = this.#g();
    const fuse = new Map<number, FusableActivation>();
    g.outputs.forEach((t, i) => {
      const act = fusable[i];
      // An output listed twice, or read by another layer, needs its activated value.
      if (act && !g.consumed.has(t.id) && g.outputs.indexOf(t) === i && g.outputs.lastIndexOf(t) === i && t.node.outputs.length === 1) fuse.set(t.id, act);
    });
    const values = new Map<number, Tensor>();
    const logits = new Set<number>();
    const masks = new Map<number, Tensor>();
    g.inputs.forEach((s, i) => values.set(s.id, xs[i]!));
    const done = new Set<Node>();
    for (const node of g.nodes) {
      if (done.has(node)) continue;
      const ins = node.inputs.map((s) => values.get(s.id)!);
      const act = fuse.get(node.outputs[0]!.id);
      // Masks (from an embedding with maskZero) follow single-input calls; merges drop them.
      const mask = node.singleInput ? masks.get(node.inputs[0]!.id) ?? null : null;
      // A layer whose output only a pooling layer reads (conv then pool) may
      // run both in one call: its output is then never materialised.
      const pool = g.pooledBy.get(node);
      const pooled = pool && !mask ? node.layer.callThenPool(ins[0]!, pool.layer.pooling()!, training) : null;
      if (pool && pooled) {
        values.set(pool.outputs[0]!.id, pooled);
        done.add(pool);
        continue;
      }
      const z = act && node.singleInput ? node.layer.callLogits(ins[0]!, act, training) : null;
      let single: boolean;
      if (z) {
        values.set(node.outputs[0]!.id, z);
        logits.add(node.outputs[0]!.id);
        single = true;
      } else {
        const out: Tensor | Tensor[] = node.singleInput ? node.layer.apply(ins[0]!, training, mask) : node.layer.apply(ins, training);
        const outs = Array.isArray(out) ? out : [out];
        if (outs.length !== node.outputs.length) {
          throw new ShapeError(`${this.name}: layer '${node.layer.name}' returned ${outs.length} tensors where its graph node has ${node.outputs.length}`);
        }
        outs.forEach((t, i) => values.set(node.outputs[i]!.id, t));
        single = outs.length === 1;
      }
      // A fused output keeps its mask too: the loss and metrics leave padded steps out.
      const outMask = node.singleInput && single ? node.layer.computeMask(ins[0]!, mask) : null;
      if (outMask) masks.set(node.outputs[0]!.id, outMask);
    }
    return g.outputs.map((s) => ({ output: values.get(s.id)!, logits: logits.has(s.id) ? fuse.get(s.id)! : null, mask: masks.get(s.id) ?? null }));
  }

  /** As a layer inside another model (or called directly on tensors). */
  override call(x: Tensor | Tensor[], training: boolean): Tensor | Tensor[] {
    const outs = this.run(this.normalizeInputs('apply', x), training);
    return this.#singleOutput ? outs[0]! : outs;
  }

  /**
   * Sets the optimizer, the loss(es) and metrics for `fit` and `evaluate`:
   * one loss for every output or one per output (a list, or an object keyed
   * by output name), `lossWeights` for their sum, metrics for every output
   * or per output. A failed compile leaves the previous one (and its optimizer state) intact.
   */
  compile(args: CompileArgs): void {
    this.alive('compile');
    const compiled = resolveCompile(args, this.outputNames);
    if (this.compiled && this.compiled.optimizer !== compiled.optimizer) this.compiled.optimizer.dispose();
    this.compiled = compiled;
  }

  /**
   * Trains for `epochs` over `(x, y)` — each a tensor, a list (in input /
   * output order) or an object keyed by input / output name — and resolves to
   * the History of epoch logs (`loss`, and with several outputs
   * `<output>_loss`, `<output>_<metric>`).
   */
  fit(x: TensorsArg, y: TensorsArg, args: FitArgs = {}): Promise<History> {
    try {
      this.alive('fit');
    } catch (e) {
      return Promise.reject(e);
    }
    return fit(this, x, y, args);
  }

  /**
   * Trains from a `sinew.data` dataset of batches (`{ xs, ys }` or `[xs, ys]`
   * elements), pulling one batch per step: data larger than memory streams
   * through (TF.js `fitDataset`).
   */
  fitDataset(dataset: Dataset<unknown>, args: FitDatasetArgs = {}): Promise<History> {
    try {
      this.alive('fitDataset');
    } catch (e) {
      return Promise.reject(e);
    }
    return fitDataset(this, dataset, args);
  }

  /** Loss and metrics over a dataset of batches, returned as `evaluate` returns them (TF.js `evaluateDataset`). */
  async evaluateDataset(dataset: Dataset<unknown>, args: EvaluateDatasetArgs = {}): Promise<Tensor | Tensor[]> {
    this.alive('evaluateDataset');
    checkOptions(`${this.name}.evaluateDataset`, args, ['batches'], { verbose: [0] });
    if (args.batches !== undefined && !(Number.isInteger(args.batches) && args.batches >= 1)) {
      throw new InvalidArgumentError(`${this.name}.evaluateDataset: batches must be a positive integer, got ${String(args.batches)}`);
    }
    const values = Object.values(await evaluateDatasetLogs(this, dataset, args.batches)).map((v) => tensor(v));
    return values.length === 1 ? values[0]! : values;
  }

  /**
   * Loss and metrics over `(x, y)` as TF.js returns them: a scalar tensor
   * (the loss) when there is nothing else to report, else a list of scalars
   * in the order of `evaluateLogs`'s keys (`loss` first). Dispose them when
   * done. For plain numbers by name use `evaluateLogs`.
   */
  evaluate(x: TensorsArg, y: TensorsArg, args: EvaluateArgs = {}): Tensor | Tensor[] {
    const values = Object.values(this.evaluateLogs(x, y, args)).map((v) => tensor(v));
    return values.length === 1 ? values[0]! : values;
  }

  /** Loss and metrics over `(x, y)` as numbers by name, e.g. `{ loss: 0.31, acc: 0.89 }` (the keys of `fit`'s logs). */
  evaluateLogs(x: TensorsArg, y: TensorsArg, args: EvaluateArgs = {}): Record<string, number> {
    this.alive('evaluate');
    checkOptions(`${this.name}.evaluate`, args, ['batchSize'], { verbose: [0] });
    return evaluateBatches(this, x, y, args.batchSize ?? 256);
  }

  /**
   * Outputs for `x` (one tensor, a list in input order, or an object keyed by
   * input name), computed in batches: one tensor for a single-output model, a
   * list otherwise.
   */
  predict(x: TensorsArg, args: PredictArgs = {}): Tensor | Tensor[] {
    this.alive('predict');
    checkOptions(`${this.name}.predict`, args, ['batchSize'], { verbose: [0] });
    const batchSize = args.batchSize ?? 256;
    checkBatchSize(this, 'predict', batchSize);
    const xs = this.normalizeInputs('predict', x);
    const n = xs[0]!.shape[0]!;
    let outs: Tensor[];
    if (n <= batchSize) outs = tidy(() => this.run(xs, false));
    else {
      // Each batch's intermediates are freed before the next batch runs: peak
      // memory is one batch's activations plus the outputs.
      const parts: Tensor[][] = this.outputs.map(() => []);
      try {
        for (let s = 0; s < n; s += batchSize) {
          const count = Math.min(batchSize, n - s);
          tidy(() => this.run(xs.map((t) => sliceRows(t, s, count)), false)).forEach((t, i) => parts[i]!.push(t));
        }
        outs = parts.map((p) => concat(p, 0));
      } finally {
        for (const t of parts.flat()) t.dispose();
      }
    }
    return this.#singleOutput ? outs[0]! : outs;
  }

  /** The layer table with each layer's inputs, printed or returned. */
  summary(print: ((line: string) => void) | null = console.log): string {
    const text = formatSummary(this, this.showsConnections);
    if (print) print(text);
    return text;
  }

  /**
   * Keras-format config: every layer with its `inbound_nodes` (per call, the
   * `[layer, node, tensor, kwargs]` it reads), and the input and output tensors.
   * A nested model's entry carries this same config.
   */
  override getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      trainable: this.trainable,
      layers: this.layers.map((l) => ({
        name: l.name,
        class_name: l.className,
        config: l.getConfig(),
        inbound_nodes: l instanceof InputLayer ? [] : this.nodesOf(l).map((n) => n.inputs.map((t) => [...this.tensorKey(t), {}])),
      })),
      input_layers: this.inputs.map((t) => this.tensorKey(t)),
      output_layers: this.outputs.map((t) => this.tensorKey(t)),
    };
  }

  /**
   * Saves in the TensorFlow.js layers format (model.json with the layer
   * graph + weights.bin): a directory path or `file://` URL in Node,
   * `indexeddb://name` or `downloads://name` in browsers, or an IOHandler.
   * Load it back with `loadLayersModel`.
   */
  save(destination: Parameters<typeof saveModel>[1]): ReturnType<typeof saveModel> {
    try {
      this.alive('save');
    } catch (e) {
      return Promise.reject(e);
    }
    return saveModel(this, destination);
  }

  /** Keras-format topology (`modelTopology` of model.json). */
  toJSON(): Record<string, unknown> {
    return { class_name: this.className, config: this.getConfig(), keras_version: 'sinew', backend: 'sinew' };
  }

  /** Frees all weights and optimizer state. */
  override dispose(): void {
    if (this.isTraining) throw new InvalidArgumentError(`${this.name}.dispose: the model is training; stop it (model.stopTraining = true) and await fit first`);
    for (const l of this.layers) l.dispose();
    this.compiled?.optimizer.dispose();
    this.compiled = null;
    this.#disposed = true;
  }

  /** True after `dispose()`. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Refuses use after `dispose()`: the layers would silently rebuild with fresh random weights. */
  private alive(op: string): void {
    if (this.#disposed) throw new DisposedError(`${this.name}.${op}: the model was disposed`);
  }
}

/** A functional model from symbolic inputs and outputs: `model({ inputs, outputs })`. */
export function model(args: ModelArgs): LayersModel {
  return new LayersModel(args);
}
