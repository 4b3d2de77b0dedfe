//! Thread-count policy shared by every kernel.
//!
//! Kernels split work with rayon only when `threads() > 1` and the job is big
//! enough to pay for the hand-off (thresholds live next to each kernel and are
//! justified by `benches/`). `set_max_threads` lets the host cap parallelism at
//! run time (1-thread vs 2-thread comparisons in one process) without rebuilding
//! rayon's global pool, which can only be built once.

use std::sync::atomic::{AtomicUsize, Ordering};

static MAX_THREADS: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Caps the number of threads kernels may use (`0` means "no cap").
pub fn set_max_threads(n: usize) {
    MAX_THREADS.store(if n == 0 { usize::MAX } else { n }, Ordering::Relaxed);
}

/// Threads available to kernels: rayon's pool size, capped by `set_max_threads`.
pub fn threads() -> usize {
    rayon::current_num_threads()
        .min(MAX_THREADS.load(Ordering::Relaxed))
        .max(1)
}
