/**
 * Starts the kernels' thread pool on JavaScript workers: Node `worker_threads`
 * or browser Web Workers, each instantiating the same module over the same
 * shared memory (see crates/wasm/src/pool.rs). A pool of N threads is the
 * engine's own thread plus N-1 workers (the engine's thread takes part in
 * every parallel kernel). Resolves once every worker is running.
 */
import { UnsupportedError } from '../errors.js';
import { environment } from './detect.js';
import type { BuildName } from './builds.js';
import type { Glue } from './glue.js';
import * as node from './node.js';

export interface PoolWorkerInit {
  build: BuildName;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

/** Messages a pool worker sends back while starting. */
export type PoolWorkerMessage = { type: 'ready' } | { type: 'error'; message: string };

/**
 * Node resolves the pool worker from a URL built at run time. Kept out of the
 * literal `new URL('…', import.meta.url)` form on purpose: bundlers treat that
 * form as an asset to copy, and this path never runs in a browser.
 */
const NODE_POOL_WORKER = './pool-worker.js';

async function startNodeWorker(init: PoolWorkerInit): Promise<void> {
  const { Worker: NodeWorker } = await node.workerThreads();
  // Pool workers start with no Node options: they only load plain ESM, V8
  // flags (e.g. --experimental-wasm-*) are process-wide anyway, and inheriting
  // the parent's would fail on per-process options (--expose-gc, --input-type).
  const w = new NodeWorker(new URL(NODE_POOL_WORKER, import.meta.url), { workerData: init, name: 'sinew-pool', execArgv: [] });
  await new Promise<void>((resolve, reject) => {
    w.once('message', (m: PoolWorkerMessage) =>
      m.type === 'ready' ? resolve() : reject(new UnsupportedError(`thread pool worker failed: ${m.message}`)),
    );
    w.once('error', (e) => reject(new UnsupportedError(`thread pool worker failed: ${e.message}`)));
  });
  // Pool workers stay in the pool's loop forever; they must not keep Node alive.
  w.unref();
}

async function startWebWorker(init: PoolWorkerInit, index: number): Promise<void> {
  // Written literally so bundlers (Vite, webpack 5, Parcel, esbuild plugins)
  // see the worker, bundle pool-worker.js with its imports and rewrite the URL,
  // also when this code itself runs in a Worker (nested workers).
  const w = new Worker(new URL('./pool-worker.js', import.meta.url), { type: 'module', name: `sinew-pool-${index}` });
  await new Promise<void>((resolve, reject) => {
    w.onmessage = (ev: MessageEvent<PoolWorkerMessage>) =>
      ev.data.type === 'ready' ? resolve() : reject(new UnsupportedError(`thread pool worker failed: ${ev.data.message}`));
    w.onerror = (ev) => {
      ev.preventDefault?.();
      // The URL a bundler rewrote is not readable here: name the module it is relative to.
      reject(new UnsupportedError(`thread pool worker (pool-worker.js beside ${import.meta.url}) failed: ${ev.message || 'the script did not load'}`));
    };
    w.postMessage(init);
  });
}

/**
 * Starts the pool and returns its size: `threads`, or fewer when workers
 * could not start (a bundler that did not emit pool-worker.js, a blocked
 * script URL). The engine then runs on the threads it has (one at least),
 * with a warning naming why, rather than failing to load.
 */
export async function startPool(glue: Glue, build: BuildName, threads: number): Promise<{ size: number; failure?: string }> {
  const init: PoolWorkerInit = {
    build,
    module: glue.wasm_module() as WebAssembly.Module,
    memory: glue.wasm_memory() as WebAssembly.Memory,
  };
  const start = environment() === 'node' ? startNodeWorker : startWebWorker;
  const started = await Promise.allSettled(Array.from({ length: threads - 1 }, (_, i) => start(init, i)));
  const size = 1 + started.filter((r) => r.status === 'fulfilled').length;
  // The pool takes the workers that did start (each waits in its loop for it).
  glue.pool_init(size);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return { size };
  const failure = `${threads - size} of ${threads - 1} pool workers did not start (${(failed.reason as Error)?.message ?? String(failed.reason)}): running on ${size} thread(s)`;
  console.warn(`sinew: ${failure}`);
  return { size, failure };
}
