//! Max / average pooling vs naive direct loops, gradients vs central finite
//! differences, argmax consistency, and the threaded path vs one thread.
//!
//! Tolerance: max pooling only copies values, so it must match exactly.
//! Average pooling sums at most KH·KW values in f32 (reference in f64):
//! `|got - ref| <= 1e-6 · KH·KW · (1 + max |ref|)`.

use sinew_kernels::conv::Padding;
use sinew_kernels::pool::{
    avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_backward_argmax, max_pool_forward, Pool2d,
    POOL_PAR_MIN_WORK,
};

/// Deterministic xorshift32.
struct Rng(u32);

impl Rng {
    fn bits(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
    /// Values in [-1, 1].
    fn vec(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| (self.bits() as f32 / u32::MAX as f32) * 2.0 - 1.0).collect()
    }
    /// Pairwise-distinct values at least 0.01 apart (no ties in max pooling),
    /// in a shuffled order.
    fn distinct(&mut self, len: usize) -> Vec<f32> {
        let mut v: Vec<f32> = (0..len).map(|i| i as f32 * 0.01 - len as f32 * 0.005).collect();
        for i in (1..len).rev() {
            v.swap(i, self.bits() as usize % (i + 1));
        }
        v
    }
}

/// Valid window `(y0..y1, x0..x1)` of output `(oy, ox)`, TF geometry written plainly.
fn window(p: &Pool2d, oy: usize, ox: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let geo = |input: usize, k: usize, s: usize, o: usize| {
        let before = match p.pad {
            Padding::Same => {
                let out = input.div_ceil(s);
                ((out as isize - 1) * s as isize + k as isize - input as isize).max(0) / 2
            }
            Padding::Valid => 0,
        };
        let start = (o * s) as isize - before;
        let lo = start.max(0) as usize;
        let hi = ((start + k as isize).min(input as isize)).max(0) as usize;
        lo..hi.max(lo)
    };
    (geo(p.h, p.kh, p.stride_h, oy), geo(p.w, p.kw, p.stride_w, ox))
}

/// Reference max pool: (y, argmax) with the first maximum in scan order.
fn ref_max(p: &Pool2d, x: &[f32]) -> (Vec<f32>, Vec<u32>) {
    let (oh, ow) = (p.out_h(), p.out_w());
    let mut y = Vec::new();
    let mut a = Vec::new();
    for b in 0..p.n {
        for oy in 0..oh {
            for ox in 0..ow {
                let (ry, rx) = window(p, oy, ox);
                assert!(!ry.is_empty() && !rx.is_empty(), "empty window {p:?}");
                for c in 0..p.c {
                    let mut best = (f32::NEG_INFINITY, usize::MAX);
                    for iy in ry.clone() {
                        for ix in rx.clone() {
                            let i = ((b * p.h + iy) * p.w + ix) * p.c + c;
                            if best.1 == usize::MAX || x[i] > best.0 {
                                best = (x[i], i);
                            }
                        }
                    }
                    y.push(best.0);
                    a.push(best.1 as u32);
                }
            }
        }
    }
    (y, a)
}

fn ref_avg(p: &Pool2d, x: &[f32]) -> Vec<f64> {
    let (oh, ow) = (p.out_h(), p.out_w());
    let mut y = Vec::new();
    for b in 0..p.n {
        for oy in 0..oh {
            for ox in 0..ow {
                let (ry, rx) = window(p, oy, ox);
                for c in 0..p.c {
                    let mut s = 0.0f64;
                    for iy in ry.clone() {
                        for ix in rx.clone() {
                            s += x[((b * p.h + iy) * p.w + ix) * p.c + c] as f64;
                        }
                    }
                    y.push(s / (ry.len() * rx.len()) as f64);
                }
            }
        }
    }
    y
}

fn ref_avg_backward(p: &Pool2d, dy: &[f32]) -> Vec<f64> {
    let (oh, ow) = (p.out_h(), p.out_w());
    let mut dx = vec![0.0f64; p.x_len()];
    for b in 0..p.n {
        for oy in 0..oh {
            for ox in 0..ow {
                let (ry, rx) = window(p, oy, ox);
                let cnt = (ry.len() * rx.len()) as f64;
                for c in 0..p.c {
                    let g = dy[((b * oh + oy) * ow + ox) * p.c + c] as f64 / cnt;
                    for iy in ry.clone() {
                        for ix in rx.clone() {
                            dx[((b * p.h + iy) * p.w + ix) * p.c + c] += g;
                        }
                    }
                }
            }
        }
    }
    dx
}

fn assert_close(what: &str, p: &Pool2d, got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what} {p:?}: length");
    let scale = want.iter().fold(0.0f64, |s, x| s.max(x.abs()));
    let tol = 1e-6 * (p.kh * p.kw) as f64 * (1.0 + scale);
    for (i, (&g, &r)) in got.iter().zip(want).enumerate() {
        assert!((g as f64 - r).abs() <= tol, "{what} {p:?}: [{i}] = {g}, want {r}");
    }
}

fn check_all(rng: &mut Rng, p: &Pool2d) {
    let x = rng.vec(p.x_len());
    let dy = rng.vec(p.y_len());

    // Max forward, with and without argmax.
    let (want_y, want_a) = ref_max(p, &x);
    let mut y = vec![f32::NAN; p.y_len()];
    let mut a = vec![u32::MAX; p.y_len()];
    max_pool_forward(p, &x, &mut y, Some(&mut a));
    assert!(y == want_y, "max_pool_forward {p:?}");
    assert!(a == want_a, "max_pool_forward argmax {p:?}");
    let mut y2 = vec![f32::NAN; p.y_len()];
    max_pool_forward(p, &x, &mut y2, None);
    assert!(y2 == want_y, "max_pool_forward (no argmax) {p:?}");

    // Max backward: both variants equal the reference scatter (exactly: the
    // reference adds in the same output order).
    let mut want_dx = vec![0.0f32; p.x_len()];
    for (&i, &d) in want_a.iter().zip(&dy) {
        want_dx[i as usize] += d;
    }
    let mut dx = vec![f32::NAN; p.x_len()];
    max_pool_backward(p, &x, &dy, &mut dx);
    assert!(dx == want_dx, "max_pool_backward {p:?}");
    let mut dx = vec![f32::NAN; p.x_len()];
    max_pool_backward_argmax(p, &a, &dy, &mut dx);
    assert!(dx == want_dx, "max_pool_backward_argmax {p:?}");

    // Average.
    let mut y = vec![f32::NAN; p.y_len()];
    avg_pool_forward(p, &x, &mut y);
    assert_close("avg_pool_forward", p, &y, &ref_avg(p, &x));
    let mut dx = vec![f32::NAN; p.x_len()];
    avg_pool_backward(p, &dy, &mut dx);
    assert_close("avg_pool_backward", p, &dx, &ref_avg_backward(p, &dy));
}

const SIZES: [usize; 5] = [1, 2, 5, 7, 8];
const CHANNELS: [usize; 5] = [1, 2, 3, 8, 5];
const KERNELS: [(usize, usize); 5] = [(1, 1), (2, 2), (3, 3), (5, 5), (3, 2)];
const STRIDES: [(usize, usize); 4] = [(1, 1), (2, 2), (1, 2), (2, 1)];

#[test]
fn odd_shapes_match_reference() {
    let mut rng = Rng(0xBEEF);
    let mut case = 0usize;
    for &(kh, kw) in &KERNELS {
        for &(stride_h, stride_w) in &STRIDES {
            for pad in [Padding::Same, Padding::Valid] {
                for &h in &SIZES {
                    for &w in &SIZES {
                        let c = CHANNELS[case % CHANNELS.len()];
                        let n = if (case / CHANNELS.len()).is_multiple_of(2) { 1 } else { 3 };
                        case += 1;
                        let p = Pool2d { n, h, w, c, kh, kw, stride_h, stride_w, pad };
                        check_all(&mut rng, &p);
                    }
                }
            }
        }
    }
}

#[test]
fn same_padding_averages_only_valid_elements() {
    // 3×3 input of ones, 2×2 window stride 2 SAME: out 2×2, pad bottom/right.
    // Every output is 1 (TF divides by the valid count, not by 4).
    let p = Pool2d { n: 1, h: 3, w: 3, c: 1, kh: 2, kw: 2, stride_h: 2, stride_w: 2, pad: Padding::Same };
    let mut y = vec![0.0; p.y_len()];
    avg_pool_forward(&p, &[1.0; 9], &mut y);
    assert_eq!(y, vec![1.0; 4]);
    // x = 1..9: windows {1,2,4,5} {3,6} {7,8} {9}.
    let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
    avg_pool_forward(&p, &x, &mut y);
    assert_eq!(y, vec![3.0, 4.5, 7.5, 9.0]);
    max_pool_forward(&p, &x, &mut y, None);
    assert_eq!(y, vec![5.0, 6.0, 8.0, 9.0]);
    // Negative inputs next to the padding: padding must not act as 0.
    let neg: Vec<f32> = x.iter().map(|v| -v).collect();
    max_pool_forward(&p, &neg, &mut y, None);
    assert_eq!(y, vec![-1.0, -3.0, -7.0, -9.0]);
}

#[test]
fn output_shapes() {
    let p = Pool2d { n: 1, h: 28, w: 28, c: 1, kh: 2, kw: 2, stride_h: 2, stride_w: 2, pad: Padding::Valid };
    assert_eq!((p.out_h(), p.out_w()), (14, 14));
    let p = Pool2d { h: 5, w: 5, kh: 3, kw: 3, pad: Padding::Same, ..p };
    assert_eq!((p.out_h(), p.out_w(), p.window().pad_top(), p.window().pad_left()), (3, 3, 1, 1));
    let p = Pool2d { h: 7, w: 2, kh: 3, kw: 3, pad: Padding::Valid, ..p };
    assert_eq!((p.out_h(), p.out_w()), (3, 0));
    // Empty output: no panic.
    let mut rng = Rng(3);
    check_all(&mut rng, &Pool2d { n: 2, c: 3, ..p });
}

/// `loss = Σ y·r` in f64.
fn loss(y: &[f32], r: &[f32]) -> f64 {
    y.iter().zip(r).map(|(&a, &b)| a as f64 * b as f64).sum()
}

/// Central differences: inputs are pairwise ≥ 0.01 apart, so a 1e-3 step
/// never changes which element wins a max window; both pools are then linear
/// in x and the only error is f32 rounding of x±h (~1e-7/1e-3). We allow
/// 1e-3 · (1 + |grad|).
#[test]
fn gradients_match_finite_differences() {
    let mut rng = Rng(0xFEED);
    let shapes = [
        Pool2d { n: 2, h: 5, w: 4, c: 3, kh: 2, kw: 2, stride_h: 2, stride_w: 2, pad: Padding::Same },
        Pool2d { n: 1, h: 7, w: 6, c: 2, kh: 3, kw: 3, stride_h: 1, stride_w: 2, pad: Padding::Same },
        Pool2d { n: 3, h: 5, w: 5, c: 5, kh: 3, kw: 2, stride_h: 2, stride_w: 1, pad: Padding::Valid },
        Pool2d { n: 1, h: 8, w: 8, c: 1, kh: 5, kw: 5, stride_h: 1, stride_w: 1, pad: Padding::Same },
    ];
    let h = 1e-3f32;
    for p in &shapes {
        let mut x = rng.distinct(p.x_len());
        let r = rng.vec(p.y_len());
        let mut y = vec![0.0; p.y_len()];
        let mut dmax = vec![0.0; p.x_len()];
        let mut davg = vec![0.0; p.x_len()];
        max_pool_backward(p, &x, &r, &mut dmax);
        avg_pool_backward(p, &r, &mut davg);
        for i in 0..x.len() {
            let x0 = x[i];
            let mut fd = [0.0f64; 2];
            for (sign, step) in [(1.0, h), (-1.0, -h)] {
                x[i] = x0 + step;
                max_pool_forward(p, &x, &mut y, None);
                fd[0] += sign * loss(&y, &r);
                avg_pool_forward(p, &x, &mut y);
                fd[1] += sign * loss(&y, &r);
            }
            x[i] = x0;
            let step = 2.0 * h as f64;
            let (fmax, favg) = (fd[0] / step, fd[1] / step);
            assert!((fmax - dmax[i] as f64).abs() <= 1e-3 * (1.0 + fmax.abs()), "{p:?}: max dx[{i}] = {}, fd {fmax}", dmax[i]);
            assert!((favg - davg[i] as f64).abs() <= 1e-3 * (1.0 + favg.abs()), "{p:?}: avg dx[{i}] = {}, fd {favg}", davg[i]);
        }
    }
}

#[test]
#[should_panic(expected = "avg_pool_forward: y has 3 elements")]
fn wrong_length_panics_with_message() {
    let p = Pool2d { n: 1, h: 4, w: 4, c: 1, kh: 2, kw: 2, stride_h: 2, stride_w: 2, pad: Padding::Valid };
    avg_pool_forward(&p, &[0.0; 16], &mut [0.0; 3]);
}

fn run_all(p: &Pool2d, x: &[f32], dy: &[f32]) -> Vec<Vec<f32>> {
    let mut ym = vec![0.0; p.y_len()];
    let mut a = vec![0u32; p.y_len()];
    max_pool_forward(p, x, &mut ym, Some(&mut a));
    let mut dm = vec![0.0; p.x_len()];
    max_pool_backward(p, x, dy, &mut dm);
    let mut dma = vec![0.0; p.x_len()];
    max_pool_backward_argmax(p, &a, dy, &mut dma);
    let mut ya = vec![0.0; p.y_len()];
    avg_pool_forward(p, x, &mut ya);
    let mut da = vec![0.0; p.x_len()];
    avg_pool_backward(p, dy, &mut da);
    vec![ym, a.iter().map(|&i| i as f32).collect(), dm, dma, ya, da]
}

#[test]
fn two_threads_equal_one_thread() {
    let mut rng = Rng(11);
    let shapes = [
        // LeNet pools after the two conv layers.
        Pool2d { n: 64, h: 28, w: 28, c: 8, kh: 2, kw: 2, stride_h: 2, stride_w: 2, pad: Padding::Valid },
        Pool2d { n: 64, h: 14, w: 14, c: 16, kh: 2, kw: 2, stride_h: 2, stride_w: 2, pad: Padding::Valid },
        Pool2d { n: 8, h: 33, w: 31, c: 7, kh: 3, kw: 3, stride_h: 2, stride_w: 2, pad: Padding::Same },
    ];
    for p in &shapes {
        assert!(p.y_len() * p.kh * p.kw >= POOL_PAR_MIN_WORK, "{p:?} would not take the threaded path");
        let x = rng.vec(p.x_len());
        let dy = rng.vec(p.y_len());
        let one = sinew_kernels::par::with_max_threads(1, || run_all(p, &x, &dy));
        let two = sinew_kernels::par::with_max_threads(2, || run_all(p, &x, &dy));
        assert!(one == two, "{p:?}: 2 threads differ from 1");
        let (want_y, _) = ref_max(p, &x);
        assert!(two[0] == want_y, "{p:?}: threaded max pool wrong");
        assert_close("threaded avg_pool_forward", p, &two[4], &ref_avg(p, &x));
    }
}

#[test]
fn max_pool_nan_and_signed_zero_follow_the_scan_order_rule() {
    // The vectorised running max (no argmax) must keep the scalar rule: the
    // first window element wins ties and stays if NaN; a later NaN is skipped.
    let mut rng = Rng(0x5EED);
    for c in [1, 3, 4, 8, 9] {
        let p = Pool2d { n: 2, h: 6, w: 7, c, kh: 2, kw: 3, stride_h: 2, stride_w: 2, pad: Padding::Same };
        let mut x = rng.vec(p.x_len());
        for (i, v) in x.iter_mut().enumerate() {
            match i % 7 {
                0 => *v = f32::NAN,
                3 => *v = -0.0,
                5 => *v = 0.0,
                _ => {}
            }
        }
        let (want, want_a) = ref_max(&p, &x);
        let mut got = vec![1.0; p.y_len()];
        max_pool_forward(&p, &x, &mut got, None);
        let bits = |v: &[f32]| v.iter().map(|x| if x.is_nan() { u32::MAX } else { x.to_bits() }).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want), "c = {c}");
        // The vectorised argmax (4 channels at a time) follows the same rule.
        let (mut got, mut a) = (vec![1.0; p.y_len()], vec![u32::MAX; p.y_len()]);
        max_pool_forward(&p, &x, &mut got, Some(&mut a));
        assert_eq!(bits(&got), bits(&want), "c = {c} with argmax");
        assert_eq!(a, want_a, "c = {c} argmax");
    }
}
