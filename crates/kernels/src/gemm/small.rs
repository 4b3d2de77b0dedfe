//! Direct (unpacked) GEMM for shapes where packing would dominate: tiny
//! products, a single row of A (batch-1 inference), or very narrow C.

use super::kernel::{MR, NR};
use super::Gemm;
use crate::simd::F32x4;

/// At or below this `m·n·k` the packed path's fixed costs (packing both
/// operands, zero-padded edge tiles, per-tile calls) outweigh its faster
/// inner loop. Measured in V8: the direct path wins at 8³ (~10 vs ~5 GFLOPS)
/// and 16³ (~14 vs ~13), the packed one from 24³ (~20 vs ~16).
pub(crate) const SMALL_WORK: usize = 8 * 1024;

/// Whether `g` should skip packing.
pub(super) fn prefer(g: &Gemm) -> bool {
    // m < MR / n < NR/2: most of every tile would be padding.
    g.m.saturating_mul(g.n).saturating_mul(g.k) <= SMALL_WORK || g.m < MR || g.n < NR / 2
}

pub(super) fn gemm(g: &Gemm, a: &[f32], b: &[f32], c: &mut [f32]) {
    let (m, n, k) = (g.m, g.n, g.k);
    if (!g.trans_b || k == 1) && n >= 4 {
        // Rows of B are contiguous (with k = 1 both layouts hold one row):
        // for each row of C, walk strips of 8 (then 4) columns, accumulating
        // over k in registers.
        for (i, crow) in c.chunks_exact_mut(n).enumerate() {
            let mut j = 0;
            while j + 8 <= n {
                strip::<2>(g, a, b, i, j, &mut crow[j..j + 8]);
                j += 8;
            }
            if j + 4 <= n {
                strip::<1>(g, a, b, i, j, &mut crow[j..j + 4]);
                j += 4;
            }
            for (jj, out) in crow.iter_mut().enumerate().skip(j) {
                let s: f32 = (0..k).map(|p| g.a_at(a, i, p) * b[p * n + jj]).sum();
                *out = if g.accumulate { *out + s } else { s };
            }
        }
    } else if n == 1 && g.trans_a && m >= 4 {
        // Aᵀ·b (the gradient of a 1-unit layer's kernel): rows of the stored
        // A run along C, so C (+)= Σ_p b[p]·A[p, :], four outputs per lane.
        if !g.accumulate {
            c.fill(0.0);
        }
        for (p, arow) in a.chunks_exact(m).take(k).enumerate() {
            axpy(c, b[p], arow);
        }
    } else {
        // One dot product per element; SIMD when both operands run along k
        // (a column of a 1-column B is contiguous in either layout).
        for (i, crow) in c.chunks_exact_mut(n).enumerate() {
            for (j, out) in crow.iter_mut().enumerate() {
                let s = if !g.trans_a && (g.trans_b || n == 1) {
                    dot(&a[i * k..][..k], &b[j * k..][..k])
                } else {
                    (0..k).map(|p| g.a_at(a, i, p) * g.b_at(b, p, j)).sum()
                };
                *out = if g.accumulate { *out + s } else { s };
            }
        }
    }
}

/// `y += s·x` (equal lengths).
fn axpy(y: &mut [f32], s: f32, x: &[f32]) {
    let sv = F32x4::splat(s);
    let v = y.len() / 4 * 4;
    for i in (0..v).step_by(4) {
        F32x4::load(&y[i..]).mul_add(sv, F32x4::load(&x[i..])).store(&mut y[i..]);
    }
    for i in v..y.len() {
        y[i] += s * x[i];
    }
}

/// `out (+)= Σ_p a[i,p] · b[p, j..j+4·V]` for non-transposed B.
#[inline(always)]
fn strip<const V: usize>(g: &Gemm, a: &[f32], b: &[f32], i: usize, j: usize, out: &mut [f32]) {
    let mut acc = [F32x4::zero(); V];
    for (p, brow) in b.chunks_exact(g.n).take(g.k).enumerate() {
        let av = F32x4::splat(g.a_at(a, i, p));
        for (v, x) in acc.iter_mut().enumerate() {
            *x = x.mul_add(av, F32x4::load(&brow[j + v * 4..j + v * 4 + 4]));
        }
    }
    for (v, x) in acc.iter().enumerate() {
        let d = &mut out[v * 4..v * 4 + 4];
        let x = if g.accumulate { F32x4::load(d).add(*x) } else { *x };
        x.store(d);
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
