//! Fast transcendental functions on `F32x4` with bit-identical scalar twins.
//!
//! - `exp`: Cody–Waite range reduction `x = n·ln2 + r`, |r| <= ln2/2, a
//!   degree-7 polynomial for `e^r` (Cephes `expf` coefficients: `1 + r + r²·P5(r)`),
//!   then scaling by `2^n` built in the exponent bits. `2^n` is applied as two
//!   factors `2^n1 · 2^n2` so that results in the subnormal range and overflow
//!   to `inf` come out right without branches. Inputs are clamped to
//!   [-104, 89] first (NaN survives the clamp): `exp(-inf) = 0`,
//!   `exp(x > 88.73) = inf`, `exp(NaN) = NaN`.
//!   Measured max relative error vs f64 `exp` over [-87, 88]: see
//!   `tests/elementwise.rs::exp_max_relative_error`: 8.0e-8 (≤ 1 ulp;
//!   the test asserts < 1.2e-7). Vector and scalar results are bit-identical.
//! - `expm1`: same reduction; for `n == 0` (|x| < ln2/2) it returns the
//!   polynomial part `r + r²·P5(r)` directly, avoiding the cancellation of
//!   `exp(x) - 1` near zero.
//! - `ln`: **scalar only** (`f32::ln`, i.e. the platform/libm log); there is no
//!   SIMD log. Kernels that need it (log, log_softmax, softplus) call it per
//!   element or per row.
//!
//! The scalar twins execute exactly the same operation sequence as the
//! vector versions, so a vector body and its scalar tail agree bit for bit.

#![allow(clippy::excessive_precision)] // published coefficients kept verbatim

use crate::simd::F32x4;

const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln2 split for Cody–Waite: `LN2_HI` has 9 significant bits, so `n·LN2_HI`
/// is exact for |n| < 2^15.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Clamp range: below -104 the result rounds to 0, above 89 it overflows.
const EXP_LO: f32 = -104.0;
const EXP_HI: f32 = 89.0;

// Cephes expf minimax coefficients for (e^r - 1 - r) / r² on [-ln2/2, ln2/2].
const P0: f32 = 1.987_569_15e-4;
const P1: f32 = 1.398_199_950_7e-3;
const P2: f32 = 8.333_451_907_3e-3;
const P3: f32 = 4.166_579_589_4e-2;
const P4: f32 = 1.666_666_545_9e-1;
const P5: f32 = 5.000_000_120_1e-1;

/// Returns `(n, r, r + r²·P(r))` for `x` (already clamped).
#[inline(always)]
fn reduce_v(x: F32x4) -> (F32x4, F32x4, F32x4) {
    let n = x.mul(F32x4::splat(LOG2E)).nearest();
    let r = x.sub(n.mul(F32x4::splat(LN2_HI))).sub(n.mul(F32x4::splat(LN2_LO)));
    let mut q = F32x4::splat(P0);
    q = q.mul(r).add(F32x4::splat(P1));
    q = q.mul(r).add(F32x4::splat(P2));
    q = q.mul(r).add(F32x4::splat(P3));
    q = q.mul(r).add(F32x4::splat(P4));
    q = q.mul(r).add(F32x4::splat(P5));
    let em1 = q.mul(r.mul(r)).add(r);
    (n, r, em1)
}

#[inline(always)]
fn reduce_s(x: f32) -> (f32, f32, f32) {
    let n = (x * LOG2E).round_ties_even();
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut q = P0;
    q = q * r + P1;
    q = q * r + P2;
    q = q * r + P3;
    q = q * r + P4;
    q = q * r + P5;
    let em1 = q * (r * r) + r;
    (n, r, em1)
}

#[inline(always)]
fn pow2i_s(n: f32) -> f32 {
    f32::from_bits(((n as i32).wrapping_add(127) as u32) << 23)
}

/// `e^x` lane-wise (see module docs for accuracy and special values).
#[inline(always)]
pub fn exp_v(x: F32x4) -> F32x4 {
    let x = x.clamp(F32x4::splat(EXP_LO), F32x4::splat(EXP_HI));
    let (n, _r, em1) = reduce_v(x);
    let p = em1.add(F32x4::splat(1.0));
    // n ∈ [-150, 129]; split so each factor's exponent stays in [-126, 127].
    let n1 = n.mul(F32x4::splat(0.5)).nearest();
    let n2 = n.sub(n1);
    p.mul(n1.pow2i()).mul(n2.pow2i())
}

/// Scalar twin of [`exp_v`] (bit-identical results).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let x = crate::simd::fmin(crate::simd::fmax(x, EXP_LO), EXP_HI);
    let (n, _r, em1) = reduce_s(x);
    let p = em1 + 1.0;
    let n1 = (n * 0.5).round_ties_even();
    let n2 = n - n1;
    p * pow2i_s(n1) * pow2i_s(n2)
}

/// `e^x - 1` lane-wise, accurate near 0.
#[inline(always)]
pub fn expm1_v(x: F32x4) -> F32x4 {
    let xc = x.clamp(F32x4::splat(EXP_LO), F32x4::splat(EXP_HI));
    let (n, _r, em1) = reduce_v(xc);
    let p = em1.add(F32x4::splat(1.0));
    let n1 = n.mul(F32x4::splat(0.5)).nearest();
    let n2 = n.sub(n1);
    let e = p.mul(n1.pow2i()).mul(n2.pow2i());
    let big = e.sub(F32x4::splat(1.0));
    F32x4::select(n.eq(F32x4::zero()), em1, big)
}

/// Scalar twin of [`expm1_v`].
#[inline(always)]
pub fn expm1(x: f32) -> f32 {
    let xc = crate::simd::fmin(crate::simd::fmax(x, EXP_LO), EXP_HI);
    let (n, _r, em1) = reduce_s(xc);
    if n == 0.0 {
        em1
    } else {
        let p = em1 + 1.0;
        let n1 = (n * 0.5).round_ties_even();
        let n2 = n - n1;
        p * pow2i_s(n1) * pow2i_s(n2) - 1.0
    }
}

/// Natural log, scalar (`f32::ln`). No SIMD version exists.
#[inline(always)]
pub fn ln(x: f32) -> f32 {
    x.ln()
}

/// `ln(1 + x)`, scalar (`f32::ln_1p`).
#[inline(always)]
pub fn ln_1p(x: f32) -> f32 {
    x.ln_1p()
}

/// `1 / (1 + e^-x)` lane-wise. Stable for any x: for x → -∞, `e^-x` → inf
/// and the quotient → 0; for x → +∞ it → 1. NaN gives NaN.
#[inline(always)]
pub fn sigmoid_v(x: F32x4) -> F32x4 {
    let one = F32x4::splat(1.0);
    one.div(one.add(exp_v(x.neg())))
}

/// Scalar twin of [`sigmoid_v`].
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

// Cephes tanhf odd polynomial for |x| < 0.625: x + x³·T(x²).
const T0: f32 = -5.704_988_727_45e-3;
const T1: f32 = 2.063_908_879_54e-2;
const T2: f32 = -5.373_971_555_31e-2;
const T3: f32 = 1.333_144_220_36e-1;
const T4: f32 = -3.333_328_194_22e-1;
const TANH_SMALL: f32 = 0.625;

/// `tanh(x)` lane-wise: odd polynomial for |x| < 0.625 (no cancellation),
/// `sign(x)·(1 - 2/(e^{2|x|} + 1))` otherwise (saturates cleanly to ±1).
#[inline(always)]
pub fn tanh_v(x: F32x4) -> F32x4 {
    let z = x.mul(x);
    let mut t = F32x4::splat(T0);
    t = t.mul(z).add(F32x4::splat(T1));
    t = t.mul(z).add(F32x4::splat(T2));
    t = t.mul(z).add(F32x4::splat(T3));
    t = t.mul(z).add(F32x4::splat(T4));
    let small = t.mul(z).mul(x).add(x);
    let a = x.abs();
    let one = F32x4::splat(1.0);
    let e = exp_v(a.add(a));
    let big_abs = one.sub(F32x4::splat(2.0).div(e.add(one)));
    // Copy the sign of x onto big_abs: select on x < 0.
    let big = F32x4::select(x.lt(F32x4::zero()), big_abs.neg(), big_abs);
    // `a < 0.625` is false for NaN, and the big branch keeps NaN as NaN.
    F32x4::select(a.lt(F32x4::splat(TANH_SMALL)), small, big)
}

/// Scalar twin of [`tanh_v`].
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let a = x.abs();
    if a < TANH_SMALL {
        let z = x * x;
        let mut t = T0;
        t = t * z + T1;
        t = t * z + T2;
        t = t * z + T3;
        t = t * z + T4;
        t * z * x + x
    } else {
        let big_abs = 1.0 - 2.0 / (exp(a + a) + 1.0);
        if x < 0.0 {
            -big_abs
        } else {
            big_abs
        }
    }
}

/// Error function, scalar: the Numerical Recipes `erfc` Chebyshev fit
/// (fractional error < 1.2e-7) evaluated in f64, rounded to f32. Used by the
/// exact (erf) GELU variant.
pub fn erf(x: f32) -> f32 {
    // Numerical Recipes erfc (fractional error < 1.2e-7), evaluated in f64.
    let xd = x as f64;
    let z = xd.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    let r = if xd >= 0.0 { 1.0 - erfc } else { erfc - 1.0 };
    r as f32
}
