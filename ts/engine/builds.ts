/**
 * The five WASM builds by name. Kept apart from `glue.ts` so the public
 * typings (`BuildName` in `init`'s options) do not pull in the wasm-bindgen
 * declarations, which need the DOM lib (`WebAssembly`, `RequestInfo`).
 */
export type BuildName = 'threads' | 'simd' | 'baseline' | 'threads-relaxed' | 'simd-relaxed';
export const BUILDS: readonly BuildName[] = ['threads', 'simd', 'baseline', 'threads-relaxed', 'simd-relaxed'];

/** Builds that run a thread pool over shared memory. */
export function isThreadsBuild(build: BuildName): boolean {
  return build === 'threads' || build === 'threads-relaxed';
}

/** Builds that use relaxed SIMD (fused multiply-add); the host must support it. */
export function isRelaxedBuild(build: BuildName): boolean {
  return build === 'threads-relaxed' || build === 'simd-relaxed';
}
