/**
 * The active engine of this JavaScript realm: which build is loaded, how many
 * threads it runs, and the guarded entry point every op goes through.
 */
import { EngineCrashedError, NotInitializedError, UnsupportedError, InvalidArgumentError, typedError } from '../errors.js';
import { environment, hardwareThreads, NODE_RELAXED_SIMD_FLAG, relaxedSimdSupported, sharedMemorySupported, simdSupported, type Environment } from './detect.js';
import { BUILDS, isRelaxedBuild, isThreadsBuild, type BuildName } from './builds.js';
import { compileBuild, importGlue, type Glue } from './glue.js';
import { poolDeath, startPool } from './pool.js';
import { optionsArg } from '../options.js';

export type { BuildName } from './builds.js';

export interface InitOptions {
  /**
   * Force a build instead of the best one the host supports. In Node the
   * environment variable `SINEW_BACKEND` does the same.
   */
  backend?: BuildName;
  /**
   * Threads for the threads build, the engine's own thread included (default:
   * the host's logical cores).
   * In Node the environment variable `SINEW_THREADS` does the same.
   */
  threads?: number;
  /**
   * Where the `.wasm` files are served, as TF.js's `setWasmPaths`: a base URL
   * (or a directory in Node) holding `<build>/sinew_wasm_bg.wasm` for the
   * builds — the package's `dist/wasm/` copied as is. Default: beside the
   * package's JS files, which bundlers that copy `new URL(..., import.meta.url)`
   * assets (Vite) handle themselves.
   */
  wasmPaths?: string | URL;
}

export interface BackendInfo {
  /** The WASM build in use. */
  build: BuildName;
  /** The build uses WebAssembly SIMD128. */
  simd: boolean;
  /** The build uses WebAssembly relaxed SIMD (fused multiply-add). */
  relaxedSimd: boolean;
  /** Threads kernels use now (the pool size, or less after `setNumThreads`). */
  threads: number;
  /** Threads of the pool, the engine's own thread included (1 for single-threaded builds). */
  poolSize: number;
  environment: Environment;
  /** Why this build was chosen. */
  reason: string;
  version: string;
}

interface Active {
  glue: Glue;
  build: BuildName;
  reason: string;
  version: string;
  crashed: string | null;
  /** The thread pool's "a worker died" word (threads builds): non-zero = 1 + the dead worker's index. */
  poolFlag: Int32Array | null;
  /** The module's memory (its `buffer` changes when a non-shared memory grows). */
  memory: WebAssembly.Memory;
}

let active: Active | null = null;
let starting: Promise<BackendInfo> | null = null;

function envVar(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = p?.env?.[name];
  return v === undefined || v === '' ? undefined : v;
}

async function choose(options: InitOptions): Promise<{ build: BuildName; threads: number; reason: string }> {
  const env = environment();
  const forced = options.backend ?? (envVar('SINEW_BACKEND') as BuildName | undefined);
  const threadsOpt = options.threads ?? (envVar('SINEW_THREADS') ? Number(envVar('SINEW_THREADS')) : undefined);
  if (forced !== undefined && !BUILDS.includes(forced)) {
    throw new InvalidArgumentError(`init: unknown backend '${forced}' (expected one of ${BUILDS.join(', ')})`);
  }
  if (threadsOpt !== undefined && !(Number.isInteger(threadsOpt) && threadsOpt >= 1 && threadsOpt <= 64)) {
    throw new InvalidArgumentError(`init: threads must be an integer from 1 to 64, got ${threadsOpt}`);
  }
  const simd = simdSupported();
  const relaxed = simd && relaxedSimdSupported();
  const shared = sharedMemorySupported();
  // The browser main thread may not block (Atomics.wait), which the pool needs.
  const mayBlock = env !== 'browser-main';
  const threads = threadsOpt ?? (await hardwareThreads());

  if (forced) {
    if (forced !== 'baseline' && !simd) throw new UnsupportedError(`init: the '${forced}' build needs WebAssembly SIMD, which this host lacks`);
    if (isRelaxedBuild(forced) && !relaxed) {
      throw new UnsupportedError(
        `init: the '${forced}' build needs WebAssembly relaxed SIMD, which this host lacks` +
          (env === 'node' ? ` (Node 20: run with ${NODE_RELAXED_SIMD_FLAG})` : ''),
      );
    }
    if (isThreadsBuild(forced) && !shared) {
      throw new UnsupportedError(
        `init: the '${forced}' build needs SharedArrayBuffer` +
          (env === 'node' ? '' : ' and a cross-origin isolated page (COOP/COEP headers)'),
      );
    }
    if (isThreadsBuild(forced) && !mayBlock) {
      throw new UnsupportedError(`init: the '${forced}' build cannot run on the browser main thread; use createEngine() from 'sinew-nn/browser' (it runs in a Worker)`);
    }
    return { build: forced, threads: isThreadsBuild(forced) ? threads : 1, reason: 'forced' };
  }
  if (!simd) return { build: 'baseline', threads: 1, reason: 'no WebAssembly SIMD' };
  // Relaxed SIMD (fused multiply-add): GEMM 1.44-1.47x the plain SIMD build in V8 (README, "Builds").
  const single: BuildName = relaxed ? 'simd-relaxed' : 'simd';
  if (!shared) return { build: single, threads: 1, reason: env === 'node' ? 'no SharedArrayBuffer' : 'page is not cross-origin isolated' };
  if (!mayBlock) return { build: single, threads: 1, reason: 'browser main thread cannot block; threads need a Worker' };
  if (threads < 2) return { build: single, threads: 1, reason: 'one hardware thread' };
  if (relaxed) return { build: 'threads-relaxed', threads, reason: 'SIMD + relaxed SIMD + shared memory available' };
  return { build: 'threads', threads, reason: 'SIMD + shared memory available' };
}

/**
 * Loads the best WASM build for this host (or the one asked for) and starts
 * its thread pool. Idempotent: later calls return the same info; asking for a
 * different build once one is loaded is an error (one build per realm).
 */
export async function init(options: InitOptions = {}): Promise<BackendInfo> {
  if (active) {
    const want = options.backend;
    if (want && want !== active.build) {
      throw new UnsupportedError(`init: the '${active.build}' build is already loaded; one build per process/worker`);
    }
    const info = backendInfo();
    if (options.threads !== undefined && options.threads !== info.poolSize) {
      throw new UnsupportedError(`init: the engine already runs with a pool of ${info.poolSize} thread(s); the pool size is fixed at the first init (use setNumThreads(n) to use fewer)`);
    }
    return info;
  }
  if (starting) {
    // A second init while the first is still loading: check its options
    // against what the first one loads instead of silently ignoring them.
    const first = starting;
    return first.then(
      () => init(options),
      () => init(options),
    );
  }
  starting = (async () => {
    const { build, threads, reason } = await choose(options);
    const [glue, module] = await Promise.all([importGlue(build), compileBuild(build, options.wasmPaths)]);
    await glue.default({ module_or_path: module });
    const pool: { failure?: string } = isThreadsBuild(build) ? await startPool(glue, build, threads) : {};
    const version = (JSON.parse(glue.build_info()) as { version: string }).version;
    const memory = glue.wasm_memory() as WebAssembly.Memory;
    // Shared memory is never detached, so a view made now stays valid after the memory grows.
    const poolFlag = isThreadsBuild(build) ? new Int32Array(memory.buffer, glue.pool_broken_flag(), 1) : null;
    active = { glue, build, reason: pool.failure ? `${reason}; ${pool.failure}` : reason, version, crashed: null, poolFlag, memory };
    return backendInfo();
  })();
  starting.catch(() => {
    starting = null;
  });
  return starting;
}

/** True once `init()` has finished. */
/** TF.js's `tf.ready()`: resolves once the engine is initialised, starting it (as `init()` with defaults) if it is not. */
export async function ready(): Promise<void> {
  await init();
}

export function isInitialized(): boolean {
  return active !== null;
}

/** The build, threads and environment in use. */
export function backendInfo(): BackendInfo {
  const a = need();
  const info = JSON.parse(a.glue.build_info()) as { simd: boolean; relaxedSimd?: boolean };
  return {
    build: a.build,
    simd: info.simd,
    relaxedSimd: info.relaxedSimd === true,
    threads: a.glue.num_threads(),
    poolSize: isThreadsBuild(a.build) ? a.glue.pool_size() : 1,
    environment: environment(),
    reason: a.reason,
    version: a.version,
  };
}

/**
 * Caps the threads kernels use (1 … pool size); `0` restores the full pool.
 * Lets one process compare 1 and N threads.
 */
export function setNumThreads(n: number): void {
  const a = need();
  const pool = isThreadsBuild(a.build) ? a.glue.pool_size() : 1;
  if (!(Number.isInteger(n) && n >= 0 && n <= pool)) {
    throw new InvalidArgumentError(`setNumThreads: expected an integer from 1 to the pool size ${pool} (or 0 for all), got ${n}`);
  }
  a.glue.set_max_threads(n);
}

/** Why the thread pool cannot run kernels any more (one of its workers died), or null. */
function deadPool(a: Active): string | null {
  const w = a.poolFlag ? Atomics.load(a.poolFlag, 0) : 0;
  // The supervisor's message with the exit code arrives only once this thread is free again.
  return w === 0 ? null : poolDeath() ?? `thread-pool worker ${w} of ${a.glue.pool_size() - 1} stopped`;
}

function need(): Active {
  if (!active) throw new NotInitializedError('Sinew is not initialised: `await sinew.init()` first');
  active.crashed ??= deadPool(active);
  if (active.crashed) throw new EngineCrashedError(`the engine crashed earlier (${active.crashed}) and cannot be used`);
  return active;
}

let engineCalls = 0;

/**
 * How many engine calls went through {@link call} so far: tests check that a
 * layer's cost in calls does not grow with its input (a recurrent layer is
 * one call per sequence, not one per step).
 * @internal
 */
export function engineCallCount(): number {
  return engineCalls;
}

/**
 * Runs one engine call, turning its errors into typed errors. A trap (a bug in
 * Sinew) marks the engine as crashed so later calls say so instead of failing
 * in confusing ways.
 * @internal Not in the published typings (they would need the DOM lib for the glue's types).
 */
export function call<T>(fn: (glue: Glue) => T): T {
  const a = need();
  engineCalls++;
  try {
    return fn(a.glue);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      // A kernel waiting for a dead pool worker traps (see crates/kernels par/pool.rs): say so.
      const dead = deadPool(a);
      a.crashed = dead ?? e.message;
      if (dead) throw new EngineCrashedError(`${dead} while a kernel ran: the engine cannot be used any more; start a new one (a new process, worker thread or Worker)`);
    }
    throw typedError(e);
  }
}

/**
 * A view of `len` floats at byte offset `at` of the engine's memory (as an
 * engine call reported them): valid until the next engine call.
 */
export function engineF32(at: number, len: number): Float32Array {
  return new Float32Array(need().memory.buffer, at, len);
}

/**
 * Runs a job sized for the whole pool and returns how many threads took part
 * (1 for the single-threaded builds): a check that the thread pool is really up.
 */
export function probeThreadPool(): number {
  const a = need();
  return isThreadsBuild(a.build) ? call((g) => g.pool_probe()) : 1;
}

/** What one pool thread did since the last reset (times need profiling on). */
export interface PoolThreadStats {
  /** Parallel kernel calls it took part in. */
  jobs: number;
  /** Tasks it ran. */
  tasks: number;
  /** Worker: times it stopped spinning and parked (futex wait). */
  parks: number;
  /** Engine thread: parked workers it had to wake (futex notify). */
  wakes: number;
  /** Engine thread: posts withdrawn because it finished every task before the worker came. */
  withdrawn: number;
  workMs: number;
  spinMs: number;
  parkMs: number;
  /** Engine thread: waiting for workers to finish their last task. */
  joinMs: number;
}

export interface PoolStats {
  /** Parallel loops run inline because they were called from inside a task. */
  inline: number;
  /** `threads[0]` is the engine's thread, then one entry per worker. */
  threads: PoolThreadStats[];
}

/**
 * Counters of the thread pool (per thread: tasks, parks, wake-ups; with
 * `profile: true` also time working, spinning, parked). `reset` zeroes them
 * after reading. Single-threaded builds report no threads.
 */
export function threadPoolStats(options: { reset?: boolean; profile?: boolean } = {}): PoolStats {
  options = optionsArg('threadPoolStats', options);
  const a = need();
  if (!isThreadsBuild(a.build)) return { inline: 0, threads: [] };
  return call((g) => {
    const stats = JSON.parse(g.pool_stats()) as PoolStats;
    if (options.reset) g.pool_stats_reset();
    if (options.profile !== undefined) g.pool_profile(options.profile);
    return stats;
  });
}
