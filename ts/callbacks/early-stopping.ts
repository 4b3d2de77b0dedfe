/** Stops training when a monitored value stops improving. */
import { InvalidArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { Callback, improves, type Logs } from './callback.js';
import { optionsArg } from '../options.js';

export interface EarlyStoppingArgs {
  /** Key in the epoch logs, e.g. 'val_loss' (default) or 'val_acc'. */
  monitor?: string;
  /** Smallest change that counts as an improvement. */
  minDelta?: number;
  /** Number of epochs without improvement after which training stops (Keras / TF.js: stop when `patience` epochs in a row did not improve; 0 and 1 both stop at the first). */
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  /** Put back the weights of the best epoch when training stops. */
  restoreBestWeights?: boolean;
}

export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: 'auto' | 'min' | 'max';
  readonly restoreBestWeights: boolean;
  /** Epoch (0-based) at which training was stopped, or -1. */
  stoppedEpoch = -1;
  /** Epoch (0-based) with the best monitored value. */
  bestEpoch = -1;
  best = NaN;
  #wait = 0;
  #bestWeights: Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    args = optionsArg('new EarlyStopping', args);
    this.monitor = args.monitor ?? 'val_loss';
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.patience = args.patience ?? 0;
    this.mode = args.mode ?? 'auto';
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    if (!['auto', 'min', 'max'].includes(this.mode)) throw new InvalidArgumentError(`EarlyStopping: mode must be auto, min or max, got '${this.mode}'`);
  }

  override onTrainBegin(): void {
    this.#wait = 0;
    this.best = NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.#dropBest();
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new InvalidArgumentError(`EarlyStopping: '${this.monitor}' is not in the epoch logs (available: ${Object.keys(logs).join(', ')}); validation metrics need validationData or validationSplit`);
    }
    if (Number.isNaN(this.best) || improves(this.monitor, this.mode, value, this.best, this.minDelta)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.#wait = 0;
      if (this.restoreBestWeights && this.model) {
        this.#dropBest();
        this.#bestWeights = this.model.getWeights();
      }
      return;
    }
    this.#wait += 1;
    if (this.#wait >= this.patience && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.#bestWeights && this.model && this.stoppedEpoch >= 0) {
      this.model.setWeights(this.#bestWeights);
    }
    this.#dropBest();
  }

  #dropBest(): void {
    for (const t of this.#bestWeights ?? []) t.dispose();
    this.#bestWeights = null;
  }
}
