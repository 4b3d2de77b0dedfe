/** Messages between a page and its engine Worker (see remote.ts, engine-worker.ts). */
import type { InitOptions } from '../engine/backend.js';

/** A tensor living in the engine Worker, as the page sees it. */
export interface RemoteTensor {
  readonly id: number;
  readonly shape: readonly number[];
}

export interface Request {
  id: number;
  method: string;
  args: unknown[];
}

export type Response =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };

/** First message to the worker. */
export interface Hello {
  init: InitOptions;
}
