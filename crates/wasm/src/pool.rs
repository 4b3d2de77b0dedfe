//! Rayon's global pool on JavaScript workers (Node `worker_threads` or browser
//! Web Workers) over one shared memory.
//!
//! `std::thread::spawn` is unsupported on wasm32-unknown-unknown, so the pool
//! is built with a spawn handler that parks each `ThreadBuilder` in a queue.
//! JavaScript starts N workers; each instantiates this same module with the
//! same shared memory (wasm-bindgen gives it its own stack and TLS) and calls
//! `pool_worker_run`, which takes one builder and runs rayon's worker loop
//! there forever.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

use rayon::ThreadBuilder;
use wasm_bindgen::prelude::*;

static QUEUE: Mutex<VecDeque<ThreadBuilder>> = Mutex::new(VecDeque::new());
static READY: Condvar = Condvar::new();

/// The compiled module, for workers to instantiate.
#[wasm_bindgen]
pub fn wasm_module() -> JsValue {
    wasm_bindgen::module()
}

/// The shared memory, for workers to instantiate with.
#[wasm_bindgen]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Builds rayon's global pool with `n` workers. Call once, from the engine's
/// thread, after starting `n` JS workers that call `pool_worker_run`.
#[wasm_bindgen]
pub fn pool_init(n: usize) -> Result<(), JsError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .spawn_handler(|thread| {
            QUEUE.lock().unwrap_or_else(|e| e.into_inner()).push_back(thread);
            READY.notify_one();
            Ok(())
        })
        .build_global()
        .map_err(|e| JsError::new(&format!("InvalidArgumentError: pool_init: {e}")))
}

/// Entry point of a pool worker: blocks until a thread slot is available, then
/// runs rayon's worker loop (never returns while the pool lives).
#[wasm_bindgen]
pub fn pool_worker_run() {
    let builder = {
        let mut q = QUEUE.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(b) = q.pop_front() {
                break b;
            }
            q = READY.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    };
    builder.run();
}

/// Runs one task on every pool worker and returns how many answered: proves
/// the workers are alive and running rayon's loop (used by tests).
#[wasm_bindgen]
pub fn pool_probe() -> usize {
    let mut seen = rayon::broadcast(|ctx| ctx.index());
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}
