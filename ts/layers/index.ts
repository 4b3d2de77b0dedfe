/**
 * Layers, and TF.js-style factories: `layers.dense({ units: 10, activation: 'relu' })`.
 */
import { Activation, Dense, Dropout, Flatten, Reshape, type ActivationArgs, type DenseArgs, type DropoutArgs, type ReshapeArgs } from './core.js';
import { Conv2D, type Conv2DArgs } from './convolutional.js';
import type { LayerArgs } from './layer.js';
import { optionsArg } from '../options.js';
import { BatchNormalization, type BatchNormalizationArgs } from './normalization.js';
import { AveragePooling2D, MaxPooling2D, type Pooling2DArgs } from './pooling.js';
import { InputLayer, type InputArgs } from './input-layer.js';
import { Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, type ConcatenateArgs, type DotArgs } from './merge.js';
import { Embedding, type EmbeddingArgs } from './embedding.js';
import { Conv1D, type Conv1DArgs } from './convolutional1d.js';
import { AveragePooling1D, MaxPooling1D, type Pooling1DArgs } from './pooling1d.js';
import { GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D } from './global-pooling.js';
import { LayerNormalization, type LayerNormalizationArgs } from './layer-normalization.js';
import { LeakyReLU, PReLU, ReLU, Softmax, type LeakyReLUArgs, type PReLUArgs, type ReLUArgs, type SoftmaxArgs } from './advanced-activations.js';
import { Bidirectional, TimeDistributed, Wrapper, type BidirectionalArgs, type MergeMode, type WrapperArgs } from './wrappers.js';
import { GRU, LSTM, RNN, SimpleRNN, type RNNArgs } from './recurrent.js';
import { DepthwiseConv2D, SeparableConv2D, type DepthwiseConv2DArgs, type SeparableConv2DArgs } from './convolutional-depthwise.js';
import { ZeroPadding2D, type ZeroPadding2DArgs } from './padding.js';
import { UpSampling2D, type Interpolation, type UpSampling2DArgs } from './upsampling.js';

export { Layer, type LayerArgs, type SymbolicShape } from './layer.js';
export { Dense, Activation, Flatten, Reshape, Dropout, Conv2D, MaxPooling2D, AveragePooling2D, BatchNormalization };
export type { DenseArgs, ActivationArgs, ReshapeArgs, DropoutArgs, Conv2DArgs, Pooling2DArgs, BatchNormalizationArgs };
export { registerLayer } from './registry.js';
export type { LayerActivation } from './activations.js';
export { InputLayer, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot };
export type { InputArgs, ConcatenateArgs, DotArgs };
export { SymbolicTensor } from './symbolic.js';
export { Embedding, Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling2D, GlobalMaxPooling2D };
export { LayerNormalization, ReLU, LeakyReLU, Softmax, PReLU, TimeDistributed, Wrapper, RNN, SimpleRNN, LSTM, GRU, Bidirectional };
export type { RNNArgs, BidirectionalArgs, MergeMode };
export { DepthwiseConv2D, SeparableConv2D, ZeroPadding2D, UpSampling2D };
export type { DepthwiseConv2DArgs, SeparableConv2DArgs, ZeroPadding2DArgs, UpSampling2DArgs, Interpolation };
export type { EmbeddingArgs, Conv1DArgs, Pooling1DArgs, LayerNormalizationArgs, ReLUArgs, LeakyReLUArgs, SoftmaxArgs, PReLUArgs, WrapperArgs };

export const dense = (args: DenseArgs) => new Dense(optionsArg('layers.dense', args));
export const activation = (args: ActivationArgs) => new Activation(optionsArg('layers.activation', args));
export const flatten = (args: LayerArgs = {}) => new Flatten(optionsArg('layers.flatten', args));
export const reshape = (args: ReshapeArgs) => new Reshape(optionsArg('layers.reshape', args));
export const dropout = (args: DropoutArgs) => new Dropout(optionsArg('layers.dropout', args));
export const conv2d = (args: Conv2DArgs) => new Conv2D(optionsArg('layers.conv2d', args));
export const depthwiseConv2d = (args: DepthwiseConv2DArgs) => new DepthwiseConv2D(optionsArg('layers.depthwiseConv2d', args));
export const separableConv2d = (args: SeparableConv2DArgs) => new SeparableConv2D(optionsArg('layers.separableConv2d', args));
export const zeroPadding2d = (args: ZeroPadding2DArgs = {}) => new ZeroPadding2D(optionsArg('layers.zeroPadding2d', args));
export const upSampling2d = (args: UpSampling2DArgs = {}) => new UpSampling2D(optionsArg('layers.upSampling2d', args));
export const maxPooling2d = (args: Pooling2DArgs = {}) => new MaxPooling2D(optionsArg('layers.maxPooling2d', args));
export const averagePooling2d = (args: Pooling2DArgs = {}) => new AveragePooling2D(optionsArg('layers.averagePooling2d', args));
export const batchNormalization = (args: BatchNormalizationArgs = {}) => new BatchNormalization(optionsArg('layers.batchNormalization', args));
export const inputLayer = (args: InputArgs) => new InputLayer(optionsArg('layers.inputLayer', args));
// Merge layers: apply them to a list, e.g. `layers.add().apply([a, b])`.
export const add = (args: LayerArgs = {}) => new Add(optionsArg('layers.add', args));
export const subtract = (args: LayerArgs = {}) => new Subtract(optionsArg('layers.subtract', args));
export const multiply = (args: LayerArgs = {}) => new Multiply(optionsArg('layers.multiply', args));
export const average = (args: LayerArgs = {}) => new Average(optionsArg('layers.average', args));
export const maximum = (args: LayerArgs = {}) => new Maximum(optionsArg('layers.maximum', args));
export const minimum = (args: LayerArgs = {}) => new Minimum(optionsArg('layers.minimum', args));
export const concatenate = (args: ConcatenateArgs = {}) => new Concatenate(optionsArg('layers.concatenate', args));
export const dot = (args: DotArgs) => new Dot(optionsArg('layers.dot', args));
// Sequences and text.
export const embedding = (args: EmbeddingArgs) => new Embedding(optionsArg('layers.embedding', args));
export const conv1d = (args: Conv1DArgs) => new Conv1D(optionsArg('layers.conv1d', args));
export const maxPooling1d = (args: Pooling1DArgs = {}) => new MaxPooling1D(optionsArg('layers.maxPooling1d', args));
export const averagePooling1d = (args: Pooling1DArgs = {}) => new AveragePooling1D(optionsArg('layers.averagePooling1d', args));
export const globalAveragePooling1d = (args: LayerArgs = {}) => new GlobalAveragePooling1D(optionsArg('layers.globalAveragePooling1d', args));
export const globalMaxPooling1d = (args: LayerArgs = {}) => new GlobalMaxPooling1D(optionsArg('layers.globalMaxPooling1d', args));
export const globalAveragePooling2d = (args: LayerArgs = {}) => new GlobalAveragePooling2D(optionsArg('layers.globalAveragePooling2d', args));
export const globalMaxPooling2d = (args: LayerArgs = {}) => new GlobalMaxPooling2D(optionsArg('layers.globalMaxPooling2d', args));
export const timeDistributed = (args: WrapperArgs) => new TimeDistributed(optionsArg('layers.timeDistributed', args));
// Recurrent layers: one engine call per sequence, forward and backward through time.
export const simpleRNN = (args: RNNArgs) => new SimpleRNN(optionsArg('layers.simpleRNN', args));
export const lstm = (args: RNNArgs) => new LSTM(optionsArg('layers.lstm', args));
export const gru = (args: RNNArgs) => new GRU(optionsArg('layers.gru', args));
export const bidirectional = (args: BidirectionalArgs) => new Bidirectional(optionsArg('layers.bidirectional', args));
// Normalisation and activation layers.
export const layerNormalization = (args: LayerNormalizationArgs = {}) => new LayerNormalization(optionsArg('layers.layerNormalization', args));
export const reLU = (args: ReLUArgs = {}) => new ReLU(optionsArg('layers.reLU', args));
export const leakyReLU = (args: LeakyReLUArgs = {}) => new LeakyReLU(optionsArg('layers.leakyReLU', args));
export const softmax = (args: SoftmaxArgs = {}) => new Softmax(optionsArg('layers.softmax', args));
export const prelu = (args: PReLUArgs = {}) => new PReLU(optionsArg('layers.prelu', args));
