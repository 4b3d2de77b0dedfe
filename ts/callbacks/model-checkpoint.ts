/** Saves the model whenever the monitored value improves (or every epoch). */
import { Callback, improves, type Logs } from './callback.js';
import { optionsArg } from '../options.js';

export interface ModelCheckpointArgs {
  /** Where to save: a directory path or `file://` URL in Node, `indexeddb://name` in browsers. */
  path: string;
  monitor?: string;
  /** Save only when `monitor` improves (default true). */
  saveBestOnly?: boolean;
  mode?: 'auto' | 'min' | 'max';
}

export class ModelCheckpoint extends Callback {
  readonly path: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: 'auto' | 'min' | 'max';
  best = NaN;
  /** Epochs (0-based) at which a save happened. */
  readonly savedEpochs: number[] = [];

  constructor(args: ModelCheckpointArgs) {
    super();
    args = optionsArg('new ModelCheckpoint', args);
    this.path = args.path;
    this.monitor = args.monitor ?? 'val_loss';
    this.saveBestOnly = args.saveBestOnly ?? true;
    this.mode = args.mode ?? 'auto';
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const value = logs[this.monitor];
    if (this.saveBestOnly) {
      if (value === undefined || (!Number.isNaN(this.best) && !improves(this.monitor, this.mode, value, this.best))) return;
      this.best = value;
    }
    await this.model?.save(this.path);
    this.savedEpochs.push(epoch);
  }
}
