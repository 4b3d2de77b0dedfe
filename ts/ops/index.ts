export { tensor, memory, fill, zeros, ones, linspace, randomNormal, truncatedNormal, randomUniform, setSeed, clone } from './create.js';
export type { TensorLike, TypedArray } from './create.js';
export { matmul } from './linalg.js';
export * from './math.js';
export { reshape, transpose, slice, concat, gather, oneHot } from './layout.js';
export { conv2d, conv2dBackpropInput, conv2dBackpropFilter, maxPool, avgPool, maxPoolBackward, avgPoolBackward } from './conv.js';
export type { Padding } from './conv.js';
export * as fused from './fused.js';
export type { FusedActivation } from './conv.js';
