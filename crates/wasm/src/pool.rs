//! The kernels' thread pool (`sinew_kernels::par`) on JavaScript workers
//! (Node `worker_threads` or browser Web Workers) over one shared memory.
//!
//! `std::thread::spawn` is unsupported on wasm32-unknown-unknown, so
//! JavaScript starts N-1 workers; each instantiates this same module with the
//! same shared memory (wasm-bindgen gives it its own stack and TLS) and calls
//! `pool_worker_run`, which runs the pool's worker loop there forever. The
//! thread that calls kernels (the engine's) is the N-th thread: it takes part
//! in every parallel kernel.

use sinew_kernels::par;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: wasm32-unknown-unknown has no clock of its own.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

fn now_ms() -> f64 {
    performance_now()
}

/// The compiled module, for workers to instantiate.
#[wasm_bindgen]
pub fn wasm_module() -> JsValue {
    wasm_bindgen::module()
}

/// Makes a pool of `threads` threads: this one plus `threads - 1` JS workers
/// that call `pool_worker_run` (started by the caller; this waits until they
/// have entered the worker loop).
#[wasm_bindgen]
pub fn pool_init(threads: usize) -> Result<(), JsError> {
    if !(1..=par::MAX_THREADS).contains(&threads) {
        return Err(JsError::new(&format!("InvalidArgumentError: pool_init: threads must be 1 to {}, got {threads}", par::MAX_THREADS)));
    }
    par::set_clock(now_ms);
    par::start_workers(threads);
    Ok(())
}

/// Entry point of a pool worker: runs the pool's worker loop (never returns).
#[wasm_bindgen]
pub fn pool_worker_run() {
    par::set_clock(now_ms);
    par::worker_main()
}

/// Byte address (in the shared memory) of the pool's "a worker died" word, an
/// i32: the JS supervisor of the pool workers stores a non-zero value there
/// when one of them stops, so a kernel waiting for that worker's task traps
/// instead of waiting forever, and later calls are refused.
#[wasm_bindgen]
pub fn pool_broken_flag() -> usize {
    par::broken_flag() as *const _ as usize
}

/// How many threads (the caller and the workers) took part in a job sized for
/// the whole pool: proves the workers are alive (used by tests).
#[wasm_bindgen]
pub fn pool_probe() -> usize {
    par::probe()
}

/// The pool's counters as JSON: `{"inline":n,"threads":[{"jobs","tasks",
/// "parks","wakes","withdrawn","workMs","spinMs","parkMs","joinMs"}, ...]}`,
/// thread 0 being the engine's thread. Times need `pool_profile(true)`.
#[wasm_bindgen]
pub fn pool_stats() -> String {
    let s = par::stats();
    let threads: Vec<String> = s
        .threads
        .iter()
        .map(|t| {
            format!(
                r#"{{"jobs":{},"tasks":{},"parks":{},"wakes":{},"withdrawn":{},"workMs":{},"spinMs":{},"parkMs":{},"joinMs":{}}}"#,
                t.jobs, t.tasks, t.parks, t.wakes, t.withdrawn, t.work_ms, t.spin_ms, t.park_ms, t.join_ms
            )
        })
        .collect();
    format!(r#"{{"inline":{},"threads":[{}]}}"#, s.inline, threads.join(","))
}

/// Zeroes the pool's counters.
#[wasm_bindgen]
pub fn pool_stats_reset() {
    par::reset_stats()
}

/// Turns timing of working / spinning / parked / join time on or off.
#[wasm_bindgen]
pub fn pool_profile(on: bool) {
    par::set_profiling(on)
}
