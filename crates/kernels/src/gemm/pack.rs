//! Packing: copies a block of op(A) / op(B) into the order the micro-kernel
//! reads it, so the hot loop walks both operands with unit stride whatever the
//! original layout. This is where transposes are absorbed.
//!
//! - A block `mc×kc` → `⌈mc/MR⌉` panels, each `kc` groups of `MR` row values.
//! - B block `kc×nc` → `⌈nc/NR⌉` panels, each `kc` groups of `NR` column values.
//!
//! Ragged last panels are zero-padded, so the kernel always computes full tiles
//! and only the store is edge-aware.

use super::kernel::{A_STEP, MR, NR};
use super::Gemm;

/// Packs rows `i0..i0+mc`, depth `p0..p0+kc` of op(A) into `dst`
/// (`⌈mc/MR⌉·MR·kc` values).
pub(super) fn pack_a(g: &Gemm, a: &[f32], i0: usize, mc: usize, p0: usize, kc: usize, dst: &mut [f32]) {
    for (ip, panel) in dst.chunks_exact_mut(A_STEP * kc).enumerate() {
        let i = i0 + ip * MR;
        let rows = MR.min(i0 + mc - i);
        for (p, d) in panel.chunks_exact_mut(A_STEP).enumerate() {
            for (r, lanes) in d.chunks_exact_mut(4).enumerate() {
                let x = if r < rows {
                    if g.trans_a { a[(p0 + p) * g.m + i + r] } else { a[(i + r) * g.k + p0 + p] }
                } else {
                    0.0
                };
                lanes.fill(x);
            }
        }
    }
}

/// Packs depth `p0..p0+kc`, columns `j0..j0+nc` of op(B) into `dst`
/// (`⌈nc/NR⌉·NR·kc` values).
pub(super) fn pack_b(g: &Gemm, b: &[f32], p0: usize, kc: usize, j0: usize, nc: usize, dst: &mut [f32]) {
    for (jp, panel) in dst.chunks_exact_mut(NR * kc).enumerate() {
        let j = j0 + jp * NR;
        let cols = NR.min(j0 + nc - j);
        if g.trans_b {
            // Stored n×k: each column of op(B) is contiguous along depth.
            for c in 0..cols {
                let src = &b[(j + c) * g.k + p0..][..kc];
                for (d, &x) in panel[c..].iter_mut().step_by(NR).zip(src) {
                    *d = x;
                }
            }
            for c in cols..NR {
                for d in panel[c..].iter_mut().step_by(NR) {
                    *d = 0.0;
                }
            }
        } else {
            // Stored k×n: the NR values for one depth step are contiguous.
            for (p, d) in panel.chunks_exact_mut(NR).enumerate() {
                let src = &b[(p0 + p) * g.n + j..][..cols];
                d[..cols].copy_from_slice(src);
                d[cols..].fill(0.0);
            }
        }
    }
}
