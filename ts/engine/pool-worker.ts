/**
 * Body of one thread-pool worker (Node worker_threads or a browser module
 * Worker): join the shared memory, report ready, then run the pool's worker loop.
 */
import { environment } from './detect.js';
import { importGlue } from './glue.js';
import type { PoolWorkerInit, PoolWorkerMessage } from './pool.js';
import * as node from './node.js';

async function run(init: PoolWorkerInit, post: (m: PoolWorkerMessage) => void): Promise<void> {
  try {
    const glue = await importGlue(init.build);
    glue.initSync({ module: init.module, memory: init.memory });
    post({ type: 'ready' });
    glue.pool_worker_run(); // never returns while the pool lives
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

// No top-level await: bundlers build workers as classic scripts (Vite's
// default worker format is iife), where it is a syntax error.
if (environment() === 'node') {
  void node.workerThreads().then(({ workerData, parentPort }) => run(workerData as PoolWorkerInit, (m) => parentPort!.postMessage(m)));
} else {
  const scope = globalThis as unknown as {
    onmessage: ((ev: MessageEvent<PoolWorkerInit>) => void) | null;
    postMessage: (m: PoolWorkerMessage) => void;
  };
  scope.onmessage = (ev) => {
    scope.onmessage = null;
    void run(ev.data, (m) => scope.postMessage(m));
  };
}
