//! Softmax, log-softmax (forward/backward) and fused softmax cross-entropy,
//! all along the last axis: inputs are `rows × c` row-major.
//!
//! Stability: every row is shifted by its maximum before `exp`
//! ([`math::exp_v`]), so large logits (e.g. `[1010, 1000, 990]`) stay finite;
//! `-inf` entries give probability 0 (log-prob `-inf`). A row that is all
//! `-inf` (or contains NaN / +inf) gives NaN, as in PyTorch/TF.
//! `ln` is scalar (`f32::ln`), once per row.
//!
//! Rows are independent, so the parallel split (by whole rows) does not change
//! results.

use crate::elementwise::use_par;
use crate::par;
use crate::math::{self, exp_v};
use crate::simd::{fmax, F32x4};

/// Target elements per parallel task (whole rows).
const PAR_CHUNK: usize = 1 << 15;

#[inline]
fn rows_per_task(c: usize) -> usize {
    (PAR_CHUNK / c.max(1)).max(1)
}

#[inline]
fn row_max(x: &[f32]) -> f32 {
    let n = x.len();
    let mut acc = F32x4::splat(f32::NEG_INFINITY);
    let mut i = 0;
    while i + 4 <= n {
        acc = acc.max(F32x4::load(&x[i..]));
        i += 4;
    }
    let mut m = acc.hmax();
    while i < n {
        m = fmax(m, x[i]);
        i += 1;
    }
    m
}

/// Row max and the index of its first occurrence (first NaN if any).
#[inline]
fn row_max_idx(x: &[f32]) -> (f32, usize) {
    let m = row_max(x);
    let i = if m.is_nan() {
        x.iter().position(|v| v.is_nan())
    } else {
        x.iter().position(|&v| v == m)
    };
    (m, i.unwrap_or(0))
}

/// `Σ_{j != im} exp(x_j - m)`: the sum of the non-max terms, so that
/// `ln Σ = ln_1p(rest)` keeps full relative accuracy when one logit dominates.
#[inline]
fn exp_shift_rest(x: &[f32], m: f32, im: usize) -> f32 {
    exp_shift_sum(&x[..im], m) + exp_shift_sum(&x[im + 1..], m)
}

/// `y = exp(x - m)` and returns `Σ y` (f32 SIMD, 4 lanes).
#[inline]
fn exp_shift_store(x: &[f32], m: f32, y: &mut [f32]) -> f32 {
    let n = x.len();
    let mv = F32x4::splat(m);
    let mut acc = F32x4::zero();
    let mut i = 0;
    while i + 4 <= n {
        let e = exp_v(F32x4::load(&x[i..]).sub(mv));
        e.store(&mut y[i..]);
        acc = acc.add(e);
        i += 4;
    }
    let mut s = acc.hsum();
    while i < n {
        let e = math::exp(x[i] - m);
        y[i] = e;
        s += e;
        i += 1;
    }
    s
}

/// `Σ exp(x - m)` without storing.
#[inline]
fn exp_shift_sum(x: &[f32], m: f32) -> f32 {
    let n = x.len();
    let mv = F32x4::splat(m);
    let mut acc = F32x4::zero();
    let mut i = 0;
    while i + 4 <= n {
        acc = acc.add(exp_v(F32x4::load(&x[i..]).sub(mv)));
        i += 4;
    }
    let mut s = acc.hsum();
    while i < n {
        s += math::exp(x[i] - m);
        i += 1;
    }
    s
}

#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len();
    let mut acc = F32x4::zero();
    let mut i = 0;
    while i + 4 <= n {
        acc = acc.mul_add(F32x4::load(&a[i..]), F32x4::load(&b[i..]));
        i += 4;
    }
    let mut s = acc.hsum();
    while i < n {
        s += a[i] * b[i];
        i += 1;
    }
    s
}

#[inline]
fn sum(a: &[f32]) -> f32 {
    let n = a.len();
    let mut acc = F32x4::zero();
    let mut i = 0;
    while i + 4 <= n {
        acc = acc.add(F32x4::load(&a[i..]));
        i += 4;
    }
    let mut s = acc.hsum();
    while i < n {
        s += a[i];
        i += 1;
    }
    s
}

/// Applies `f(in_row..., out_row)` to every row, parallel when large.
fn for_rows2(
    a: &[f32],
    out: &mut [f32],
    c: usize,
    f: impl Fn(&[f32], &mut [f32]) + Sync,
) {
    assert_eq!(a.len(), out.len(), "softmax: lengths differ");
    if c == 0 {
        return;
    }
    assert_eq!(a.len() % c, 0, "softmax: length is not a multiple of the row length");
    if use_par(out.len()) {
        let step = rows_per_task(c) * c;
        par::for_each(a.chunks(step).zip(out.chunks_mut(step)).collect(), |_, (a, o)| {
            for (ar, orow) in a.chunks(c).zip(o.chunks_mut(c)) {
                f(ar, orow)
            }
        });
    } else {
        for (ar, orow) in a.chunks(c).zip(out.chunks_mut(c)) {
            f(ar, orow)
        }
    }
}

fn for_rows3(
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
    c: usize,
    f: impl Fn(&[f32], &[f32], &mut [f32]) + Sync,
) {
    assert!(a.len() == out.len() && b.len() == out.len(), "softmax: lengths differ");
    if c == 0 {
        return;
    }
    assert_eq!(a.len() % c, 0, "softmax: length is not a multiple of the row length");
    if use_par(out.len()) {
        let step = rows_per_task(c) * c;
        par::for_each(a.chunks(step).zip(b.chunks(step)).zip(out.chunks_mut(step)).collect(), |_, ((a, b), o)| {
            for ((ar, br), orow) in a.chunks(c).zip(b.chunks(c)).zip(o.chunks_mut(c)) {
                f(ar, br, orow)
            }
        });
    } else {
        for ((ar, br), orow) in a.chunks(c).zip(b.chunks(c)).zip(out.chunks_mut(c)) {
            f(ar, br, orow)
        }
    }
}

/// Row-wise softmax of `x` (`rows × c`, `x.len()` a multiple of `c`) into `y`.
pub fn softmax(x: &[f32], c: usize, y: &mut [f32]) {
    for_rows2(x, y, c, |x, y| {
        let m = row_max(x);
        let s = exp_shift_store(x, m, y);
        let sv = F32x4::splat(s);
        let n = y.len();
        let mut i = 0;
        while i + 4 <= n {
            F32x4::load(&y[i..]).div(sv).store(&mut y[i..]);
            i += 4;
        }
        while i < n {
            y[i] /= s;
            i += 1;
        }
    });
}

/// Row-wise log-softmax: `y = x - max - ln Σ exp(x - max)`, with
/// `ln Σ = ln_1p(Σ_{non-max terms})` (accurate when one logit dominates,
/// e.g. `[1010, 1000, 990]`).
pub fn log_softmax(x: &[f32], c: usize, y: &mut [f32]) {
    for_rows2(x, y, c, |x, y| {
        let (m, im) = row_max_idx(x);
        let ls = math::ln_1p(exp_shift_rest(x, m, im));
        let (mv, lv) = (F32x4::splat(m), F32x4::splat(ls));
        let n = y.len();
        let mut i = 0;
        while i + 4 <= n {
            F32x4::load(&x[i..]).sub(mv).sub(lv).store(&mut y[i..]);
            i += 4;
        }
        while i < n {
            y[i] = (x[i] - m) - ls;
            i += 1;
        }
    });
}

/// Softmax backward from the forward output `y`: `dx = y·(dy - Σ dy·y)`.
pub fn softmax_backward(y: &[f32], dy: &[f32], c: usize, dx: &mut [f32]) {
    for_rows3(y, dy, dx, c, |y, g, d| {
        let s = dot(g, y);
        let sv = F32x4::splat(s);
        let n = d.len();
        let mut i = 0;
        while i + 4 <= n {
            let yv = F32x4::load(&y[i..]);
            yv.mul(F32x4::load(&g[i..]).sub(sv)).store(&mut d[i..]);
            i += 4;
        }
        while i < n {
            d[i] = y[i] * (g[i] - s);
            i += 1;
        }
    });
}

/// Log-softmax backward from the forward output `y` (log-probabilities):
/// `dx = dy - exp(y)·Σ dy`.
pub fn log_softmax_backward(y: &[f32], dy: &[f32], c: usize, dx: &mut [f32]) {
    for_rows3(y, dy, dx, c, |y, g, d| {
        let s = sum(g);
        let sv = F32x4::splat(s);
        let n = d.len();
        let mut i = 0;
        while i + 4 <= n {
            let p = exp_v(F32x4::load(&y[i..]));
            F32x4::load(&g[i..]).sub(p.mul(sv)).store(&mut d[i..]);
            i += 4;
        }
        while i < n {
            d[i] = g[i] - math::exp(y[i]) * s;
            i += 1;
        }
    });
}

/// Targets for [`softmax_cross_entropy`].
#[derive(Clone, Copy, Debug)]
pub enum Labels<'a> {
    /// `n × c` target distribution (one-hot or soft labels).
    OneHot(&'a [f32]),
    /// `n` class indices in `0..c`.
    Indices(&'a [u32]),
}

/// Fused softmax + cross-entropy over `logits` (`n × c`).
///
/// Writes the per-sample loss `loss[i] = -Σ_j t_ij · log_softmax(x_i)_j`
/// (terms with `t_ij == 0` are skipped, so `-inf` logits of non-target
/// classes are fine). When `dlogits` is given, writes the gradient of the
/// *mean* loss: `dlogits = (softmax(x)·Σ_j t_ij - t) / n` — i.e.
/// `(softmax - onehot) / n` for one-hot or index labels.
/// Panics on length mismatches or an index `>= c` (the engine checks both first).
pub fn softmax_cross_entropy(
    logits: &[f32],
    labels: Labels<'_>,
    n: usize,
    c: usize,
    loss: &mut [f32],
    dlogits: Option<&mut [f32]>,
) {
    assert!(
        logits.len() == n * c && loss.len() == n,
        "softmax_cross_entropy: logits has {} elements, loss {}, for n={n}, c={c}",
        logits.len(),
        loss.len()
    );
    match labels {
        Labels::OneHot(t) => {
            assert!(t.len() == n * c, "softmax_cross_entropy: one-hot labels have {} elements, want {}", t.len(), n * c);
        }
        Labels::Indices(ix) => {
            assert!(ix.len() == n, "softmax_cross_entropy: {} label indices for n={n}", ix.len());
            if let Some((i, &l)) = ix.iter().enumerate().find(|(_, &l)| l as usize >= c) {
                panic!("softmax_cross_entropy: label[{i}] = {l} out of range for c={c}");
            }
        }
    }
    if let Some(d) = &dlogits {
        assert!(d.len() == n * c, "softmax_cross_entropy: dlogits has {} elements, want {}", d.len(), n * c);
    }
    if n == 0 {
        return;
    }
    if c == 0 {
        loss.fill(0.0);
        return;
    }
    let inv_n = 1.0 / n as f32;
    // One row: returns the loss, optionally writes the gradient row.
    let row = |r: usize, x: &[f32], d: Option<&mut [f32]>| -> f32 {
        let (m, im) = row_max_idx(x);
        // s = 1 + rest, where `1` is the max term; ln s = ln_1p(rest).
        let rest = exp_shift_rest(x, m, im);
        let s = 1.0 + rest;
        let ls = math::ln_1p(rest);
        // loss terms as (m - x_j) + ln s: no rounding of a large lse.
        let (loss, tsum) = match labels {
            Labels::Indices(ix) => ((m - x[ix[r] as usize]) + ls, 1.0f32),
            Labels::OneHot(t) => {
                let t = &t[r * c..(r + 1) * c];
                let (mut l, mut ts) = (0.0f32, 0.0f32);
                for (&tj, &xj) in t.iter().zip(x) {
                    if tj != 0.0 {
                        l += tj * ((m - xj) + ls);
                        ts += tj;
                    }
                }
                (l, ts)
            }
        };
        if let Some(d) = d {
            // p_j = exp(x_j - m) / s, gradient (p_j·tsum - t_j) / n. For the
            // max term (p = 1/s) use (tsum - t - t·rest) / s, which avoids the
            // cancellation of p - 1 when p is close to 1.
            exp_shift_store(x, m, d);
            let scale = tsum / s;
            let sv = F32x4::splat(scale);
            let nn = d.len();
            let mut i = 0;
            while i + 4 <= nn {
                F32x4::load(&d[i..]).mul(sv).store(&mut d[i..]);
                i += 4;
            }
            while i < nn {
                d[i] *= scale;
                i += 1;
            }
            match labels {
                Labels::Indices(ix) => {
                    let l = ix[r] as usize;
                    d[l] -= 1.0;
                    if l == im {
                        d[l] = -rest / s;
                    }
                }
                Labels::OneHot(t) => {
                    let t = &t[r * c..(r + 1) * c];
                    for (dj, &tj) in d.iter_mut().zip(t) {
                        *dj -= tj;
                    }
                    d[im] = ((tsum - t[im]) - t[im] * rest) / s;
                }
            }
            let iv = F32x4::splat(inv_n);
            let mut i = 0;
            while i + 4 <= nn {
                F32x4::load(&d[i..]).mul(iv).store(&mut d[i..]);
                i += 4;
            }
            while i < nn {
                d[i] *= inv_n;
                i += 1;
            }
        }
        loss
    };
    let par = use_par(n * c);
    let rpt = rows_per_task(c);
    match dlogits {
        Some(d) => {
            let body = |t: usize, (x, (l, d)): (&[f32], (&mut [f32], &mut [f32]))| {
                for (k, ((xr, lr), dr)) in x.chunks(c).zip(l.iter_mut()).zip(d.chunks_mut(c)).enumerate() {
                    *lr = row(t * rpt + k, xr, Some(dr));
                }
            };
            if par {
                par::for_each(logits.chunks(rpt * c).zip(loss.chunks_mut(rpt).zip(d.chunks_mut(rpt * c))).collect(), body);
            } else {
                logits
                    .chunks(rpt * c)
                    .zip(loss.chunks_mut(rpt).zip(d.chunks_mut(rpt * c)))
                    .enumerate()
                    .for_each(|(t, z)| body(t, z));
            }
        }
        None => {
            let body = |t: usize, (x, l): (&[f32], &mut [f32])| {
                for (k, (xr, lr)) in x.chunks(c).zip(l.iter_mut()).enumerate() {
                    *lr = row(t * rpt + k, xr, None);
                }
            };
            if par {
                par::for_each(logits.chunks(rpt * c).zip(loss.chunks_mut(rpt)).collect(), body);
            } else {
                logits.chunks(rpt * c).zip(loss.chunks_mut(rpt)).enumerate().for_each(|(t, z)| body(t, z));
            }
        }
    }
}
