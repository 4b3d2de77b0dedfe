// Relaxed-SIMD builds under Node: Node 20 validates relaxed-SIMD modules only
// with `--experimental-wasm-relaxed-simd` (Chromium and later Node versions
// have it on by default).
import v8 from 'node:v8';
import { NODE_RELAXED_SIMD_FLAG, relaxedSimdNodeFlags, relaxedSimdSupported } from '../../dist/engine/detect.js';

export { relaxedSimdSupported };

/** Node options a child process needs to run the relaxed builds (none if this Node has them on). */
export const RELAXED_NODE_ARGS = relaxedSimdNodeFlags();

/**
 * Turns relaxed SIMD on in this process if it is off. V8 flags are
 * process-wide (pool workers see them too) and the wasm feature flags are read
 * at validation/compile time, so this works before the first relaxed module is
 * compiled. Returns whether relaxed SIMD is now available.
 */
export function enableRelaxedSimd() {
  if (!relaxedSimdSupported()) v8.setFlagsFromString(NODE_RELAXED_SIMD_FLAG);
  return relaxedSimdSupported();
}
