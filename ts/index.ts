/**
 * Sinew: neural networks for JavaScript and TypeScript on a Rust/WebAssembly core.
 *
 *     import * as sinew from 'sinew-nn';
 *     await sinew.init();                       // picks threads+SIMD, SIMD or baseline
 *     const c = sinew.matmul(sinew.tensor([[1, 2]]), sinew.tensor([[3], [4]]));
 *     console.log(c.dataSync());                // Float32Array [ 11 ]
 */
export { init, ready, backendInfo, setNumThreads, isInitialized, probeThreadPool, threadPoolStats } from './engine/backend.js';
export type { BackendInfo, BuildName, InitOptions, PoolStats, PoolThreadStats } from './engine/backend.js';
export { Tensor } from './tensor.js';
// Installs the chainable tensor methods. This module and methods.js are the
// package's only "sideEffects": Rollup/Vite follow a side-effect import only
// from a module that has side effects itself.
import './ops/methods.js';
export { Variable, variable, trainableVariables } from './variable.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './autograd.js';
export { tidy, keep, dispose } from './engine/scope.js';
export type { TensorContainer } from './engine/scope.js';
export type { DType, Shape, NestedArray } from './tensor.js';
export * from './ops/index.js';
export { nextFrame } from './util.js';
export * as util from './util.js';
export * as browser from './pixels.js';
export type { PixelData, CanvasLike } from './pixels.js';
export * from './errors.js';
export * as data from './data/index.js';
export * as text from './text/index.js';
export * as io from './io/index.js';
export * as layers from './layers/index.js';
export { Layer, registerLayer } from './layers/index.js';
export type { LayerArgs, SymbolicShape, LayerActivation } from './layers/index.js';
export { Sequential, sequential } from './models/sequential.js';
export { LayersModel, model } from './models/functional.js';
export type { ModelArgs, TensorsArg, EvaluateArgs, PredictArgs } from './models/functional.js';
export { input, InputLayer } from './layers/input-layer.js';
export type { InputArgs } from './layers/input-layer.js';
export { SymbolicTensor } from './layers/symbolic.js';
export type { CompileArgs, SequentialArgs } from './models/sequential.js';
export type { FitArgs } from './models/fit.js';
export type { FitDatasetArgs, EvaluateDatasetArgs } from './models/fit-dataset.js';
export { loadSequential, loadLayersModel, modelFromTopology } from './models/serialization.js';
export * as callbacks from './callbacks/index.js';
export { Callback, History, EarlyStopping, ModelCheckpoint, TerminateOnNaN, ReduceLROnPlateau } from './callbacks/index.js';
export type { Logs, CallbackHandlers } from './callbacks/index.js';
export * as losses from './losses.js';
export * as metrics from './metrics.js';
export * as initializers from './initializers.js';
export * as regularizers from './regularizers.js';
export * as optimizers from './optimizers/index.js';
export { Optimizer, SGD, Adagrad, RMSProp, Adam, AdamW, Adamax, train } from './optimizers/index.js';
export type { LearningRate, LearningRateSchedule, OptimizerArgs, NamedTensor } from './optimizers/index.js';
