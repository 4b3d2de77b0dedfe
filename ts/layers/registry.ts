/**
 * Layer classes by Keras `class_name`, so saved models can be rebuilt.
 * Custom layers register themselves with `registerLayer`.
 *
 * The built-in classes are part of the table's initial value rather than
 * registered by a statement run on import: the package declares
 *  no side effects beyond the entry and the tensor methods (`"sideEffects"`), so a bundler may drop a module imported only for
 * its side effects (an inference-only app that loads a model and never names
 * a layer factory would then find no layer classes at all).
 */
import { InvalidArgumentError } from '../errors.js';
import { Conv2D } from './convolutional.js';
import { Activation, Dense, Dropout, Flatten, Reshape } from './core.js';
import type { Layer } from './layer.js';
import { BatchNormalization } from './normalization.js';
import { AveragePooling2D, MaxPooling2D } from './pooling.js';
import { InputLayer } from './input-layer.js';
import { Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import { Embedding } from './embedding.js';
import { Conv1D } from './convolutional1d.js';
import { AveragePooling1D, MaxPooling1D } from './pooling1d.js';
import { GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D } from './global-pooling.js';
import { LayerNormalization } from './layer-normalization.js';
import { LeakyReLU, PReLU, ReLU, Softmax } from './advanced-activations.js';
import { Bidirectional, TimeDistributed } from './wrappers.js';
import { GRU, LSTM, SimpleRNN } from './recurrent.js';
import { DepthwiseConv2D, SeparableConv2D } from './convolutional-depthwise.js';
import { ZeroPadding2D } from './padding.js';
import { UpSampling2D } from './upsampling.js';

/** A layer class constructible from its parsed config. */
export interface LayerClass {
  readonly className: string;
  /** Builds the layer from camelCase constructor arguments. */
  new (args: never): Layer;
}

const BUILT_IN: readonly LayerClass[] = [
  Dense, Activation, Flatten, Reshape, Dropout, Conv2D, MaxPooling2D, AveragePooling2D, BatchNormalization,
  InputLayer, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
  Embedding, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  LayerNormalization, ReLU, LeakyReLU, Softmax, PReLU, TimeDistributed, SimpleRNN, LSTM, GRU, Bidirectional,
  DepthwiseConv2D, SeparableConv2D, ZeroPadding2D, UpSampling2D,
];

const classes = new Map<string, LayerClass>(BUILT_IN.map((cls) => [cls.className, cls]));

export function registerLayer(cls: LayerClass): void {
  if (typeof cls !== 'function' || typeof cls.className !== 'string' || cls.className === '') {
    throw new InvalidArgumentError(`registerLayer: expected a Layer class with a static className, got ${cls === null ? 'null' : typeof cls === 'function' ? 'a class without className' : typeof cls}`);
  }
  classes.set(cls.className, cls);
}

export function layerClass(className: string): LayerClass {
  const cls = classes.get(className);
  if (!cls) {
    throw new InvalidArgumentError(`unknown layer class '${className}' (known: ${[...classes.keys()].sort().join(', ')}; register custom layers with registerLayer)`);
  }
  return cls;
}
