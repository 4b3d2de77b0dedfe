/**
 * `Sequential`: a stack of layers with the Keras workflow — `add`, `compile`,
 * `fit`, `evaluate`, `predict`, `summary`, `getWeights`/`setWeights`,
 * `save`/`loadSequential`. It is the one-chain case of a functional model:
 * each `add` applies the layer to the chain's output and redefines the graph,
 * so training, prediction and saving are `LayersModel`'s.
 */
import { InvalidArgumentError } from '../errors.js';
import { InputLayer } from '../layers/input-layer.js';
import { Layer, type SymbolicShape } from '../layers/layer.js';
import type { Tensor } from '../tensor.js';
import { LayersModel, type PredictArgs } from './functional.js';
import { checkOptions, optionsArg } from '../options.js';

export type { CompileArgs } from './compile.js';

export interface SequentialArgs {
  name?: string;
  layers?: Layer[];
}

export class Sequential extends LayersModel {
  static override readonly className: string = 'Sequential';
  protected override readonly showsConnections = false;

  constructor(args: SequentialArgs = {}) {
    super(optionsArg('new Sequential', args).name === undefined ? {} : { name: args.name });
    checkOptions(this.name, args, ['name', 'layers']);
    for (const l of args.layers ?? []) this.add(l);
  }

  /**
   * Appends a layer. The first layer needs `inputShape` (or is an
   * `inputLayer`); later ones are built right away.
   */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new InvalidArgumentError(`${this.name}.add: expected a Layer, got ${typeof layer}`);
    if (layer instanceof InputLayer) {
      if (this.hasGraph) throw new InvalidArgumentError(`${this.name}.add: an InputLayer can only be the first layer`);
      this.setGraph([layer.output], [layer.output]);
      return;
    }
    let from;
    if (!this.hasGraph) {
      const shape = layer.batchInputShape ?? (layer instanceof LayersModel && layer.inputs.length === 1 ? layer.inputs[0]!.shape : undefined);
      if (!shape) throw new InvalidArgumentError(`${this.name}: the first layer needs an inputShape (e.g. dense({ units: 10, inputShape: [784] }))`);
      // As TF.js: the chain starts at an InputLayer named after the first layer (not listed in `layers`).
      from = new InputLayer({ batchShape: shape, name: `${layer.name}_input` }).output;
    } else {
      from = this.outputs[0]!;
    }
    const out = layer.apply(from);
    if (Array.isArray(out)) throw new InvalidArgumentError(`${this.name}.add: layer '${layer.name}' has ${out.length} outputs; a Sequential layer must have one`);
    this.setGraph([this.hasGraph ? this.inputs[0]! : from], [out]);
  }

  /** The layers in order (without the InputLayer the chain starts from, as Keras and TF.js list them). */
  override get layers(): readonly Layer[] {
    return super.layers.filter((l) => !(l instanceof InputLayer));
  }

  /** Input shape with the batch dimension (`null`). */
  override get inputShape(): SymbolicShape {
    if (!this.layers.length) throw new InvalidArgumentError(`${this.name} has no layers`);
    return this.inputs[0]!.shape;
  }

  override get outputShape(): SymbolicShape {
    if (!this.layers.length) throw new InvalidArgumentError(`${this.name} has no layers`);
    return this.outputs[0]!.shape;
  }

  /** Outputs for `x`, computed in batches. */
  override predict(x: Tensor, args: PredictArgs = {}): Tensor {
    return super.predict(x, args) as Tensor;
  }

  override getConfig(): Record<string, unknown> {
    const layers = this.layers.map((l) => ({ class_name: l.className, config: l.getConfig() }));
    if (!layers.length) return { name: this.name, layers };
    // The input shape travels in an explicit leading InputLayer entry, as Keras 2 writes it (TF.js,
    // Keras 3 and tensorflowjs_converter read it); Keras 3 would take a first layer's
    // batch_input_shape for its input_shape, batch dimension included.
    delete layers[0]!.config.batch_input_shape;
    const input = super.layers.find((l) => l instanceof InputLayer)!;
    return { name: this.name, layers: [{ class_name: 'InputLayer', config: input.getConfig() }, ...layers] };
  }

  /** Keras-format topology (`modelTopology` of model.json). */
  override toJSON(): Record<string, unknown> {
    return { class_name: 'Sequential', config: this.getConfig(), keras_version: 'sinew', backend: 'sinew' };
  }
}

/** A model from a list of layers: `sequential({ layers: [...] })`. */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(optionsArg('sequential', args));
}
