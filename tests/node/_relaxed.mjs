// Relaxed-SIMD builds under Node: Node 20 validates relaxed-SIMD modules only
// with `--experimental-wasm-relaxed-simd` (Chromium and later Node versions
// have it on by default).
import v8 from 'node:v8';

/** The relaxed-SIMD feature-detection module of ts/engine/detect.ts. */
export function relaxedSimdSupported() {
  return WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]));
}

/** Node options a child process needs to run the relaxed builds (none if this Node has them on). */
export const RELAXED_NODE_ARGS = relaxedSimdSupported() ? [] : ['--experimental-wasm-relaxed-simd'];

/**
 * Turns relaxed SIMD on in this process if it is off. V8 flags are
 * process-wide (pool workers see them too) and the wasm feature flags are read
 * at validation/compile time, so this works before the first relaxed module is
 * compiled. Returns whether relaxed SIMD is now available.
 */
export function enableRelaxedSimd() {
  if (!relaxedSimdSupported()) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return relaxedSimdSupported();
}
