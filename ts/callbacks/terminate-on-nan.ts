/**
 * Stops training at the first batch whose loss is NaN or infinite, as Keras'
 * `TerminateOnNaN`. `fit` never applies such a step, so the weights stay those
 * of the last good batch; without this callback `fit` throws instead.
 */
import { Callback, type Logs } from './callback.js';

export class TerminateOnNaN extends Callback {
  /** `[epoch, batch]` (0-based) where training was stopped, or null. */
  stoppedAt: [number, number] | null = null;
  #epoch = 0;

  override onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
  }

  override onBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss) && this.model) {
      this.stoppedAt = [this.#epoch, batch];
      this.model.stopTraining = true;
    }
  }
}
