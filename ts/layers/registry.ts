/**
 * Layer classes by Keras `class_name`, so saved models can be rebuilt.
 * Custom layers register themselves with `registerLayer`.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Layer } from './layer.js';

/** A layer class constructible from its parsed config. */
export interface LayerClass {
  readonly className: string;
  /** Builds the layer from camelCase constructor arguments. */
  new (args: never): Layer;
}

const classes = new Map<string, LayerClass>();

export function registerLayer(cls: LayerClass): void {
  classes.set(cls.className, cls);
}

export function layerClass(className: string): LayerClass {
  const cls = classes.get(className);
  if (!cls) {
    throw new InvalidArgumentError(`unknown layer class '${className}' (known: ${[...classes.keys()].sort().join(', ')}; register custom layers with registerLayer)`);
  }
  return cls;
}
