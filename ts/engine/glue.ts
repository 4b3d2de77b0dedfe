/**
 * Loading the wasm-bindgen glue and module of one build. Each build is named by
 * a literal path so bundlers can see and copy all five.
 */
import type * as ThreadsGlue from '../wasm/threads/sinew_wasm.js';
import type { BuildName } from './builds.js';
import { environment } from './detect.js';

/** The threads glue is a superset of the others (it adds the pool functions). */
export type Glue = typeof ThreadsGlue;

export async function importGlue(build: BuildName): Promise<Glue> {
  switch (build) {
    case 'threads':
      return import('../wasm/threads/sinew_wasm.js');
    case 'simd':
      return (await import('../wasm/simd/sinew_wasm.js')) as unknown as Glue;
    case 'baseline':
      return (await import('../wasm/baseline/sinew_wasm.js')) as unknown as Glue;
    case 'threads-relaxed':
      return (await import('../wasm/threads-relaxed/sinew_wasm.js')) as unknown as Glue;
    case 'simd-relaxed':
      return (await import('../wasm/simd-relaxed/sinew_wasm.js')) as unknown as Glue;
  }
}

function wasmUrl(build: BuildName): URL {
  switch (build) {
    case 'threads':
      return new URL('../wasm/threads/sinew_wasm_bg.wasm', import.meta.url);
    case 'simd':
      return new URL('../wasm/simd/sinew_wasm_bg.wasm', import.meta.url);
    case 'baseline':
      return new URL('../wasm/baseline/sinew_wasm_bg.wasm', import.meta.url);
    case 'threads-relaxed':
      return new URL('../wasm/threads-relaxed/sinew_wasm_bg.wasm', import.meta.url);
    case 'simd-relaxed':
      return new URL('../wasm/simd-relaxed/sinew_wasm_bg.wasm', import.meta.url);
  }
}

/** Compiles a build's `.wasm` (from disk in Node, by fetch in browsers). */
export async function compileBuild(build: BuildName): Promise<WebAssembly.Module> {
  const url = wasmUrl(build);
  if (environment() === 'node') {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`fetching ${url}: HTTP ${res.status}`);
  return WebAssembly.compileStreaming
    ? WebAssembly.compileStreaming(res).catch(async () => WebAssembly.compile(await (await fetch(url)).arrayBuffer()))
    : WebAssembly.compile(await res.arrayBuffer());
}
