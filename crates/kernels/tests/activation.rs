//! Activations (forward vs f64 reference, backward vs central finite
//! differences of the f64 reference) and softmax / log-softmax /
//! softmax-cross-entropy.
//!
//! Tolerances:
//! - forward: |y - ref| <= 5e-7·|ref| + 1e-37 (relative; the 1e-37 floor only
//!   matters at underflow). exp is ≤ 1 ulp, sigmoid/tanh/gelu add 2–4
//!   roundings; elu uses expm1 so stays relative near 0; ln_1p is libm;
//! - backward vs central differences (f64 reference, h = 1e-4·max(1,|x|)):
//!   |dx - fd| <= 1e-5·(1 + |fd|); points within 1e-3 of a kink (0 for
//!   relu/leaky/elu) are skipped;
//! - softmax/log_softmax/backward/cross-entropy vs f64: 2e-6 relative + 1e-7
//!   absolute (row max shift, exp ≤ 1 ulp, f32 row sums of ≤ 1000 terms);
//!   dlogits additionally 1e-9 absolute.

use sinew_kernels::activation::{
    backward, backward_from_output, forward, forward_in_place, gelu_erf, gelu_erf_backward, Activation,
};
use sinew_kernels::softmax::{
    log_softmax, log_softmax_backward, softmax, softmax_backward, softmax_cross_entropy, Labels,
};

mod common;
use common::Rng;

const LENS: [usize; 10] = [1, 2, 3, 7, 17, 31, 64, 65, 129, 1000];

fn ref_f(act: Activation, x: f64) -> f64 {
    match act {
        Activation::Linear => x,
        Activation::Relu => x.max(0.0),
        Activation::LeakyRelu(a) => {
            if x > 0.0 {
                x
            } else {
                a as f64 * x
            }
        }
        Activation::Elu(a) => {
            if x > 0.0 {
                x
            } else {
                a as f64 * x.exp_m1()
            }
        }
        Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        Activation::Tanh => x.tanh(),
        Activation::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
        Activation::Gelu => {
            let u = (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x);
            // 0.5·x·(1 + tanh u) written as x·sigmoid(2u): same function,
            // no f64 cancellation in the negative tail.
            x / (1.0 + (-2.0 * u).exp())
        }
        Activation::Silu => x / (1.0 + (-x).exp()),
        // Full-precision constants, so the f32 ones are checked too.
        Activation::Selu => 1.0507009873554804934193349852946 * if x > 0.0 { x } else { 1.6732632423543772848170429916717 * x.exp_m1() },
        Activation::Relu6 => x.clamp(0.0, 6.0),
        Activation::HardSigmoid => (0.2 * x + 0.5).clamp(0.0, 1.0),
    }
}

const ACTS: [Activation; 13] = [
    Activation::Linear,
    Activation::Relu,
    Activation::LeakyRelu(0.1),
    Activation::Elu(1.0),
    Activation::Elu(0.7),
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Softplus,
    Activation::Gelu,
    Activation::Silu,
    Activation::Selu,
    Activation::Relu6,
    Activation::HardSigmoid,
];

#[test]
fn forward_matches_reference() {
    let mut rng = Rng(11);
    for act in ACTS {
        for &n in &LENS {
            for scale in [0.01f32, 3.0, 30.0] {
                let x = rng.vec_scaled(n, scale);
                let mut y = vec![f32::NAN; n];
                forward(act, &x, &mut y);
                for i in 0..n {
                    let w = ref_f(act, x[i] as f64);
                    let err = (y[i] as f64 - w).abs();
                    // hardSigmoid's 0.2·x + 0.5 cancels near x = -2.5: its error is absolute (ulp of 0.5).
                    let abs_tol = if act == Activation::HardSigmoid { 1.2e-7 } else { 1e-37 };
                    assert!(err <= rel_tol(act, x[i] as f64) * w.abs() + abs_tol,
                        "{act:?}({}) = {}, want {w} (err {err:e})", x[i], y[i]);
                }
            }
        }
    }
}

/// Relative forward tolerance: 5e-7, except GELU whose f32 argument
/// `2u = 2√(2/π)(x + 0.044715x³)` is rounded before `exp`, so its relative
/// error is amplified by the condition number |2u| in the negative tail.
fn rel_tol(act: Activation, x: f64) -> f64 {
    match act {
        Activation::Gelu => {
            let two_u = 2.0 * (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x);
            5e-7 * (1.0 + two_u.abs())
        }
        _ => 5e-7,
    }
}

#[test]
fn special_values() {
    let x = [f32::NEG_INFINITY, -100.0, 100.0, f32::INFINITY, f32::NAN, 0.0];
    let mut y = [0.0; 6];
    forward(Activation::Sigmoid, &x, &mut y);
    // sigmoid flushes to 0 once e^-x overflows (x < -88.7, true value < 3e-39).
    assert_eq!(&y[..4], &[0.0, 0.0, 1.0, 1.0]);
    assert!(y[4].is_nan() && y[5] == 0.5);
    forward(Activation::Tanh, &x, &mut y);
    assert_eq!(&y[..4], &[-1.0, -1.0, 1.0, 1.0]);
    assert!(y[4].is_nan() && y[5] == 0.0);
    forward(Activation::Softplus, &x, &mut y);
    // softplus(-100) = ln1p(e^-100) = 3.7e-44 (subnormal, kept).
    assert!(y[0] == 0.0 && y[1] > 0.0 && y[1] < 4e-44 && y[2] == 100.0 && y[3] == f32::INFINITY, "{y:?}");
    assert!(y[4].is_nan() && (y[5] - std::f32::consts::LN_2).abs() < 1e-7);
    forward(Activation::Gelu, &x, &mut y);
    assert!(y[0] == 0.0 && y[1] == 0.0 && y[2] == 100.0 && y[3] == f32::INFINITY && y[4].is_nan());
    // The sigmoid has flushed to 0 at -100 (true silu -3.7e-42); silu(0) = 0.
    forward(Activation::Silu, &x, &mut y);
    assert!(y[0] == 0.0 && y[1] == 0.0 && y[2] == 100.0 && y[3] == f32::INFINITY && y[4].is_nan() && y[5] == 0.0, "{y:?}");
    let mut dx = [0.0; 6];
    backward(Activation::Silu, &x, &[], &[1.0; 6], &mut dx);
    assert!(dx[0] == 0.0 && dx[1] == 0.0 && dx[2] == 1.0 && dx[3] == 1.0 && dx[4].is_nan() && dx[5] == 0.5, "{dx:?}");
    let mut dx = [0.0; 6];
    backward(Activation::Gelu, &x, &[], &[1.0; 6], &mut dx);
    assert!(dx[0] == 0.0 && dx[1] == 0.0 && dx[2] == 1.0 && dx[3] == 1.0 && dx[5] == 0.5);
    forward(Activation::Relu, &x, &mut y);
    assert!(y[0] == 0.0 && y[3] == f32::INFINITY && y[4].is_nan());
    forward(Activation::Relu6, &x, &mut y);
    assert!(y[..4] == [0.0, 0.0, 6.0, 6.0] && y[4].is_nan() && y[5] == 0.0, "{y:?}");
    forward(Activation::HardSigmoid, &x, &mut y);
    assert!(y[..4] == [0.0, 0.0, 1.0, 1.0] && y[4].is_nan() && y[5] == 0.5, "{y:?}");
    // selu(-inf) = -scale·alpha, the limit (TF.js: -1.7580993).
    forward(Activation::Selu, &x, &mut y);
    assert!((y[0] + 1.758_099_3).abs() < 1e-6 && y[1] == y[0] && y[2] == 105.070_1 && y[3] == f32::INFINITY && y[4].is_nan() && y[5] == 0.0, "{y:?}");
}

#[test]
fn backward_matches_finite_differences() {
    let mut rng = Rng(77);
    for act in ACTS {
        for &n in &LENS {
            let x = rng.vec_scaled(n, 4.0);
            let dy = rng.vec_scaled(n, 1.0);
            let mut y = vec![0.0; n];
            forward(act, &x, &mut y);
            let xs: &[f32] = if act.needs_input() { &x } else { &[] };
            let ys: &[f32] = if act.needs_output() { &y } else { &[] };
            let mut dx = vec![f32::NAN; n];
            backward(act, xs, ys, &dy, &mut dx);
            for i in 0..n {
                let xi = x[i] as f64;
                let kinks: &[f64] = match act {
                    Activation::Relu | Activation::LeakyRelu(_) | Activation::Elu(_) | Activation::Selu => &[0.0],
                    Activation::Relu6 => &[0.0, 6.0],
                    Activation::HardSigmoid => &[-2.5, 2.5],
                    _ => &[],
                };
                if kinks.iter().any(|k| (xi - k).abs() < 1e-3) {
                    continue;
                }
                let h = 1e-4 * xi.abs().max(1.0);
                let fd = (ref_f(act, xi + h) - ref_f(act, xi - h)) / (2.0 * h) * dy[i] as f64;
                assert!(
                    (dx[i] as f64 - fd).abs() <= 1e-5 * (1.0 + fd.abs()),
                    "{act:?}'({xi}) * {} = {}, fd {fd}",
                    dy[i],
                    dx[i]
                );
            }
        }
    }
}

#[test]
fn in_place_and_from_output_forms_equal_the_general_kernels() {
    let mut rng = Rng(5);
    for act in ACTS {
        for &n in &LENS {
            let x = rng.vec_scaled(n, 4.0);
            let dy = rng.vec_scaled(n, 1.0);
            let mut y = vec![0.0; n];
            forward(act, &x, &mut y);
            let mut z = x.clone();
            forward_in_place(act, &mut z);
            assert_eq!(z, y, "{act:?} in place");
            if act.derivative_from_output() {
                let (mut a, mut b) = (vec![0.0; n], vec![f32::NAN; n]);
                backward(act, &x, &y, &dy, &mut a);
                backward_from_output(act, &y, &dy, &mut b);
                assert_eq!(a, b, "{act:?} from output");
            }
        }
    }
}

#[test]
#[should_panic(expected = "needs the input")]
fn from_output_refuses_an_activation_that_needs_its_input() {
    backward_from_output(Activation::Gelu, &[1.0], &[1.0], &mut [0.0]);
}

#[test]
fn gelu_erf_exact() {
    let mut rng = Rng(3);
    let x = rng.vec_scaled(1000, 5.0);
    let mut y = vec![0.0; 1000];
    gelu_erf(&x, &mut y);
    let dy = vec![1.0; 1000];
    let mut dx = vec![0.0; 1000];
    gelu_erf_backward(&x, &dy, &mut dx);
    // Reference via f64 erf (series / continued fraction would be overkill):
    // compare with the tanh approximation loosely and with FD of itself.
    let mut ya = vec![0.0; 1000];
    forward(Activation::Gelu, &x, &mut ya);
    for i in 0..1000 {
        assert!((y[i] - ya[i]).abs() < 1e-3, "gelu_erf({}) = {} vs approx {}", x[i], y[i], ya[i]);
        let h = 1e-2f32;
        let (mut yp, mut ym) = ([0.0f32], [0.0f32]);
        gelu_erf(&[x[i] + h], &mut yp);
        gelu_erf(&[x[i] - h], &mut ym);
        let fd = (yp[0] - ym[0]) / (2.0 * h);
        assert!((dx[i] - fd).abs() < 2e-4, "gelu_erf'({}) = {} vs fd {fd}", x[i], dx[i]);
    }
    // Known values: gelu(1) = 0.8413447, gelu(-1) = -0.1586553.
    gelu_erf(&[1.0, -1.0], &mut y[..2]);
    assert!((y[0] - 0.841_344_7).abs() < 3e-7 && (y[1] + 0.158_655_3).abs() < 3e-7, "{:?}", &y[..2]);
}

// ------------------------------------------------------------------ softmax

fn ref_softmax(x: &[f32], c: usize) -> (Vec<f64>, Vec<f64>) {
    let mut p = vec![0.0; x.len()];
    let mut lp = vec![0.0; x.len()];
    for (r, row) in x.chunks(c).enumerate() {
        let m = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
        let s: f64 = row.iter().map(|&v| (v as f64 - m).exp()).sum();
        for j in 0..c {
            lp[r * c + j] = row[j] as f64 - m - s.ln();
            p[r * c + j] = (row[j] as f64 - m).exp() / s;
        }
    }
    (p, lp)
}

fn close(got: f32, want: f64, rel: f64, abs: f64) -> bool {
    (got as f64 - want).abs() <= rel * want.abs() + abs || (got.is_infinite() && got as f64 == want)
}

#[test]
fn softmax_forward_backward() {
    let mut rng = Rng(123);
    for &c in &LENS {
        for rows in [1usize, 3, 5] {
            let x = rng.vec_scaled(rows * c, 8.0);
            let dy = rng.vec_scaled(rows * c, 1.0);
            let (p, lp) = ref_softmax(&x, c);
            let mut y = vec![0.0; x.len()];
            softmax(&x, c, &mut y);
            let mut ly = vec![0.0; x.len()];
            log_softmax(&x, c, &mut ly);
            let mut dx = vec![0.0; x.len()];
            softmax_backward(&y, &dy, c, &mut dx);
            let mut ldx = vec![0.0; x.len()];
            log_softmax_backward(&ly, &dy, c, &mut ldx);
            for r in 0..rows {
                let row = r * c..(r + 1) * c;
                let dot: f64 = row.clone().map(|i| dy[i] as f64 * p[i]).sum();
                let sdy: f64 = row.clone().map(|i| dy[i] as f64).sum();
                for i in row {
                    assert!(close(y[i], p[i], 2e-6, 1e-7), "softmax c={c} [{i}] {} vs {}", y[i], p[i]);
                    assert!(close(ly[i], lp[i], 2e-6, 1e-6), "log_softmax c={c} [{i}] {} vs {}", ly[i], lp[i]);
                    let want = p[i] * (dy[i] as f64 - dot);
                    assert!(close(dx[i], want, 2e-6, 1e-7), "softmax' c={c} [{i}] {} vs {want}", dx[i]);
                    let want = dy[i] as f64 - p[i] * sdy;
                    assert!(close(ldx[i], want, 2e-6, 2e-6), "log_softmax' c={c} [{i}] {} vs {want}", ldx[i]);
                }
            }
        }
    }
}

#[test]
fn softmax_stability() {
    let x = [1010.0f32, 1000.0, 990.0];
    let mut y = [0.0; 3];
    softmax(&x, 3, &mut y);
    let want = [0.999_954_6f64, 4.539_787e-5, 2.061_060e-9];
    for j in 0..3 {
        assert!(y[j].is_finite() && close(y[j], want[j], 1e-5, 0.0), "{y:?}");
    }
    let mut ly = [0.0; 3];
    log_softmax(&x, 3, &mut ly);
    assert!(close(ly[0], -4.539_890e-5, 1e-4, 0.0) && close(ly[2], -20.000_045, 1e-6, 0.0), "{ly:?}");
    // -inf entries: probability 0, log-prob -inf; others as if absent.
    let x = [f32::NEG_INFINITY, 0.0, f32::NEG_INFINITY, 1.0f32.ln()];
    softmax(&x, 4, &mut [0.0; 4][..]);
    let mut y = [0.0; 4];
    softmax(&x, 4, &mut y);
    assert_eq!(y, [0.0, 0.5, 0.0, 0.5]);
    log_softmax(&x, 4, &mut y);
    assert!(y[0] == f32::NEG_INFINITY && (y[1] + std::f32::consts::LN_2).abs() < 1e-7);
    // Large negative logits.
    let x = [-1e30f32, -1e30, -1e30];
    softmax(&x, 3, &mut [0.0; 3][..]);
    let mut y = [0.0; 3];
    softmax(&x, 3, &mut y);
    assert!(y.iter().all(|v| (v - 1.0 / 3.0).abs() < 1e-7));
}

#[test]
fn cross_entropy_matches_reference() {
    let mut rng = Rng(321);
    for &c in &LENS {
        let n = 6;
        let x = rng.vec_scaled(n * c, 10.0);
        let idx: Vec<u32> = (0..n).map(|i| ((i * 7919 + c) % c) as u32).collect();
        let mut onehot = vec![0.0f32; n * c];
        for i in 0..n {
            onehot[i * c + idx[i] as usize] = 1.0;
        }
        let (p, lp) = ref_softmax(&x, c);
        let mut loss_i = vec![0.0; n];
        let mut d_i = vec![0.0; n * c];
        softmax_cross_entropy(&x, Labels::Indices(&idx), n, c, &mut loss_i, Some(&mut d_i));
        let mut loss_o = vec![0.0; n];
        let mut d_o = vec![0.0; n * c];
        softmax_cross_entropy(&x, Labels::OneHot(&onehot), n, c, &mut loss_o, Some(&mut d_o));
        let mut loss_n = vec![0.0; n];
        softmax_cross_entropy(&x, Labels::Indices(&idx), n, c, &mut loss_n, None);
        for i in 0..n {
            let want = -lp[i * c + idx[i] as usize];
            assert!(close(loss_i[i], want, 2e-6, 1e-6), "c={c} loss {} vs {want}", loss_i[i]);
            assert!(close(loss_o[i], want, 2e-6, 1e-6), "c={c} loss(onehot) {} vs {want}", loss_o[i]);
            assert_eq!(loss_n[i], loss_i[i]);
            for j in 0..c {
                let k = i * c + j;
                let want = (p[k] - onehot[k] as f64) / n as f64;
                let abs = 1e-9;
                assert!(close(d_i[k], want, 2e-6, abs), "c={c} dlogits[{k}] {} vs {want}", d_i[k]);
                assert!(close(d_o[k], want, 2e-6, abs), "c={c} dlogits(onehot)[{k}] {} vs {want}", d_o[k]);
            }
        }
    }
    // Stable for huge logits, -inf on non-targets; errors on bad labels.
    let x = [1010.0f32, 1000.0, f32::NEG_INFINITY];
    let mut l = [0.0];
    softmax_cross_entropy(&x, Labels::Indices(&[1]), 1, 3, &mut l, None);
    assert!(close(l[0], 10.000_045, 1e-6, 0.0), "{l:?}");
    softmax_cross_entropy(&x, Labels::OneHot(&[0.0, 1.0, 0.0]), 1, 3, &mut l, None);
    assert!(close(l[0], 10.000_045, 1e-6, 0.0), "{l:?}");
}

#[test]
#[should_panic(expected = "softmax_cross_entropy: label[0] = 3 out of range for c=3")]
fn softmax_cross_entropy_panics_on_a_label_out_of_range() {
    softmax_cross_entropy(&[0.0; 3], Labels::Indices(&[3]), 1, 3, &mut [0.0], None);
}

#[test]
fn two_threads_match_one() {
    let mut rng = Rng(9);
    let (n, c) = (700, 333);
    let x = rng.vec_scaled(n * c, 6.0);
    let dy = rng.vec_scaled(n * c, 1.0);
    let idx: Vec<u32> = (0..n as u32).map(|i| i % c as u32).collect();
    let run = || {
        let mut outs = Vec::new();
        for act in ACTS {
            let mut y = vec![0.0; n * c];
            forward(act, &x, &mut y);
            let mut dx = vec![0.0; n * c];
            backward(act, &x, &y, &dy, &mut dx);
            outs.push(y);
            outs.push(dx);
        }
        let mut y = vec![0.0; n * c];
        softmax(&x, c, &mut y);
        let mut dx = vec![0.0; n * c];
        softmax_backward(&y, &dy, c, &mut dx);
        outs.push(y);
        outs.push(dx);
        let mut y = vec![0.0; n * c];
        log_softmax(&x, c, &mut y);
        outs.push(y);
        let mut l = vec![0.0; n];
        let mut d = vec![0.0; n * c];
        softmax_cross_entropy(&x, Labels::Indices(&idx), n, c, &mut l, Some(&mut d));
        outs.push(l);
        outs.push(d);
        outs
    };
    let one = sinew_kernels::par::with_max_threads(1, run);
    let two = sinew_kernels::par::with_max_threads(2, run);
    for (k, (a, b)) in one.iter().zip(&two).enumerate() {
        assert!(a.iter().zip(b).all(|(a, b)| a.to_bits() == b.to_bits()), "output {k} differs");
    }
}
