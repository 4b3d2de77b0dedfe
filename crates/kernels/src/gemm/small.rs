//! Direct (unpacked) GEMM for shapes where packing would dominate: tiny
//! products, a single row of A (batch-1 inference), or very narrow C.

use super::kernel::{MR, NR};
use super::Gemm;
use crate::simd::F32x4;

/// At or below this `m·n·k` the packed path's fixed costs (packing both
/// operands, zero-padded edge tiles) outweigh its faster inner loop.
pub(crate) const SMALL_WORK: usize = 16 * 1024;

/// Whether `g` should skip packing.
pub(super) fn prefer(g: &Gemm) -> bool {
    // m < MR / n < NR/2: most of every tile would be padding.
    g.m.saturating_mul(g.n).saturating_mul(g.k) <= SMALL_WORK || g.m < MR || g.n < NR / 2
}

pub(super) fn gemm(g: &Gemm, a: &[f32], b: &[f32], c: &mut [f32]) {
    let (n, k) = (g.n, g.k);
    if !g.trans_b && n >= 4 {
        // Rows of B are contiguous: c[i,:] += a[i,p] · b[p,:] (SIMD over j).
        for (i, crow) in c.chunks_exact_mut(n).enumerate() {
            if !g.accumulate {
                crow.fill(0.0);
            }
            for p in 0..k {
                axpy(g.a_at(a, i, p), &b[p * n..][..n], crow);
            }
        }
    } else {
        // One dot product per element; SIMD when both operands run along k.
        for (i, crow) in c.chunks_exact_mut(n).enumerate() {
            for (j, out) in crow.iter_mut().enumerate() {
                let s = if !g.trans_a && g.trans_b {
                    dot(&a[i * k..][..k], &b[j * k..][..k])
                } else {
                    (0..k).map(|p| g.a_at(a, i, p) * g.b_at(b, p, j)).sum()
                };
                *out = if g.accumulate { *out + s } else { s };
            }
        }
    }
}

/// `y += s·x`.
fn axpy(s: f32, x: &[f32], y: &mut [f32]) {
    let sv = F32x4::splat(s);
    let mut xs = x.chunks_exact(4);
    let mut ys = y.chunks_exact_mut(4);
    for (xv, yv) in (&mut xs).zip(&mut ys) {
        F32x4::load(yv).mul_add(sv, F32x4::load(xv)).store(yv);
    }
    for (xr, yr) in xs.remainder().iter().zip(ys.into_remainder()) {
        *yr += s * xr;
    }
}

/// `Σ x·y` with four lanes of partial sums.
fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut acc = F32x4::zero();
    let mut xs = x.chunks_exact(4);
    let mut ys = y.chunks_exact(4);
    for (xv, yv) in (&mut xs).zip(&mut ys) {
        acc = acc.mul_add(F32x4::load(xv), F32x4::load(yv));
    }
    let mut lanes = [0.0f32; 4];
    acc.store(&mut lanes);
    let tail: f32 = xs.remainder().iter().zip(ys.remainder()).map(|(a, b)| a * b).sum();
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}
