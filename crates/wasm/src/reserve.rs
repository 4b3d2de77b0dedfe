//! Memory reserve: keeps small, unchecked allocations from trapping the
//! instance when the heap is nearly full.
//!
//! Buffers whose size the user controls are allocated fallibly (see
//! `sinew_engine::memory`), but a kernel still makes small allocations it
//! cannot fail gracefully (packing panels, per-thread scratch, shape vectors).
//! In WebAssembly a failed allocation aborts, which traps the instance. So
//! once the heap is large (memory can run out), every engine call first makes
//! sure a reserve block is held; an allocation that fails releases the reserve
//! and retries, so the call completes, and the next call either re-takes the
//! reserve or reports `OutOfMemoryError` before doing anything.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicPtr, Ordering};

use sinew_engine::EngineError;

/// Size of the reserve: covers a call's bounded scratch (GEMM panels are
/// ~0.75 MiB per thread, convolution chunks and partial sums a few MiB).
const RESERVE_BYTES: usize = 32 << 20;
/// Below this heap size memory can still grow by far more than a call's
/// scratch in every build, so no reserve is held (and none shows in memory
/// statistics).
const HOLD_ABOVE_BYTES: usize = 1 << 30;

static RESERVE: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());

fn layout() -> Layout {
    Layout::from_size_align(RESERVE_BYTES, 16).expect("valid layout")
}

/// Frees the reserve; true when there was one to free.
fn release() -> bool {
    let p = RESERVE.swap(std::ptr::null_mut(), Ordering::AcqRel);
    if p.is_null() {
        return false;
    }
    // SAFETY: `p` came from `System.alloc(layout())` in `ensure` and was owned only by RESERVE.
    unsafe { System.dealloc(p, layout()) };
    true
}

/// The global allocator: the system allocator, falling back on the reserve.
pub struct WithReserve;

unsafe impl GlobalAlloc for WithReserve {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = System.alloc(l);
        // Only allocations the reserve can satisfy retry; larger ones fail at
        // once (the fallible paths turn that into OutOfMemoryError).
        if p.is_null() && l.size() <= RESERVE_BYTES && release() {
            return System.alloc(l);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(l);
        if p.is_null() && l.size() <= RESERVE_BYTES && release() {
            return System.alloc_zeroed(l);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        let q = System.realloc(p, l, new_size);
        if q.is_null() && new_size <= RESERVE_BYTES && release() {
            return System.realloc(p, l, new_size);
        }
        q
    }
}

fn heap_bytes() -> usize {
    #[cfg(target_arch = "wasm32")]
    return core::arch::wasm32::memory_size(0) * 65536;
    #[cfg(not(target_arch = "wasm32"))]
    return 0;
}

/// Called before every engine call: holds the reserve when the heap is large,
/// or reports that memory is exhausted.
pub fn ensure(op: &str) -> Result<(), EngineError> {
    if heap_bytes() < HOLD_ABOVE_BYTES || !RESERVE.load(Ordering::Acquire).is_null() {
        return Ok(());
    }
    // SAFETY: a non-zero-size layout.
    let p = unsafe { System.alloc(layout()) };
    if p.is_null() {
        return Err(sinew_engine::memory::out_of_memory(op, RESERVE_BYTES));
    }
    if RESERVE.compare_exchange(std::ptr::null_mut(), p, Ordering::AcqRel, Ordering::Acquire).is_err() {
        // SAFETY: allocated just above, never shared.
        unsafe { System.dealloc(p, layout()) };
    }
    Ok(())
}
