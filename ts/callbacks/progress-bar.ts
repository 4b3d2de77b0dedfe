/**
 * The per-epoch progress bar `fit` shows in Node with `verbose: 1`:
 * `Epoch 2/10 [=========>          ] 234/469  loss 0.4123  acc 0.8512  25,310 samples/s  ETA 2s`
 */
import { Callback, type Logs } from './callback.js';

export interface ProgressBarOptions {
  epochs: number;
  batches: number;
  samples: number;
  write?: (s: string) => void;
}

/** 4 decimals; small values (a learning rate of 1e-5) in exponent form, as Keras prints them. */
const num = (v: number) => (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(4) : v.toFixed(4));
const fmt = (logs: Logs) => Object.entries(logs).map(([k, v]) => `${k} ${num(v)}`).join('  ');

export class ProgressBar extends Callback {
  readonly #o: Required<ProgressBarOptions>;
  #t0 = 0;
  #last = 0;
  #epoch = 0;
  readonly #tty: boolean;

  constructor(o: ProgressBarOptions) {
    super();
    const stream = (globalThis as { process?: { stderr?: { write(s: string): void; isTTY?: boolean } } }).process?.stderr;
    this.#tty = !!stream?.isTTY;
    this.#o = { write: (s) => stream?.write(s), ...o };
  }

  override onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
    this.#t0 = performance.now();
    this.#last = 0;
  }

  #line(batch: number, logs: Logs, done: boolean): string {
    const { epochs, batches, samples } = this.#o;
    const elapsed = (performance.now() - this.#t0) / 1000;
    const seen = Math.min(samples, Math.round(((batch + 1) / batches) * samples));
    const rate = seen / Math.max(elapsed, 1e-9);
    const width = 24;
    const filled = Math.round(((batch + 1) / batches) * width);
    const bar = '='.repeat(Math.max(0, filled - 1)) + (done ? '=' : '>') + ' '.repeat(width - filled);
    const eta = done ? `${elapsed.toFixed(1)}s` : `ETA ${Math.ceil((samples - seen) / Math.max(rate, 1e-9))}s`;
    return `Epoch ${this.#epoch + 1}/${epochs} [${bar}] ${batch + 1}/${batches}  ${fmt(logs)}  ${Math.round(rate).toLocaleString('en-US')} samples/s  ${eta}`;
  }

  override onBatchEnd(batch: number, logs: Logs = {}): void {
    const now = performance.now();
    if (!this.#tty || now - this.#last < 100) return;
    this.#last = now;
    this.#o.write(`\r${this.#line(batch, logs, false)}\x1b[K`);
  }

  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    this.#o.write(`${this.#tty ? '\r' : ''}${this.#line(this.#o.batches - 1, logs, true)}${this.#tty ? '\x1b[K' : ''}\n`);
  }
}
