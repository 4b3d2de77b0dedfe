//! Fallible allocation of tensor storage.
//!
//! Rust aborts the process when an allocation fails, and in WebAssembly an
//! abort is a trap that leaves the instance unusable. Every buffer whose size
//! the user controls (tensor data, gradients, optimizer slots, large kernel
//! scratch) is therefore allocated here with `try_reserve_exact`, so running
//! out of memory is an `OutOfMemoryError` naming the op and the bytes asked
//! for, and everything allocated before stays intact. Small bounded
//! allocations (shapes, packing panels) are covered by the wasm crate's
//! reserve (see `crates/wasm/src/reserve.rs`).

use crate::error::{EngineError, ErrorKind, Result};

/// The error for an allocation of `bytes` that did not fit.
pub fn out_of_memory(op: &str, bytes: usize) -> EngineError {
    EngineError::new(
        ErrorKind::OutOfMemory,
        op,
        format!(
            "cannot allocate {} ({bytes} bytes): the engine's memory is exhausted; dispose tensors you no longer need or use smaller batches",
            human(bytes as u128)
        ),
    )
}

/// `4.29 GB`, `12.5 MB`: a byte count for messages (u128: a shape's size can exceed usize on wasm32).
pub(crate) fn human(bytes: u128) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.1} kB", b / 1e3)
    }
}

/// An empty vector with room for `n` values, or an out-of-memory error.
pub fn with_capacity<T>(op: &str, n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| out_of_memory(op, n.saturating_mul(std::mem::size_of::<T>())))?;
    Ok(v)
}

/// `n` copies of `value`.
pub fn filled<T: Clone>(op: &str, n: usize, value: T) -> Result<Vec<T>> {
    let mut v = with_capacity(op, n)?;
    v.resize(n, value);
    Ok(v)
}

/// `n` zeros; a large buffer is filled by the thread pool (most are op
/// outputs that the kernel then writes: a serial fill would leave the other
/// threads idle for its length).
pub fn zeros(op: &str, n: usize) -> Result<Vec<f32>> {
    let mut v = with_capacity(op, n)?;
    sinew_kernels::elementwise::fill_spare(&mut v, n, 0.0);
    Ok(v)
}

/// `n` values for a kernel that writes every one of them before anything
/// reads them: a non-accumulating GEMM's C (its first depth block stores
/// without loading C), an element-wise map's output. The storage is reserved
/// fallibly as in [`zeros`] (so running out of memory stays an
/// `OutOfMemoryError`), but not filled: for the small buffers of a training
/// step, the memset ran serially on the engine thread while the pool waited,
/// and a large one cost a fork/join of its own.
///
/// The caller must pass the whole vector to such a kernel before the values
/// are read or the vector leaves the op. Debug builds and the engine's own
/// tests fill it with NaN instead, so a kernel that skipped a value shows up.
pub fn for_overwrite(op: &str, n: usize) -> Result<Vec<f32>> {
    let mut v = with_capacity(op, n)?;
    if cfg!(any(test, debug_assertions)) {
        v.resize(n, f32::NAN);
        return Ok(v);
    }
    // SAFETY: `with_capacity` reserved room for `n` values; every f32 bit
    // pattern is a valid value, and the caller's kernel stores each element
    // before it is read (see above), so no uninitialised value is observed.
    unsafe { v.set_len(n) };
    Ok(v)
}

/// A copy of `src`.
pub fn copy<T: Clone>(op: &str, src: &[T]) -> Result<Vec<T>> {
    let mut v = with_capacity(op, src.len())?;
    v.extend_from_slice(src);
    Ok(v)
}

/// The values of an iterator of known length (e.g. random numbers).
pub fn collect<T>(op: &str, n: usize, it: impl Iterator<Item = T>) -> Result<Vec<T>> {
    let mut v = with_capacity(op, n)?;
    v.extend(it);
    Ok(v)
}

/// Checks that `bytes` of scratch memory can be had right now: the probe
/// grows the heap if needed and gives the space back to the allocator, which
/// hands it to the kernel's own (infallible) scratch allocation that follows.
pub fn reserve(op: &str, bytes: usize) -> Result<()> {
    with_capacity::<u8>(op, bytes).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_sizes_are_typed_errors() {
        let e = zeros("zeros", usize::MAX / 4).unwrap_err();
        assert_eq!(e.kind, ErrorKind::OutOfMemory);
        assert!(e.to_string().starts_with("zeros: cannot allocate"), "{e}");
        assert!(e.to_string().contains(&format!("{} bytes", (usize::MAX / 4) * 4)), "{e}");
        assert!(reserve("conv2d", usize::MAX).is_err());
        let e = for_overwrite("matmul", usize::MAX / 4).unwrap_err();
        assert_eq!(e.kind, ErrorKind::OutOfMemory);
        assert!(e.to_string().starts_with("matmul: cannot allocate"), "{e}");
    }

    #[test]
    fn buffers_for_overwrite_are_poisoned_in_tests() {
        // So the engine's tests catch an op whose kernel leaves a value unwritten.
        let v = for_overwrite("t", 5).unwrap();
        assert!(v.len() == 5 && v.iter().all(|x| x.is_nan()));
    }

    #[test]
    fn buffers_have_the_asked_contents() {
        assert_eq!(zeros("t", 3).unwrap(), vec![0.0; 3]);
        // Above the element-wise threshold the pool fills it, in pieces.
        let n = 3 * sinew_kernels::elementwise::PAR_MIN_ELEMS + 5;
        for threads in [1, 4] {
            drop(vec![1.0f32; n]); // (so the allocator may hand back non-zero memory)
            let z = sinew_kernels::par::with_max_threads(threads, || zeros("t", n).unwrap());
            assert!(z.len() == n && z.iter().all(|&x| x.to_bits() == 0), "{threads} threads");
        }
        assert_eq!(copy("t", &[1.0f32, 2.0]).unwrap(), vec![1.0, 2.0]);
        assert_eq!(collect("t", 3, 0..3).unwrap(), vec![0, 1, 2]);
        assert_eq!(filled("t", 2, 7u32).unwrap(), vec![7, 7]);
    }
}
