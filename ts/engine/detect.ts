/** What the host can run. Pure checks, no side effects. */
import * as node from './node.js';

export type Environment = 'node' | 'browser-main' | 'browser-worker';

export function environment(): Environment {
  const g = globalThis as { process?: { versions?: { node?: string } }; window?: unknown; importScripts?: unknown };
  if (g.process?.versions?.node) return 'node';
  if (typeof g.window === 'undefined' && typeof g.importScripts === 'function') return 'browser-worker';
  // Module workers have no importScripts; they do have WorkerGlobalScope.
  if (typeof g.window === 'undefined' && 'WorkerGlobalScope' in globalThis) return 'browser-worker';
  return 'browser-main';
}

/**
 * WebAssembly SIMD128 support: validates a minimal module whose only function
 * uses v128 ops (i32.const 0; i8x16.splat; i8x16.popcnt), as wasm-feature-detect does.
 */
export function simdSupported(): boolean {
  try {
    return WebAssembly.validate(
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]),
    );
  } catch {
    return false;
  }
}

/**
 * WebAssembly relaxed SIMD support (Chromium 114+, Node 20 only with
 * `--experimental-wasm-relaxed-simd`): validates a minimal module whose only
 * function does `i32.const 1; i8x16.splat; i32.const 2; i8x16.splat;
 * i8x16.relaxed_swizzle`, as wasm-feature-detect does.
 */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(
      new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]),
    );
  } catch {
    return false;
  }
}

/** The V8 flag Node 20 needs for relaxed SIMD (later Node versions have it on by default). */
export const NODE_RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/** Node options that give a child Node process relaxed SIMD: none where this one has it already. */
export function relaxedSimdNodeFlags(): string[] {
  return relaxedSimdSupported() ? [] : [NODE_RELAXED_SIMD_FLAG];
}

/** Shared memory is usable: `SharedArrayBuffer` exists and, in browsers, the page is cross-origin isolated. */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const env = environment();
  if (env === 'node') return true;
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** Logical cores of the host (at least 1). */
export async function hardwareThreads(): Promise<number> {
  if (environment() === 'node') {
    const os = await node.os();
    return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  }
  return Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
}
