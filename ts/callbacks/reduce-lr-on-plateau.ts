/**
 * Lowers the optimizer's learning rate when a monitored value stops
 * improving: Keras's `ReduceLROnPlateau` (TF.js has none), same arguments,
 * defaults and order of checks.
 */
import { InvalidArgumentError } from '../errors.js';
import { Callback, improves, type Logs } from './callback.js';
import { optionsArg } from '../options.js';

export interface ReduceLROnPlateauArgs {
  /** Key in the epoch logs (default 'val_loss'). */
  monitor?: string;
  /** New rate = rate · factor; must be < 1 (default 0.1). */
  factor?: number;
  /** Epochs without improvement before the rate is lowered (default 10). */
  patience?: number;
  mode?: 'auto' | 'min' | 'max';
  /** Smallest change that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting epochs without improvement again (default 0). */
  cooldown?: number;
  /** Lower bound of the rate (default 0). */
  minLr?: number;
}

export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly mode: 'auto' | 'min' | 'max';
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  best = NaN;
  #wait = 0;
  #cooldownLeft = 0;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    args = optionsArg('new ReduceLROnPlateau', args);
    this.monitor = args.monitor ?? 'val_loss';
    this.factor = args.factor ?? 0.1;
    this.patience = args.patience ?? 10;
    this.mode = args.mode ?? 'auto';
    this.minDelta = Math.abs(args.minDelta ?? 1e-4);
    this.cooldown = args.cooldown ?? 0;
    this.minLr = args.minLr ?? 0;
    const where = 'ReduceLROnPlateau';
    if (!(this.factor >= 0 && this.factor < 1)) throw new InvalidArgumentError(`${where}: factor must be in [0, 1) (the new rate is rate·factor), got ${this.factor}`);
    if (!(Number.isInteger(this.patience) && this.patience >= 0)) throw new InvalidArgumentError(`${where}: patience must be a non-negative integer, got ${this.patience}`);
    if (!(Number.isInteger(this.cooldown) && this.cooldown >= 0)) throw new InvalidArgumentError(`${where}: cooldown must be a non-negative integer, got ${this.cooldown}`);
    if (!(this.minLr >= 0)) throw new InvalidArgumentError(`${where}: minLr must be a number >= 0, got ${this.minLr}`);
    if (!['auto', 'min', 'max'].includes(this.mode)) throw new InvalidArgumentError(`${where}: mode must be auto, min or max, got '${this.mode}'`);
  }

  override onTrainBegin(): void {
    this.best = NaN;
    this.#wait = 0;
    this.#cooldownLeft = 0;
  }

  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    // Keras (tf.keras 2) logs the rate this epoch trained with as `lr`, before
    // any reduction; History records it (Keras 3 renamed the key learning_rate).
    const opt = this.model?.compiled?.optimizer;
    if (opt) logs.lr = opt.currentLearningRate();
    const current = logs[this.monitor];
    if (current === undefined) {
      throw new InvalidArgumentError(`ReduceLROnPlateau: '${this.monitor}' is not in the epoch logs (available: ${Object.keys(logs).join(', ')}); validation metrics need validationData or validationSplit`);
    }
    // Keras's order: a cooldown epoch resets the wait, an improvement resets
    // it, and only epochs outside the cooldown count towards patience.
    if (this.#cooldownLeft > 0) {
      this.#cooldownLeft -= 1;
      this.#wait = 0;
    }
    if (Number.isNaN(this.best) || improves(this.monitor, this.mode, current, this.best, this.minDelta)) {
      this.best = current;
      this.#wait = 0;
      return;
    }
    if (this.#cooldownLeft > 0) return;
    this.#wait += 1;
    if (this.#wait < this.patience) return;
    if (!opt) return;
    if (typeof opt.learningRate !== 'number') {
      throw new InvalidArgumentError(`ReduceLROnPlateau: the optimizer's learning rate is a schedule; it can only lower a constant rate`);
    }
    // Keras compares in float32: a rate already at minLr is left alone.
    if (Math.fround(opt.learningRate) > Math.fround(this.minLr)) {
      opt.learningRate = Math.max(opt.learningRate * this.factor, this.minLr);
      this.#cooldownLeft = this.cooldown;
      this.#wait = 0;
    }
  }
}
