//! Reductions vs naive f64 references.
//!
//! Tolerances: sum/mean: |got - ref| <= 1e-6·Σ|x| + 1e-30 (blocked f32
//! partials of ≤ 64 terms per lane, combined in f64); 1e6 values: relative
//! error < 1e-6 asserted. max/min/argmax/argmin: exact.

use sinew_kernels::reduce::*;

mod common;
use common::Rng;

const LENS: [usize; 10] = [1, 2, 3, 7, 17, 31, 64, 65, 129, 1000];

fn ref_axis(x: &[f32], o: usize, a: usize, i: usize) -> (Vec<f64>, Vec<f64>, Vec<f32>, Vec<f32>, Vec<u32>, Vec<u32>) {
    let (mut s, mut abs, mut mx, mut mn, mut amx, mut amn) =
        (vec![0.0; o * i], vec![0.0; o * i], vec![f32::NEG_INFINITY; o * i], vec![f32::INFINITY; o * i], vec![0; o * i], vec![0; o * i]);
    for oo in 0..o {
        for aa in 0..a {
            for ii in 0..i {
                let v = x[(oo * a + aa) * i + ii];
                let d = oo * i + ii;
                s[d] += v as f64;
                abs[d] += (v as f64).abs();
                if v > mx[d] || aa == 0 {
                    mx[d] = v;
                    amx[d] = aa as u32;
                }
                if v < mn[d] || aa == 0 {
                    mn[d] = v;
                    amn[d] = aa as u32;
                }
            }
        }
    }
    (s, abs, mx, mn, amx, amn)
}

#[test]
fn axis_reductions_match_reference() {
    let mut rng = Rng(17);
    let mut shapes = vec![(1, 1, 1), (3, 5, 7), (2, 129, 3), (1, 1000, 1), (4, 65, 1), (1, 3, 1000), (5, 1, 4), (2, 200, 513)];
    for &n in &LENS {
        shapes.push((1, n, 1));
        shapes.push((2, n, 3));
        shapes.push((3, 2, n));
        shapes.push((n, 7, 1));
    }
    for (o, a, i) in shapes {
        let mut x = rng.vec(o * a * i);
        // Ties to check "first max wins".
        if x.len() > 4 {
            x[3] = 2.0;
            let last = x.len() - 1;
            x[last] = 2.0;
        }
        let (s, abs, mx, mn, amx, amn) = ref_axis(&x, o, a, i);
        let mut d = vec![0.0; o * i];
        let mut du = vec![0u32; o * i];
        sum_axis(&x, o, a, i, &mut d);
        for k in 0..o * i {
            assert!((d[k] as f64 - s[k]).abs() <= 1e-6 * abs[k] + 1e-30, "sum [{o},{a},{i}] {k}: {} vs {}", d[k], s[k]);
        }
        mean_axis(&x, o, a, i, &mut d);
        for k in 0..o * i {
            let w = s[k] / a as f64;
            assert!((d[k] as f64 - w).abs() <= 1e-6 * abs[k] / a as f64 + 1e-30, "mean [{o},{a},{i}] {k}");
        }
        max_axis(&x, o, a, i, &mut d);
        assert_eq!(d, mx, "max [{o},{a},{i}]");
        min_axis(&x, o, a, i, &mut d);
        assert_eq!(d, mn, "min [{o},{a},{i}]");
        argmax_axis(&x, o, a, i, &mut du);
        assert_eq!(du, amx, "argmax [{o},{a},{i}]");
        argmin_axis(&x, o, a, i, &mut du);
        assert_eq!(du, amn, "argmin [{o},{a},{i}]");
    }
    assert_eq!(split_at_axis(&[2, 3, 4, 5], 2), (6, 4, 5));
}

#[test]
fn flat_reductions() {
    let mut rng = Rng(5);
    for &n in &LENS {
        let x = rng.vec(n);
        let s: f64 = x.iter().map(|&v| v as f64).sum();
        let a: f64 = x.iter().map(|&v| (v as f64).abs()).sum();
        assert!((sum_all(&x) as f64 - s).abs() <= 1e-6 * a);
        assert!((mean_all(&x) as f64 - s / n as f64).abs() <= 1e-6 * a / n as f64);
        let mx = x.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let mn = x.iter().cloned().fold(f32::INFINITY, f32::min);
        assert_eq!(max_all(&x), mx);
        assert_eq!(min_all(&x), mn);
        assert_eq!(x[argmax_all(&x) as usize], mx);
        assert_eq!(argmax_all(&x) as usize, x.iter().position(|&v| v == mx).unwrap());
        assert_eq!(argmin_all(&x) as usize, x.iter().position(|&v| v == mn).unwrap());
    }
    // Empty and NaN conventions.
    assert_eq!(sum_all(&[]), 0.0);
    assert!(mean_all(&[]).is_nan());
    assert_eq!(max_all(&[]), f32::NEG_INFINITY);
    assert_eq!(min_all(&[]), f32::INFINITY);
    assert_eq!(argmax_all(&[]), 0);
    let x = [1.0, 5.0, f32::NAN, 7.0, f32::NAN, 0.0, 1.0, 2.0, 3.0];
    assert!(max_all(&x).is_nan() && min_all(&x).is_nan());
    assert_eq!(argmax_all(&x), 2);
    let x = [1.0, 7.0, 3.0, 7.0, 7.0, 0.0, 1.0, 2.0, 3.0, 7.0];
    assert_eq!(argmax_all(&x), 1);
    let mut d = [0.0; 2];
    max_axis(&[1.0, f32::NAN, 3.0, 4.0], 1, 2, 2, &mut d);
    assert!(d[0] == 3.0 && d[1].is_nan());
    let mut du = [9u32; 2];
    argmax_axis(&[1.0, f32::NAN, 3.0, 4.0], 1, 2, 2, &mut du);
    assert_eq!(du, [1, 0]);
}

#[test]
fn sum_of_million_is_accurate() {
    // 1e6 values in [0, 1): naive f32 accumulation would be off by ~1e-4
    // relative; blocked/f64 keeps it below 1e-6 (typically ~1e-8).
    let mut rng = Rng(99);
    let x: Vec<f32> = (0..1_000_000).map(|_| rng.next() * 0.5 + 0.5).collect();
    let want: f64 = x.iter().map(|&v| v as f64).sum();
    let got = sum_all(&x) as f64;
    let rel = ((got - want) / want).abs();
    println!("sum of 1e6: rel err {rel:e}");
    assert!(rel < 1e-6, "rel err {rel:e}");
    // Along an axis too (strided: [1, 1e6/8, 8]; contiguous: [8, 1e6/8, 1]).
    let mut d = vec![0.0; 8];
    sum_axis(&x, 1, 125_000, 8, &mut d);
    for c in 0..8 {
        let w: f64 = (0..125_000).map(|a| x[a * 8 + c] as f64).sum();
        assert!(((d[c] as f64 - w) / w).abs() < 1e-6);
    }
    sum_axis(&x, 8, 125_000, 1, &mut d);
    for r in 0..8 {
        let w: f64 = x[r * 125_000..(r + 1) * 125_000].iter().map(|&v| v as f64).sum();
        assert!(((d[r] as f64 - w) / w).abs() < 1e-6);
    }
}

#[test]
fn two_threads_match_one() {
    let mut rng = Rng(4242);
    // Flat reductions split only from FLAT_PAR_MIN_ELEMS; axis ones from 64K.
    let x = rng.vec(sinew_kernels::reduce::FLAT_PAR_MIN_ELEMS + 13);
    let run = || {
        let mut f = vec![sum_all(&x), mean_all(&x), max_all(&x), min_all(&x), argmax_all(&x) as f32];
        for (o, a, i) in [(1, 1_000_003, 1), (7, 142_857, 1), (1, 1_000_003 / 7, 7), (3, 1000, 333)] {
            let n = o * a * i;
            let mut d = vec![0.0; o * i];
            sum_axis(&x[..n], o, a, i, &mut d);
            f.extend_from_slice(&d);
            max_axis(&x[..n], o, a, i, &mut d);
            f.extend_from_slice(&d);
            let mut du = vec![0u32; o * i];
            argmax_axis(&x[..n], o, a, i, &mut du);
            f.extend(du.iter().map(|&v| v as f32));
        }
        f
    };
    let one = sinew_kernels::par::with_max_threads(1, run);
    let two = sinew_kernels::par::with_max_threads(2, run);
    assert_eq!(one.len(), two.len());
    assert!(one.iter().zip(&two).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn all_finite_finds_any_nan_or_infinity_at_any_position() {
    for &n in &LENS {
        let x: Vec<f32> = (0..n).map(|i| ((i % 7) as f32 - 3.0) * 1e38).collect(); // large but finite
        assert!(all_finite(&x), "n={n}");
        for pos in [0, n / 2, n - 1] {
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                let mut y = x.clone();
                y[pos] = bad;
                assert!(!all_finite(&y), "n={n} pos={pos} bad={bad}");
            }
        }
    }
    assert!(all_finite(&[]));
}

/// The multi-tensor check (a training step's gradients): false for a NaN or
/// infinity at the start, middle or end of any tensor, true otherwise; with
/// totals below and above the parallel threshold, on 1 and 2 threads.
#[test]
fn all_finite_many_finds_any_nan_or_infinity_in_any_tensor() {
    for lens in [vec![5usize, 0, 17], vec![200_000, 3, 40_000, 1]] {
        let xs: Vec<Vec<f32>> = lens.iter().map(|&n| (0..n).map(|i| ((i % 5) as f32 - 2.0) * 1e38).collect()).collect();
        let check = |xs: &[Vec<f32>]| {
            let views: Vec<&[f32]> = xs.iter().map(Vec::as_slice).collect();
            let one = sinew_kernels::par::with_max_threads(1, || all_finite_many(&views));
            let two = sinew_kernels::par::with_max_threads(2, || all_finite_many(&views));
            assert_eq!(one, two, "{lens:?}: 1 and 2 threads disagree");
            one
        };
        assert!(check(&xs), "{lens:?}: all finite");
        for (t, &n) in lens.iter().enumerate() {
            for pos in [0, n / 2, n.saturating_sub(1)].into_iter().filter(|_| n > 0) {
                for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                    let mut ys = xs.clone();
                    ys[t][pos] = bad;
                    assert!(!check(&ys), "{lens:?}: {bad} in tensor {t} at {pos}");
                }
            }
        }
    }
    assert!(all_finite_many(&[]));
}

/// The count `fit` reports for bad input: every NaN and ±infinity, wherever
/// they are, against a one-by-one count; below and above the parallel
/// threshold, on 1 and 2 threads.
#[test]
fn count_non_finite_counts_every_nan_and_infinity() {
    for n in [0usize, 7, 300_000] {
        let mut x: Vec<f32> = (0..n).map(|i| ((i % 7) as f32 - 3.0) * 1e37).collect();
        let count = |x: &[f32]| {
            let one = sinew_kernels::par::with_max_threads(1, || count_non_finite(x));
            let two = sinew_kernels::par::with_max_threads(2, || count_non_finite(x));
            assert_eq!(one, two, "n = {n}: 1 and 2 threads disagree");
            one
        };
        assert_eq!(count(&x), 0, "n = {n}: all finite");
        let bad = [(0, f32::NAN), (n / 2, f32::INFINITY), (n.saturating_sub(1), f32::NEG_INFINITY), (n / 3, -f32::NAN)];
        for &(at, v) in bad.iter().filter(|_| n > 0) {
            x[at] = v;
        }
        assert_eq!(count(&x), x.iter().filter(|v| !v.is_finite()).count(), "n = {n}");
        if n > 0 {
            assert_eq!(count(&x), 4, "n = {n}: four distinct positions {:?}", bad.map(|b| b.0));
        }
    }
}

/// The max/min gradient against a naive reference: ties (values rounded to a
/// coarse grid, so many columns have 2+ equal extremes) share dy evenly, a
/// NaN column gets 0 everywhere; exact. Sizes cross the parallel threshold
/// and the column stripe, and 1 and 2 threads agree bitwise.
#[test]
fn extreme_axis_backward_matches_reference() {
    let mut rng = Rng(99);
    for (o, a, i) in [(1, 1, 1), (3, 5, 1), (2, 7, 3), (4, 9, 600), (64, 96, 64), (1, 70_000, 1), (5, 3, 1)] {
        let mut x: Vec<f32> = rng.vec(o * a * i).iter().map(|v| (v * 4.0).round()).collect();
        if o * i > 2 {
            x[2 % i + (o - 1) * a * i] = f32::NAN; // one NaN column in the last row
        }
        let dy = rng.vec(o * i);
        for is_max in [true, false] {
            let mut y = vec![0.0; o * i];
            if is_max { max_axis(&x, o, a, i, &mut y) } else { min_axis(&x, o, a, i, &mut y) }
            let mut want = vec![0.0f32; x.len()];
            for oo in 0..o {
                for ii in 0..i {
                    let d = oo * i + ii;
                    let at = |aa: usize| (oo * a + aa) * i + ii;
                    let ties = (0..a).filter(|&aa| x[at(aa)] == y[d]).count();
                    for aa in 0..a {
                        want[at(aa)] = if x[at(aa)] == y[d] { dy[d] / ties as f32 } else { 0.0 };
                    }
                }
            }
            let run = || {
                let mut dx = vec![f32::NAN; x.len()];
                extreme_axis_backward(&x, &y, &dy, o, a, i, &mut dx);
                dx
            };
            for t in [1, 2] {
                let got = sinew_kernels::par::with_max_threads(t, run);
                assert!(got.iter().zip(&want).all(|(g, w)| g.to_bits() == w.to_bits()), "[{o},{a},{i}] max={is_max} threads={t}");
            }
        }
    }
}

/// Writing a matrix and summing its columns in one pass gives `sum_axis`'s
/// column sums bit for bit (and a naive f64 sum within tolerance), writes
/// every row exactly as asked, and does not depend on the thread count; the
/// activation backward built on it equals `backward_from_output` followed by
/// `sum_axis`.
#[test]
fn fill_rows_and_sum_columns_equals_sum_axis() {
    use sinew_kernels::activation::{backward_from_output, backward_from_output_and_column_sums, Activation};
    use sinew_kernels::par::with_max_threads;
    let mut rng = Rng(99);
    // rows: below / at / above one block, several tasks, a ragged last task; c: 1, odd, a LeNet conv, > STRIPE.
    for (rows, c) in [(0, 3), (1, 1), (63, 5), (64, 8), (65, 16), (5000, 16), (50176, 16), (12544, 32), (300, 600), (7, 0)] {
        let src = rng.vec(rows * c);
        let mut want = vec![0.0f32; c];
        sum_axis(&src, 1, rows, c, &mut want);
        let (want_ref, abs, ..) = ref_axis(&src, 1, rows, c);
        for (j, (&w, &r)) in want.iter().zip(&want_ref).enumerate() {
            assert!((w as f64 - r).abs() <= 1e-6 * abs[j] + 1e-30, "rows {rows} c {c} col {j}");
        }
        for threads in [1, 2, 4] {
            let mut x = vec![f32::NAN; rows * c];
            let mut got = vec![f32::NAN; c];
            with_max_threads(threads, || {
                fill_rows_and_sum_columns(&mut x, &mut got, |r, xs| xs.copy_from_slice(&src[r.start * c..r.end * c]))
            });
            assert!(x == src, "rows {rows} c {c} threads {threads}: rows not written as asked");
            assert!(got == want, "rows {rows} c {c} threads {threads}: sums differ from sum_axis");
        }
        if c > 0 {
            let (y, dy) = (rng.vec(rows * c), rng.vec(rows * c));
            for act in [Activation::Relu, Activation::Sigmoid, Activation::Tanh] {
                let mut dz = vec![0.0; rows * c];
                backward_from_output(act, &y, &dy, &mut dz);
                let mut db = vec![0.0; c];
                sum_axis(&dz, 1, rows, c, &mut db);
                for threads in [1, 2] {
                    let (mut dz2, mut db2) = (vec![f32::NAN; rows * c], vec![f32::NAN; c]);
                    with_max_threads(threads, || backward_from_output_and_column_sums(act, &y, &dy, &mut dz2, &mut db2));
                    assert!(dz2 == dz && db2 == db, "{act:?} rows {rows} c {c} threads {threads}");
                }
            }
        }
    }
}
