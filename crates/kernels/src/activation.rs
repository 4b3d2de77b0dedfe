//! Activations: forward `y = f(x)` and backward `dx = dy · f'(x)`.
//!
//! | activation | forward | backward reads |
//! |---|---|---|
//! | Linear | `x` | — |
//! | Relu | `max(x, 0)` (NaN passes) | `x` |
//! | LeakyRelu(α) | `x > 0 ? x : α·x` | `x` |
//! | Elu(α) | `x > 0 ? x : α·expm1(x)` | `x`, `y` |
//! | Sigmoid | `1 / (1 + e^-x)` (stable both tails) | `y` |
//! | Tanh | odd poly for \|x\| < 0.625, else `±(1 - 2/(e^{2|x|}+1))` | `y` |
//! | Softplus | `max(x, 0) + ln_1p(e^-\|x\|)` | `x` |
//! | Silu | `x·sigmoid(x)` (SiLU, "swish"); 0 where the sigmoid underflows | `x` |
//! | Selu | `scale·(x > 0 ? x : alpha·expm1(x))`, Klambauer et al.'s constants (as TF.js) | `x`, `y` |
//! | Relu6 | `min(max(x, 0), 6)` | `x` |
//! | HardSigmoid | `clamp(0.2·x + 0.5, 0, 1)` (TF.js's and Keras 2's slope, not Keras 3's `relu6(x+3)/6`) | `x` |
//! | Gelu | tanh approximation (Keras `gelu(approximate=True)`, TF.js): `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))`, computed as `x·sigmoid(2u)` (no cancellation for x ≪ 0) | `x` |
//!
//! The exact erf GELU is available separately as [`gelu_erf`] / [`gelu_erf_backward`]
//! (scalar erf, not in the enum). `step` forward lives in
//! [`elementwise::UnaryOp::Step`](crate::elementwise::UnaryOp).
//!
//! [`backward`] takes both `x` and `y`; a slice the activation does not read
//! (see [`Activation::needs_input`] / [`Activation::needs_output`]) may be empty.

use crate::elementwise::{lanes1, map1, map1_inplace, map2, map3};
use crate::math::{self, exp, exp_v, expm1, expm1_v, sigmoid, sigmoid_v, tanh, tanh_v};
use crate::simd::F32x4;

/// Activation function.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Activation {
    #[default]
    Linear,
    Relu,
    LeakyRelu(f32),
    Elu(f32),
    Sigmoid,
    Tanh,
    Softplus,
    /// Tanh approximation.
    Gelu,
    /// `x·sigmoid(x)`: SiLU, called swish in TensorFlow.js and Keras.
    Silu,
    /// Scaled ELU with fixed [`SELU_ALPHA`] and [`SELU_SCALE`].
    Selu,
    /// ReLU capped at 6.
    Relu6,
    /// `clamp(0.2·x + 0.5, 0, 1)`.
    HardSigmoid,
}

/// SELU's constants (Klambauer et al. 2017), the values TF.js and Keras use.
pub const SELU_ALPHA: f32 = 1.673_263_2;
pub const SELU_SCALE: f32 = 1.050_701;

const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const GELU_C: f32 = 0.044_715;
const GELU_CLAMP: f32 = 20.0;

impl Activation {
    /// Whether [`backward`] reads `x`.
    pub fn needs_input(self) -> bool {
        matches!(
            self,
            Activation::Relu
                | Activation::LeakyRelu(_)
                | Activation::Elu(_)
                | Activation::Softplus
                | Activation::Gelu
                | Activation::Silu
                | Activation::Selu
                | Activation::Relu6
                | Activation::HardSigmoid
        )
    }
    /// Whether [`backward`] reads `y`.
    pub fn needs_output(self) -> bool {
        matches!(self, Activation::Elu(_) | Activation::Selu | Activation::Sigmoid | Activation::Tanh)
    }
    /// Whether `act'(x)` is a function of the output `y` alone, so an op that
    /// fuses the activation need not keep the pre-activation values (see
    /// [`backward_from_output`]).
    pub fn derivative_from_output(self) -> bool {
        matches!(self, Activation::Linear | Activation::Relu | Activation::Sigmoid | Activation::Tanh)
    }
}

/// Binds `$fv` (SIMD) and `$fs` (scalar tail) to `act`'s forward map and
/// evaluates `$body`; `Linear` evaluates `$linear` instead. Shared by
/// [`forward`] and [`forward_in_place`] so each formula is written once.
macro_rules! with_forward {
    ($act:expr, $linear:expr, |$fv:ident, $fs:ident| $body:expr) => {{
        let zero = F32x4::zero();
        match $act {
            Activation::Linear => $linear,
            Activation::Relu => {
                let ($fv, $fs) = (|v: F32x4| v.relu(), crate::simd::relu);
                $body
            }
            Activation::LeakyRelu(alpha) => {
                let av = F32x4::splat(alpha);
                let $fv = move |v: F32x4| F32x4::select(v.gt(zero), v, v.mul(av));
                let $fs = move |v: f32| if v > 0.0 { v } else { alpha * v };
                $body
            }
            Activation::Elu(alpha) => {
                let av = F32x4::splat(alpha);
                let $fv = move |v: F32x4| F32x4::select(v.gt(zero), v, av.mul(expm1_v(v)));
                let $fs = move |v: f32| if v > 0.0 { v } else { alpha * expm1(v) };
                $body
            }
            Activation::Sigmoid => {
                let ($fv, $fs) = (sigmoid_v, sigmoid);
                $body
            }
            Activation::Tanh => {
                let ($fv, $fs) = (tanh_v, tanh);
                $body
            }
            Activation::Softplus => {
                let ($fv, $fs) = (softplus_v, softplus);
                $body
            }
            Activation::Gelu => {
                let ($fv, $fs) = (gelu_v, gelu);
                $body
            }
            Activation::Silu => {
                let ($fv, $fs) = (silu_v, silu);
                $body
            }
            Activation::Selu => {
                let (av, sv) = (F32x4::splat(SELU_ALPHA), F32x4::splat(SELU_SCALE));
                let $fv = move |v: F32x4| sv.mul(F32x4::select(v.gt(zero), v, av.mul(expm1_v(v))));
                let $fs = |v: f32| SELU_SCALE * if v > 0.0 { v } else { SELU_ALPHA * expm1(v) };
                $body
            }
            Activation::Relu6 => {
                let six = F32x4::splat(6.0);
                // relu passes NaN; min keeps it (as relu6(NaN) = NaN in TF.js).
                let $fv = move |v: F32x4| F32x4::select(v.gt(six), six, v.relu());
                let $fs = |v: f32| if v > 6.0 { 6.0 } else { crate::simd::relu(v) };
                $body
            }
            Activation::HardSigmoid => {
                let ($fv, $fs) = (hard_sigmoid_v, hard_sigmoid);
                $body
            }
        }
    }};
}

/// `y = act(x)`.
pub fn forward(act: Activation, x: &[f32], y: &mut [f32]) {
    with_forward!(
        act,
        {
            assert_eq!(x.len(), y.len());
            y.copy_from_slice(x)
        },
        |fv, fs| map1(x, y, fv, fs)
    )
}

/// `y = act(y)` in place (e.g. the epilogue of a fused dense or convolution).
pub fn forward_in_place(act: Activation, y: &mut [f32]) {
    with_forward!(act, (), |fv, fs| map1_inplace(y, fv, fs))
}

/// `dx = dy · act'(x)`. `x`/`y` may be empty when not needed (see the
/// module table); all used slices must have `dx.len()` elements.
pub fn backward(act: Activation, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
    let zero = F32x4::zero();
    let one = F32x4::splat(1.0);
    match act {
        Activation::Linear => {
            assert_eq!(dy.len(), dx.len());
            dx.copy_from_slice(dy)
        }
        Activation::Relu => map2(
            x,
            dy,
            dx,
            move |x, g| x.gt(zero).and(g),
            |x, g| if x > 0.0 { g } else { 0.0 },
        ),
        Activation::LeakyRelu(alpha) => {
            let av = F32x4::splat(alpha);
            map2(
                x,
                dy,
                dx,
                move |x, g| F32x4::select(x.gt(zero), g, g.mul(av)),
                move |x, g| if x > 0.0 { g } else { alpha * g },
            )
        }
        Activation::Elu(alpha) => {
            // For x <= 0: y = α(e^x - 1) so dy/dx = α·e^x = y + α.
            let av = F32x4::splat(alpha);
            map3(
                x,
                y,
                dy,
                dx,
                move |x, y, g| F32x4::select(x.gt(zero), g, g.mul(y.add(av))),
                move |x, y, g| if x > 0.0 { g } else { g * (y + alpha) },
            )
        }
        Activation::Sigmoid => map2(
            y,
            dy,
            dx,
            move |y, g| g.mul(y.mul(one.sub(y))),
            |y, g| g * (y * (1.0 - y)),
        ),
        Activation::Tanh => map2(
            y,
            dy,
            dx,
            move |y, g| g.mul(one.sub(y.mul(y))),
            |y, g| g * (1.0 - y * y),
        ),
        Activation::Softplus => map2(x, dy, dx, |x, g| g.mul(sigmoid_v(x)), |x, g| g * sigmoid(x)),
        Activation::Gelu => map2(x, dy, dx, |x, g| g.mul(gelu_grad_v(x)), |x, g| g * gelu_grad(x)),
        Activation::Silu => map2(x, dy, dx, |x, g| g.mul(silu_grad_v(x)), |x, g| g * silu_grad(x)),
        Activation::Selu => {
            // For x <= 0: y = s·α(e^x − 1) so dy/dx = s·α·e^x = y + s·α.
            let (sv, sav) = (F32x4::splat(SELU_SCALE), F32x4::splat(SELU_SCALE * SELU_ALPHA));
            map3(
                x,
                y,
                dy,
                dx,
                move |x, y, g| g.mul(F32x4::select(x.gt(zero), sv, y.add(sav))),
                |x, y, g| g * if x > 0.0 { SELU_SCALE } else { y + SELU_SCALE * SELU_ALPHA },
            )
        }
        // 1 strictly inside (0, 6), 0 outside (the kinks get 0, as TF.js's step).
        Activation::Relu6 => {
            let six = F32x4::splat(6.0);
            map2(
                x,
                dy,
                dx,
                move |x, g| x.gt(zero).and(six.gt(x)).and(g),
                |x, g| if x > 0.0 && x < 6.0 { g } else { 0.0 },
            )
        }
        // 0.2 where 0 < 0.2·x + 0.5 < 1, i.e. |x| < 2.5.
        Activation::HardSigmoid => {
            let (lim, k) = (F32x4::splat(2.5), F32x4::splat(0.2));
            map2(
                x,
                dy,
                dx,
                move |x, g| F32x4::select(x.abs().lt(lim), g.mul(k), zero),
                |x, g| if x.abs() < 2.5 { 0.2 * g } else { 0.0 },
            )
        }
    }
}

/// `dx = dy · act'(x)` from the output `y = act(x)` only, for activations
/// with [`Activation::derivative_from_output`].
///
/// # Panics
/// For any other activation, or when the lengths differ.
pub fn backward_from_output(act: Activation, y: &[f32], dy: &[f32], dx: &mut [f32]) {
    assert!(act.derivative_from_output(), "{act:?}: the derivative needs the input");
    match act {
        // relu(x) > 0 exactly where x > 0, so y stands in for x.
        Activation::Relu => backward(act, y, &[], dy, dx),
        _ => backward(act, &[], y, dy, dx),
    }
}

/// [`backward_from_output`] over `[rows × db.len()]` values, plus the column
/// sums of `dx` (a fused op's bias gradient) into `db`, in the same parallel
/// pass (see [`reduce::fill_rows_and_sum_columns`](crate::reduce::fill_rows_and_sum_columns):
/// the sums equal `reduce::sum_axis`'s bit for bit).
pub fn backward_from_output_and_column_sums(act: Activation, y: &[f32], dy: &[f32], dx: &mut [f32], db: &mut [f32]) {
    assert!(y.len() == dx.len() && dy.len() == dx.len(), "backward_from_output_and_column_sums: lengths differ");
    let c = db.len();
    crate::reduce::fill_rows_and_sum_columns(dx, db, |rows, d| {
        let r = rows.start * c..rows.end * c;
        backward_from_output(act, &y[r.clone()], &dy[r], d)
    });
}

/// `max(x, 0) + ln_1p(e^-|x|)`: the exp is SIMD, `ln_1p` scalar per lane.
#[inline(always)]
fn softplus_v(x: F32x4) -> F32x4 {
    let e = exp_v(x.abs().neg());
    x.max(F32x4::zero()).add(lanes1(e, f32::ln_1p))
}

#[inline(always)]
fn softplus(x: f32) -> f32 {
    crate::simd::fmax(x, 0.0) + math::ln_1p(exp(-x.abs()))
}

/// `2u = 2·√(2/π)·(x + c·x³)`.
#[inline(always)]
fn gelu_2u_v(x: F32x4) -> F32x4 {
    let x2 = x.mul(x);
    let inner = x.add(F32x4::splat(GELU_C).mul(x2.mul(x)));
    F32x4::splat(2.0 * SQRT_2_OVER_PI).mul(inner)
}

#[inline(always)]
fn gelu_2u(x: f32) -> f32 {
    (2.0 * SQRT_2_OVER_PI) * (x + GELU_C * (x * x * x))
}

/// `0.5·x·(1 + tanh(u)) = x·sigmoid(2u)`; where the sigmoid underflows to 0
/// the result is 0 (so `gelu(-inf) = 0`, not `-inf·0 = NaN`).
#[inline(always)]
fn gelu_v(x: F32x4) -> F32x4 {
    let s = sigmoid_v(gelu_2u_v(x));
    F32x4::select(s.eq(F32x4::zero()), F32x4::zero(), x.mul(s))
}

#[inline(always)]
fn gelu(x: f32) -> f32 {
    let s = sigmoid(gelu_2u(x));
    if s == 0.0 {
        0.0
    } else {
        x * s
    }
}

/// d/dx [x·s(2u)] = s + x·s·(1-s)·2u', 2u' = 2√(2/π)(1 + 3c·x²).
/// The second term uses x clamped to ±20 (where s·(1-s) is already exactly 0
/// in f32) so huge |x| cannot form `0·inf = NaN`.
#[inline(always)]
fn gelu_grad_v(x: F32x4) -> F32x4 {
    let s = sigmoid_v(gelu_2u_v(x));
    let one = F32x4::splat(1.0);
    let x = x.clamp(F32x4::splat(-GELU_CLAMP), F32x4::splat(GELU_CLAMP));
    let du = F32x4::splat(2.0 * SQRT_2_OVER_PI)
        .mul(one.add(F32x4::splat(3.0 * GELU_C).mul(x.mul(x))));
    s.add(x.mul(s.mul(one.sub(s))).mul(du))
}

#[inline(always)]
fn gelu_grad(x: f32) -> f32 {
    let s = sigmoid(gelu_2u(x));
    let x = crate::simd::fmin(crate::simd::fmax(x, -GELU_CLAMP), GELU_CLAMP);
    let du = (2.0 * SQRT_2_OVER_PI) * (1.0 + (3.0 * GELU_C) * (x * x));
    s + x * (s * (1.0 - s)) * du
}

/// `clamp(0.2·x + 0.5, 0, 1)`; NaN stays NaN.
#[inline(always)]
pub fn hard_sigmoid(x: f32) -> f32 {
    (0.2 * x + 0.5).clamp(0.0, 1.0)
}

/// [`hard_sigmoid`] lane-wise.
#[inline(always)]
fn hard_sigmoid_v(x: F32x4) -> F32x4 {
    let (zero, one) = (F32x4::zero(), F32x4::splat(1.0));
    let t = F32x4::splat(0.2).mul(x).add(F32x4::splat(0.5));
    F32x4::select(t.lt(zero), zero, F32x4::select(t.gt(one), one, t))
}

/// `x·s(x)`; 0 where the sigmoid underflows (so `silu(-inf) = 0`, not NaN).
#[inline(always)]
fn silu_v(x: F32x4) -> F32x4 {
    let s = sigmoid_v(x);
    F32x4::select(s.eq(F32x4::zero()), F32x4::zero(), x.mul(s))
}

#[inline(always)]
fn silu(x: f32) -> f32 {
    let s = sigmoid(x);
    if s == 0.0 {
        0.0
    } else {
        x * s
    }
}

/// Beyond ±SILU_CLAMP, `s·(1 - s)` is exactly 0 in f32 (the sigmoid has
/// saturated to 0 or 1), so clamping `x` there changes nothing but keeps
/// `x·s·(1-s)` from forming `inf·0 = NaN`.
const SILU_CLAMP: f32 = 100.0;

/// d/dx [x·s] = s + x·s·(1 - s).
#[inline(always)]
fn silu_grad_v(x: F32x4) -> F32x4 {
    let s = sigmoid_v(x);
    let x = x.clamp(F32x4::splat(-SILU_CLAMP), F32x4::splat(SILU_CLAMP));
    s.add(x.mul(s.mul(F32x4::splat(1.0).sub(s))))
}

#[inline(always)]
fn silu_grad(x: f32) -> f32 {
    let s = sigmoid(x);
    let x = crate::simd::fmin(crate::simd::fmax(x, -SILU_CLAMP), SILU_CLAMP);
    s + x * (s * (1.0 - s))
}

/// Exact GELU `0.5·x·(1 + erf(x/√2))` (scalar erf, ~1e-7 abs error).
pub fn gelu_erf(x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len());
    for (y, &x) in y.iter_mut().zip(x) {
        *y = 0.5 * x * (1.0 + math::erf(x * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// Backward of [`gelu_erf`]: `dx = dy·(Φ(x) + x·φ(x))`.
pub fn gelu_erf_backward(x: &[f32], dy: &[f32], dx: &mut [f32]) {
    assert!(x.len() == dx.len() && dy.len() == dx.len());
    const INV_SQRT_2PI: f32 = 0.398_942_3;
    for ((d, &x), &g) in dx.iter_mut().zip(x).zip(dy) {
        let cdf = 0.5 * (1.0 + math::erf(x * std::f32::consts::FRAC_1_SQRT_2));
        let pdf = INV_SQRT_2PI * exp(-0.5 * x * x);
        *d = g * (cdf + x * pdf);
    }
}
