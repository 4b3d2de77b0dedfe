//! wasm-bindgen surface of the Sinew engine.
//!
//! JavaScript holds tensors as `u32` handles; data crosses the boundary only
//! when created or read back. Errors are returned as JS `Error`s whose message
//! starts with the error class name (`ShapeError: matmul: ...`) so the
//! TypeScript layer can rethrow typed errors. Nothing here may panic on bad
//! input: a panic traps the instance.

use std::cell::RefCell;

use sinew_engine::{ops, store::Tensor, EngineError, Store, TensorId};
use wasm_bindgen::prelude::*;

mod nn;
#[cfg(feature = "threads")]
mod pool;

thread_local! {
    // Only the thread that owns the engine (the JS thread that loaded it)
    // touches the store; rayon workers only see kernel slices.
    static STORE: RefCell<Store> = RefCell::new(Store::new());
}

pub(crate) fn to_js(e: EngineError) -> JsError {
    JsError::new(&format!("{}: {}", e.kind.name(), e))
}

pub(crate) fn with_store<T>(f: impl FnOnce(&mut Store) -> Result<T, EngineError>) -> Result<T, JsError> {
    STORE.with(|s| f(&mut s.borrow_mut())).map_err(to_js)
}

/// Build facts as JSON: `{"simd":bool,"threads":bool,"version":"x.y.z"}`.
#[wasm_bindgen]
pub fn build_info() -> String {
    format!(
        r#"{{"simd":{},"threads":{},"version":"{}"}}"#,
        sinew_kernels::simd::SIMD128,
        cfg!(feature = "threads"),
        env!("CARGO_PKG_VERSION")
    )
}

/// Threads kernels may use right now (pool size, capped by `set_max_threads`).
#[wasm_bindgen]
pub fn num_threads() -> usize {
    sinew_kernels::par::threads()
}

/// Size of rayon's pool (workers), regardless of the cap.
#[wasm_bindgen]
pub fn pool_size() -> usize {
    rayon::current_num_threads()
}

/// Caps kernel parallelism (0 = no cap). Used to compare 1 vs N threads in one run.
#[wasm_bindgen]
pub fn set_max_threads(n: usize) {
    sinew_kernels::par::set_max_threads(n)
}

#[wasm_bindgen]
pub fn tensor_from(data: Vec<f32>, shape: Vec<u32>) -> Result<TensorId, JsError> {
    let shape = shape.into_iter().map(|d| d as usize).collect();
    with_store(|s| Ok(s.insert(Tensor::new("tensor", shape, data)?)))
}

#[wasm_bindgen]
pub fn tensor_shape(id: TensorId) -> Result<Vec<u32>, JsError> {
    with_store(|s| Ok(s.get("shape", id)?.shape.iter().map(|&d| d as u32).collect()))
}

/// Copies a tensor's values out (one copy, into a fresh `Float32Array`).
#[wasm_bindgen]
pub fn tensor_read(id: TensorId) -> Result<Vec<f32>, JsError> {
    with_store(|s| Ok(s.get("data", id)?.data.clone()))
}

/// Frees a tensor; `false` when it was already freed.
#[wasm_bindgen]
pub fn tensor_dispose(id: TensorId) -> bool {
    STORE.with(|s| s.borrow_mut().dispose(id))
}

/// `[live tensors, bytes held by them, wasm memory bytes]`.
#[wasm_bindgen]
pub fn memory_stats() -> Vec<f64> {
    let (n, b) = STORE.with(|s| {
        let s = s.borrow();
        (s.len(), s.bytes())
    });
    #[cfg(target_arch = "wasm32")]
    let mem = core::arch::wasm32::memory_size(0) * 65536;
    #[cfg(not(target_arch = "wasm32"))]
    let mem = 0usize;
    vec![n as f64, b as f64, mem as f64]
}

/// `op(a)·op(b)`; the flags transpose an operand without copying it.
#[wasm_bindgen]
pub fn op_matmul(a: TensorId, b: TensorId, trans_a: bool, trans_b: bool) -> Result<TensorId, JsError> {
    with_store(|s| ops::matmul(s, a, b, trans_a, trans_b))
}

#[wasm_bindgen]
pub fn op_add(a: TensorId, b: TensorId) -> Result<TensorId, JsError> {
    with_store(|s| ops::add(s, a, b))
}

/// Runs the register-only SIMD multiply-add loop (see kernels::peak); JS
/// times it. Returns the loop's result so it cannot be optimised away.
#[wasm_bindgen]
pub fn bench_simd_peak(iters: u32) -> f32 {
    sinew_kernels::peak::simd_mul_add_loop(iters, 1e-3, 0.999)
}

/// Flops done by `bench_simd_peak(iters)`.
#[wasm_bindgen]
pub fn bench_simd_peak_flops(iters: u32) -> f64 {
    sinew_kernels::peak::simd_mul_add_flops(iters)
}
