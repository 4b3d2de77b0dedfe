//! Depthwise convolution vs its definition (f64 sums, one output element at
//! a time), the gradients vs the adjoint of that definition, and the threaded
//! paths vs one thread (bit-identical).
//!
//! Tolerance `1e-4·(1 + |ref|)`: at most 3·3·3 = 27 f32 products per output
//! element here (rounding ~1e-6), while an indexing bug is of order 1.

mod common;

use common::Rng;
use sinew_kernels::conv::depthwise::{depthwise_conv2d_backward_filter, depthwise_conv2d_backward_input, depthwise_conv2d_forward, Depthwise2d};
use sinew_kernels::conv::Padding;
use sinew_kernels::par::with_max_threads;

/// The definition: `y[b,oy,ox,c·M+m] = Σ_{ky,kx} x[b, oy·s + ky·d - pt, ox·s + kx·d - pl, c] · w[ky,kx,c,m]`.
fn naive(p: &Depthwise2d, x: &[f32], w: &[f32]) -> Vec<f32> {
    let (oh, ow, pt, pl, cm) = (p.out_h(), p.out_w(), p.window().pad_top() as isize, p.window().pad_left() as isize, p.c_out());
    let mut y = vec![0.0f32; p.y_len()];
    for b in 0..p.n {
        for oy in 0..oh {
            for ox in 0..ow {
                for c in 0..p.c {
                    for m in 0..p.m {
                        let mut s = 0.0f64;
                        for ky in 0..p.kh {
                            for kx in 0..p.kw {
                                let iy = (oy * p.stride_h + ky * p.dil_h) as isize - pt;
                                let ix = (ox * p.stride_w + kx * p.dil_w) as isize - pl;
                                if iy < 0 || ix < 0 || iy >= p.h as isize || ix >= p.w as isize {
                                    continue;
                                }
                                let xv = x[((b * p.h + iy as usize) * p.w + ix as usize) * p.c + c];
                                s += xv as f64 * w[((ky * p.kw + kx) * p.c + c) * p.m + m] as f64;
                            }
                        }
                        y[((b * oh + oy) * ow + ox) * cm + c * p.m + m] = s as f32;
                    }
                }
            }
        }
    }
    y
}

fn close(got: &[f32], want: &[f32], what: &str, p: &Depthwise2d) {
    assert_eq!(got.len(), want.len(), "{what} length for {p:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{what}[{i}]: {g} vs {w} for {p:?}");
    }
}

const BASE: Depthwise2d = Depthwise2d { n: 2, h: 7, w: 6, c: 5, kh: 3, kw: 3, m: 1, stride_h: 1, stride_w: 1, dil_h: 1, dil_w: 1, pad: Padding::Same };
/// Big enough to take the parallel paths and several filter-gradient slabs.
const BIG: Depthwise2d = Depthwise2d { n: 4, h: 20, w: 20, c: 16, ..BASE };

fn shapes() -> Vec<Depthwise2d> {
    vec![
        BASE,
        Depthwise2d { pad: Padding::Valid, ..BASE },
        Depthwise2d { stride_h: 2, stride_w: 2, ..BASE },
        Depthwise2d { stride_h: 2, stride_w: 3, pad: Padding::Valid, ..BASE },
        Depthwise2d { m: 3, ..BASE },
        Depthwise2d { m: 2, stride_h: 2, stride_w: 2, pad: Padding::Valid, ..BASE },
        Depthwise2d { dil_h: 2, dil_w: 2, ..BASE },
        Depthwise2d { dil_h: 2, dil_w: 3, pad: Padding::Valid, m: 2, ..BASE },
        Depthwise2d { kh: 1, kw: 2, c: 8, ..BASE },
    ]
}

#[test]
fn output_sizes_follow_tensorflow_for_the_dilated_window() {
    // same: ceil(in / stride); valid: ceil((in - span + 1) / stride), span = (k-1)·d + 1.
    assert_eq!((BASE.out_h(), BASE.out_w()), (7, 6));
    assert_eq!((Depthwise2d { stride_h: 2, stride_w: 3, pad: Padding::Valid, ..BASE }.out_h(), Depthwise2d { stride_h: 2, stride_w: 3, pad: Padding::Valid, ..BASE }.out_w()), (3, 2));
    let dil = Depthwise2d { dil_h: 2, dil_w: 3, pad: Padding::Valid, ..BASE };
    assert_eq!((dil.out_h(), dil.out_w()), (3, 0));
    assert_eq!(Depthwise2d { dil_h: 2, ..BASE }.window().pad_top(), 2);
}

#[test]
fn forward_matches_the_definition_with_and_without_bias() {
    for (i, p) in shapes().into_iter().chain([BIG]).enumerate() {
        let mut r = Rng(11 + i as u32);
        let (x, w, bias) = (r.vec(p.x_len()), r.vec(p.w_len()), r.vec(p.c_out()));
        let want = naive(&p, &x, &w);
        let mut y = vec![f32::NAN; p.y_len()];
        depthwise_conv2d_forward(&p, &x, &w, &mut y, None);
        close(&y, &want, "y", &p);
        depthwise_conv2d_forward(&p, &x, &w, &mut y, Some(&bias));
        let want: Vec<f32> = want.iter().enumerate().map(|(i, v)| v + bias[i % p.c_out()]).collect();
        close(&y, &want, "y + bias", &p);
    }
}

/// The op is linear in `x` and in `w`, so for `L = <dy, y(x, w)>` the
/// gradient entry `i` is `<dy, y(e_i, w)>` (resp. `<dy, y(x, e_i)>`):
/// checked for every entry through the naive forward pass.
#[test]
fn gradients_match_the_adjoint_of_the_definition() {
    for (i, p) in shapes().into_iter().enumerate() {
        let mut r = Rng(31 + i as u32);
        let (x, w, dy) = (r.vec(p.x_len()), r.vec(p.w_len()), r.vec(p.y_len()));
        let dot = |y: &[f32]| y.iter().zip(&dy).map(|(a, b)| *a as f64 * *b as f64).sum::<f64>() as f32;
        let unit = |n: usize, i: usize| {
            let mut e = vec![0.0; n];
            e[i] = 1.0;
            e
        };
        // Outputs start as garbage: the kernels overwrite them.
        let mut dx = vec![f32::NAN; p.x_len()];
        depthwise_conv2d_backward_input(&p, &dy, &w, &mut dx);
        let want: Vec<f32> = (0..p.x_len()).map(|i| dot(&naive(&p, &unit(p.x_len(), i), &w))).collect();
        close(&dx, &want, "dx", &p);
        let mut dw = vec![f32::NAN; p.w_len()];
        depthwise_conv2d_backward_filter(&p, &x, &dy, &mut dw);
        let want: Vec<f32> = (0..p.w_len()).map(|i| dot(&naive(&p, &x, &unit(p.w_len(), i)))).collect();
        close(&dw, &want, "dw", &p);
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    for p in [BIG, Depthwise2d { m: 2, stride_h: 2, stride_w: 2, ..BIG }] {
        let mut r = Rng(7);
        let (x, w, dy) = (r.vec(p.x_len()), r.vec(p.w_len()), r.vec(p.y_len()));
        let run = |threads: usize| {
            with_max_threads(threads, || {
                let (mut y, mut dx, mut dw) = (vec![0.0; p.y_len()], vec![0.0; p.x_len()], vec![0.0; p.w_len()]);
                depthwise_conv2d_forward(&p, &x, &w, &mut y, None);
                depthwise_conv2d_backward_input(&p, &dy, &w, &mut dx);
                depthwise_conv2d_backward_filter(&p, &x, &dy, &mut dw);
                (y, dx, dw)
            })
        };
        let one = run(1);
        for t in [2, 3, 8] {
            let r = run(t);
            assert!(one.0 == r.0 && one.1 == r.1 && one.2 == r.2, "{t} threads differ from 1 for {p:?}");
        }
    }
}
