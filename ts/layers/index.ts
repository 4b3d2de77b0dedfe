/**
 * Layers, and TF.js-style factories: `layers.dense({ units: 10, activation: 'relu' })`.
 */
import { Activation, Dense, Dropout, Flatten, Reshape, type ActivationArgs, type DenseArgs, type DropoutArgs, type ReshapeArgs } from './core.js';
import { Conv2D, type Conv2DArgs } from './convolutional.js';
import type { LayerArgs } from './layer.js';
import { BatchNormalization, type BatchNormalizationArgs } from './normalization.js';
import { AveragePooling2D, MaxPooling2D, type Pooling2DArgs } from './pooling.js';
import { InputLayer, type InputArgs } from './input-layer.js';
import { Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, type ConcatenateArgs, type DotArgs } from './merge.js';

export { Layer, type LayerArgs, type SymbolicShape } from './layer.js';
export { Dense, Activation, Flatten, Reshape, Dropout, Conv2D, MaxPooling2D, AveragePooling2D, BatchNormalization };
export type { DenseArgs, ActivationArgs, ReshapeArgs, DropoutArgs, Conv2DArgs, Pooling2DArgs, BatchNormalizationArgs };
export { registerLayer } from './registry.js';
export type { LayerActivation } from './activations.js';
export { InputLayer, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot };
export type { InputArgs, ConcatenateArgs, DotArgs };
export { SymbolicTensor } from './symbolic.js';

export const dense = (args: DenseArgs) => new Dense(args);
export const activation = (args: ActivationArgs) => new Activation(args);
export const flatten = (args: LayerArgs = {}) => new Flatten(args);
export const reshape = (args: ReshapeArgs) => new Reshape(args);
export const dropout = (args: DropoutArgs) => new Dropout(args);
export const conv2d = (args: Conv2DArgs) => new Conv2D(args);
export const maxPooling2d = (args: Pooling2DArgs = {}) => new MaxPooling2D(args);
export const averagePooling2d = (args: Pooling2DArgs = {}) => new AveragePooling2D(args);
export const batchNormalization = (args: BatchNormalizationArgs = {}) => new BatchNormalization(args);
export const inputLayer = (args: InputArgs) => new InputLayer(args);
// Merge layers: apply them to a list, e.g. `layers.add().apply([a, b])`.
export const add = (args: LayerArgs = {}) => new Add(args);
export const subtract = (args: LayerArgs = {}) => new Subtract(args);
export const multiply = (args: LayerArgs = {}) => new Multiply(args);
export const average = (args: LayerArgs = {}) => new Average(args);
export const maximum = (args: LayerArgs = {}) => new Maximum(args);
export const minimum = (args: LayerArgs = {}) => new Minimum(args);
export const concatenate = (args: ConcatenateArgs = {}) => new Concatenate(args);
export const dot = (args: DotArgs) => new Dot(args);
