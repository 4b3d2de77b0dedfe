//! Counters of the pool, per thread: what each thread did with its time.
//!
//! Counts (tasks, jobs, parks, wake-ups) are always kept: they are relaxed
//! increments on the thread's own cache line. Times (working, spinning,
//! parked, waiting at the join) need a clock read per state change and are
//! kept only while profiling is on (`set_profiling`).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};

use super::pool::MAX_THREADS;

/// One thread's counters. Slot 0 is the calling thread (whichever thread
/// runs a kernel), slot `w + 1` is pool worker `w`.
#[repr(align(64))]
pub(super) struct Counters {
    /// Parallel kernel calls this thread took part in.
    pub jobs: AtomicU64,
    /// Tasks this thread ran.
    pub tasks: AtomicU64,
    /// Worker: times it gave up spinning and parked.
    pub parks: AtomicU64,
    /// Caller: parked workers it had to wake (a futex notify).
    pub wakes: AtomicU64,
    /// Caller: posted jobs withdrawn because the caller ran out of tasks
    /// before the worker arrived (late workers cost nothing but a CAS).
    pub withdrawn: AtomicU64,
    pub work_ns: AtomicU64,
    pub spin_ns: AtomicU64,
    pub park_ns: AtomicU64,
    /// Caller: waiting for workers to finish their last task.
    pub join_ns: AtomicU64,
}

impl Counters {
    const fn new() -> Self {
        Counters {
            jobs: AtomicU64::new(0),
            tasks: AtomicU64::new(0),
            parks: AtomicU64::new(0),
            wakes: AtomicU64::new(0),
            withdrawn: AtomicU64::new(0),
            work_ns: AtomicU64::new(0),
            spin_ns: AtomicU64::new(0),
            park_ns: AtomicU64::new(0),
            join_ns: AtomicU64::new(0),
        }
    }
}

pub(super) static THREADS: [Counters; MAX_THREADS] = [const { Counters::new() }; MAX_THREADS];
/// Parallel loops that ran inline because they were called from inside a task
/// (e.g. the GEMM of one convolution chunk).
pub(super) static INLINE: AtomicU64 = AtomicU64::new(0);
static PROFILING: AtomicBool = AtomicBool::new(false);
static CLOCK: AtomicUsize = AtomicUsize::new(0);

/// Gives the pool a clock in milliseconds (e.g. `performance.now`). Natively
/// `std::time::Instant` is used; wasm32-unknown-unknown has no clock of its
/// own, so the host provides one. It bounds the workers' spin and times the
/// profile.
pub fn set_clock(ms: fn() -> f64) {
    CLOCK.store(ms as usize, Relaxed);
}

/// Turns timing of the per-thread states on or off.
pub fn set_profiling(on: bool) {
    PROFILING.store(on, Relaxed);
}

pub(super) fn profiling() -> bool {
    PROFILING.load(Relaxed)
}

/// Nanoseconds on the pool's clock, or `None` when there is none.
pub(super) fn now_ns() -> Option<u64> {
    match CLOCK.load(Relaxed) {
        0 => native_now_ns(),
        f => {
            // SAFETY: only `set_clock` stores here, always a `fn() -> f64`.
            let ms: fn() -> f64 = unsafe { std::mem::transmute::<usize, fn() -> f64>(f) };
            Some((ms() * 1e6) as u64)
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn native_now_ns() -> Option<u64> {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    Some(START.get_or_init(Instant::now).elapsed().as_nanos() as u64)
}

#[cfg(target_arch = "wasm32")]
fn native_now_ns() -> Option<u64> {
    None
}

/// Timestamp for a profiled interval (`None` when not profiling).
pub(super) fn mark() -> Option<u64> {
    if profiling() { now_ns() } else { None }
}

/// Adds the time since `since` (from [`mark`]) to `to`; returns the new mark.
pub(super) fn add_since(to: &AtomicU64, since: Option<u64>) -> Option<u64> {
    let t0 = since?;
    let t1 = now_ns()?;
    to.fetch_add(t1.saturating_sub(t0), Relaxed);
    Some(t1)
}

/// What one thread did since the last reset.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ThreadStats {
    pub jobs: u64,
    pub tasks: u64,
    pub parks: u64,
    pub wakes: u64,
    pub withdrawn: u64,
    pub work_ms: f64,
    pub spin_ms: f64,
    pub park_ms: f64,
    pub join_ms: f64,
}

/// The pool's counters: `threads[0]` is the calling thread, then one entry per
/// worker.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub inline: u64,
    pub threads: Vec<ThreadStats>,
}

pub fn snapshot() -> Stats {
    let ms = |a: &AtomicU64| a.load(Relaxed) as f64 / 1e6;
    let threads = THREADS[..super::pool_size()]
        .iter()
        .map(|c| ThreadStats {
            jobs: c.jobs.load(Relaxed),
            tasks: c.tasks.load(Relaxed),
            parks: c.parks.load(Relaxed),
            wakes: c.wakes.load(Relaxed),
            withdrawn: c.withdrawn.load(Relaxed),
            work_ms: ms(&c.work_ns),
            spin_ms: ms(&c.spin_ns),
            park_ms: ms(&c.park_ns),
            join_ms: ms(&c.join_ns),
        })
        .collect();
    Stats { inline: INLINE.load(Relaxed), threads }
}

pub fn reset() {
    INLINE.store(0, Relaxed);
    for c in &THREADS {
        for a in [&c.jobs, &c.tasks, &c.parks, &c.wakes, &c.withdrawn, &c.work_ns, &c.spin_ns, &c.park_ns, &c.join_ns] {
            a.store(0, Relaxed);
        }
    }
}
