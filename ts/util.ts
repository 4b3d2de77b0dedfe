/** TF.js's `util` helpers that ported programs use, and `nextFrame`. */
import { InvalidArgumentError } from './errors.js';

/** Shuffles `array` in place (Fisher–Yates with `Math.random`, as TF.js's `util.shuffle`). */
export function shuffle(array: unknown[] | Float32Array | Int32Array | Uint32Array | Uint8Array): void {
  if (!Array.isArray(array) && !ArrayBuffer.isView(array)) throw new InvalidArgumentError('util.shuffle: expected an array or a typed array');
  const a = array as unknown[];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * Resolves on the next animation frame in a page (`requestAnimationFrame`),
 * else on the next turn of the event loop: `await nextFrame()` in a long
 * loop lets the page repaint (TF.js's `nextFrame`).
 */
export function nextFrame(): Promise<void> {
  const g = globalThis as { requestAnimationFrame?: (cb: () => void) => unknown };
  return new Promise((resolve) => (g.requestAnimationFrame ? g.requestAnimationFrame(() => resolve()) : setTimeout(resolve, 0)));
}
