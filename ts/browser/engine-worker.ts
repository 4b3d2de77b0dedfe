/**
 * The engine Worker behind `createEngine()`: loads Sinew (threads+SIMD when
 * the page is cross-origin isolated), then serves requests from the page.
 * Kernels may block here (Atomics.wait), never on the page's main thread.
 */
import * as sinew from '../index.js';
import type { Tensor } from '../tensor.js';
import { webLocks, type Hello, type Holding, type RemoteTensor, type Request, type Response } from './protocol.js';

const scope = globalThis as unknown as {
  onmessage: ((ev: MessageEvent) => void) | null;
  postMessage: (m: unknown, transfer?: Transferable[]) => void;
};

const live = new Map<number, Tensor>();

function get(t: RemoteTensor): Tensor {
  const tensor = live.get(t.id);
  if (!tensor) throw new sinew.DisposedError(`tensor #${t.id} ${JSON.stringify(t.shape)} was disposed`);
  return tensor;
}

function expose(t: Tensor): RemoteTensor {
  live.set(t.id, t);
  return { id: t.id, shape: [...t.shape] };
}

const methods: Record<string, (...args: never[]) => unknown> = {
  backendInfo: () => sinew.backendInfo(),
  setNumThreads: (n: number) => sinew.setNumThreads(n),
  memory: () => sinew.memory(),
  tensor: (values: sinew.TensorLike, shape?: number[]) => expose(sinew.tensor(values, shape)),
  matmul: (a: RemoteTensor, b: RemoteTensor) => expose(sinew.matmul(get(a), get(b))),
  add: (a: RemoteTensor, b: RemoteTensor) => expose(sinew.add(get(a), get(b))),
  data: (a: RemoteTensor) => get(a).dataSync(),
  run: async (url: string, name: string, args: unknown[]) => {
    const mod = (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
    const fn = mod[name];
    if (typeof fn !== 'function') throw new sinew.InvalidArgumentError(`run: ${url} has no exported function '${name}'`);
    return (fn as (s: typeof sinew, ...a: unknown[]) => unknown)(sinew, ...args);
  },
  dispose: (a: RemoteTensor) => {
    live.get(a.id)?.dispose();
    live.delete(a.id);
  },
};

function reply(r: Response): void {
  const v = r.ok ? r.value : undefined;
  scope.postMessage(r, v instanceof Float32Array ? [v.buffer] : []);
}

async function serve(req: Request): Promise<void> {
  try {
    const fn = methods[req.method];
    if (!fn) throw new sinew.InvalidArgumentError(`engine worker: unknown method '${req.method}'`);
    reply({ id: req.id, ok: true, value: await fn(...(req.args as never[])) });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply({ id: req.id, ok: false, error: { name: err.name, message: err.message } });
  }
}

/** Takes the page's life lock and never lets go: it is released when this Worker ends. */
async function holdLifeLock(name: string): Promise<void> {
  const locks = webLocks();
  if (!locks) return;
  await new Promise<void>((held) => void locks.request(name, () => (held(), new Promise<never>(() => {}))));
  scope.postMessage({ holding: name } satisfies Holding);
}

scope.onmessage = (ev: MessageEvent<Hello>) => {
  scope.onmessage = (ev2: MessageEvent<Request>) => void serve(ev2.data);
  holdLifeLock(ev.data.lifeLock).then(() => sinew.init(ev.data.init)).then(
    (info) => scope.postMessage({ id: 0, ok: true, value: info } satisfies Response),
    (e: Error) => scope.postMessage({ id: 0, ok: false, error: { name: e.name, message: e.message } } satisfies Response),
  );
};
