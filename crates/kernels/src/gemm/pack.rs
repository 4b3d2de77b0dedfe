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
use crate::simd::F32x4;

/// Packs rows `i0..i0+mc`, depth `p0..p0+kc` of op(A) into `dst`
/// (`⌈mc/MR⌉·A_STEP·kc` values), each value broadcast to 4 lanes: V8 folds
/// the address offset of a plain `v128.load` but not of `v128.load32_splat`,
/// so pre-broadcast values make the kernel's A loads one instruction each.
pub(super) fn pack_a(g: &Gemm, a: &[f32], i0: usize, mc: usize, p0: usize, kc: usize, dst: &mut [f32]) {
    for (ip, panel) in dst.chunks_exact_mut(A_STEP * kc).enumerate() {
        let i = i0 + ip * MR;
        let rows = MR.min(i0 + mc - i);
        let steps = panel.chunks_exact_mut(A_STEP);
        if g.trans_a {
            // Stored k×m: the MR values of one depth step are contiguous.
            for (p, d) in steps.enumerate() {
                let src = &a[(p0 + p) * g.m + i..][..rows];
                if rows == MR {
                    for (lanes, &x) in d.chunks_exact_mut(4).zip(src) {
                        F32x4::splat(x).store(lanes);
                    }
                } else {
                    for (r, lanes) in d.chunks_exact_mut(4).enumerate() {
                        F32x4::splat(src.get(r).copied().unwrap_or(0.0)).store(lanes);
                    }
                }
            }
        } else {
            // Stored m×k: each row is contiguous along depth.
            let src: [&[f32]; MR] =
                core::array::from_fn(|r| if r < rows { &a[(i + r) * g.k + p0..][..kc] } else { &[] });
            if rows == MR {
                for (p, d) in steps.enumerate() {
                    for (lanes, s) in d.chunks_exact_mut(4).zip(&src) {
                        F32x4::splat(s[p]).store(lanes);
                    }
                }
            } else {
                for (p, d) in steps.enumerate() {
                    for (r, lanes) in d.chunks_exact_mut(4).enumerate() {
                        F32x4::splat(src[r].get(p).copied().unwrap_or(0.0)).store(lanes);
                    }
                }
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
        let steps = panel.chunks_exact_mut(NR);
        if g.trans_b {
            // Stored n×k: each column of op(B) is contiguous along depth.
            let src: [&[f32]; NR] =
                core::array::from_fn(|c| if c < cols { &b[(j + c) * g.k + p0..][..kc] } else { &[] });
            if cols == NR {
                // Full panel: 4 depth steps at a time, 4×4 SIMD transposes of
                // one 4-wide load per source column (the scalar gather this
                // replaced cost about a third of a narrow product, whose big
                // operand is packed this way: see `narrow`).
                let mut steps4 = panel.chunks_exact_mut(4 * NR);
                for (q, d) in (&mut steps4).enumerate() {
                    for h in 0..NR / 4 {
                        let v: [F32x4; 4] = core::array::from_fn(|c| F32x4::load(&src[h * 4 + c][4 * q..4 * q + 4]));
                        for (u, x) in F32x4::transpose4(v).into_iter().enumerate() {
                            x.store(&mut d[u * NR + h * 4..u * NR + h * 4 + 4]);
                        }
                    }
                }
                let done = kc - kc % 4;
                for (p, d) in steps4.into_remainder().chunks_exact_mut(NR).enumerate() {
                    for (x, s) in d.iter_mut().zip(&src) {
                        *x = s[done + p];
                    }
                }
            } else {
                for (p, d) in steps.enumerate() {
                    for (x, s) in d.iter_mut().zip(&src) {
                        *x = s.get(p).copied().unwrap_or(0.0);
                    }
                }
            }
        } else if cols == NR {
            // Stored k×n: the NR values of one depth step are contiguous.
            for (p, d) in steps.enumerate() {
                let src = &b[(p0 + p) * g.n + j..][..NR];
                for v in 0..NR / 4 {
                    F32x4::load(&src[v * 4..v * 4 + 4]).store(&mut d[v * 4..v * 4 + 4]);
                }
            }
        } else {
            for (p, d) in steps.enumerate() {
                let src = &b[(p0 + p) * g.n + j..][..cols];
                for (c, x) in d.iter_mut().enumerate() {
                    *x = src.get(c).copied().unwrap_or(0.0);
                }
            }
        }
    }
}
