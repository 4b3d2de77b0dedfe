//! math (exp/expm1), broadcasting, binary and unary element-wise kernels vs
//! naive f64 references.
//!
//! Tolerances (relative, per kernel):
//! - add/sub/mul/div/maximum/minimum, neg/abs/sqrt/square/clip/step: exact
//!   (IEEE-rounded; the f64 reference rounded to f32 is bit-identical);
//! - exp: measured max rel. error over [-87, 88] is 8.0e-8; asserted < 1.2e-7;
//! - expm1: < 3e-7 relative (or 1e-30 absolute near underflow);
//! - log, pow: < 2e-7 relative (libm, ≤ 1 ulp) + tiny absolute floor;
//! - sum_to_shape: f64-accumulated, < 1e-6 relative to Σ|terms|.

use sinew_kernels::broadcast::{broadcast_shape, broadcast_to, numel, sum_to_shape};
use sinew_kernels::elementwise::{
    add_row, binary, binary_backward, binary_scalar, binary_same, scalar_binary, scale_inplace, share_among_ties, ties_mask,
    unary, unary_backward, unary_inplace, BinaryOp, UnaryOp,
};
use sinew_kernels::math;
use sinew_kernels::simd::F32x4;

mod common;
use common::Rng;

const LENS: [usize; 10] = [1, 2, 3, 7, 17, 31, 64, 65, 129, 1000];

fn rel_err(got: f32, want: f64) -> f64 {
    if want == 0.0 {
        (got as f64).abs()
    } else {
        ((got as f64 - want) / want).abs()
    }
}

fn exp_vec(x: &[f32]) -> Vec<f32> {
    let mut y = vec![0.0; x.len()];
    unary(UnaryOp::Exp, x, &mut y);
    y
}

#[test]
fn exp_max_relative_error() {
    // Dense sweep of [-87, 88] plus random points, through the SIMD (F32x4)
    // path and the scalar twin; they must agree bit for bit.
    let n = 2_000_003usize;
    let mut xs: Vec<f32> = (0..n).map(|i| -87.0 + 175.0 * (i as f32 / (n - 1) as f32)).collect();
    let mut rng = Rng(0x1234_5678);
    xs.extend((0..200_000).map(|_| rng.next() * 87.0));
    xs.extend((0..200_000).map(|_| rng.next() * 0.5));
    let ys = exp_vec(&xs);
    let mut worst = (0.0f64, 0.0f32);
    for (&x, &y) in xs.iter().zip(&ys) {
        assert_eq!(y.to_bits(), math::exp(x).to_bits(), "vector/scalar mismatch at {x}");
        let e = rel_err(y, (x as f64).exp());
        if e > worst.0 {
            worst = (e, x);
        }
    }
    println!("exp max relative error over [-87, 88]: {:.3e} at x = {}", worst.0, worst.1);
    assert!(worst.0 < 1.2e-7, "exp max rel err {:.3e} at {}", worst.0, worst.1);
}

#[test]
fn exp_special_values() {
    let xs = [
        f32::NEG_INFINITY,
        -1000.0,
        -104.0,
        -103.0,
        -100.0,
        -88.0,
        0.0,
        -0.0,
        88.72,
        88.73,
        89.0,
        100.0,
        f32::INFINITY,
        f32::NAN,
    ];
    let ys = exp_vec(&xs);
    assert_eq!(ys[0], 0.0);
    assert_eq!(ys[1], 0.0);
    assert_eq!(ys[2], 0.0);
    // Subnormal results: within half a subnormal ulp-ish of f64.
    for i in 3..6 {
        let want = (xs[i] as f64).exp();
        assert!((ys[i] as f64 - want).abs() <= 1.5e-45 + want * 1e-6, "exp({}) = {:e}, want {want:e}", xs[i], ys[i]);
    }
    assert_eq!(ys[6], 1.0);
    assert_eq!(ys[7], 1.0);
    assert!(rel_err(ys[8], (88.72f32 as f64).exp()) < 2.5e-7 && ys[8].is_finite());
    assert!(ys[9].is_infinite()); // e^88.73 > f32::MAX
    assert!(ys[10].is_infinite() && ys[11].is_infinite() && ys[12].is_infinite());
    assert!(ys[13].is_nan());
    for (x, y) in xs.iter().zip(&ys) {
        let s = math::exp(*x);
        assert!(s.to_bits() == y.to_bits() || (s.is_nan() && y.is_nan()));
    }
}

#[test]
fn expm1_accuracy() {
    let mut xs: Vec<f32> = (0..200_001).map(|i| -20.0 + 40.0 * (i as f32 / 200_000.0)).collect();
    xs.extend([1e-8, -1e-8, 1e-4, -1e-4, 0.3, -0.3, 0.35, -0.35, 0.0]);
    let mut y = vec![0.0; xs.len()];
    unary(UnaryOp::Expm1, &xs, &mut y);
    for (&x, &y) in xs.iter().zip(&y) {
        let want = (x as f64).exp_m1();
        assert!(rel_err(y, want) < 3e-7, "expm1({x}) = {y}, want {want}");
        assert_eq!(y.to_bits(), math::expm1(x).to_bits());
    }
    let mut y = vec![0.0; 3];
    unary(UnaryOp::Expm1, &[f32::NEG_INFINITY, f32::INFINITY, f32::NAN], &mut y);
    assert_eq!(y[0], -1.0);
    assert!(y[1].is_infinite() && y[2].is_nan());
}

#[test]
fn tanh_sigmoid_accuracy() {
    let xs: Vec<f32> = (0..400_001).map(|i| -30.0 + 60.0 * (i as f32 / 400_000.0)).collect();
    for &x in &xs {
        let v = F32x4::splat(x);
        let t = math::tanh_v(v).to_array()[0];
        let s = math::sigmoid_v(v).to_array()[0];
        assert_eq!(t.to_bits(), math::tanh(x).to_bits());
        assert_eq!(s.to_bits(), math::sigmoid(x).to_bits());
        // tanh: 4e-7 relative; sigmoid: 4e-7 relative (exp error + 2 roundings).
        assert!(rel_err(t, (x as f64).tanh()) < 4e-7 || x == 0.0, "tanh({x}) = {t}");
        let sw = 1.0 / (1.0 + (-(x as f64)).exp());
        assert!(rel_err(s, sw) < 4e-7, "sigmoid({x}) = {s}, want {sw}");
    }
}

/// Naive broadcast reference: index each output element back into a and b.
fn ref_binary(op: BinaryOp, a: &[f32], sa: &[usize], b: &[f32], sb: &[usize]) -> (Vec<usize>, Vec<f32>) {
    let rank = sa.len().max(sb.len());
    let pad = |s: &[usize]| {
        let mut v = vec![1; rank - s.len()];
        v.extend_from_slice(s);
        v
    };
    let (pa, pb) = (pad(sa), pad(sb));
    let out: Vec<usize> = (0..rank).map(|i| if pa[i] == 1 { pb[i] } else { pa[i] }).collect();
    let n: usize = out.iter().product();
    let mut res = Vec::with_capacity(n);
    for flat in 0..n {
        let mut rem = flat;
        let mut idx = vec![0; rank];
        for d in (0..rank).rev() {
            idx[d] = rem % out[d];
            rem /= out[d];
        }
        let lin = |p: &[usize]| {
            let mut o = 0;
            for d in 0..rank {
                o = o * p[d] + if p[d] == 1 { 0 } else { idx[d] };
            }
            o
        };
        let (x, y) = (a[lin(&pa)] as f64, b[lin(&pb)] as f64);
        let r = match op {
            BinaryOp::Add => x + y,
            BinaryOp::Sub => x - y,
            BinaryOp::Mul => x * y,
            BinaryOp::Div => x / y,
            BinaryOp::Pow => x.powf(y),
            BinaryOp::Maximum => x.max(y),
            BinaryOp::Minimum => x.min(y),
        };
        res.push(r as f32);
    }
    (out, res)
}

const OPS: [BinaryOp; 7] = [
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::Pow,
    BinaryOp::Maximum,
    BinaryOp::Minimum,
];

fn check_binary(op: BinaryOp, sa: &[usize], sb: &[usize], rng: &mut Rng) {
    let mut a = rng.vec_scaled(numel(sa), 2.0);
    let b = rng.vec_scaled(numel(sb), 2.0);
    if op == BinaryOp::Pow {
        // Positive bases so powf stays real.
        a.iter_mut().for_each(|v| *v = v.abs() + 0.1);
    }
    let (want_shape, want) = ref_binary(op, &a, sa, &b, sb);
    let mut out = vec![f32::NAN; want.len()];
    let shape = binary(op, &a, sa, &b, sb, &mut out);
    assert_eq!(shape, want_shape, "{op:?} {sa:?} {sb:?}");
    for (i, (&g, &w)) in out.iter().zip(&want).enumerate() {
        let ok = if op == BinaryOp::Pow {
            rel_err(g, w as f64) < 2e-7 || (g - w).abs() < 1e-30
        } else {
            g.to_bits() == w.to_bits()
        };
        assert!(ok, "{op:?} {sa:?} {sb:?}: out[{i}] = {g}, want {w}");
    }
}

#[test]
fn binary_broadcasting_cases() {
    let mut rng = Rng(42);
    let mut cases: Vec<(Vec<usize>, Vec<usize>)> = vec![
        (vec![2, 1, 3], vec![4, 1]),
        (vec![4, 1], vec![2, 1, 3]),
        (vec![5], vec![1]),
        (vec![1], vec![5]),
        (vec![3, 1], vec![1, 4]),
        (vec![], vec![7]),
        (vec![7], vec![]),
        (vec![], vec![]),
        (vec![6, 5], vec![5]),
        (vec![6, 5], vec![6, 1]),
        (vec![2, 3, 4, 5], vec![3, 1, 5]),
        (vec![2, 1, 4, 1], vec![1, 3, 1, 5]),
        (vec![1, 1, 9], vec![9]),
        (vec![3, 0, 2], vec![2]),
        (vec![17, 33], vec![17, 33]),
    ];
    for &n in &LENS {
        cases.push((vec![n], vec![n]));
        cases.push((vec![n], vec![1]));
        cases.push((vec![3, n], vec![n]));
        cases.push((vec![n, 3], vec![n, 1]));
    }
    for op in OPS {
        for (sa, sb) in &cases {
            check_binary(op, sa, sb, &mut rng);
        }
    }
}

#[test]
fn incompatible_shapes_error_names_both() {
    let e = broadcast_shape(&[2, 3], &[4]).unwrap_err();
    assert!(e.contains("[2, 3]") && e.contains("[4]"), "{e}");
    let e = broadcast_shape(&[5, 2, 3], &[4, 1, 3]).unwrap_err();
    assert!(e.contains("[5, 2, 3]") && e.contains("[4, 1, 3]"), "{e}");
    assert_eq!(broadcast_shape(&[8, 1, 6, 1], &[7, 1, 5]).unwrap(), vec![8, 7, 6, 5]);
}

// The kernels below assert their preconditions (the engine checks shapes
// with broadcast_shape first and returns an EngineError).
#[test]
#[should_panic(expected = "binary Add: shapes [2, 3] and [2] cannot be broadcast together")]
fn binary_panics_on_shapes_that_do_not_broadcast() {
    binary(BinaryOp::Add, &[0.0; 6], &[2, 3], &[0.0; 2], &[2], &mut [0.0; 6]);
}

#[test]
#[should_panic(expected = "binary Add: slice lengths a=6, b=3, out=5 do not match shapes [2, 3], [3] -> [2, 3]")]
fn binary_panics_on_a_wrong_output_length() {
    binary(BinaryOp::Add, &[0.0; 6], &[2, 3], &[0.0; 3], &[3], &mut [0.0; 5]);
}

#[test]
#[should_panic(expected = "shape [2] cannot be broadcast to [2, 3]")]
fn sum_to_shape_panics_on_shapes_that_do_not_broadcast() {
    sum_to_shape(&[0.0; 6], &[2, 3], &[2], &mut [0.0; 2]);
}

#[test]
#[should_panic(expected = "shape [2] cannot be broadcast to [3]")]
fn broadcast_to_panics_on_shapes_that_do_not_broadcast() {
    broadcast_to(&[1.0, 2.0], &[2], &[3], &mut [0.0; 3]);
}

#[test]
fn binary_helpers_and_nan() {
    let mut rng = Rng(7);
    for &n in &LENS {
        let a = rng.vec_scaled(n, 3.0);
        let b = rng.vec_scaled(n, 3.0);
        let mut o = vec![0.0; n];
        binary_same(BinaryOp::Sub, &a, &b, &mut o);
        assert!(o.iter().zip(a.iter().zip(&b)).all(|(o, (a, b))| *o == a - b));
        binary_scalar(BinaryOp::Div, &a, 3.0, &mut o);
        assert!(o.iter().zip(&a).all(|(o, a)| *o == a / 3.0));
        scalar_binary(BinaryOp::Sub, 1.0, &a, &mut o);
        assert!(o.iter().zip(&a).all(|(o, a)| *o == 1.0 - a));
        let row = rng.vec_scaled(n, 1.0);
        let m = rng.vec_scaled(3 * n, 1.0);
        let mut o = vec![0.0; 3 * n];
        add_row(&m, &row, &mut o);
        assert!(o.iter().enumerate().all(|(i, o)| *o == m[i] + row[i % n]));
    }
    // maximum/minimum propagate NaN from either side, in SIMD body and tail.
    let a = [1.0, f32::NAN, 3.0, -0.0, 5.0, f32::NAN];
    let b = [f32::NAN, 2.0, 1.0, 0.0, 6.0, 0.0];
    let mut o = [0.0; 6];
    binary_same(BinaryOp::Maximum, &a, &b, &mut o);
    assert!(o[0].is_nan() && o[1].is_nan() && o[2] == 3.0 && o[4] == 6.0 && o[5].is_nan());
    assert!(o[3] == 0.0 && o[3].is_sign_positive());
    binary_same(BinaryOp::Minimum, &a, &b, &mut o);
    assert!(o[0].is_nan() && o[1].is_nan() && o[2] == 1.0 && o[4] == 5.0 && o[5].is_nan());
    assert!(o[3] == 0.0 && o[3].is_sign_negative());
}

fn ref_unary(op: UnaryOp, x: f64) -> f64 {
    match op {
        UnaryOp::Neg => -x,
        UnaryOp::Exp => x.exp(),
        UnaryOp::Expm1 => x.exp_m1(),
        UnaryOp::Log => x.ln(),
        UnaryOp::Sqrt => x.sqrt(),
        UnaryOp::Abs => x.abs(),
        UnaryOp::Square => x * x,
        UnaryOp::Clip(lo, hi) => x.max(lo as f64).min(hi as f64),
        UnaryOp::Step => {
            if x > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        UnaryOp::PowScalar(p) => x.powf(p as f64),
        UnaryOp::Reciprocal => 1.0 / x,
    }
}

#[test]
fn unary_ops() {
    let ops = [
        (UnaryOp::Neg, 0.0),
        (UnaryOp::Exp, 2.5e-7),
        (UnaryOp::Expm1, 3e-7),
        (UnaryOp::Log, 2e-7),
        (UnaryOp::Sqrt, 0.0),
        (UnaryOp::Abs, 0.0),
        (UnaryOp::Square, 0.0),
        (UnaryOp::Clip(-0.5, 0.25), 0.0),
        (UnaryOp::Step, 0.0),
        (UnaryOp::PowScalar(2.0), 0.0),
        (UnaryOp::PowScalar(0.5), 0.0),
        (UnaryOp::PowScalar(1.0), 0.0),
        (UnaryOp::PowScalar(-1.0), 0.0),
        (UnaryOp::PowScalar(1.7), 2e-7),
        (UnaryOp::PowScalar(-2.3), 2e-7),
        (UnaryOp::Reciprocal, 0.0),
    ];
    let mut rng = Rng(99);
    for (op, tol) in ops {
        for &n in &LENS {
            let mut x = rng.vec_scaled(n, 4.0);
            if matches!(op, UnaryOp::Log | UnaryOp::Sqrt | UnaryOp::PowScalar(_)) {
                x.iter_mut().for_each(|v| *v = v.abs() + 1e-3);
            }
            let mut y = vec![0.0; n];
            unary(op, &x, &mut y);
            let mut y2 = x.clone();
            unary_inplace(op, &mut y2);
            for i in 0..n {
                let want = ref_unary(op, x[i] as f64);
                let ok = if tol == 0.0 { y[i] == want as f32 } else { rel_err(y[i], want) < tol };
                assert!(ok, "{op:?}({}) = {}, want {want}", x[i], y[i]);
                assert_eq!(y[i].to_bits(), y2[i].to_bits());
            }
        }
    }
    // NaN handling of clip/step.
    let x = [f32::NAN, 1.0, -1.0, 0.0, f32::NAN];
    let mut y = [0.0; 5];
    unary(UnaryOp::Step, &x, &mut y);
    assert!(y[0].is_nan() && y[1] == 1.0 && y[2] == 0.0 && y[3] == 0.0 && y[4].is_nan());
    unary(UnaryOp::Clip(-0.5, 0.5), &x, &mut y);
    assert!(y[0].is_nan() && y[1] == 0.5 && y[2] == -0.5 && y[3] == 0.0 && y[4].is_nan());
}

/// f64 reference of sum_to_shape.
fn ref_sum_to_shape(g: &[f32], out: &[usize], inp: &[usize]) -> Vec<f64> {
    let rank = out.len();
    let mut pin = vec![1; rank - inp.len()];
    pin.extend_from_slice(inp);
    let mut res = vec![0.0f64; numel(inp)];
    for (flat, &v) in g.iter().enumerate() {
        let mut rem = flat;
        let mut idx = vec![0; rank];
        for d in (0..rank).rev() {
            idx[d] = rem % out[d];
            rem /= out[d];
        }
        let mut o = 0;
        for d in 0..rank {
            o = o * pin[d] + if pin[d] == 1 { 0 } else { idx[d] };
        }
        res[o] += v as f64;
    }
    res
}

#[test]
fn sum_to_shape_cases() {
    let mut rng = Rng(5);
    let cases: Vec<(Vec<usize>, Vec<usize>)> = vec![
        (vec![2, 4, 3], vec![2, 1, 3]),
        (vec![2, 4, 3], vec![4, 1]),
        (vec![5], vec![1]),
        (vec![5], vec![]),
        (vec![3, 4], vec![3, 1]),
        (vec![3, 4], vec![1, 4]),
        (vec![1000, 17], vec![17]),
        (vec![7, 129], vec![7, 1]),
        (vec![2, 3, 4, 5], vec![3, 1, 5]),
        (vec![2, 3, 4, 5], vec![1, 3, 1, 1]),
        (vec![6, 5], vec![6, 5]),
        (vec![300, 3, 70], vec![3, 1]),
        (vec![3, 0, 2], vec![2]),
    ];
    for (out, inp) in cases {
        let g = rng.vec_scaled(numel(&out), 1.0);
        let want = ref_sum_to_shape(&g, &out, &inp);
        let mut dst = vec![f32::NAN; numel(&inp)];
        sum_to_shape(&g, &out, &inp, &mut dst);
        let abs_scale = numel(&out) as f64 / numel(&inp).max(1) as f64;
        for (i, (&d, &w)) in dst.iter().zip(&want).enumerate() {
            assert!((d as f64 - w).abs() <= 1e-6 * abs_scale + 1e-7, "{out:?}->{inp:?} [{i}] {d} vs {w}");
        }
    }
}

#[test]
fn two_threads_match_one() {
    let mut rng = Rng(2024);
    let n = 300_001;
    let a = rng.vec_scaled(n, 5.0);
    let b = rng.vec_scaled(n, 5.0);
    let row = rng.vec_scaled(2 * 1001, 1.0);
    let a2 = rng.vec_scaled(1001 * 301, 1.0);
    let run = || {
        let mut o1 = vec![0.0; n];
        binary(BinaryOp::Mul, &a, &[n], &b, &[n], &mut o1);
        let mut o2 = vec![0.0; n];
        unary(UnaryOp::Exp, &a, &mut o2);
        let mut o3 = vec![0.0; a2.len()];
        binary(BinaryOp::Add, &a2, &[301, 1001], &row[..1001], &[1001], &mut o3);
        let mut o4 = vec![0.0; 2 * 301 * 1001];
        binary(BinaryOp::Sub, &a2, &[1, 301, 1001], &row, &[2, 1, 1001], &mut o4);
        let mut o5 = vec![0.0; 1001];
        sum_to_shape(&a2, &[301, 1001], &[1001], &mut o5);
        (o1, o2, o3, o4, o5)
    };
    let one = sinew_kernels::par::with_max_threads(1, run);
    let two = sinew_kernels::par::with_max_threads(2, run);
    let bits = |v: &Vec<f32>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&one.0), bits(&two.0));
    assert_eq!(bits(&one.1), bits(&two.1));
    assert_eq!(bits(&one.2), bits(&two.2));
    assert_eq!(bits(&one.3), bits(&two.3));
    assert_eq!(bits(&one.4), bits(&two.4));
    // And the broadcast results are right (spot check vs scalar).
    assert_eq!(one.2[1001 * 7 + 5], a2[1001 * 7 + 5] + row[5]);
    assert_eq!(one.3[301 * 1001 + 1001 * 3 + 9], a2[1001 * 3 + 9] - row[1001 + 9]);
}

#[test]
fn broadcast_to_matches_index_arithmetic() {
    let mut rng = Rng(12);
    let cases: Vec<(Vec<usize>, Vec<usize>)> = vec![
        (vec![2, 1, 3], vec![2, 4, 3]),
        (vec![4, 1], vec![2, 4, 3]),
        (vec![3], vec![5, 3]),
        (vec![5, 1], vec![5, 3]),
        (vec![1], vec![2, 2]),
        (vec![], vec![3, 1, 2]),
        (vec![2, 3], vec![2, 3]),
        (vec![1, 3], vec![0, 3]),
        (vec![1, 1], vec![1, 1]),
    ];
    for (inp, out) in cases {
        let x = rng.vec(numel(&inp));
        let mut got = vec![f32::NAN; numel(&out)];
        broadcast_to(&x, &inp, &out, &mut got);
        // Each output element reads the input at its index with broadcast dims at 0.
        let rank = out.len();
        let mut pin = vec![1; rank - inp.len()];
        pin.extend_from_slice(&inp);
        let want: Vec<f32> = (0..numel(&out))
            .map(|flat| {
                let (mut rem, mut at, mut scale) = (flat, 0, 1);
                for d in (0..rank).rev() {
                    let i = rem % out[d];
                    rem /= out[d];
                    if pin[d] != 1 {
                        at += i * scale;
                    }
                    scale *= pin[d];
                }
                x[at]
            })
            .collect();
        assert_eq!(got, want, "{inp:?} -> {out:?}");
    }
}

/// f64 reference of a binary op (scalar).
fn ref_binary_scalar(op: BinaryOp, a: f64, b: f64) -> f64 {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::Pow => a.powf(b),
        BinaryOp::Maximum => a.max(b),
        BinaryOp::Minimum => a.min(b),
    }
}

/// `|got − fd| ≤ 1e-4·(1 + |fd|)` with `fd` a central difference (step
/// `1e-4·(1 + |x|)`) of the f64 reference, times `dy`.
fn assert_fd(what: &str, got: f32, dy: f32, x: f32, f: impl Fn(f64) -> f64) {
    let (x, h) = (x as f64, 1e-4 * (1.0 + (x as f64).abs()));
    let fd = (f(x + h) - f(x - h)) / (2.0 * h) * dy as f64;
    assert!((got as f64 - fd).abs() <= 1e-4 * (1.0 + fd.abs()), "{what} at x = {x}: got {got}, finite difference {fd}");
}

#[test]
fn unary_backward_matches_finite_differences() {
    let ops = [
        UnaryOp::Neg,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Sqrt,
        UnaryOp::Abs,
        UnaryOp::Square,
        UnaryOp::Clip(-0.5, 0.25),
        UnaryOp::Step,
        UnaryOp::PowScalar(0.0),
        UnaryOp::PowScalar(2.0),
        UnaryOp::PowScalar(0.5),
        UnaryOp::PowScalar(-1.5),
        UnaryOp::Expm1,
        UnaryOp::Reciprocal,
    ];
    let mut rng = Rng(5);
    for op in ops {
        let n = 257;
        let mut x = rng.vec_scaled(n, 3.0);
        if matches!(op, UnaryOp::Log | UnaryOp::Sqrt | UnaryOp::PowScalar(_) | UnaryOp::Reciprocal) {
            x.iter_mut().for_each(|v| *v = v.abs() + 0.1);
        }
        let dy = rng.vec(n);
        let mut y = vec![0.0; n];
        unary(op, &x, &mut y);
        let mut dx = vec![f32::NAN; n];
        unary_backward(op, &x, &y, &dy, &mut dx);
        let kinks: &[f32] = match op {
            UnaryOp::Abs | UnaryOp::Step => &[0.0],
            UnaryOp::Clip(lo, hi) => &[lo, hi],
            _ => &[],
        };
        for i in 0..n {
            if kinks.iter().any(|&k| (x[i] - k).abs() < 1e-2) {
                continue;
            }
            assert_fd(&format!("{op:?}"), dx[i], dy[i], x[i], |v| ref_unary(op, v));
        }
    }
    // At the kinks, TensorFlow's conventions: abs'(0) = 0, clip passes the
    // gradient at both ends, step' = 0, pow(x, 0)' = 0 even at x = 0.
    let (x, dy) = ([0.0f32, -0.5, 0.25, 0.0], [3.0f32; 4]);
    let mut dx = [f32::NAN; 4];
    let mut y = [0.0; 4];
    for (op, want) in [
        (UnaryOp::Abs, [0.0, -3.0, 3.0, 0.0]),
        (UnaryOp::Clip(-0.5, 0.25), [3.0; 4]),
        (UnaryOp::Step, [0.0; 4]),
        (UnaryOp::PowScalar(0.0), [0.0; 4]),
    ] {
        unary(op, &x, &mut y);
        unary_backward(op, &x, &y, &dy, &mut dx);
        assert_eq!(dx, want, "{op:?}");
    }
}

#[test]
fn binary_backward_matches_finite_differences() {
    let ops = [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Pow, BinaryOp::Maximum, BinaryOp::Minimum];
    let mut rng = Rng(6);
    for op in ops {
        let n = 257;
        let mut a = rng.vec_scaled(n, 3.0);
        let mut b = rng.vec_scaled(n, 2.0);
        match op {
            BinaryOp::Pow => a.iter_mut().for_each(|v| *v = v.abs() + 0.1),
            BinaryOp::Div => b.iter_mut().for_each(|v| *v = v.signum() * (v.abs() + 0.2)),
            _ => {}
        }
        let dy = rng.vec(n);
        let mut y = vec![0.0; n];
        binary_same(op, &a, &b, &mut y);
        let (mut da, mut db) = (vec![f32::NAN; n], vec![f32::NAN; n]);
        binary_backward(op, &a, &b, &y, &dy, &mut da, &mut db);
        for i in 0..n {
            if matches!(op, BinaryOp::Maximum | BinaryOp::Minimum) && (a[i] - b[i]).abs() < 1e-2 {
                continue;
            }
            let (ai, bi) = (a[i] as f64, b[i] as f64);
            assert_fd(&format!("{op:?} da"), da[i], dy[i], a[i], |v| ref_binary_scalar(op, v, bi));
            assert_fd(&format!("{op:?} db"), db[i], dy[i], b[i], |v| ref_binary_scalar(op, ai, v));
        }
    }
    // Conventions (TensorFlow's): a tie of maximum/minimum goes to a;
    // d(a^b)/da is 0 where b = 0, d(a^b)/db is 0 where a <= 0.
    let (a, b, dy) = ([1.0f32, 0.0, -2.0], [1.0f32, 0.0, 2.0], [3.0f32; 3]);
    let (mut y, mut da, mut db) = ([0.0; 3], [f32::NAN; 3], [f32::NAN; 3]);
    for op in [BinaryOp::Maximum, BinaryOp::Minimum] {
        binary_same(op, &a[..1], &b[..1], &mut y[..1]);
        binary_backward(op, &a[..1], &b[..1], &y[..1], &dy[..1], &mut da[..1], &mut db[..1]);
        assert_eq!((da[0], db[0]), (3.0, 0.0), "{op:?}");
    }
    binary_same(BinaryOp::Pow, &a, &b, &mut y);
    binary_backward(BinaryOp::Pow, &a, &b, &y, &dy, &mut da, &mut db);
    assert_eq!(&da[1..], &[0.0, 3.0 * 2.0 * -2.0]);
    assert_eq!(&db[1..], &[0.0, 0.0]);
}

#[test]
fn scale_inplace_is_a_scalar_multiply_on_any_thread_count() {
    let mut rng = Rng(77);
    for &n in LENS.iter().chain(&[300_001]) {
        let mut x = rng.vec_scaled(n, 3.0);
        if n > 5 {
            x[..5].copy_from_slice(&[f32::INFINITY, f32::NEG_INFINITY, -0.0, 1e-40, 3.4e38]);
        }
        for k in [0.1f32, -1.0 / 3.0, 7.0] {
            let want: Vec<u32> = x.iter().map(|v| (v * k).to_bits()).collect();
            for threads in [1, 2] {
                let mut y = x.clone();
                sinew_kernels::par::with_max_threads(threads, || scale_inplace(&mut y, k));
                assert_eq!(y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want, "n={n} k={k} threads={threads}");
            }
        }
    }
}

/// A max's gradient over non-contiguous axes, in two kernels: the tie mask is
/// exactly `x == extreme` (NaN equals nothing), and sharing gives `dy / ties`
/// on hits and exactly 0 elsewhere, even where a group has no ties (0/0).
/// Bitwise equal to the scalar rule; sizes on both sides of the parallel
/// threshold; 1 and 2 threads bitwise equal.
#[test]
fn ties_mask_and_share_among_ties_match_the_scalar_rule() {
    let mut rng = Rng(41);
    for n in [1, 5, 17, 1000, 3 * sinew_kernels::elementwise::PAR_MIN_ELEMS + 3] {
        // Values on a coarse grid so that many equal the "extreme", some NaN.
        let x: Vec<f32> = rng.vec(n).iter().enumerate().map(|(i, v)| if i % 97 == 5 { f32::NAN } else { (v * 3.0).round() }).collect();
        let extreme: Vec<f32> = rng.vec(n).iter().enumerate().map(|(i, v)| if i % 89 == 7 { f32::NAN } else { (v * 3.0).round() }).collect();
        let dy = rng.vec(n);
        let ties: Vec<f32> = (0..n).map(|i| (i % 4) as f32).collect(); // 0 where a group had no ties
        let want_hit: Vec<f32> = x.iter().zip(&extreme).map(|(a, b)| if a == b { 1.0 } else { 0.0 }).collect();
        let want: Vec<f32> = (0..n).map(|i| if want_hit[i] == 0.0 { 0.0 } else { dy[i] / ties[i] }).collect();
        for threads in [1, 2] {
            let (hit, got) = sinew_kernels::par::with_max_threads(threads, || {
                let mut hit = vec![f32::NAN; n];
                ties_mask(&x, &extreme, &mut hit);
                let mut got = vec![f32::NAN; n];
                share_among_ties(&dy, &hit, &ties, &mut got);
                (hit, got)
            });
            assert!(hit.iter().zip(&want_hit).all(|(g, w)| g.to_bits() == w.to_bits()), "ties_mask n={n} threads={threads}");
            assert!(got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits()), "share_among_ties n={n} threads={threads}");
        }
    }
}
