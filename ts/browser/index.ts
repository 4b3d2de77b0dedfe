/**
 * `sinew-nn/browser`: the asynchronous API for a page's main thread. The engine
 * runs in a Worker; inside Workers (and in Node) use the main `sinew` entry.
 */
export { createEngine, RemoteEngine } from './remote.js';
export type { RemoteTensor } from './remote.js';
export type { BackendInfo, BuildName, InitOptions } from '../engine/backend.js';
export * from '../errors.js';
