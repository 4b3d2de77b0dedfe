//! Parallel loops for kernels: a small fork-join pool (see [`pool`]) and the
//! thread-count policy every kernel shares.
//!
//! A kernel splits its work into tasks whose boundaries depend only on the
//! shapes (so results never depend on the thread count) and hands them to one
//! of the loops below. The calling thread takes part; idle workers claim the
//! remaining tasks from a shared counter. Kernels split only when `threads() >
//! 1` and the job is big enough to pay for the hand-off (thresholds live next
//! to each kernel and are justified by `benches/`). `set_max_threads` caps
//! parallelism at run time (1-thread vs N-thread comparisons in one process).

mod pool;
mod stats;

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub use pool::{broken_flag, pool_size, start_workers, worker_main, MAX_THREADS};
pub use stats::{reset as reset_stats, set_clock, set_profiling, snapshot as stats, Stats, ThreadStats};

static CAP: AtomicUsize = AtomicUsize::new(usize::MAX);

thread_local! {
    static LOCAL_CAP: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Caps the number of threads kernels may use (`0` means "no cap").
pub fn set_max_threads(n: usize) {
    CAP.store(if n == 0 { usize::MAX } else { n }, Ordering::Relaxed);
}

/// Runs `f` with kernels called from this thread capped at `n` threads
/// (tests compare thread counts this way while other tests run in parallel).
pub fn with_max_threads<R>(n: usize, f: impl FnOnce() -> R) -> R {
    let old = LOCAL_CAP.with(|c| c.replace(n.max(1)));
    let r = f();
    LOCAL_CAP.with(|c| c.set(old));
    r
}

/// Threads available to kernels: the calling thread plus the pool's workers,
/// capped by `set_max_threads` (and `with_max_threads`).
pub fn threads() -> usize {
    pool_size().min(CAP.load(Ordering::Relaxed)).min(LOCAL_CAP.with(Cell::get)).max(1)
}

/// Runs `f(i, item)` once for every item, spread over the pool. Items are
/// typically disjoint `&mut` pieces of an output (which is what makes the
/// hand-off safe: each one moves to exactly one task).
pub fn for_each<T: Send>(items: Vec<T>, f: impl Fn(usize, T) + Sync) {
    for_each_init(items, || (), |_, i, item| f(i, item));
}

/// [`for_each`] with per-thread scratch: `init` runs once on each thread that
/// takes part, and its value is handed to every task that thread runs.
pub fn for_each_init<T: Send, S>(items: Vec<T>, init: impl Fn() -> S + Sync, f: impl Fn(&mut S, usize, T) + Sync) {
    let n = items.len();
    if n <= 1 || threads() == 1 {
        let mut s = init();
        for (i, item) in items.into_iter().enumerate() {
            f(&mut s, i, item);
        }
        return;
    }
    // One uncontended lock per item (an atomic swap): negligible next to a
    // task of several µs, and it keeps the hand-off free of `unsafe`.
    let cells: Vec<Mutex<Option<T>>> = items.into_iter().map(|x| Mutex::new(Some(x))).collect();
    pool::run(n, &|claim: &mut pool::Claim| {
        let mut scratch = None;
        while let Some(i) = claim.next() {
            let item = cells[i].lock().unwrap_or_else(|e| e.into_inner()).take().expect("each task runs once");
            f(scratch.get_or_insert_with(&init), i, item);
        }
    });
}

/// Runs `f(i, chunk)` on consecutive `size`-long chunks of `data` (the last
/// may be shorter), in parallel.
pub fn chunks_mut<T: Send>(data: &mut [T], size: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    for_each(data.chunks_mut(size.max(1)).collect(), f);
}

/// `[f(0), f(1), …, f(n-1)]`, computed in parallel, in index order.
pub fn map<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    if n <= 1 || threads() == 1 {
        return (0..n).map(f).collect();
    }
    let out: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    pool::run(n, &|claim: &mut pool::Claim| {
        while let Some(i) = claim.next() {
            *out[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(f(i));
        }
    });
    out.into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()).expect("each task runs once"))
        .collect()
}

/// How many threads take part in a job sized for the whole pool: each task
/// waits (boundedly) until every task has started, so no thread can run two.
/// Proves the workers are alive; used by tests.
pub fn probe() -> usize {
    let n = threads();
    let started = AtomicUsize::new(0);
    let seen = Mutex::new(Vec::new());
    for_each((0..n).collect(), |_, _: usize| {
        started.fetch_add(1, Ordering::SeqCst);
        // ~1 s at most whatever the clock (a dead worker must not hang this).
        for _ in 0..1u64 << 30 {
            if started.load(Ordering::SeqCst) >= n {
                break;
            }
            std::hint::spin_loop();
        }
        thread_local!(static ME: u8 = const { 0 });
        let me = ME.with(|m| m as *const u8 as usize);
        seen.lock().unwrap_or_else(|e| e.into_inner()).push(me);
    });
    let mut seen = seen.into_inner().unwrap_or_else(|e| e.into_inner());
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn every_item_runs_exactly_once_whatever_the_cap() {
        // (The per-thread cap: the global one would change other tests' pools.)
        for cap in [1, 2, 3, MAX_THREADS] {
            for n in [0, 1, 2, 3, 7, 64, 1000] {
                let hits: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
                with_max_threads(cap, || {
                    for_each((0..n).collect(), |i, item: usize| {
                        assert_eq!(i, item);
                        hits[i].fetch_add(1, Ordering::Relaxed);
                    })
                });
                assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1), "n = {n}, cap = {cap}");
            }
        }
    }

    #[test]
    fn map_keeps_index_order_and_chunks_cover_the_slice() {
        let squares = map(500, |i| i * i);
        assert_eq!(squares, (0..500).map(|i| i * i).collect::<Vec<_>>());
        let mut v = vec![0usize; 1001];
        chunks_mut(&mut v, 100, |k, c| {
            for (j, x) in c.iter_mut().enumerate() {
                *x = k * 100 + j;
            }
        });
        assert_eq!(v, (0..1001).collect::<Vec<_>>());
    }

    #[test]
    fn scratch_is_made_once_per_participating_thread() {
        let inits = AtomicU32::new(0);
        let sum = AtomicUsize::new(0);
        for_each_init(
            (0..256).collect(),
            || {
                inits.fetch_add(1, Ordering::Relaxed);
                Vec::<usize>::new()
            },
            |scratch, _, x: usize| {
                scratch.push(x);
                sum.fetch_add(x, Ordering::Relaxed);
            },
        );
        assert_eq!(sum.load(Ordering::Relaxed), 255 * 256 / 2);
        let inits = inits.load(Ordering::Relaxed) as usize;
        assert!((1..=pool_size()).contains(&inits), "{inits} inits for {} threads", pool_size());
    }

    #[test]
    fn nested_and_concurrent_calls_run_and_finish() {
        // Kernels may be called from several threads at once (cargo runs tests
        // in parallel; they take turns) and from inside a task (run inline).
        std::thread::scope(|s| {
            for t in 0..4 {
                s.spawn(move || {
                    for _ in 0..50 {
                        let v = map(16, |i| map(8, |j| i * j + t).iter().sum::<usize>());
                        assert_eq!(v, (0..16).map(|i| (0..8).map(|j| i * j + t).sum::<usize>()).collect::<Vec<_>>());
                    }
                });
            }
        });
    }

    #[test]
    fn every_thread_of_the_pool_takes_part_and_the_counters_see_it() {
        assert!(pool_size() >= 4, "native pools have at least 4 threads");
        // Other tests may hold the pool for a moment; the probe waits its turn.
        assert_eq!(with_max_threads(4, probe), 4);
        assert_eq!(with_max_threads(2, probe), 2);
        let before = stats();
        with_max_threads(4, || {
            for_each((0..64).collect(), |_, _: usize| std::thread::sleep(std::time::Duration::from_micros(200)))
        });
        let after = stats();
        let ran: Vec<u64> = (0..4).map(|t| after.threads[t].tasks - before.threads[t].tasks).collect();
        assert!(ran.iter().sum::<u64>() >= 64, "{ran:?}");
        assert!(ran.iter().filter(|&&n| n > 0).count() >= 2, "tasks ran on one thread only: {ran:?}");
    }

    #[test]
    fn a_panicking_task_reaches_the_caller_and_the_pool_keeps_working() {
        let r = std::panic::catch_unwind(|| {
            for_each((0..64).collect(), |i, _: usize| {
                if i == 40 {
                    panic!("task 40");
                }
            })
        });
        assert!(r.is_err());
        assert_eq!(map(100, |i| i).len(), 100);
    }
}
