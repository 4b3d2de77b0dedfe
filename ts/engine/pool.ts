/**
 * Starts the kernels' thread pool on JavaScript workers: Node `worker_threads`
 * or browser Web Workers, each instantiating the same module over the same
 * shared memory (see crates/wasm/src/pool.rs). A pool of N threads is the
 * engine's own thread plus N-1 workers (the engine's thread takes part in
 * every parallel kernel). Resolves once every worker is running.
 *
 * In Node the workers' parent is a supervisor thread (pool-supervisor.ts)
 * that raises the pool's "a worker died" flag when one of them ends, so a
 * kernel never waits forever for a dead worker: `poolDeath()` says why.
 */
import { UnsupportedError } from '../errors.js';
import { environment } from './detect.js';
import type { BuildName } from './builds.js';
import type { Glue } from './glue.js';
import * as node from './node.js';
import type { SupervisorInit, SupervisorMessage, TerminateRequest } from './pool-supervisor.js';

export interface PoolWorkerInit {
  build: BuildName;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
}

/** Messages a pool worker sends back while starting. */
export type PoolWorkerMessage = { type: 'ready' } | { type: 'error'; message: string };

/**
 * Node resolves the supervisor from a URL built at run time. Kept out of the
 * literal `new URL('…', import.meta.url)` form on purpose: bundlers treat that
 * form as an asset to copy, and this path never runs in a browser.
 */
const NODE_POOL_SUPERVISOR = './pool-supervisor.js';

type NodeWorker = InstanceType<Awaited<ReturnType<typeof node.workerThreads>>['Worker']>;

/** The Node pool's supervisor, and why a pool worker died (null while all live). */
let supervisor: { worker: NodeWorker; death: string | null } | null = null;

/** Why a pool worker died, once the supervisor said so (Node); null otherwise. */
export function poolDeath(): string | null {
  return supervisor?.death ?? null;
}

/**
 * @internal Fault injection for tests: the supervisor terminates pool worker
 * `index` after `afterMs` (its own timer, so it happens while the engine's
 * thread is busy in a kernel). Node only.
 */
export function terminatePoolWorker(index: number, afterMs = 0): void {
  if (!supervisor) throw new UnsupportedError('terminatePoolWorker: no Node thread pool is running');
  supervisor.worker.postMessage({ type: 'terminate', index, afterMs } satisfies TerminateRequest);
}

/** Starts `count` pool workers under a supervisor thread; resolves to how many started. */
async function startNodeWorkers(init: PoolWorkerInit, count: number, brokenFlag: number): Promise<{ ok: number; failure?: string }> {
  const { Worker: NodeWorker } = await node.workerThreads();
  // No Node options: the supervisor and the pool workers only load plain ESM,
  // V8 flags (e.g. --experimental-wasm-*) are process-wide anyway, and
  // inheriting the parent's would fail on per-process options (--expose-gc, --input-type).
  const w = new NodeWorker(new URL(NODE_POOL_SUPERVISOR, import.meta.url), { workerData: { pool: init, count, brokenFlag } satisfies SupervisorInit, name: 'sinew-pool-supervisor', execArgv: [] });
  const s = { worker: w, death: null as string | null };
  const started = await new Promise<{ ok: number; failure?: string }>((resolve, reject) => {
    w.on('message', (m: SupervisorMessage) => {
      if (m.type === 'started') resolve(m);
      else s.death ??= m.reason;
    });
    w.once('error', (e) => reject(new UnsupportedError(`thread pool supervisor failed: ${e.message}`)));
  });
  // The supervisor's own end leaves no one watching the workers: count it as a death.
  w.once('exit', (code) => void (s.death ??= `the thread-pool supervisor stopped (exit code ${code})`));
  supervisor = s;
  // The supervisor and the workers stay up for the process's life; they must not keep Node alive.
  w.unref();
  return started;
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
  let ok: number, why: string | undefined;
  if (environment() === 'node') {
    ({ ok, failure: why } = await startNodeWorkers(init, threads - 1, glue.pool_broken_flag()));
  } else {
    const started = await Promise.allSettled(Array.from({ length: threads - 1 }, (_, i) => startWebWorker(init, i)));
    ok = started.filter((r) => r.status === 'fulfilled').length;
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    why = failed && ((failed.reason as Error)?.message ?? String(failed.reason));
  }
  const size = 1 + ok;
  // The pool takes the workers that did start (each waits in its loop for it).
  glue.pool_init(size);
  if (size === threads) return { size };
  const failure = `${threads - size} of ${threads - 1} pool workers did not start (${why}): running on ${size} thread(s)`;
  console.warn(`sinew: ${failure}`);
  return { size, failure };
}
