/**
 * Typed errors. Every error Sinew throws is a `SinewError`; the subclass says
 * what went wrong and the message names the op and the shapes involved, e.g.
 * `ShapeError: matmul: [32,784] x [128,10]: inner dimensions 784 and 128 differ`.
 * After any of these the engine stays usable.
 */
export class SinewError extends Error {
  // Names are spelled out (not taken from the constructor) so they survive minifiers.
  override name = 'SinewError';
}

/** Shapes that do not fit the op. */
export class ShapeError extends SinewError {
  override name = 'ShapeError';
}
/** A tensor of the wrong element type (e.g. int32 labels into a matmul). */
export class DTypeError extends SinewError {
  override name = 'DTypeError';
}
/** A tensor used after `dispose()`. */
export class DisposedError extends SinewError {
  override name = 'DisposedError';
}
/** A wrong argument: values that do not match a shape, an unknown option... */
export class InvalidArgumentError extends SinewError {
  override name = 'InvalidArgumentError';
}
/** A tensor too large for the engine's memory. */
export class OutOfMemoryError extends SinewError {
  override name = 'OutOfMemoryError';
}
/** An op called before `await init()`. */
export class NotInitializedError extends SinewError {
  override name = 'NotInitializedError';
}
/** The host cannot run what was asked (e.g. the threads build without SharedArrayBuffer). */
export class UnsupportedError extends SinewError {
  override name = 'UnsupportedError';
}
/** Reading or writing a file failed; `path`, `code` (e.g. 'ENOSPC') and `cause` say why. */
export class IOError extends SinewError {
  override name = 'IOError';
  readonly path: string | undefined;
  readonly code: string | undefined;
  constructor(message: string, details: { path?: string; code?: string | undefined; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.path = details.path;
    this.code = details.code;
  }
}
/** The WASM instance trapped: a bug in Sinew. The message says what it was doing. */
export class EngineCrashedError extends SinewError {
  override name = 'EngineCrashedError';
}

const byName: Record<string, new (message: string) => SinewError> = {
  ShapeError,
  DisposedError,
  DTypeError,
  InvalidArgumentError,
  OutOfMemoryError,
  NotInitializedError,
  UnsupportedError,
  EngineCrashedError,
  IOError,
};

/**
 * Turns an error thrown by the WASM glue (`Error("ShapeError: matmul: ...")`)
 * or sent from a worker (`{name, message}`) into the matching typed error.
 */
export function typedError(e: unknown): Error {
  if (e instanceof SinewError) return e;
  if (e instanceof WebAssembly.RuntimeError) {
    return new EngineCrashedError(`engine trapped: ${e.message}`);
  }
  const raw = e instanceof Error ? e.message : typeof e === 'object' && e && 'message' in e ? String(e.message) : String(e);
  const named = typeof e === 'object' && e && 'name' in e ? String(e.name) : '';
  if (named in byName && named !== 'Error') return new byName[named]!(raw);
  const m = /^([A-Za-z]+Error): ([\s\S]*)$/.exec(raw);
  if (m && m[1]! in byName) return new byName[m[1]!]!(m[2]!);
  return e instanceof Error ? e : new SinewError(raw);
}
