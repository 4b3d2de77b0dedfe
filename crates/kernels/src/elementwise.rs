//! Element-wise kernels: binary ops with NumPy broadcasting and unary maps.
//!
//! Binary dispatch ([`binary`]): shapes are broadcast ([`broadcast_shape`]),
//! size-1 dims dropped and compatible dims merged ([`coalesce`]); then
//! - one dim left (same shape, or a scalar operand) → one flat SIMD pass
//!   (`vv`, or `vs`/`sv` with the scalar splatted);
//! - otherwise rows of the innermost dim, each a `vv`/`vs`/`sv` SIMD pass,
//!   walked by an odometer over the outer dims. The bias-add case
//!   `[N, C] + [C]` is rows of `vv`; `[N, C] * [N, 1]` is rows of `vs`.
//!
//! Large outputs are split over the pool on fixed chunk boundaries (results are
//! identical for any thread count: every element is computed independently).
//!
//! Exactness: add/sub/mul/div/max/min/neg/abs/sqrt/square/clip/step are
//! correctly rounded IEEE ops (bit-identical to a scalar f32 loop); `exp` is
//! [`math::exp_v`] (~1.5 ulp), `log` is scalar `f32::ln`, `pow` is scalar
//! `f32::powf`. `maximum`/`minimum`/`clip` propagate NaN.

use crate::broadcast::{broadcast_shape, broadcast_strides, coalesce, numel};
use crate::math;
use crate::par;
use crate::simd::{fmax, fmin, F32x4};

/// Below this many output elements element-wise kernels stay on one thread.
/// A 64K-element pass is ~10–40 µs; handing work to the pool costs ~1 µs
/// (tens of µs when a parked worker must be woken), so splitting
/// only pays above roughly this size. Not yet placed by measurement:
/// `node benches/thresholds.mjs` times 1 vs 2 threads (add, exp) from 16K to
/// 1M elements; its only run so far (2026-12-02, load average 18 on 2 cores)
/// spread 0.05–75× at every size, i.e. said nothing. Re-run it on an idle
/// machine and move this to the first size whose median ratio is clearly
/// above 1.
pub const PAR_MIN_ELEMS: usize = 1 << 16;
/// Task size for parallel element-wise passes (a multiple of 4).
pub const PAR_CHUNK: usize = 1 << 15;

#[inline]
pub(crate) fn use_par(n: usize) -> bool {
    n >= PAR_MIN_ELEMS && par::threads() > 1
}

/// Grows the empty `v` to `n` copies of `value` (`v` must already hold room
/// for `n`: the caller allocates fallibly), over the pool in
/// [`PAR_CHUNK`]-long pieces when `n` is large. An op's fresh output is
/// filled this way before its kernel writes it: serially, filling a
/// gradient of a 784×256 kernel kept the pool idle for a memset's length.
pub fn fill_spare(v: &mut Vec<f32>, n: usize, value: f32) {
    assert!(v.is_empty() && v.capacity() >= n, "fill_spare: needs an empty vector with room for {n} values");
    if !use_par(n) {
        v.resize(n, value);
        return;
    }
    par::chunks_mut(&mut v.spare_capacity_mut()[..n], PAR_CHUNK, |_, piece| piece.fill(core::mem::MaybeUninit::new(value)));
    // SAFETY: the pieces cover `spare_capacity_mut()[..n]` and `chunks_mut`
    // returns only once every piece was written (a task's panic unwinds
    // through it, before this line), so the first `n` values are initialised.
    unsafe { v.set_len(n) };
}

// ------------------------------------------------------------------ maps
//
// The maps are never inlined: each (closure) instantiation is its own
// function, so a kernel that matches on a kind (activation::forward /
// backward, unary) is a small dispatcher. V8 optimizes a hot WASM function
// whole, and Chromium's TurboFan spent ~0.2 s of wall time (2-core host) on
// activation::backward alone when every kind's loop was inlined into it;
// now only the kinds a model uses get optimized. One call per map: nothing
// next to its loop.

/// `y[i] = f(x[i])`, SIMD body + scalar tail, parallel when large.
#[inline(never)]
pub(crate) fn map1<FV, FS>(x: &[f32], y: &mut [f32], fv: FV, fs: FS)
where
    FV: Fn(F32x4) -> F32x4 + Sync,
    FS: Fn(f32) -> f32 + Sync,
{
    assert_eq!(x.len(), y.len(), "element-wise: input and output lengths differ");
    let body = |x: &[f32], y: &mut [f32]| {
        let n = x.len();
        let mut i = 0;
        while i + 4 <= n {
            fv(F32x4::load(&x[i..])).store(&mut y[i..]);
            i += 4;
        }
        while i < n {
            y[i] = fs(x[i]);
            i += 1;
        }
    };
    if use_par(x.len()) {
        par::chunks_mut(y, PAR_CHUNK, |k, y| body(&x[k * PAR_CHUNK..][..y.len()], y));
    } else {
        body(x, y);
    }
}

/// In-place `y[i] = f(y[i])`.
#[inline(never)]
pub(crate) fn map1_inplace<FV, FS>(y: &mut [f32], fv: FV, fs: FS)
where
    FV: Fn(F32x4) -> F32x4 + Sync,
    FS: Fn(f32) -> f32 + Sync,
{
    let body = |y: &mut [f32]| {
        let n = y.len();
        let mut i = 0;
        while i + 4 <= n {
            fv(F32x4::load(&y[i..])).store(&mut y[i..]);
            i += 4;
        }
        while i < n {
            y[i] = fs(y[i]);
            i += 1;
        }
    };
    if use_par(y.len()) {
        par::chunks_mut(y, PAR_CHUNK, |_, y| body(y));
    } else {
        body(y);
    }
}

/// `out[i] = f(a[i], b[i])`, parallel when large.
#[inline(never)]
pub(crate) fn map2<FV, FS>(a: &[f32], b: &[f32], out: &mut [f32], fv: FV, fs: FS)
where
    FV: Fn(F32x4, F32x4) -> F32x4 + Sync,
    FS: Fn(f32, f32) -> f32 + Sync,
{
    assert!(a.len() == out.len() && b.len() == out.len(), "element-wise: lengths differ");
    if use_par(out.len()) {
        par::chunks_mut(out, PAR_CHUNK, |k, o| {
            let r = k * PAR_CHUNK..k * PAR_CHUNK + o.len();
            vv(&a[r.clone()], &b[r], o, &fv, &fs)
        });
    } else {
        vv(a, b, out, &fv, &fs);
    }
}

/// `out[i] = f(a[i], b[i], c[i])`, parallel when large.
#[inline(never)]
pub(crate) fn map3<FV, FS>(a: &[f32], b: &[f32], c: &[f32], out: &mut [f32], fv: FV, fs: FS)
where
    FV: Fn(F32x4, F32x4, F32x4) -> F32x4 + Sync,
    FS: Fn(f32, f32, f32) -> f32 + Sync,
{
    assert!(
        a.len() == out.len() && b.len() == out.len() && c.len() == out.len(),
        "element-wise: lengths differ"
    );
    let body = |a: &[f32], b: &[f32], c: &[f32], o: &mut [f32]| {
        let n = o.len();
        let mut i = 0;
        while i + 4 <= n {
            fv(F32x4::load(&a[i..]), F32x4::load(&b[i..]), F32x4::load(&c[i..])).store(&mut o[i..]);
            i += 4;
        }
        while i < n {
            o[i] = fs(a[i], b[i], c[i]);
            i += 1;
        }
    };
    if use_par(out.len()) {
        par::chunks_mut(out, PAR_CHUNK, |k, o| {
            let r = k * PAR_CHUNK..k * PAR_CHUNK + o.len();
            body(&a[r.clone()], &b[r.clone()], &c[r], o)
        });
    } else {
        body(a, b, c, out);
    }
}

#[inline(always)]
fn vv<FV, FS>(a: &[f32], b: &[f32], o: &mut [f32], fv: &FV, fs: &FS)
where
    FV: Fn(F32x4, F32x4) -> F32x4,
    FS: Fn(f32, f32) -> f32,
{
    let n = o.len();
    let (a, b) = (&a[..n], &b[..n]);
    let mut i = 0;
    while i + 4 <= n {
        fv(F32x4::load(&a[i..]), F32x4::load(&b[i..])).store(&mut o[i..]);
        i += 4;
    }
    while i < n {
        o[i] = fs(a[i], b[i]);
        i += 1;
    }
}

#[inline(always)]
fn vs<FV, FS>(a: &[f32], s: f32, o: &mut [f32], fv: &FV, fs: &FS)
where
    FV: Fn(F32x4, F32x4) -> F32x4,
    FS: Fn(f32, f32) -> f32,
{
    let n = o.len();
    let a = &a[..n];
    let sv = F32x4::splat(s);
    let mut i = 0;
    while i + 4 <= n {
        fv(F32x4::load(&a[i..]), sv).store(&mut o[i..]);
        i += 4;
    }
    while i < n {
        o[i] = fs(a[i], s);
        i += 1;
    }
}

#[inline(always)]
fn sv<FV, FS>(s: f32, b: &[f32], o: &mut [f32], fv: &FV, fs: &FS)
where
    FV: Fn(F32x4, F32x4) -> F32x4,
    FS: Fn(f32, f32) -> f32,
{
    let n = o.len();
    let b = &b[..n];
    let svv = F32x4::splat(s);
    let mut i = 0;
    while i + 4 <= n {
        fv(svv, F32x4::load(&b[i..])).store(&mut o[i..]);
        i += 4;
    }
    while i < n {
        o[i] = fs(s, b[i]);
        i += 1;
    }
}

// ---------------------------------------------------------------- binary

/// Binary element-wise operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    /// `a.powf(b)` (scalar per element).
    Pow,
    /// NaN-propagating maximum.
    Maximum,
    /// NaN-propagating minimum.
    Minimum,
}

#[inline(always)]
fn lanes2(a: F32x4, b: F32x4, f: impl Fn(f32, f32) -> f32) -> F32x4 {
    let (a, b) = (a.to_array(), b.to_array());
    F32x4::from_array([f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3])])
}

#[inline(always)]
pub(crate) fn lanes1(a: F32x4, f: impl Fn(f32) -> f32) -> F32x4 {
    let a = a.to_array();
    F32x4::from_array([f(a[0]), f(a[1]), f(a[2]), f(a[3])])
}

/// Calls `$body` with `fv`/`fs` bound to the vector/scalar forms of `$op`.
macro_rules! with_binop {
    ($op:expr, |$fv:ident, $fs:ident| $body:expr) => {
        match $op {
            BinaryOp::Add => {
                let $fv = |a: F32x4, b: F32x4| a.add(b);
                let $fs = |a: f32, b: f32| a + b;
                $body
            }
            BinaryOp::Sub => {
                let $fv = |a: F32x4, b: F32x4| a.sub(b);
                let $fs = |a: f32, b: f32| a - b;
                $body
            }
            BinaryOp::Mul => {
                let $fv = |a: F32x4, b: F32x4| a.mul(b);
                let $fs = |a: f32, b: f32| a * b;
                $body
            }
            BinaryOp::Div => {
                let $fv = |a: F32x4, b: F32x4| a.div(b);
                let $fs = |a: f32, b: f32| a / b;
                $body
            }
            BinaryOp::Pow => {
                let $fv = |a: F32x4, b: F32x4| lanes2(a, b, f32::powf);
                let $fs = |a: f32, b: f32| a.powf(b);
                $body
            }
            BinaryOp::Maximum => {
                let $fv = |a: F32x4, b: F32x4| a.max(b);
                let $fs = fmax;
                $body
            }
            BinaryOp::Minimum => {
                let $fv = |a: F32x4, b: F32x4| a.min(b);
                let $fs = fmin;
                $body
            }
        }
    };
}

/// `out = a op b` with NumPy broadcasting. `out.len()` must equal the
/// element count of `broadcast_shape(a_shape, b_shape)`; slice lengths must
/// match their shapes (else it panics: callers check shapes with
/// [`broadcast_shape`] first). Returns the output shape.
pub fn binary(op: BinaryOp, a: &[f32], a_shape: &[usize], b: &[f32], b_shape: &[usize], out: &mut [f32]) -> Vec<usize> {
    let out_shape = broadcast_shape(a_shape, b_shape).unwrap_or_else(|e| panic!("binary {op:?}: {e}"));
    assert!(
        a.len() == numel(a_shape) && b.len() == numel(b_shape) && out.len() == numel(&out_shape),
        "binary {op:?}: slice lengths a={}, b={}, out={} do not match shapes {a_shape:?}, {b_shape:?} -> {out_shape:?}",
        a.len(),
        b.len(),
        out.len()
    );
    if out.is_empty() {
        return out_shape;
    }
    let sa = broadcast_strides(a_shape, &out_shape);
    let sb = broadcast_strides(b_shape, &out_shape);
    let (dims, st) = coalesce(&out_shape, &[&sa, &sb]);
    with_binop!(op, |fv, fs| run_binary(a, b, out, &dims, &st[0], &st[1], &fv, &fs));
    out_shape
}

/// Same-length `out = a op b` (no broadcasting).
pub fn binary_same(op: BinaryOp, a: &[f32], b: &[f32], out: &mut [f32]) {
    with_binop!(op, |fv, fs| map2(a, b, out, fv, fs));
}

/// `out = a op s` for a scalar `s`.
pub fn binary_scalar(op: BinaryOp, a: &[f32], s: f32, out: &mut [f32]) {
    assert_eq!(a.len(), out.len());
    with_binop!(op, |fv, fs| {
        let sv = F32x4::splat(s);
        map1(a, out, |x| fv(x, sv), |x| fs(x, s))
    });
}

/// `out = s op b` for a scalar `s` (e.g. `1 - x`, `1 / x`).
pub fn scalar_binary(op: BinaryOp, s: f32, b: &[f32], out: &mut [f32]) {
    assert_eq!(b.len(), out.len());
    with_binop!(op, |fv, fs| {
        let sv = F32x4::splat(s);
        map1(b, out, |x| fv(sv, x), |x| fs(s, x))
    });
}

/// Bias add: `out[r, c] = a[r, c] + row[c]` for `a` of shape `[rows, row.len()]`.
pub fn add_row(a: &[f32], row: &[f32], out: &mut [f32]) {
    let c = row.len();
    assert!(c > 0 && a.len().is_multiple_of(c) && out.len() == a.len(), "add_row: bad lengths");
    let shape_a = [a.len() / c, c];
    binary(BinaryOp::Add, a, &shape_a, row, &[c], out);
}

#[allow(clippy::too_many_arguments)]
fn run_binary<FV, FS>(
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
    dims: &[usize],
    sa: &[usize],
    sb: &[usize],
    fv: &FV,
    fs: &FS,
) where
    FV: Fn(F32x4, F32x4) -> F32x4 + Sync,
    FS: Fn(f32, f32) -> f32 + Sync,
{
    let m = dims.len();
    if m == 0 {
        out[0] = fs(a[0], b[0]);
        return;
    }
    let inner = dims[m - 1];
    let (ia, ib) = (sa[m - 1], sb[m - 1]);
    let row = |oa: usize, ob: usize, o: &mut [f32]| match (ia != 0, ib != 0) {
        (true, true) => vv(&a[oa..], &b[ob..], o, fv, fs),
        (true, false) => vs(&a[oa..], b[ob], o, fv, fs),
        (false, true) => sv(a[oa], &b[ob..], o, fv, fs),
        (false, false) => o.fill(fs(a[oa], b[ob])),
    };
    if m == 1 {
        // Same shape, or one operand a scalar: one flat pass, chunked when big.
        if use_par(out.len()) {
            par::chunks_mut(out, PAR_CHUNK, |k, o| {
                let off = k * PAR_CHUNK;
                row(off * ia, off * ib, o)
            });
        } else {
            row(0, 0, out);
        }
        return;
    }
    let outer_dims = &dims[..m - 1];
    let rows = out.len() / inner;
    // Rows [r0, r0 + o.len()/inner) walked by an odometer over outer dims.
    let run_rows = |r0: usize, o: &mut [f32]| {
        let k = m - 1;
        let mut idx = [0usize; 16];
        let mut idx_v;
        let idx: &mut [usize] = if k <= 16 {
            &mut idx[..k]
        } else {
            idx_v = vec![0usize; k];
            &mut idx_v
        };
        let mut rem = r0;
        let (mut oa, mut ob) = (0usize, 0usize);
        for d in (0..k).rev() {
            idx[d] = rem % outer_dims[d];
            rem /= outer_dims[d];
            oa += idx[d] * sa[d];
            ob += idx[d] * sb[d];
        }
        for orow in o.chunks_mut(inner) {
            row(oa, ob, orow);
            // Increment the odometer.
            let mut d = k;
            while d > 0 {
                d -= 1;
                idx[d] += 1;
                oa += sa[d];
                ob += sb[d];
                if idx[d] < outer_dims[d] {
                    break;
                }
                oa -= sa[d] * outer_dims[d];
                ob -= sb[d] * outer_dims[d];
                idx[d] = 0;
            }
        }
    };
    if use_par(out.len()) && rows > 1 {
        let rows_per_task = (PAR_CHUNK / inner).max(1);
        par::chunks_mut(out, rows_per_task * inner, |t, o| run_rows(t * rows_per_task, o));
    } else {
        run_rows(0, out);
    }
}

// ----------------------------------------------------------------- unary

/// Unary element-wise operation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp {
    Neg,
    /// SIMD [`math::exp_v`].
    Exp,
    /// Scalar `f32::ln` per element (no SIMD log).
    Log,
    Sqrt,
    Abs,
    Square,
    /// `min(max(x, lo), hi)`; NaN stays NaN.
    Clip(f32, f32),
    /// `x > 0 ? 1 : 0`; NaN stays NaN.
    Step,
    /// `x^p` (`x*x` for p = 2, `x` for p = 1, `sqrt` for 0.5, else `powf`).
    PowScalar(f32),
    /// `e^x - 1`, accurate near 0 ([`math::expm1_v`]).
    Expm1,
    /// `1 / x`.
    Reciprocal,
}

macro_rules! with_unop {
    ($op:expr, |$fv:ident, $fs:ident| $body:expr) => {
        match $op {
            UnaryOp::Neg => {
                let $fv = |x: F32x4| x.neg();
                let $fs = |x: f32| -x;
                $body
            }
            UnaryOp::Exp => {
                let $fv = math::exp_v;
                let $fs = math::exp;
                $body
            }
            UnaryOp::Expm1 => {
                let $fv = math::expm1_v;
                let $fs = math::expm1;
                $body
            }
            UnaryOp::Log => {
                let $fv = |x: F32x4| lanes1(x, f32::ln);
                let $fs = f32::ln;
                $body
            }
            UnaryOp::Sqrt | UnaryOp::PowScalar(0.5) => {
                let $fv = |x: F32x4| x.sqrt();
                let $fs = f32::sqrt;
                $body
            }
            UnaryOp::Abs => {
                let $fv = |x: F32x4| x.abs();
                let $fs = f32::abs;
                $body
            }
            UnaryOp::Square | UnaryOp::PowScalar(2.0) => {
                let $fv = |x: F32x4| x.mul(x);
                let $fs = |x: f32| x * x;
                $body
            }
            UnaryOp::PowScalar(1.0) => {
                let $fv = |x: F32x4| x;
                let $fs = |x: f32| x;
                $body
            }
            UnaryOp::Reciprocal | UnaryOp::PowScalar(-1.0) => {
                let one = F32x4::splat(1.0);
                let $fv = move |x: F32x4| one.div(x);
                let $fs = |x: f32| 1.0 / x;
                $body
            }
            UnaryOp::PowScalar(p) => {
                let $fv = move |x: F32x4| lanes1(x, |v| v.powf(p));
                let $fs = move |x: f32| x.powf(p);
                $body
            }
            UnaryOp::Clip(lo, hi) => {
                let (lv, hv) = (F32x4::splat(lo), F32x4::splat(hi));
                let $fv = move |x: F32x4| x.max(lv).min(hv);
                let $fs = move |x: f32| fmin(fmax(x, lo), hi);
                $body
            }
            UnaryOp::Step => {
                let (zero, one) = (F32x4::zero(), F32x4::splat(1.0));
                let $fv = move |x: F32x4| F32x4::select(x.is_nan(), x, x.gt(zero).and(one));
                let $fs = |x: f32| {
                    if x > 0.0 {
                        1.0
                    } else if x.is_nan() {
                        x
                    } else {
                        0.0
                    }
                };
                $body
            }
        }
    };
}

/// `y = op(x)`; `x` and `y` have equal lengths.
pub fn unary(op: UnaryOp, x: &[f32], y: &mut [f32]) {
    with_unop!(op, |fv, fs| map1(x, y, fv, fs));
}

/// `y = op(y)` in place.
pub fn unary_inplace(op: UnaryOp, y: &mut [f32]) {
    with_unop!(op, |fv, fs| map1_inplace(y, fv, fs));
}

/// `y *= k` in place (a mean's `1/count`, a loss gradient's `dy`); the same
/// rounding as a scalar loop.
pub fn scale_inplace(y: &mut [f32], k: f32) {
    let kv = F32x4::splat(k);
    map1_inplace(y, move |v| v.mul(kv), move |v| v * k);
}

/// `hit[i] = 1` where `x[i] == extreme[i]`, else 0: the positions a max or
/// min over some axes took its value from (`extreme` broadcast back to `x`'s
/// shape). A NaN equals nothing, so a NaN extreme has no positions.
pub fn ties_mask(x: &[f32], extreme: &[f32], hit: &mut [f32]) {
    let one = F32x4::splat(1.0);
    map2(x, extreme, hit, move |a, b| a.eq(b).and(one), |a, b| if a == b { 1.0 } else { 0.0 });
}

/// `out[i] = dy[i] / ties[i]` where `hit[i]` is 1, else 0: a max's or min's
/// gradient shared evenly among the tied positions ([`ties_mask`]; `ties`
/// is their count per reduced group, broadcast back). A position that is not
/// hit gets 0 even where its group has no ties (a NaN extreme).
pub fn share_among_ties(dy: &[f32], hit: &[f32], ties: &[f32], out: &mut [f32]) {
    let (zero, one) = (F32x4::zero(), F32x4::splat(1.0));
    map3(dy, hit, ties, out, move |d, h, t| F32x4::select(h.eq(one), d.div(t), zero), |d, h, t| if h == 0.0 { 0.0 } else { d / t });
}

/// Scalar reference of a unary op (same formula as the kernels' tails).
pub fn unary_scalar(op: UnaryOp, x: f32) -> f32 {
    with_unop!(op, |_fv, fs| fs(x))
}

/// `out[i] = f(a[i], b[i], c[i])` (the gradient rules' maps; one thread, in order).
#[inline(never)]
fn each3(a: &[f32], b: &[f32], c: &[f32], out: &mut [f32], f: impl Fn(f32, f32, f32) -> f32) {
    assert!(a.len() == out.len() && b.len() == out.len() && c.len() == out.len(), "lengths");
    for (((o, &a), &b), &c) in out.iter_mut().zip(a).zip(b).zip(c) {
        *o = f(a, b, c);
    }
}

/// Gradient of `y = op(x)`: `dx = dy·op'(x)`, from `x`, `y` and `dy` (all of
/// one length). `abs'(0)`, `step'` and `pow(x, 0)'` are 0; `clip` passes the
/// gradient where `lo <= x <= hi`, both ends included (as TensorFlow).
pub fn unary_backward(op: UnaryOp, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
    match op {
        UnaryOp::Neg => each3(x, y, dy, dx, |_, _, d| -d),
        UnaryOp::Exp => each3(x, y, dy, dx, |_, y, d| d * y),
        UnaryOp::Log => each3(x, y, dy, dx, |x, _, d| d / x),
        UnaryOp::Sqrt => each3(x, y, dy, dx, |_, y, d| d / (2.0 * y)),
        UnaryOp::Abs => each3(x, y, dy, dx, |x, _, d| if x > 0.0 { d } else if x < 0.0 { -d } else { 0.0 }),
        UnaryOp::Square => each3(x, y, dy, dx, |x, _, d| 2.0 * x * d),
        UnaryOp::Clip(lo, hi) => each3(x, y, dy, dx, move |x, _, d| if x >= lo && x <= hi { d } else { 0.0 }),
        UnaryOp::Step => each3(x, y, dy, dx, |_, _, _| 0.0),
        UnaryOp::PowScalar(p) => each3(x, y, dy, dx, move |x, _, d| if p == 0.0 { 0.0 } else { d * p * x.powf(p - 1.0) }),
        UnaryOp::Expm1 => each3(x, y, dy, dx, |_, y, d| d * (y + 1.0)),
        UnaryOp::Reciprocal => each3(x, y, dy, dx, |_, y, d| -d * y * y),
    }
}

/// Gradients of `y = a op b` with respect to `a` and `b`, everything in the
/// output shape (operands broadcast to it beforehand): `da = dy·∂y/∂a`,
/// `db = dy·∂y/∂b`. `pow`: `∂/∂a` is 0 where `b = 0`, `∂/∂b = y·ln a` taken
/// as 0 where `a <= 0` (as TensorFlow); `maximum`/`minimum` give a tie to `a`.
pub fn binary_backward(op: BinaryOp, a: &[f32], b: &[f32], y: &[f32], dy: &[f32], da: &mut [f32], db: &mut [f32]) {
    assert_eq!(a.len(), dy.len(), "lengths");
    match op {
        BinaryOp::Add => {
            da.copy_from_slice(dy);
            db.copy_from_slice(dy);
        }
        BinaryOp::Sub => {
            da.copy_from_slice(dy);
            each3(a, b, dy, db, |_, _, d| -d);
        }
        BinaryOp::Mul => {
            each3(a, b, dy, da, |_, b, d| d * b);
            each3(a, b, dy, db, |a, _, d| d * a);
        }
        BinaryOp::Div => {
            each3(a, b, dy, da, |_, b, d| d / b);
            each3(b, y, dy, db, |b, y, d| -d * y / b);
        }
        BinaryOp::Pow => {
            each3(a, b, dy, da, |a, b, d| if b == 0.0 { 0.0 } else { d * b * a.powf(b - 1.0) });
            each3(a, y, dy, db, |a, y, d| if a > 0.0 { d * y * a.ln() } else { 0.0 });
        }
        BinaryOp::Maximum => {
            each3(a, b, dy, da, |a, b, d| if a >= b { d } else { 0.0 });
            each3(a, b, dy, db, |a, b, d| if a >= b { 0.0 } else { d });
        }
        BinaryOp::Minimum => {
            each3(a, b, dy, da, |a, b, d| if a <= b { d } else { 0.0 });
            each3(a, b, dy, db, |a, b, d| if a <= b { 0.0 } else { d });
        }
    }
}
