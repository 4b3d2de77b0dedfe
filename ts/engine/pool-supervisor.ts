/**
 * Node only: the parent of the thread pool's workers. The engine's thread
 * cannot watch them itself: while a kernel runs it is blocked in WASM, and a
 * worker that dies holding a task (exits, fails, is terminated) would keep it
 * waiting forever. This thread is idle, so it sees every worker's `exit` and
 * `error` at once; it then stores a non-zero word in the shared memory (the
 * pool's "a worker died" flag, see crates/wasm/src/pool.rs): the waiting
 * kernel traps and the engine reports EngineCrashedError from then on.
 */
import type { PoolWorkerInit, PoolWorkerMessage } from './pool.js';
import * as node from './node.js';

export interface SupervisorInit {
  pool: PoolWorkerInit;
  /** Workers to start. */
  count: number;
  /** Byte address of the pool's "a worker died" word (an i32) in `pool.memory`. */
  brokenFlag: number;
}

/** To the engine's thread. */
export type SupervisorMessage =
  | { type: 'started'; ok: number; failure?: string }
  | { type: 'died'; index: number; reason: string };

/** From the engine's thread: terminate worker `index` after `afterMs` (fault injection for tests). */
export interface TerminateRequest {
  type: 'terminate';
  index: number;
  afterMs: number;
}

const NODE_POOL_WORKER = './pool-worker.js';

void node.workerThreads().then(({ Worker, workerData, parentPort }) => {
  const { pool, count, brokenFlag } = workerData as SupervisorInit;
  const post = (m: SupervisorMessage) => parentPort!.postMessage(m);
  const flag = new Int32Array(pool.memory.buffer, brokenFlag, 1);
  let started = false;
  const died = (index: number, reason: string) => {
    Atomics.store(flag, 0, index + 1);
    Atomics.notify(flag, 0);
    post({ type: 'died', index, reason });
  };
  const workers = Array.from({ length: count }, (_, index) => {
    // No Node options for pool workers (see pool.ts).
    const w = new Worker(new URL(NODE_POOL_WORKER, import.meta.url), { workerData: pool, name: 'sinew-pool', execArgv: [] });
    const ready = new Promise<void>((resolve, reject) => {
      w.once('message', (m: PoolWorkerMessage) => (m.type === 'ready' ? resolve() : reject(new Error(m.message))));
      w.once('error', reject);
    });
    const x = { w, ready, watched: true };
    // After start-up every end of a watched worker is a death: pool workers never return.
    const end = (reason: string) => {
      if (started && x.watched) died(index, `thread-pool worker ${index + 1} of ${count} ${reason}`);
      x.watched = false;
    };
    w.on('error', (e: Error) => end(`failed: ${e.message}`));
    w.on('exit', (code: number) => end(`stopped (exit code ${code})`));
    return x;
  });
  void Promise.allSettled(workers.map((x) => x.ready)).then((results) => {
    // Workers that failed to start are not in the pool; only the others are watched.
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        workers[i]!.watched = false;
        void workers[i]!.w.terminate();
      }
    });
    started = true;
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    post({ type: 'started', ok, ...(failed ? { failure: `thread pool worker failed: ${(failed.reason as Error)?.message ?? String(failed.reason)}` } : {}) });
  });
  parentPort!.on('message', (m: TerminateRequest) => {
    if (m.type === 'terminate') setTimeout(() => void workers[m.index]?.w.terminate(), m.afterMs);
  });
});
