//! Narrow C (few columns, e.g. the N = 10 classifier layer): run the blocked
//! path on the transposed problem `Cᵀ = op(B)ᵀ · op(A)ᵀ` and store its tiles
//! transposed.
//!
//! Why: with N = 10 the direct tiling covers 10 columns with two 8-wide
//! panels (37 % of the second tile is padding), and each 5-row A panel, packed
//! 4× wide (pre-broadcast), feeds only two tiles, so packing A costs about as
//! much as the arithmetic. Transposed, the N side becomes the tile rows (10 =
//! 2 × 5 exactly in the plain builds, 6 + 4 with the relaxed builds' MR = 6),
//! the broadcast packing touches only the small operand (N·K values), and the
//! long M side streams through 8-wide panels packed once.
//! Measured in V8 (Node 20, threads build on 1 thread, Intel Xeon, CPU time
//! of interleaved repetitions on a shared machine, % of the register-only
//! mul+add peak): [128×256]·[256×10] 29 → 40 %, [256×128]ᵀ·[128×10]
//! 25 → 44 %, [1000×784]·[784×10] 29 → 50 %, while 512² ran at 70 %.

use super::blocked::{self, BSource};
use super::kernel::{MR, NR};
use super::{round_up, Epilogue, Gemm, Store};
use crate::par;

/// Whether `g` runs faster transposed: C is narrow (fewer than two 8-wide
/// panels), tall enough to fill 8-wide panels along M, and the transposed
/// tiling wastes no more of its tiles on padding than the direct one.
pub(super) fn prefer(g: &Gemm) -> bool {
    let (m, n) = (g.m, g.n);
    let useful = |rows: usize, cols: usize, mr: usize, nr: usize| {
        (rows * cols) as f64 / (rows.div_ceil(mr) * mr * cols.div_ceil(nr) * nr) as f64
    };
    n < 2 * NR && m >= 2 * NR && useful(n, m, MR, NR) >= useful(m, n, MR, NR)
}

/// `c (m×n) = act(op(a)·op(b) + bias)` via `Cᵀ`, split over `tasks` blocks of
/// C rows (1: on the calling thread). Block edges are multiples of `NR` and
/// the depth blocking does not depend on the split, so the result is the same
/// for any number of tasks.
pub(super) fn gemm(g: &Gemm, a: &[f32], b: &[f32], c: &mut [f32], ep: Epilogue, tasks: usize) {
    let (m, n) = (g.m, g.n);
    // op(B)ᵀ is n×k: stored k×n (plain B) it is the transposed layout.
    let gt = Gemm { m: n, n: m, k: g.k, trans_a: !g.trans_b, trans_b: !g.trans_a, accumulate: g.accumulate };
    let chunk = round_up(m.div_ceil(tasks.max(1)), NR);
    let run = |t: usize, block: &mut [f32]| {
        let r0 = t * chunk;
        let mut rows: Vec<&mut [f32]> = block.chunks_mut(n).collect();
        let r1 = r0 + rows.len();
        // Tile rows of Cᵀ are C's columns, so the bias (one value per column
        // of C) is indexed by tile row: not restricted to the column block.
        blocked::gemm(&gt, b, BSource::Raw(a), 0..n, r0..r1, &mut rows, ep, Store::Transposed, 1);
    };
    if tasks <= 1 {
        run(0, c);
    } else {
        par::chunks_mut(c, chunk * n, run);
    }
}
