/**
 * Sinew: neural networks for JavaScript and TypeScript on a Rust/WebAssembly core.
 *
 *     import * as sinew from 'sinew';
 *     await sinew.init();                       // picks threads+SIMD, SIMD or baseline
 *     const c = sinew.matmul(sinew.tensor([[1, 2]]), sinew.tensor([[3], [4]]));
 *     console.log(c.dataSync());                // Float32Array [ 11 ]
 */
export { init, backendInfo, setNumThreads, isInitialized, probeThreadPool } from './engine/backend.js';
export type { BackendInfo, BuildName, InitOptions } from './engine/backend.js';
export { Tensor } from './tensor.js';
export { Variable, variable, trainableVariables } from './variable.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './autograd.js';
export { tidy, keep } from './engine/scope.js';
export type { TensorContainer } from './engine/scope.js';
export type { DType, Shape, NestedArray } from './tensor.js';
export * from './ops/index.js';
export * from './errors.js';
