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
  /**
   * A Web Lock the Worker takes before anything else and holds for its whole
   * life. Locks are released when their holder ends however it ends (closed,
   * terminated, killed by the browser), with or without an error event, so
   * the page learns of it by asking for the same lock.
   */
  lifeLock: string;
}

/** Sent by the Worker once it holds `Hello.lifeLock` (not sent where there are no Web Locks). */
export interface Holding {
  holding: string;
}

/** The Web Locks API, where the host has it (secure contexts: https, localhost). */
export function webLocks(): { request(name: string, callback: () => unknown): Promise<unknown> } | undefined {
  return (globalThis as { navigator?: { locks?: ReturnType<typeof webLocks> } }).navigator?.locks;
}
