/**
 * Memory scopes: `tidy(fn)` disposes every tensor created inside `fn` except
 * those it returns (and those passed to `keep`), as in TensorFlow.js.
 */
import { InvalidArgumentError } from '../errors.js';

/** What scopes need from a tensor (avoids an import cycle with tensor.ts). */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];
const kept = new WeakSet<Disposable>();

/** Called by every new tensor: it belongs to the innermost open scope. */
export function track(t: Disposable): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Removes a tensor from scope tracking (variables live until disposed). */
export function untrack(t: Disposable): void {
  for (const s of scopes) s.delete(t);
}

/** Keeps a tensor created inside `tidy` alive after the scope ends. */
export function keep<T extends Disposable>(t: T): T {
  if (t === null || typeof t !== 'object' || typeof t.dispose !== 'function') {
    throw new InvalidArgumentError(`keep: expected a Tensor, got ${t === null ? 'null' : typeof t === 'object' ? 'an object without dispose()' : `the ${typeof t} ${String(t)}`}`);
  }
  kept.add(t);
  untrack(t);
  return t;
}

/** Tensors, arrays and plain objects of them: what `tidy` may return. */
export type TensorContainer = void | Disposable | string | number | boolean | null | undefined | TensorContainer[] | { [key: string]: TensorContainer };

function collect(value: unknown, into: Set<Disposable>, seen = new Set<unknown>()): void {
  // Typed arrays and buffers hold no tensors: never walk them element by
  // element (a `tidy(() => t.dataSync())` result can have millions).
  if (value === null || typeof value !== 'object' || seen.has(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  seen.add(value);
  if ('dispose' in value && 'isDisposed' in value) {
    into.add(value as Disposable);
    return;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) collect(v, into, seen);
}

/** Disposes every tensor in `container`: a tensor, or arrays and plain objects of them, nested (as TF.js's `dispose`). */
export function dispose(container: TensorContainer): void {
  const found = new Set<Disposable>();
  collect(container, found);
  for (const t of found) t.dispose();
}

/**
 * Runs `fn` and disposes the tensors it created, except the ones it returns
 * (which move to the enclosing scope). `fn` must be synchronous.
 */
export function tidy<T extends TensorContainer>(fn: () => T): T {
  if (typeof fn !== 'function') throw new InvalidArgumentError(`tidy: expected a function, got ${typeof fn}`);
  // An async function would run past the scope's end and find its tensors
  // disposed; refuse it before it starts (as TensorFlow.js does).
  if (fn.constructor?.name === 'AsyncFunction') throw new InvalidArgumentError('tidy: the function must be synchronous (got an async function)');
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) {
      // Its tensors are disposed below, so it will reject later; that rejection
      // is already reported by this error and must not kill the process unhandled.
      result.catch(() => {});
      throw new InvalidArgumentError('tidy: the function must be synchronous (it returned a Promise)');
    }
  } finally {
    scopes.pop();
    const returned = new Set<Disposable>();
    // eslint-disable-next-line no-unsafe-finally
    collect(typeof result! === 'undefined' ? undefined : result!, returned);
    for (const t of scope) {
      if (returned.has(t)) track(t);
      else if (!kept.has(t)) t.dispose();
    }
  }
  return result;
}
