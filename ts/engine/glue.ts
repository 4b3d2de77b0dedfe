/**
 * Loading the wasm-bindgen glue and module of one build. Each build is named by
 * a literal path so bundlers can see and copy all five.
 */
import type * as ThreadsGlue from '../wasm/threads/sinew_wasm.js';
import type { BuildName } from './builds.js';
import { environment } from './detect.js';
import * as node from './node.js';

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

/**
 * Where a build's `.wasm` is: beside the package's JS by default, or under
 * `wasmPaths` (`<wasmPaths>/<build>/sinew_wasm_bg.wasm`): a URL, a path
 * relative to the page in browsers, or a directory in Node.
 */
export function wasmLocation(build: BuildName, wasmPaths?: string | URL): URL | string {
  if (wasmPaths === undefined) return wasmUrl(build);
  const file = `${build}/sinew_wasm_bg.wasm`;
  const base = String(wasmPaths).replace(/\/?$/, '/');
  if (wasmPaths instanceof URL || /^[a-z][a-z0-9+.-]+:/i.test(base)) return new URL(file, base);
  if (environment() === 'node') return base + file;
  return new URL(file, new URL(base, (globalThis as { location?: { href: string } }).location?.href));
}

/** Compiles a build's `.wasm` (from disk in Node, by fetch in browsers); errors name the file or URL. */
export async function compileBuild(build: BuildName, wasmPaths?: string | URL): Promise<WebAssembly.Module> {
  const where = wasmLocation(build, wasmPaths);
  const fail = (why: string) => new Error(`loading the '${build}' build from ${String(where)}: ${why}` + (wasmPaths === undefined ? '' : ' (check the wasmPaths option)'));
  const failed = (e: Error) => Promise.reject(fail(e.message));
  if (environment() === 'node') {
    const { readFile } = await node.fs();
    return WebAssembly.compile(await readFile(where).catch(failed)).catch(failed);
  }
  const res = await fetch(where).catch(failed);
  if (!res.ok) throw fail(`HTTP ${res.status}`);
  // Streaming compiles while downloading; it refuses responses not served as application/wasm.
  return (WebAssembly.compileStreaming
    ? WebAssembly.compileStreaming(res).catch(async () => WebAssembly.compile(await (await fetch(where)).arrayBuffer()))
    : WebAssembly.compile(await res.arrayBuffer())
  ).catch(failed);
}
