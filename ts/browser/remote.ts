/**
 * The page-facing, asynchronous engine for browsers. The engine runs in a
 * dedicated Worker (threads+SIMD when the page is cross-origin isolated,
 * SIMD otherwise), so the page's main thread never blocks.
 *
 *     import { createEngine } from 'sinew-nn/browser';
 *     const engine = await createEngine();
 *     const c = await engine.matmul(await engine.tensor([[1, 2]]), await engine.tensor([[3], [4]]));
 *     console.log(await engine.data(c), engine.info.build, engine.info.threads);
 */
import type { BackendInfo, InitOptions } from '../engine/backend.js';
import { DisposedError, EngineCrashedError, typedError } from '../errors.js';
import type { TensorLike } from '../ops/index.js';
import { webLocks, type Hello, type Holding, type RemoteTensor, type Request, type Response } from './protocol.js';

export type { RemoteTensor } from './protocol.js';

/** The engine Worker's script could not be loaded (as opposed to failing while it ran). */
class WorkerScriptError extends Error {
  override name = 'WorkerScriptError';
}

export class RemoteEngine {
  #worker: Worker;
  #next = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Why the engine Worker can no longer answer (set once), or null. */
  #dead: Error | null = null;
  /** Build and threads the engine Worker runs. */
  readonly info: BackendInfo;

  private constructor(worker: Worker, info: BackendInfo, ended: Promise<void> | null) {
    this.#worker = worker;
    this.info = info;
    // A Worker that ends without an error event (closed, terminated or
    // killed by the browser, out of memory) would leave calls waiting forever.
    void ended?.then(() => this.#fail(new EngineCrashedError(`the engine Worker stopped without an error (it closed, or the browser ended it, e.g. out of memory); start a new engine with createEngine()`)));
    worker.onmessage = (ev: MessageEvent<Response>) => this.#settle(ev.data);
    // An uncaught error in the Worker (e.g. in code a `run` module scheduled)
    // may leave requests unanswered forever: fail them, and every later call.
    worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault?.();
      this.#fail(new EngineCrashedError(`the engine Worker failed: ${ev.message || 'unknown error'}; start a new engine with createEngine()`));
    };
    worker.onmessageerror = () => this.#fail(new EngineCrashedError('the engine Worker sent a message that could not be read'));
  }

  #fail(e: Error): void {
    if (!this.#dead) this.#dead = e;
    this.#worker.terminate();
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }

  /**
   * Starts the engine Worker and loads the best build it supports. The Worker
   * script is engine-worker.js beside this module (bundlers that follow
   * `new Worker(new URL(…, import.meta.url))`, as Vite does, emit it); when it
   * does not load and `wasmPaths` points into a copy of the package's `dist/`
   * (`<copy>/wasm/`), the copy's `browser/engine-worker.js` is used instead.
   */
  static async create(options: InitOptions = {}): Promise<RemoteEngine> {
    // wasmPaths is resolved against the page (the Worker's own URL is elsewhere), and sent as a string (URLs do not clone).
    const wasmPaths = options.wasmPaths === undefined ? undefined : new URL(String(options.wasmPaths), location.href).href;
    const hello: Hello = { init: { ...options, ...(wasmPaths ? { wasmPaths } : {}) }, lifeLock: lifeLockName() };
    const bundled = `engine-worker.js beside ${import.meta.url}`;
    try {
      return await RemoteEngine.#start(new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module', name: 'sinew-engine' }), hello, bundled);
    } catch (e) {
      if (!(e instanceof WorkerScriptError) || wasmPaths === undefined) throw e;
      const copy = new URL('../browser/engine-worker.js', wasmPaths.replace(/\/?$/, '/')).href;
      return RemoteEngine.#start(new Worker(copy, { type: 'module', name: 'sinew-engine' }), hello, `${copy} (after ${bundled} did not load)`);
    }
  }

  static async #start(worker: Worker, hello: Hello, script: string): Promise<RemoteEngine> {
    let ended: Promise<void> | null = null;
    const info = await new Promise<BackendInfo>((resolve, reject) => {
      worker.onmessage = (ev: MessageEvent<Response | Holding>) => {
        const m = ev.data;
        if ('holding' in m) {
          // The Worker holds its life lock: asking for it resolves when the Worker ends.
          ended = new Promise<void>((done) => void webLocks()?.request(m.holding, () => done()));
          void ended.then(() => reject(new EngineCrashedError('sinew engine worker stopped while starting, without an error (it closed, or the browser ended it, e.g. out of memory)')));
          return;
        }
        if (m.ok) resolve(m.value as BackendInfo);
        else reject(typedError(m.error));
      };
      worker.onerror = (ev) => {
        ev.preventDefault?.();
        // A script that did not load gives an event without a message.
        reject(ev.message ? new Error(`sinew engine worker failed to start: ${ev.message}`) : new WorkerScriptError(`sinew engine worker failed to start: the script ${script} did not load; with a bundler that does not emit it (esbuild), copy sinew-nn's dist/ beside your page and pass createEngine({ wasmPaths: '<that copy>/wasm/' })`));
      };
      worker.postMessage(hello);
    }).catch((e: unknown) => {
      worker.terminate();
      throw e;
    });
    return new RemoteEngine(worker, info, ended);
  }

  #settle(r: Response): void {
    const p = this.#pending.get(r.id);
    if (!p) return;
    this.#pending.delete(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(typedError(r.error));
  }

  #call<T>(method: string, ...args: unknown[]): Promise<T> {
    const id = this.#next++;
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ id, method, args } satisfies Request);
    });
  }

  tensor(values: TensorLike, shape?: readonly number[]): Promise<RemoteTensor> {
    return this.#call('tensor', values, shape);
  }
  matmul(a: RemoteTensor, b: RemoteTensor): Promise<RemoteTensor> {
    return this.#call('matmul', a, b);
  }
  add(a: RemoteTensor, b: RemoteTensor): Promise<RemoteTensor> {
    return this.#call('add', a, b);
  }
  /** Copies a tensor's values to the page. */
  data(t: RemoteTensor): Promise<Float32Array> {
    return this.#call('data', t);
  }
  dispose(t: RemoteTensor): Promise<void> {
    return this.#call('dispose', t);
  }
  setNumThreads(n: number): Promise<void> {
    return this.#call('setNumThreads', n);
  }
  backendInfo(): Promise<BackendInfo> {
    return this.#call('backendInfo');
  }
  memory(): Promise<{ numTensors: number; numBytes: number; wasmBytes: number }> {
    return this.#call('memory');
  }
  /**
   * Runs your own code next to the engine: imports the ES module at `url` in
   * the engine Worker and calls its export `name(sinew, ...args)` with the
   * synchronous `sinew` API. Arguments and result must be structured-cloneable.
   * Use it for whole training loops or benchmarks that should not pay one
   * message per op.
   */
  run<T = unknown>(url: string | URL, name: string, ...args: unknown[]): Promise<T> {
    return this.#call('run', new URL(url, (globalThis as { location?: { href: string } }).location?.href).href, name, args);
  }
  /** Stops the engine Worker (and its thread pool). */
  terminate(): void {
    this.#fail(new DisposedError('the sinew engine was terminated'));
  }
}

/** A lock name no other engine (in any tab of the origin) uses. */
function lifeLockName(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return `sinew-engine-${c?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`}`;
}

/** Starts an engine in a Worker; see `RemoteEngine`. */
export function createEngine(options: InitOptions = {}): Promise<RemoteEngine> {
  return RemoteEngine.create(options);
}
