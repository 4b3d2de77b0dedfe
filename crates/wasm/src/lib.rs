//! wasm-bindgen surface of the Sinew engine.
//!
//! JavaScript holds tensors as `u32` handles; data crosses the boundary only
//! when created or read back. Errors are returned as JS `Error`s whose message
//! starts with the error class name (`ShapeError: matmul: ...`) so the
//! TypeScript layer can rethrow typed errors. Nothing here may panic on bad
//! input: a panic traps the instance.

use std::cell::RefCell;

use sinew_engine::shape::fmt_shape;
use sinew_engine::store::MAX_EXACT_INT;
use sinew_engine::{ops, DType, EngineError, ErrorKind, Store, Tensor, TensorId};
use wasm_bindgen::prelude::*;

mod autograd;
mod math;
mod nn;
mod optim;
mod random;
mod reserve;
mod rnn;
#[cfg(feature = "threads")]
mod pool;

#[global_allocator]
static ALLOCATOR: reserve::WithReserve = reserve::WithReserve;

thread_local! {
    // Only the thread that owns the engine (the JS thread that loaded it)
    // touches the store; pool workers only see kernel slices.
    static STORE: RefCell<Store> = RefCell::new(Store::new());
}

pub(crate) fn to_js(e: EngineError) -> JsError {
    JsError::new(&format!("{}: {}", e.kind.name(), e))
}

pub(crate) fn dims(shape: Vec<u32>) -> Vec<usize> {
    shape.into_iter().map(|d| d as usize).collect()
}

/// Runs an op on the store. Refuses to start when memory is exhausted (see
/// `reserve`), so the op cannot trap half-way.
pub(crate) fn with_store<T>(f: impl FnOnce(&mut Store) -> Result<T, EngineError>) -> Result<T, JsError> {
    reserve::ensure("engine").map_err(to_js)?;
    store_mut(f)
}

/// `with_store` without the memory check, for calls that free or reset
/// (ending a tape must work even when memory is exhausted).
pub(crate) fn store_mut<T>(f: impl FnOnce(&mut Store) -> Result<T, EngineError>) -> Result<T, JsError> {
    STORE.with(|s| f(&mut s.borrow_mut())).map_err(to_js)
}

/// Checks that `bytes` can be allocated now (growing the heap if needed),
/// before JavaScript copies that much data in: the glue's own allocation
/// cannot fail gracefully.
#[wasm_bindgen]
pub fn reserve_bytes(bytes: f64) -> Result<(), JsError> {
    let b = if bytes.is_finite() && bytes >= 0.0 && bytes < usize::MAX as f64 { bytes as usize } else { usize::MAX };
    sinew_engine::memory::reserve("tensor", b).map_err(to_js)
}

/// Build facts as JSON:
/// `{"simd":bool,"relaxedSimd":bool,"threads":bool,"version":"x.y.z"}`.
#[wasm_bindgen]
pub fn build_info() -> String {
    format!(
        r#"{{"simd":{},"relaxedSimd":{},"threads":{},"version":"{}"}}"#,
        sinew_kernels::simd::SIMD128,
        sinew_kernels::simd::RELAXED_SIMD,
        cfg!(feature = "threads"),
        env!("CARGO_PKG_VERSION")
    )
}

/// Every name table of the engine (`sinew_engine::names`) as JSON,
/// `{"activation":["linear",...],...}`: what the TypeScript unions must equal.
#[wasm_bindgen]
pub fn name_tables() -> String {
    let sets: Vec<String> = sinew_engine::names::tables()
        .into_iter()
        .map(|(set, names)| format!(r#""{set}":["{}"]"#, names.join(r#"",""#)))
        .collect();
    format!("{{{}}}", sets.join(","))
}

/// Threads kernels may use right now (pool size, capped by `set_max_threads`).
#[wasm_bindgen]
pub fn num_threads() -> usize {
    sinew_kernels::par::threads()
}

/// Threads of the pool (the engine's thread and the workers), regardless of the cap.
#[wasm_bindgen]
pub fn pool_size() -> usize {
    sinew_kernels::par::pool_size()
}

/// Caps kernel parallelism (0 = no cap). Used to compare 1 vs N threads in one run.
#[wasm_bindgen]
pub fn set_max_threads(n: usize) {
    sinew_kernels::par::set_max_threads(n)
}

/// A tensor from values; `int32` marks it as integers (checked).
#[wasm_bindgen]
pub fn tensor_from(data: Vec<f32>, shape: Vec<u32>, int32: bool) -> Result<TensorId, JsError> {
    let shape = shape.into_iter().map(|d| d as usize).collect();
    with_store(|s| {
        let mut t = Tensor::new("tensor", shape, data)?;
        if int32 {
            if let Some(v) = t.data.iter().find(|v| v.fract() != 0.0 || v.abs() > MAX_EXACT_INT) {
                return Err(EngineError::new(ErrorKind::DType, "tensor", format!("int32 tensor given the non-integer (or > 2^24) value {v}")));
            }
            t.dtype = DType::I32;
        }
        Ok(s.insert(t))
    })
}

/// `[dtype (0 = float32, 1 = int32), ...shape]`.
#[wasm_bindgen]
pub fn tensor_meta(id: TensorId) -> Result<Vec<u32>, JsError> {
    with_store(|s| {
        // (`meta`: a lazy tensor's values are not gathered, see `Store::insert_rows`)
        let (shape, dtype) = s.meta("shape", id)?;
        let code = match dtype {
            DType::F32 => 0,
            DType::I32 => 1,
        };
        Ok(std::iter::once(code).chain(shape.iter().map(|&d| d as u32)).collect())
    })
}

/// Overwrites `dst`'s values with `src`'s (same shape and dtype): `Variable.assign`.
#[wasm_bindgen]
pub fn tensor_assign(dst: TensorId, src: TensorId) -> Result<(), JsError> {
    with_store(|s| {
        let t = s.get("assign", src)?;
        let (shape, dtype, data) = (t.shape.clone(), t.dtype, sinew_engine::memory::copy("assign", &t.data)?);
        let d = s.get_mut("assign", dst)?;
        if d.shape != shape || d.dtype != dtype {
            return Err(EngineError::shape(
                "assign",
                format!("cannot assign {} {} to a variable of {} {}", dtype.name(), fmt_shape(&shape), d.dtype.name(), fmt_shape(&d.shape)),
            ));
        }
        d.data = data;
        Ok(())
    })
}

/// A tensor of `shape` filled with `value`.
#[wasm_bindgen]
pub fn tensor_fill(shape: Vec<u32>, value: f32) -> Result<TensorId, JsError> {
    let shape: Vec<usize> = shape.into_iter().map(|d| d as usize).collect();
    with_store(|s| {
        let n = sinew_engine::shape::size_of("fill", &shape)?;
        Ok(s.insert(Tensor::f32(shape, sinew_engine::memory::filled("fill", n, value)?)))
    })
}

/// `[byte offset, length]` of a tensor's values in the module's memory, for
/// JavaScript to copy them out of `wasm_memory()` in one copy (returning the
/// values as a `Vec` copied them twice: into the Vec, then out). Valid until
/// the next engine call.
#[wasm_bindgen]
pub fn tensor_data_view(id: TensorId) -> Result<Vec<u32>, JsError> {
    with_store(|s| {
        let data = &s.get("data", id)?.data;
        Ok(vec![data.as_ptr() as usize as u32, data.len() as u32])
    })
}

/// The module's memory: read by `tensor_data_view`'s callers, and (threads
/// builds) shared with the pool's workers.
#[wasm_bindgen]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
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

/// Runs GEMM's micro-kernel on L1-resident packed panels (see
/// `kernels::gemm::l1_kernel`); JS times it against `bench_simd_peak`.
#[wasm_bindgen]
pub fn bench_gemm_l1_kernel(reps: u32) -> f32 {
    sinew_kernels::gemm::l1_kernel(reps)
}

/// Flops done by `bench_gemm_l1_kernel(reps)`.
#[wasm_bindgen]
pub fn bench_gemm_l1_kernel_flops(reps: u32) -> f64 {
    sinew_kernels::gemm::l1_kernel_flops(reps)
}

/// A copy of a tensor (same shape, dtype and values), e.g. a Variable's initial value.
#[wasm_bindgen]
pub fn tensor_clone(id: TensorId) -> Result<TensorId, JsError> {
    with_store(|s| {
        let t = s.get("clone", id)?.try_clone("clone")?;
        Ok(s.insert(t))
    })
}

/// True when every value of every tensor is finite (`fit` checks a step's
/// gradients with it before applying them).
#[wasm_bindgen]
pub fn tensors_all_finite(ids: Vec<u32>) -> Result<bool, JsError> {
    with_store(|s| {
        let data = ids.iter().map(|&id| Ok(s.get("isFinite", id)?.data.as_slice())).collect::<Result<Vec<_>, EngineError>>()?;
        Ok(sinew_kernels::reduce::all_finite_many(&data))
    })
}

/// Number of NaN or infinite values in a tensor (checked once per `fit`).
#[wasm_bindgen]
pub fn tensor_count_non_finite(id: TensorId) -> Result<u32, JsError> {
    with_store(|s| Ok(sinew_kernels::reduce::count_non_finite(&s.get("isFinite", id)?.data) as u32))
}
