//! The fork-join pool behind [`super::for_each`] and friends.
//!
//! Why not rayon: on wasm, `std::thread::yield_now` is a no-op, so rayon's
//! idle workers (32 rounds of `yield_now`) park almost at once and nearly every
//! kernel paid a futex wake-up (`Atomics.wait`/`notify`: 28–40 µs median round
//! trip in Node, p99 0.5 ms); and a call from the engine thread, which is not a
//! rayon worker, was injected into the pool while the caller slept on a latch,
//! so with 2 threads only the workers computed. Here:
//!
//! - the calling thread runs tasks too, claimed from one atomic counter, so a
//!   late worker simply finds fewer (or no) tasks left;
//! - a worker spins on its own slot for [`SPIN_NS`] after its last job (a
//!   training step's kernels follow each other within that), then parks on a
//!   condition variable (on wasm32 with atomics std's `Condvar` compiles to
//!   `memory.atomic.wait32`, i.e. `Atomics.wait`), so an idle process does not
//!   burn a core;
//! - a job is posted to each worker's slot and either taken by the worker or
//!   withdrawn by the caller when it ran out of tasks first, so the caller never
//!   waits for a worker that has not started (it only waits for a task in
//!   flight).
//!
//! One job runs at a time: a parallel loop inside a task runs inline on that
//! thread, and (natively, where tests call kernels from several threads) a
//! second caller waits its turn. Natively the workers are std threads,
//! started on first use.

use std::cell::Cell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering::*};
use std::sync::{Condvar, Mutex};

use super::stats::{self, add_since, mark, THREADS};

/// Most threads (caller included) a pool can have.
pub const MAX_THREADS: usize = 64;
/// How long an idle worker spins before parking. Long enough to bridge the
/// gaps between the kernels of a training step (JS glue between calls: µs to
/// tens of µs); short enough that an idle engine frees its cores at once.
const SPIN_NS: u64 = 300_000;
/// Without a clock (wasm before the host set one), spin this many rounds.
const SPIN_ROUNDS_NO_CLOCK: u32 = 1 << 18;
/// Slot polls between clock reads while spinning.
const POLLS_PER_CLOCK_READ: u32 = 64;

const IDLE: u32 = 0;
const POSTED: u32 = 1;
const RUNNING: u32 = 2;

/// Tasks of the current job, handed out in index order.
pub(crate) struct Claim<'a> {
    next: &'a AtomicUsize,
    n: usize,
    taken: u64,
}

impl Claim<'_> {
    /// The next unclaimed task index, if any.
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn next(&mut self) -> Option<usize> {
        let i = self.next.fetch_add(1, Relaxed);
        (i < self.n).then(|| {
            self.taken += 1;
            i
        })
    }
}

type Work<'a> = &'a (dyn Fn(&mut Claim) + Sync);

struct Job<'a> {
    work: Work<'a>,
    next: AtomicUsize,
    n: usize,
    panicked: AtomicBool,
}

impl Job<'_> {
    /// Runs this thread's share; `who` is its stats slot. A panic is recorded
    /// rather than unwound through a worker, and re-raised by the caller.
    fn share(&self, who: usize) {
        let c = &THREADS[who];
        let t0 = mark();
        let mut claim = Claim { next: &self.next, n: self.n, taken: 0 };
        IN_TASK.with(|f| f.set(true));
        if catch_unwind(AssertUnwindSafe(|| (self.work)(&mut claim))).is_err() {
            self.panicked.store(true, Relaxed);
            self.next.store(self.n, Relaxed); // nobody starts another task
        }
        IN_TASK.with(|f| f.set(false));
        c.jobs.fetch_add(1, Relaxed);
        c.tasks.fetch_add(claim.taken, Relaxed);
        add_since(&c.work_ns, t0);
    }
}

/// A worker's mailbox, on its own cache line.
#[repr(align(64))]
struct Slot {
    state: AtomicU32,
    job: AtomicPtr<Job<'static>>,
    sleeping: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Slot {
    const fn new() -> Self {
        Slot {
            state: AtomicU32::new(IDLE),
            job: AtomicPtr::new(std::ptr::null_mut()),
            sleeping: AtomicBool::new(false),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        }
    }
}

static SLOTS: [Slot; MAX_THREADS - 1] = [const { Slot::new() }; MAX_THREADS - 1];
/// Workers that have entered [`worker_main`].
static WORKERS: AtomicUsize = AtomicUsize::new(0);
static ARRIVED: (Mutex<()>, Condvar) = (Mutex::new(()), Condvar::new());
/// Held by the thread whose job is running.
static BUSY: AtomicBool = AtomicBool::new(false);
/// Non-zero once the host saw a worker thread die (on wasm: a JS worker that
/// exited, failed or was terminated; the host writes this word through
/// [`broken_flag`]). A task that worker had claimed will never finish, so a
/// caller waiting for it panics (a trap on wasm) instead of waiting forever.
static BROKEN: AtomicU32 = AtomicU32::new(0);

/// The pool's "a worker died" word, for the host to set (see [`BROKEN`]).
pub fn broken_flag() -> &'static AtomicU32 {
    &BROKEN
}

thread_local! {
    /// Set while this thread runs a task: a parallel loop inside a task runs
    /// inline (its thread's share of the outer job is its share of the work).
    static IN_TASK: Cell<bool> = const { Cell::new(false) };
}

/// Threads a kernel can use: the caller plus the workers.
pub fn pool_size() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    native::ensure_started();
    1 + WORKERS.load(Acquire).min(MAX_THREADS - 1)
}

/// Waits until `threads - 1` workers have entered [`worker_main`] (on wasm the
/// host starts them: JS workers over the shared memory; natively they are
/// std threads started on first use).
pub fn start_workers(threads: usize) {
    let want = threads.clamp(1, MAX_THREADS) - 1;
    let mut g = ARRIVED.0.lock().unwrap_or_else(|e| e.into_inner());
    while WORKERS.load(Acquire) < want {
        g = ARRIVED.1.wait(g).unwrap_or_else(|e| e.into_inner());
    }
}

/// Body of a pool worker thread: never returns.
pub fn worker_main() -> ! {
    let w = WORKERS.fetch_add(1, AcqRel);
    {
        let _g = ARRIVED.0.lock().unwrap_or_else(|e| e.into_inner());
        ARRIVED.1.notify_all();
    }
    if w >= SLOTS.len() {
        // More workers than slots: this one can never be given work.
        loop {
            std::thread::park();
        }
    }
    let slot = &SLOTS[w];
    let c = &THREADS[w + 1];
    loop {
        let t0 = mark();
        let posted = spin_until_posted(slot);
        let t1 = add_since(&c.spin_ns, t0);
        if !posted {
            park(slot);
            c.parks.fetch_add(1, Relaxed);
            add_since(&c.park_ns, t1);
        }
        if slot.state.compare_exchange(POSTED, RUNNING, Acquire, Relaxed).is_ok() {
            // SAFETY: the caller keeps the job alive until it sees this slot
            // back to IDLE (see `run`), and published it before POSTED.
            let job = unsafe { &*slot.job.load(Relaxed) };
            job.share(w + 1);
            slot.state.store(IDLE, Release);
        }
    }
}

fn spin_until_posted(slot: &Slot) -> bool {
    let start = stats::now_ns();
    let mut rounds = 0u32;
    loop {
        for _ in 0..POLLS_PER_CLOCK_READ {
            if slot.state.load(Acquire) == POSTED {
                return true;
            }
            std::hint::spin_loop();
        }
        rounds += 1;
        let expired = match (start, stats::now_ns()) {
            (Some(t0), Some(t1)) => t1.saturating_sub(t0) >= SPIN_NS,
            _ => rounds * POLLS_PER_CLOCK_READ >= SPIN_ROUNDS_NO_CLOCK,
        };
        if expired {
            return false;
        }
    }
}

/// Sleeps until a job is posted. `sleeping` and `state` form a Dekker pair
/// (both SeqCst): either the poster sees `sleeping` and notifies under the
/// lock, or this thread sees POSTED before waiting.
fn park(slot: &Slot) {
    let mut g = slot.lock.lock().unwrap_or_else(|e| e.into_inner());
    slot.sleeping.store(true, SeqCst);
    while slot.state.load(SeqCst) != POSTED {
        g = slot.wake.wait(g).unwrap_or_else(|e| e.into_inner());
    }
    slot.sleeping.store(false, Relaxed);
}

/// Runs `work` on the caller and on up to `threads() - 1` workers, each
/// claiming task indices `0..n` until none are left; returns when all are done.
pub(crate) fn run(n: usize, work: Work) {
    let helpers = (super::threads() - 1).min(n.saturating_sub(1));
    let nested = IN_TASK.with(Cell::get);
    if helpers == 0 || nested {
        if helpers > 0 {
            stats::INLINE.fetch_add(1, Relaxed);
        }
        work(&mut Claim { next: &AtomicUsize::new(0), n, taken: 0 });
        return;
    }
    // Another thread's job is running (only natively: on wasm the engine
    // thread is the only caller): take turns.
    while BUSY.compare_exchange_weak(false, true, Acquire, Relaxed).is_err() {
        std::thread::yield_now();
    }
    let job = Job { work, next: AtomicUsize::new(0), n, panicked: AtomicBool::new(false) };
    let slots = &SLOTS[..helpers];
    let ptr = &job as *const Job as *mut Job<'static>;
    for slot in slots {
        slot.job.store(ptr, Relaxed);
        slot.state.store(POSTED, SeqCst);
        if slot.sleeping.load(SeqCst) {
            let _g = slot.lock.lock().unwrap_or_else(|e| e.into_inner());
            slot.wake.notify_one();
            THREADS[0].wakes.fetch_add(1, Relaxed);
        }
    }
    job.share(0); // never unwinds: panics are caught and recorded
    join(slots); // after this no worker holds `ptr`
    BUSY.store(false, Release);
    if job.panicked.load(Relaxed) {
        resume_unwind(Box::new("a parallel kernel task panicked"));
    }
}

/// Withdraws posts no worker took, and waits for workers still running.
fn join(slots: &[Slot]) {
    let me = &THREADS[0];
    let t0 = mark();
    for slot in slots {
        if slot.state.compare_exchange(POSTED, IDLE, Relaxed, Relaxed).is_ok() {
            me.withdrawn.fetch_add(1, Relaxed);
            continue;
        }
        while slot.state.load(Acquire) != IDLE {
            if BROKEN.load(Relaxed) != 0 {
                panic!("a thread-pool worker died while running a task");
            }
            std::hint::spin_loop();
        }
    }
    add_since(&me.join_ns, t0);
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::sync::Once;

    /// Native pools have at least 4 threads so tests exercise the scheduler
    /// beyond two threads on any machine.
    pub(super) fn ensure_started() {
        static START: Once = Once::new();
        START.call_once(|| {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(4, super::MAX_THREADS);
            for i in 1..n {
                std::thread::Builder::new()
                    .name(format!("sinew-pool-{i}"))
                    .spawn(|| super::worker_main())
                    .expect("spawn a pool worker");
            }
            super::start_workers(n);
        });
    }
}
