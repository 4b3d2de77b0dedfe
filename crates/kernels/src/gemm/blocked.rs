//! Cache-blocked GEMM over packed panels (GotoBLAS loop nest).
//!
//! ```text
//! for jc in cols, step NC          B block (KC×NC) lives in L2
//!   for pc in 0..k, step KC         pack B block (shared by every task)
//!     for ic in rows, step MC       pack A block (each task its own rows)
//!       for ir, step MR             A micro-panel (KC×MR, pre-broadcast) lives in L1
//!         for jr, step NR           stream B micro-panels from L2
//!           micro-kernel on one MR×NR tile of C
//! ```
//! Measured in V8: swapping the two innermost loops (B micro-panel in L1, A
//! streamed) and KC in 160..512 all land within noise (±2 %); the kernel's
//! instruction overhead, not the memory system, is the limit.
//!
//! Threads (BLIS's choice: parallelise the `ic` loop): each B block is packed
//! once, its panels split among the threads, and the tasks of a block are
//! groups of A micro-panels (rows of C) — or, when C has too few rows to give
//! every thread several, rows × column groups. A task packs only its own rows
//! of A, so nothing is packed twice (the former split into whole-C row blocks
//! repacked all of B per task: 5-10 % of a task at 256²-512²), and with at least 4
//! tasks per thread claimed from a shared counter a thread that starts late
//! (woken from a park, or descheduled on a busy machine) still finds work.
//! Every tile is computed by the same micro-kernel calls over the same depth
//! blocks whatever the split, so results do not depend on the thread count.

use super::kernel::{self, TileOut, A_STEP, MR, NR};
use super::pack::{pack_a, pack_b};
use super::{Epilogue, Gemm, Store};
use crate::par;
use core::ops::Range;
use std::cell::RefCell;
use std::thread::LocalKey;

/// Depth of a block. A micro-panel of A is `KC·MR·16` bytes = 20 KiB (24 KiB
/// with the relaxed builds' MR = 6; L1 is 32 KiB); a B micro-panel `KC·NR·4`
/// = 8 KiB.
pub(crate) const KC: usize = 256;
/// Rows of an A block. With the loop order above only one micro-panel of it
/// is hot at a time, so this just bounds the packing buffer (`MC·KC·16` bytes
/// = 240 KiB). A multiple of `MR` (5, or 6 in the relaxed builds).
pub(crate) const MC: usize = 60;
/// Columns of a B block: `KC·NC·4` = 512 KiB, re-read from L2 for every A
/// micro-panel. NC = 256 measured no better on the test hosts: at 1024² on
/// the Xeon (2 MiB L2 per core, 2026-12-02), and at 256²–1024² on a Zen 2
/// EPYC whose 512 KiB L2 this block fills (`benches/gemm-efficiency.mjs`,
/// 2026-12-03): the micro-kernel, not the cache, bounds the product.
pub(crate) const NC: usize = 512;

/// Tasks per thread of a parallel block, at least: enough that a late
/// thread still finds work and the last task to finish is short; cheap,
/// since tasks share the packed B block (see `Split::new`).
const TASKS_PER_THREAD: usize = 4;
/// No task smaller than this many flops (~10 µs single-threaded).
const MIN_TASK_FLOPS: usize = 250_000;
/// A B block of fewer floats is packed by the calling thread alone (~10 µs):
/// splitting it would cost a fork/join of its own.
const PAR_PACK_MIN_FLOATS: usize = 32 * 1024;

thread_local! {
    /// Packing buffers reused across calls on each thread.
    static A_BUF: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    static B_BUF: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on this thread's buffer `key`, or on a fresh one if it is
/// unavailable (re-entrancy, thread teardown) rather than panic.
fn with_buf<R>(key: &'static LocalKey<RefCell<Vec<f32>>>, f: impl FnOnce(&mut Vec<f32>) -> R) -> R {
    let mut f = Some(f);
    let reused = key.try_with(|cell| Some((f.take()?)(&mut *cell.try_borrow_mut().ok()?))).ok().flatten();
    match (reused, f) {
        (Some(r), _) => r,
        (None, Some(f)) => f(&mut Vec::new()),
        (None, None) => unreachable!("f runs once"),
    }
}
/// Where the blocked loop gets its B blocks from.
#[derive(Clone, Copy)]
pub(super) enum BSource<'a> {
    /// Packed here, block by block, from the caller's `b`.
    Raw(&'a [f32]),
    /// Already packed by [`pack_all_b`].
    Packed(&'a [f32]),
}

/// Depth and column block sizes used for a product of depth `k` over `cols`
/// columns: one place, so [`pack_all_b`] lays out exactly the blocks the
/// loop in [`gemm`] reads.
fn kc_nc(k: usize, cols: usize) -> (usize, usize) {
    (block_size(k, KC, 1), block_size(cols, NC, NR))
}

/// All of op(B) (`g.k × g.n`) packed in the order [`gemm`] consumes it
/// (column blocks, then depth blocks, each as `pack_b` writes it), so a
/// caller multiplying many A by the same B packs it once.
pub(super) fn pack_all_b(g: &Gemm, b: &[f32]) -> Vec<f32> {
    let (kc_max, nc_max) = kc_nc(g.k, g.n);
    let mut out = vec![0.0; g.n.div_ceil(nc_max).max(1) * nc_max * g.k];
    let mut at = 0;
    for jc in (0..g.n).step_by(nc_max) {
        let nc = nc_max.min(g.n - jc);
        for pc in (0..g.k).step_by(kc_max) {
            let kc = kc_max.min(g.k - pc);
            let len = nc.div_ceil(NR) * NR * kc;
            pack_b(g, b, pc, kc, jc, nc, &mut out[at..at + len]);
            at += len;
        }
    }
    out.truncate(at);
    out
}

/// Splits `len` into blocks of at most `max` (rounded to `unit`) of
/// near-equal size, so e.g. k = 784 runs as 4×196 rather than 3×256 + 16.
fn block_size(len: usize, max: usize, unit: usize) -> usize {
    let blocks = len.div_ceil(max);
    len.div_ceil(blocks).div_ceil(unit) * unit
}

/// A `len`-long, 64-byte-aligned window of `buf` (grown as needed, never
/// shrunk: a training step's products alternate between sizes, and resizing
/// down then up again zeroed the difference at every call). The allocator
/// only guarantees 8 bytes; aligned panels keep the kernel's 16-byte loads
/// from straddling cache lines (cheap insurance: within noise on Zen 4, which
/// handles split loads well). The packers write every value they use.
fn aligned(buf: &mut Vec<f32>, len: usize) -> &mut [f32] {
    const ALIGN_F32S: usize = 16;
    if buf.len() < len + ALIGN_F32S {
        buf.resize(len + ALIGN_F32S, 0.0);
    }
    let misalign = (buf.as_ptr() as usize / 4) % ALIGN_F32S;
    let start = (ALIGN_F32S - misalign) % ALIGN_F32S;
    &mut buf[start..start + len]
}

/// Computes rows `rows` × columns `cols` of C on up to `threads` threads.
/// With `Store::Direct`, `c[i]` is the part of C row `rows.start + i`
/// covering `cols`, and `ep` is restricted to `cols` too. With
/// `Store::Transposed` the product computed is the transpose of the caller's
/// C: `c[j]` is the caller's row `cols.start + j` (all of it), `rows` must
/// start at 0, `ep` is indexed by `rows` (see `narrow`) and `threads` must
/// be 1 (narrow splits its own work).
#[allow(clippy::too_many_arguments)]
pub(super) fn gemm(
    g: &Gemm,
    a: &[f32],
    b: BSource,
    rows: Range<usize>,
    cols: Range<usize>,
    c: &mut [&mut [f32]],
    ep: Epilogue,
    store: Store,
    threads: usize,
) {
    debug_assert!(store == Store::Direct || threads == 1);
    debug_assert!(matches!(b, BSource::Raw(_)) || cols == (0..g.n));
    let k = g.k;
    let (kc_max, nc_max) = kc_nc(k, cols.len());
    let split = Split::new(g, rows.len(), cols.len(), nc_max, threads);
    let mut parts = Split::parts(&split, c);
    let ep = if ep.is_noop() { None } else { Some(ep) };
    // Next unread value of a pre-packed B (whose blocks cover all columns).
    let mut packed_at = 0;
    with_buf(&B_BUF, |bbuf| {
        let bbuf = aligned(bbuf, if matches!(b, BSource::Raw(_)) { nc_max.div_ceil(NR) * NR * kc_max } else { 0 });
        for jc in cols.clone().step_by(nc_max) {
            let nc = nc_max.min(cols.end - jc);
            for pc in (0..k).step_by(kc_max) {
                let kc = kc_max.min(k - pc);
                let len = nc.div_ceil(NR) * NR * kc;
                let bblock: &[f32] = match b {
                    BSource::Raw(b) => {
                        pack_b_block(g, b, pc, kc, jc, nc, &mut bbuf[..len], threads);
                        &bbuf[..len]
                    }
                    BSource::Packed(p) => {
                        packed_at += len;
                        &p[packed_at - len..packed_at]
                    }
                };
                let block = Block {
                    g,
                    a,
                    bblock,
                    pc,
                    kc,
                    jc: jc - cols.start,
                    nc,
                    load_c: g.accumulate || pc > 0,
                    ep: if pc + kc == k { ep } else { None },
                    store,
                };
                match &mut parts {
                    Parts::One(c) => with_buf(&A_BUF, |abuf| block.run(rows.clone(), 0..cols.len(), c, abuf)),
                    Parts::Split(tasks) => par::for_each(tasks.iter_mut().collect(), |_, t: &mut Task| {
                        with_buf(&A_BUF, |abuf| {
                            block.run(rows.start + t.rows.start..rows.start + t.rows.end, t.cols.clone(), &mut t.c, abuf)
                        })
                    }),
                }
            }
        }
    });
}

/// Packs B's block (depth `pc..pc+kc`, columns `jc..jc+nc`), its panels split
/// over the threads when the block is big enough to repay a fork/join.
#[allow(clippy::too_many_arguments)]
fn pack_b_block(g: &Gemm, b: &[f32], pc: usize, kc: usize, jc: usize, nc: usize, dst: &mut [f32], threads: usize) {
    let panels = nc.div_ceil(NR);
    if threads <= 1 || dst.len() < PAR_PACK_MIN_FLOATS || panels < 2 {
        return pack_b(g, b, pc, kc, jc, nc, dst);
    }
    let per_task = panels.div_ceil(threads * 2);
    par::chunks_mut(dst, per_task * NR * kc, |t, chunk| {
        let j0 = t * per_task * NR;
        pack_b(g, b, pc, kc, jc + j0, (per_task * NR).min(nc - j0), chunk)
    });
}

/// One packed B block and what is needed to multiply rows of A into it.
struct Block<'a> {
    g: &'a Gemm,
    a: &'a [f32],
    bblock: &'a [f32],
    pc: usize,
    kc: usize,
    /// First column of the block, relative to the product's `cols.start`.
    jc: usize,
    nc: usize,
    load_c: bool,
    ep: Option<Epilogue<'a>>,
    store: Store,
}

impl Block<'_> {
    /// Rows `rows` (of op(A)) × the block's columns that fall in `cols`
    /// (relative to the product's first column, tile-aligned). `c[i]` holds
    /// row `rows.start + i`, from column `cols.start` on.
    fn run(&self, rows: Range<usize>, cols: Range<usize>, c: &mut [&mut [f32]], abuf: &mut Vec<f32>) {
        let (kc, nc) = (self.kc, self.nc);
        // The block's panels that lie in `cols`.
        let first = cols.start.max(self.jc).saturating_sub(self.jc).div_ceil(NR);
        let end = cols.end.min(self.jc + nc).saturating_sub(self.jc).div_ceil(NR);
        if first >= end {
            return;
        }
        // A Direct tile's epilogue indexes the bias by the column in `c`.
        let ep = match self.store {
            Store::Direct => self.ep.map(|ep| ep.cols(cols.clone())),
            Store::Transposed => self.ep,
        };
        let mc_max = block_size(rows.len(), MC, MR);
        let abuf = aligned(abuf, mc_max.div_ceil(MR) * A_STEP * kc);
        for ic in rows.clone().step_by(mc_max) {
            let mc = mc_max.min(rows.end - ic);
            let ablock = &mut abuf[..mc.div_ceil(MR) * A_STEP * kc];
            pack_a(self.g, self.a, ic, mc, self.pc, kc, ablock);
            for (ip, pa) in ablock.chunks_exact(A_STEP * kc).enumerate() {
                let r0 = ic - rows.start + ip * MR;
                let mr = MR.min(mc - ip * MR);
                for jp in first..end {
                    kernel::tile(
                        pa,
                        &self.bblock[jp * NR * kc..][..NR * kc],
                        TileOut {
                            c: &mut *c,
                            r0,
                            c0: self.jc + jp * NR - cols.start,
                            mr,
                            nr: NR.min(nc - jp * NR),
                            load_c: self.load_c,
                            ep,
                            transposed: self.store == Store::Transposed,
                        },
                    );
                }
            }
        }
    }
}

/// How a product's C is divided into tasks: groups of `MR`-row panels,
/// times groups of `NR`-column panels when there are too few row panels to
/// give each thread [`TASKS_PER_THREAD`]. The edges depend on the shape and
/// the thread count, never on timing; tile results do not depend on them.
struct Split {
    rows_per_task: usize,
    cols_per_task: usize,
}

/// One task's share of C: rows `rows` × columns `cols` (relative to the
/// product's first row/column); `c[i]` is row `rows.start + i`, from column
/// `cols.start` on.
struct Task<'c> {
    rows: Range<usize>,
    cols: Range<usize>,
    c: Vec<&'c mut [f32]>,
}

enum Parts<'s, 'c> {
    One(&'s mut [&'c mut [f32]]),
    Split(Vec<Task<'c>>),
}

impl Split {
    fn new(g: &Gemm, m: usize, n: usize, nc_max: usize, threads: usize) -> Option<Split> {
        if threads <= 1 {
            return None;
        }
        // Sized on one B block: each block is a fork/join of its own.
        let block_flops = 2 * m * nc_max.min(n) * g.k.min(KC);
        let most = (block_flops / MIN_TASK_FLOPS).max(threads);
        let want = (threads * TASKS_PER_THREAD).min(most);
        let row_panels = m.div_ceil(MR);
        // Row tasks pack nothing twice, so when rows alone give enough of
        // them, make them as fine as `MIN_TASK_FLOPS` allows: the threads
        // then finish within a small task of each other (7 tasks on 2
        // threads run 4 + 3, idling one thread for 1/8 of the block; 26 run
        // 13 + 13). Column groups repack A, so those stay few.
        let row_groups = if row_panels >= want { row_panels.min(most) } else { row_panels };
        let col_groups = want.div_ceil(row_groups).min(n.div_ceil(NR));
        let rows_per_task = row_panels.div_ceil(row_groups) * MR;
        let cols_per_task = n.div_ceil(NR).div_ceil(col_groups) * NR;
        Some(Split { rows_per_task, cols_per_task }).filter(|s| s.rows_per_task < m || s.cols_per_task < n)
    }

    /// Hands each task its disjoint part of `c` (one `split_at_mut` per row
    /// and column group, once per product).
    fn parts<'s, 'c>(this: &Option<Self>, c: &'s mut [&'c mut [f32]]) -> Parts<'s, 'c> {
        let Some(s) = this else { return Parts::One(c) };
        let mut tasks = Vec::new();
        for (rg, rows) in c.chunks_mut(s.rows_per_task).enumerate() {
            let r0 = rg * s.rows_per_task;
            let r = r0..r0 + rows.len();
            let n = rows.first().map_or(0, |row| row.len());
            let first = tasks.len();
            for j0 in (0..n).step_by(s.cols_per_task) {
                tasks.push(Task { rows: r.clone(), cols: j0..(j0 + s.cols_per_task).min(n), c: Vec::with_capacity(r.len()) });
            }
            for row in rows.iter_mut() {
                let mut rest: &'c mut [f32] = std::mem::take(row);
                for t in &mut tasks[first..] {
                    let (head, tail) = rest.split_at_mut(t.cols.len());
                    t.c.push(head);
                    rest = tail;
                }
            }
        }
        Parts::Split(tasks)
    }
}
