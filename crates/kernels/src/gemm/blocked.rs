//! Cache-blocked GEMM over packed panels (GotoBLAS loop nest), serial.
//!
//! ```text
//! for jc in cols, step NC          B block (KC×NC) lives in L2
//!   for pc in 0..k, step KC         pack B block
//!     for ic in rows, step MC       pack A block
//!       for ir, step MR             A micro-panel (KC×MR, pre-broadcast) lives in L1
//!         for jr, step NR           stream B micro-panels from L2
//!           micro-kernel on one MR×NR tile of C
//! ```
//! Measured in V8: swapping the two innermost loops (B micro-panel in L1, A
//! streamed) and KC in 160..512 all land within noise (±2 %); the kernel's
//! instruction overhead, not the memory system, is the limit.

use super::kernel::{self, TileOut, A_STEP, MR, NR};
use super::pack::{pack_a, pack_b};
use super::{Epilogue, Gemm, Store};
use core::ops::Range;
use std::cell::RefCell;

/// Depth of a block. A micro-panel of A is `KC·MR·16` bytes = 20 KiB (24 KiB
/// with the relaxed builds' MR = 6; L1 is 32 KiB); a B micro-panel `KC·NR·4`
/// = 8 KiB.
pub(crate) const KC: usize = 256;
/// Rows of an A block. With the loop order above only one micro-panel of it
/// is hot at a time, so this just bounds the packing buffer (`MC·KC·16` bytes
/// = 240 KiB). A multiple of `MR` (5, or 6 in the relaxed builds).
pub(crate) const MC: usize = 60;
/// Columns of a B block: `KC·NC·4` = 512 KiB, re-read from L2 for every A
/// micro-panel (L2 is 1 MiB per core on the Zen 4 test machine).
pub(crate) const NC: usize = 512;

thread_local! {
    /// Packing buffers reused across calls on each thread (A, B).
    static BUFFERS: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
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
/// loop in `gemm_with` reads.
fn kc_nc(k: usize, cols: usize) -> (usize, usize) {
    (block_size(k, KC, 1), block_size(cols, NC, NR))
}

/// All of op(B) (`g.k × g.n`) packed in the order `gemm_with` consumes it
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

/// A `len`-long, 64-byte-aligned window of `buf` (grown as needed). The
/// allocator only guarantees 8 bytes; aligned panels keep the kernel's
/// 16-byte loads from straddling cache lines (cheap insurance: within noise
/// on Zen 4, which handles split loads well).
fn aligned(buf: &mut Vec<f32>, len: usize) -> &mut [f32] {
    const ALIGN_F32S: usize = 16;
    buf.resize(len + ALIGN_F32S, 0.0);
    let misalign = (buf.as_ptr() as usize / 4) % ALIGN_F32S;
    let start = (ALIGN_F32S - misalign) % ALIGN_F32S;
    &mut buf[start..start + len]
}

/// Computes rows `rows` × columns `cols` of C. With `Store::Direct`, `c[i]`
/// is the part of C row `rows.start + i` covering `cols`, and `ep` is
/// restricted to `cols` too. With `Store::Transposed` the product computed is
/// the transpose of the caller's C: `c[j]` is the caller's row
/// `cols.start + j` (all of it), `rows` must start at 0 and `ep` is indexed by
/// `rows` (see `narrow`).
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
) {
    // Reuse this thread's buffers; fall back to fresh ones if they are
    // unavailable (re-entrancy, thread teardown) rather than panic.
    let reused = BUFFERS
        .try_with(|cell| {
            let mut bufs = cell.try_borrow_mut().ok()?;
            let (abuf, bbuf) = &mut *bufs;
            gemm_with(g, a, b, rows.clone(), cols.clone(), c, ep, store, abuf, bbuf);
            Some(())
        })
        .ok()
        .flatten()
        .is_some();
    if !reused {
        gemm_with(g, a, b, rows, cols, c, ep, store, &mut Vec::new(), &mut Vec::new());
    }
}

#[allow(clippy::too_many_arguments)]
fn gemm_with(
    g: &Gemm,
    a: &[f32],
    b: BSource,
    rows: Range<usize>,
    cols: Range<usize>,
    c: &mut [&mut [f32]],
    ep: Epilogue,
    store: Store,
    abuf: &mut Vec<f32>,
    bbuf: &mut Vec<f32>,
) {
    let k = g.k;
    let (kc_max, nc_max) = kc_nc(k, cols.len());
    let mc_max = block_size(rows.len(), MC, MR);
    let abuf = aligned(abuf, mc_max.div_ceil(MR) * A_STEP * kc_max);
    let bbuf = aligned(bbuf, if matches!(b, BSource::Raw(_)) { nc_max.div_ceil(NR) * NR * kc_max } else { 0 });
    let ep = if ep.is_noop() { None } else { Some(ep) };
    // Next unread value of a pre-packed B (whose blocks cover all columns).
    let mut packed_at = 0;
    debug_assert!(matches!(b, BSource::Raw(_)) || cols == (0..g.n));

    for jc in cols.clone().step_by(nc_max) {
        let nc = nc_max.min(cols.end - jc);
        let bpanels = nc.div_ceil(NR);
        for pc in (0..k).step_by(kc_max) {
            let kc = kc_max.min(k - pc);
            let len = bpanels * NR * kc;
            let bblock: &[f32] = match b {
                BSource::Raw(b) => {
                    pack_b(g, b, pc, kc, jc, nc, &mut bbuf[..len]);
                    &bbuf[..len]
                }
                BSource::Packed(p) => {
                    packed_at += len;
                    &p[packed_at - len..packed_at]
                }
            };
            let first = pc == 0;
            let last = pc + kc == k;
            for ic in rows.clone().step_by(mc_max) {
                let mc = mc_max.min(rows.end - ic);
                let ablock = &mut abuf[..mc.div_ceil(MR) * A_STEP * kc];
                pack_a(g, a, ic, mc, pc, kc, ablock);
                for (ip, pa) in ablock.chunks_exact(A_STEP * kc).enumerate() {
                    let r0 = ic - rows.start + ip * MR;
                    let mr = MR.min(mc - ip * MR);
                    for (jp, pb) in bblock.chunks_exact(NR * kc).enumerate() {
                        kernel::tile(
                            pa,
                            pb,
                            TileOut {
                                c: &mut *c,
                                r0,
                                c0: jc - cols.start + jp * NR,
                                mr,
                                nr: NR.min(nc - jp * NR),
                                load_c: g.accumulate || !first,
                                ep: if last { ep } else { None },
                                transposed: store == Store::Transposed,
                            },
                        );
                    }
                }
            }
        }
    }
}
