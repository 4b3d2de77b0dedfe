//! A worker that dies while running a task (on wasm: a JS pool worker that
//! exits or is terminated) never finishes it. Once the host has flagged the
//! death (`par::broken_flag`), the caller waiting for that task panics instead
//! of waiting forever. Its own test binary: the simulated dead worker stays
//! stuck and the pool is unusable afterwards.

use std::sync::atomic::{AtomicBool, Ordering::*};
use std::time::{Duration, Instant};

use sinew_kernels::par;

#[test]
fn a_caller_waiting_for_a_dead_workers_task_panics_once_flagged() {
    static CLAIMED_BY_WORKER: AtomicBool = AtomicBool::new(false);
    let on_worker = || std::thread::current().name().is_some_and(|n| n.starts_with("sinew-pool"));
    let flagger = std::thread::spawn(|| {
        // Flag the "death" only once a worker is stuck in a task.
        while !CLAIMED_BY_WORKER.load(SeqCst) {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(100));
        par::broken_flag().store(1, SeqCst);
    });
    let t0 = Instant::now();
    let r = std::panic::catch_unwind(|| {
        par::for_each((0..64).collect::<Vec<u32>>(), |_, _| {
            if on_worker() {
                // A dead worker: the task never returns.
                CLAIMED_BY_WORKER.store(true, SeqCst);
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
            // The caller's tasks take long enough for the workers to claim some.
            std::thread::sleep(Duration::from_millis(5));
        });
    });
    flagger.join().unwrap();
    let msg = r.expect_err("the caller must panic, not return").downcast_ref::<&str>().map(|s| s.to_string());
    assert_eq!(msg.as_deref(), Some("a thread-pool worker died while running a task"));
    assert!(t0.elapsed() < Duration::from_secs(10), "took {:?}", t0.elapsed());
}
