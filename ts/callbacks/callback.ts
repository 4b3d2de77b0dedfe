/**
 * Training callbacks, Keras / TF.js style. Every hook may be async; `fit`
 * awaits it. `model.stopTraining = true` ends training after the epoch.
 */
import type { LayersModel } from '../models/functional.js';

/** Loss and metric values by key (`loss`, `acc`, `val_loss`, ...). */
export type Logs = Record<string, number>;

export abstract class Callback {
  /** The model being trained (a Sequential or a functional model). */
  model: LayersModel | null = null;
  setModel(model: LayersModel): void {
    this.model = model;
  }
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
}

/** Plain functions as callbacks: `{ onEpochEnd: (epoch, logs) => ... }`. */
export interface CallbackHandlers {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
}

export class CustomCallback extends Callback {
  readonly #h: CallbackHandlers;
  constructor(handlers: CallbackHandlers) {
    super();
    this.#h = handlers;
  }
  override onTrainBegin(logs?: Logs) { return this.#h.onTrainBegin?.(logs); }
  override onTrainEnd(logs?: Logs) { return this.#h.onTrainEnd?.(logs); }
  override onEpochBegin(epoch: number, logs?: Logs) { return this.#h.onEpochBegin?.(epoch, logs); }
  override onEpochEnd(epoch: number, logs?: Logs) { return this.#h.onEpochEnd?.(epoch, logs); }
  override onBatchBegin(batch: number, logs?: Logs) { return this.#h.onBatchBegin?.(batch, logs); }
  override onBatchEnd(batch: number, logs?: Logs) { return this.#h.onBatchEnd?.(batch, logs); }
}

/** What `fit` returns: the logs of every epoch. */
export class History extends Callback {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

/** Is `a` better than `b` for the monitored quantity? */
export function improves(monitor: string, mode: 'auto' | 'min' | 'max', a: number, b: number, minDelta = 0): boolean {
  const maximize = mode === 'max' || (mode === 'auto' && /acc|auc|precision|recall/i.test(monitor));
  return maximize ? a > b + minDelta : a < b - minDelta;
}
