//! Convolution vs a naive direct-loop reference (f64) on odd shapes, gradients
//! vs central finite differences, TensorFlow output shapes, and the threaded
//! path vs one thread.
//!
//! Tolerance vs the reference: the kernels accumulate in f32 in a different
//! order (im2col + blocked GEMM, SIMD lanes); with inputs in [-1, 1] the error
//! grows like sqrt(terms)·ε·|values|. We allow
//! `|got - ref| <= 1e-5 · sqrt(terms) · (1 + max |ref|)` (relative to the
//! output scale), far above rounding noise and far below an indexing bug.

use sinew_kernels::par::with_max_threads;
use sinew_kernels::conv::{
    conv2d_backward_filter, conv2d_backward_input, conv2d_forward, conv2d_forward_act, conv2d_forward_pool,
    set_direct_enabled_on_this_thread, Conv2d, Padding, IM2COL_CHUNK_FLOATS,
};
use sinew_kernels::pool::{avg_pool_forward, max_pool_forward, Pool2d, PoolKind};

/// Deterministic xorshift32 producing values in [-1, 1].
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        (x as f32 / u32::MAX as f32) * 2.0 - 1.0
    }
    fn vec(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| self.next()).collect()
    }
}

/// Naive TF geometry, written independently of the kernel's helper.
fn geometry(input: usize, k: usize, s: usize, pad: Padding) -> (usize, usize) {
    match pad {
        Padding::Same => {
            let out = input.div_ceil(s);
            let total = ((out as isize - 1) * s as isize + k as isize - input as isize).max(0) as usize;
            (out, total / 2)
        }
        Padding::Valid => {
            if input + 1 < k + 1 {
                (0, 0)
            } else {
                ((input - k + 1).div_ceil(s), 0)
            }
        }
    }
}

/// Calls `f(b, oy, ox, ky, kx, iy, ix)` for every in-bounds tap.
fn taps(p: &Conv2d, mut f: impl FnMut(usize, usize, usize, usize, usize, usize, usize)) {
    let (oh, pt) = geometry(p.h, p.kh, p.stride_h, p.pad);
    let (ow, pl) = geometry(p.w, p.kw, p.stride_w, p.pad);
    for b in 0..p.n {
        for oy in 0..oh {
            for ox in 0..ow {
                for ky in 0..p.kh {
                    for kx in 0..p.kw {
                        let iy = (oy * p.stride_h + ky) as isize - pt as isize;
                        let ix = (ox * p.stride_w + kx) as isize - pl as isize;
                        if iy >= 0 && ix >= 0 && (iy as usize) < p.h && (ix as usize) < p.w {
                            f(b, oy, ox, ky, kx, iy as usize, ix as usize);
                        }
                    }
                }
            }
        }
    }
}

fn ref_forward(p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>) -> Vec<f64> {
    let (oh, _) = geometry(p.h, p.kh, p.stride_h, p.pad);
    let (ow, _) = geometry(p.w, p.kw, p.stride_w, p.pad);
    let mut y = vec![0.0f64; p.n * oh * ow * p.c_out];
    for b in 0..p.n {
        for o in 0..oh * ow {
            for co in 0..p.c_out {
                y[(b * oh * ow + o) * p.c_out + co] = bias.map_or(0.0, |bs| bs[co] as f64);
            }
        }
    }
    taps(p, |b, oy, ox, ky, kx, iy, ix| {
        for ci in 0..p.c_in {
            let xv = x[((b * p.h + iy) * p.w + ix) * p.c_in + ci] as f64;
            for co in 0..p.c_out {
                let wv = w[((ky * p.kw + kx) * p.c_in + ci) * p.c_out + co] as f64;
                y[((b * oh + oy) * ow + ox) * p.c_out + co] += xv * wv;
            }
        }
    });
    y
}

fn ref_backward_input(p: &Conv2d, dy: &[f32], w: &[f32]) -> Vec<f64> {
    let (oh, _) = geometry(p.h, p.kh, p.stride_h, p.pad);
    let (ow, _) = geometry(p.w, p.kw, p.stride_w, p.pad);
    let mut dx = vec![0.0f64; p.n * p.h * p.w * p.c_in];
    taps(p, |b, oy, ox, ky, kx, iy, ix| {
        for ci in 0..p.c_in {
            for co in 0..p.c_out {
                let wv = w[((ky * p.kw + kx) * p.c_in + ci) * p.c_out + co] as f64;
                dx[((b * p.h + iy) * p.w + ix) * p.c_in + ci] += dy[((b * oh + oy) * ow + ox) * p.c_out + co] as f64 * wv;
            }
        }
    });
    dx
}

fn ref_backward_filter(p: &Conv2d, x: &[f32], dy: &[f32]) -> Vec<f64> {
    let (oh, _) = geometry(p.h, p.kh, p.stride_h, p.pad);
    let (ow, _) = geometry(p.w, p.kw, p.stride_w, p.pad);
    let mut dw = vec![0.0f64; p.kh * p.kw * p.c_in * p.c_out];
    taps(p, |b, oy, ox, ky, kx, iy, ix| {
        for ci in 0..p.c_in {
            for co in 0..p.c_out {
                let xv = x[((b * p.h + iy) * p.w + ix) * p.c_in + ci] as f64;
                dw[((ky * p.kw + kx) * p.c_in + ci) * p.c_out + co] += dy[((b * oh + oy) * ow + ox) * p.c_out + co] as f64 * xv;
            }
        }
    });
    dw
}

fn assert_close(what: &str, p: &Conv2d, terms: usize, got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what} {p:?}: length");
    let scale = want.iter().fold(0.0f64, |s, x| s.max(x.abs()));
    let tol = 1e-5 * (terms.max(1) as f64).sqrt() * (1.0 + scale);
    for (i, (&g, &r)) in got.iter().zip(want).enumerate() {
        assert!((g as f64 - r).abs() <= tol, "{what} {p:?}: [{i}] = {g}, want {r} (tol {tol:e})");
    }
}

fn check_all(rng: &mut Rng, p: &Conv2d) {
    let (oh, ow) = (p.out_h(), p.out_w());
    let x = rng.vec(p.x_len());
    let w = rng.vec(p.w_len());
    let bias = rng.vec(p.c_out);
    let dy = rng.vec(p.y_len());

    let mut y = vec![f32::NAN; p.y_len()];
    conv2d_forward(p, &x, &w, &mut y, None);
    assert_close("forward", p, p.kh * p.kw * p.c_in, &y, &ref_forward(p, &x, &w, None));
    conv2d_forward(p, &x, &w, &mut y, Some(&bias));
    assert_close("forward+bias", p, p.kh * p.kw * p.c_in, &y, &ref_forward(p, &x, &w, Some(&bias)));

    // Outputs are overwritten: start from garbage.
    let mut dx = vec![f32::NAN; p.x_len()];
    conv2d_backward_input(p, &dy, &w, &mut dx);
    assert_close("backward_input", p, p.kh * p.kw * p.c_out, &dx, &ref_backward_input(p, &dy, &w));

    let mut dw = vec![f32::NAN; p.w_len()];
    conv2d_backward_filter(p, &x, &dy, &mut dw);
    assert_close("backward_filter", p, p.n * oh * ow, &dw, &ref_backward_filter(p, &x, &dy));

}

const SIZES: [usize; 5] = [1, 2, 5, 7, 8];
const CHANNELS: [(usize, usize); 16] = [
    (1, 1), (1, 2), (1, 3), (1, 8), (2, 1), (2, 2), (2, 3), (2, 8),
    (3, 1), (3, 2), (3, 3), (3, 8), (8, 1), (8, 2), (8, 3), (8, 8),
];
const KERNELS: [(usize, usize); 5] = [(1, 1), (2, 2), (3, 3), (5, 5), (3, 2)];
const STRIDES: [(usize, usize); 4] = [(1, 1), (2, 2), (1, 2), (2, 1)];

#[test]
fn odd_shapes_match_reference() {
    let mut rng = Rng(0x1234_5678);
    let mut case = 0usize;
    for &(kh, kw) in &KERNELS {
        for &(stride_h, stride_w) in &STRIDES {
            for pad in [Padding::Same, Padding::Valid] {
                for &h in &SIZES {
                    for &w in &SIZES {
                        // Cycle channel pairs and batch so every combination
                        // meets many geometries without a full product.
                        let (c_in, c_out) = CHANNELS[(case * 7) % CHANNELS.len()];
                        let n = if case.is_multiple_of(2) { 1 } else { 3 };
                        case += 1;
                        let p = Conv2d { n, h, w, c_in, kh, kw, c_out, stride_h, stride_w, pad };
                        check_all(&mut rng, &p);
                    }
                }
            }
        }
    }
}

/// The same odd shapes through im2col + GEMM only (the direct path takes
/// most small shapes by default, so this keeps the GEMM path covered).
#[test]
fn odd_shapes_match_reference_without_direct_path() {
    set_direct_enabled_on_this_thread(false);
    let mut rng = Rng(0x8765_4321);
    let mut case = 0usize;
    for &(kh, kw) in &KERNELS {
        for &(stride_h, stride_w) in &STRIDES {
            for pad in [Padding::Same, Padding::Valid] {
                for &h in &[2, 7] {
                    for &w in &[1, 5, 8] {
                        let (c_in, c_out) = CHANNELS[(case * 5) % CHANNELS.len()];
                        let n = if case.is_multiple_of(2) { 1 } else { 3 };
                        case += 1;
                        check_all(&mut rng, &Conv2d { n, h, w, c_in, kh, kw, c_out, stride_h, stride_w, pad });
                    }
                }
            }
        }
    }
    set_direct_enabled_on_this_thread(true);
}

/// Shapes aimed at each direct kernel and its edges: the pixel-vectorised
/// Cin = 1 kernel (8- and 4-pixel tiles, widths not a multiple of 4 or 8,
/// partial 4-channel chunks, strides 1/2 in h), the channel-vectorised one
/// (8- and 4-channel chunks, 4-/5-pixel tiles straddling rows, stride 2),
/// the one-output-channel kernel (Cout = 1 forward, Cin = 1 input grad, depth
/// not a multiple of 4), the direct filter gradient (Cout % 4 == 0) — each vs
/// the reference and vs the im2col + GEMM path.
#[test]
fn direct_kernels_match_reference_and_gemm_path() {
    let mut rng = Rng(0xD1EC7);
    let mut shapes = Vec::new();
    for &(c_in, c_out) in &[(1, 8), (1, 4), (1, 5), (1, 12), (1, 2), (1, 1), (2, 8), (3, 16), (8, 16), (8, 1), (5, 7), (4, 20), (16, 32)] {
        for &(h, w) in &[(9, 28), (5, 13), (4, 8), (3, 1), (7, 4), (11, 17)] {
            for &(kh, kw, sh, sw) in &[(3, 3, 1, 1), (5, 5, 1, 1), (3, 2, 2, 1), (2, 3, 1, 2), (1, 3, 1, 1)] {
                for pad in [Padding::Same, Padding::Valid] {
                    let n = 1 + (shapes.len() % 3);
                    shapes.push(Conv2d { n, h, w, c_in, kh, kw, c_out, stride_h: sh, stride_w: sw, pad });
                }
            }
        }
    }
    for p in &shapes {
        check_all(&mut rng, p);
        // Same values through the GEMM path agree within rounding.
        let x = rng.vec(p.x_len());
        let w = rng.vec(p.w_len());
        let b = rng.vec(p.c_out);
        let dy = rng.vec(p.y_len());
        let direct = run_all(p, &x, &w, &b, &dy);
        set_direct_enabled_on_this_thread(false);
        let gemm = run_all(p, &x, &w, &b, &dy);
        set_direct_enabled_on_this_thread(true);
        let close = |what: &str, a: &[f32], g: &[f32]| {
            let scale = g.iter().fold(0.0f32, |s, v| s.max(v.abs()));
            for (i, (u, v)) in a.iter().zip(g).enumerate() {
                assert!((u - v).abs() <= 1e-4 * (1.0 + scale), "{what} {p:?}: [{i}] direct {u} vs gemm {v}");
            }
        };
        close("forward", &direct.0, &gemm.0);
        close("backward_input", &direct.1, &gemm.1);
        close("backward_filter", &direct.2, &gemm.2);
    }
}

/// The direct path on bigger shapes (several tasks, segments that start and
/// end inside images) gives bit-identical results on 1 and 2 threads.
#[test]
fn direct_path_two_threads_equal_one_thread() {
    let mut rng = Rng(77);
    let shapes = [
        Conv2d { n: 40, h: 23, w: 27, c_in: 1, kh: 3, kw: 3, c_out: 6, stride_h: 1, stride_w: 1, pad: Padding::Same },
        Conv2d { n: 20, h: 19, w: 13, c_in: 3, kh: 5, kw: 5, c_out: 12, stride_h: 2, stride_w: 1, pad: Padding::Valid },
        Conv2d { n: 64, h: 15, w: 15, c_in: 8, kh: 3, kw: 3, c_out: 1, stride_h: 1, stride_w: 1, pad: Padding::Same },
        Conv2d { n: 30, h: 40, w: 9, c_in: 2, kh: 3, kw: 1, c_out: 32, stride_h: 1, stride_w: 2, pad: Padding::Same },
    ];
    for p in &shapes {
        assert!(p.flops() >= sinew_kernels::conv::CONV_PAR_MIN_FLOPS, "{p:?} would not take the threaded path");
        let x = rng.vec(p.x_len());
        let w = rng.vec(p.w_len());
        let b = rng.vec(p.c_out);
        let dy = rng.vec(p.y_len());
        let one = with_max_threads(1, || run_all(p, &x, &w, &b, &dy));
        let two = with_max_threads(2, || run_all(p, &x, &w, &b, &dy));
        assert!(one.0 == two.0, "{p:?}: forward differs");
        assert!(one.1 == two.1, "{p:?}: backward_input differs");
        assert!(one.2 == two.2, "{p:?}: backward_filter differs");
        assert_close("2-thread forward", p, p.kh * p.kw * p.c_in, &two.0, &ref_forward(p, &x, &w, Some(&b)));
        assert_close("2-thread backward_input", p, p.kh * p.kw * p.c_out, &two.1, &ref_backward_input(p, &dy, &w));
        assert_close("2-thread backward_filter", p, p.y_len() / p.c_out, &two.2, &ref_backward_filter(p, &x, &dy));
    }
}

#[test]
fn every_channel_pair_on_a_fixed_geometry() {
    let mut rng = Rng(99);
    for &(c_in, c_out) in &CHANNELS {
        for n in [1, 3] {
            for pad in [Padding::Same, Padding::Valid] {
                let p = Conv2d { n, h: 7, w: 5, c_in, kh: 3, kw: 2, c_out, stride_h: 2, stride_w: 1, pad };
                check_all(&mut rng, &p);
            }
        }
    }
}

/// Images larger than one im2col chunk (split inside an image), and a huge
/// receptive field (many small chunks), against the reference.
#[test]
fn chunking_edges_match_reference() {
    let mut rng = Rng(7);
    // 3·9 = 27 floats per row: 70×70 = 4900 rows per image > chunk rows.
    let big = Conv2d { n: 2, h: 70, w: 70, c_in: 3, kh: 3, kw: 3, c_out: 4, stride_h: 1, stride_w: 1, pad: Padding::Same };
    assert!(big.out_h() * big.out_w() * 27 > IM2COL_CHUNK_FLOATS);
    check_all(&mut rng, &big);
    // K = 5·5·64 = 1600: 20 rows per chunk, 5 chunks per image.
    let wide = Conv2d { n: 3, h: 10, w: 10, c_in: 64, kh: 5, kw: 5, c_out: 5, stride_h: 1, stride_w: 1, pad: Padding::Same };
    check_all(&mut rng, &wide);
    // 1×1 stride 1 (no im2col) with many rows.
    let pw = Conv2d { n: 4, h: 9, w: 11, c_in: 6, kh: 1, kw: 1, c_out: 10, stride_h: 1, stride_w: 1, pad: Padding::Valid };
    check_all(&mut rng, &pw);
}

#[test]
fn empty_and_degenerate_shapes_do_not_panic() {
    let mut rng = Rng(5);
    // VALID with a kernel larger than the input: empty output, zero gradients.
    let p = Conv2d { n: 2, h: 2, w: 3, c_in: 2, kh: 3, kw: 3, c_out: 2, stride_h: 1, stride_w: 1, pad: Padding::Valid };
    assert_eq!(p.y_len(), 0);
    check_all(&mut rng, &p);
    let mut dx = vec![1.0; p.x_len()];
    conv2d_backward_input(&p, &[], &rng.vec(p.w_len()), &mut dx);
    assert!(dx.iter().all(|&v| v == 0.0));
    // Batch 0.
    let p0 = Conv2d { n: 0, ..p };
    check_all(&mut rng, &p0);
}

#[test]
#[should_panic(expected = "conv2d_forward: w has 3 elements")]
fn wrong_length_panics_with_message() {
    let p = Conv2d { n: 1, h: 2, w: 2, c_in: 1, kh: 2, kw: 2, c_out: 1, stride_h: 1, stride_w: 1, pad: Padding::Valid };
    let mut y = vec![0.0; p.y_len()];
    conv2d_forward(&p, &[0.0; 4], &[0.0; 3], &mut y, None);
}

/// `loss = Σ y·r` with `y` computed by the kernel, summed in f64.
fn loss(p: &Conv2d, x: &[f32], w: &[f32], r: &[f32]) -> f64 {
    let mut y = vec![0.0; p.y_len()];
    conv2d_forward(p, x, w, &mut y, None);
    y.iter().zip(r).map(|(&a, &b)| a as f64 * b as f64).sum()
}

/// Central differences of the forward pass vs both backward kernels. The
/// loss is linear in x and in w, so a largish step (1e-2) has no truncation
/// error and keeps f32 rounding of the forward pass (~1e-7 relative, divided
/// by 2h) near 1e-5; we allow 1e-3 · (1 + |grad|).
#[test]
fn gradients_match_finite_differences() {
    let mut rng = Rng(0xC0FFEE);
    let shapes = [
        Conv2d { n: 2, h: 5, w: 4, c_in: 2, kh: 3, kw: 3, c_out: 3, stride_h: 1, stride_w: 1, pad: Padding::Same },
        Conv2d { n: 1, h: 7, w: 6, c_in: 3, kh: 3, kw: 2, c_out: 2, stride_h: 2, stride_w: 2, pad: Padding::Same },
        Conv2d { n: 3, h: 5, w: 5, c_in: 1, kh: 2, kw: 2, c_out: 2, stride_h: 2, stride_w: 1, pad: Padding::Valid },
        Conv2d { n: 1, h: 4, w: 4, c_in: 2, kh: 1, kw: 1, c_out: 3, stride_h: 1, stride_w: 1, pad: Padding::Valid },
    ];
    let h = 1e-2f32;
    for p in &shapes {
        let mut x = rng.vec(p.x_len());
        let mut w = rng.vec(p.w_len());
        let r = rng.vec(p.y_len());
        let mut dx = vec![0.0; p.x_len()];
        let mut dw = vec![0.0; p.w_len()];
        conv2d_backward_input(p, &r, &w, &mut dx);
        conv2d_backward_filter(p, &x, &r, &mut dw);
        for i in 0..x.len() {
            let x0 = x[i];
            x[i] = x0 + h;
            let lp = loss(p, &x, &w, &r);
            x[i] = x0 - h;
            let lm = loss(p, &x, &w, &r);
            x[i] = x0;
            let fd = (lp - lm) / (2.0 * h as f64);
            assert!((fd - dx[i] as f64).abs() <= 1e-3 * (1.0 + fd.abs()), "{p:?}: dx[{i}] = {}, fd {fd}", dx[i]);
        }
        for i in 0..w.len() {
            let w0 = w[i];
            w[i] = w0 + h;
            let lp = loss(p, &x, &w, &r);
            w[i] = w0 - h;
            let lm = loss(p, &x, &w, &r);
            w[i] = w0;
            let fd = (lp - lm) / (2.0 * h as f64);
            assert!((fd - dw[i] as f64).abs() <= 1e-3 * (1.0 + fd.abs()), "{p:?}: dw[{i}] = {}, fd {fd}", dw[i]);
        }
    }
}

/// ReLU fused into the store equals a forward pass followed by ReLU, bit for
/// bit, on every kernel: direct Pixels (Cin = 1), One (Cout = 1), Channels
/// (full and ragged channel chunks), 1×1 identity GEMM, and im2col + GEMM.
#[test]
fn fused_relu_equals_forward_then_relu() {
    use sinew_kernels::gemm::Activation;
    let mut rng = Rng(77);
    let c = |n, h, w, c_in, k, c_out, s| Conv2d { n, h, w, c_in, kh: k, kw: k, c_out, stride_h: s, stride_w: s, pad: Padding::Same };
    let shapes = [c(3, 11, 9, 1, 3, 8, 1), c(2, 7, 13, 1, 3, 6, 1), c(2, 9, 9, 2, 3, 1, 1), c(2, 9, 8, 3, 3, 12, 2), c(2, 6, 6, 5, 1, 7, 1), c(2, 8, 8, 4, 3, 40, 1)];
    for p in &shapes {
        let (x, w, b) = (rng.vec(p.x_len()), rng.vec(p.w_len()), rng.vec(p.c_out));
        for direct in [true, false] {
            set_direct_enabled_on_this_thread(direct);
            for bias in [None, Some(b.as_slice())] {
                let mut want = vec![0.0; p.y_len()];
                conv2d_forward(p, &x, &w, &mut want, bias);
                want.iter_mut().for_each(|v| *v = v.max(0.0));
                let mut got = vec![f32::NAN; p.y_len()];
                conv2d_forward_act(p, &x, &w, &mut got, bias, Activation::Relu);
                assert!(got == want, "{p:?} direct {direct} bias {}", bias.is_some());
            }
        }
        set_direct_enabled_on_this_thread(true);
    }
}

/// Naive pooling of an f64 NHWC tensor with TF geometry (windows clipped to
/// the input; average over the valid elements).
fn ref_pool(q: &Pool2d, kind: PoolKind, x: &[f64]) -> Vec<f64> {
    let (oh, pt) = geometry(q.h, q.kh, q.stride_h, q.pad);
    let (ow, pl) = geometry(q.w, q.kw, q.stride_w, q.pad);
    let mut y = Vec::new();
    for b in 0..q.n {
        for oy in 0..oh {
            for ox in 0..ow {
                for c in 0..q.c {
                    let mut vals = Vec::new();
                    for ky in 0..q.kh {
                        for kx in 0..q.kw {
                            let iy = (oy * q.stride_h + ky) as isize - pt as isize;
                            let ix = (ox * q.stride_w + kx) as isize - pl as isize;
                            if iy >= 0 && ix >= 0 && (iy as usize) < q.h && (ix as usize) < q.w {
                                vals.push(x[((b * q.h + iy as usize) * q.w + ix as usize) * q.c + c]);
                            }
                        }
                    }
                    y.push(match kind {
                        PoolKind::Max => vals.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v)),
                        PoolKind::Avg => vals.iter().sum::<f64>() / vals.len() as f64,
                    });
                }
            }
        }
    }
    y
}

/// Convolution + bias + activation + pooling in one pass: against the naive
/// reference, and bit for bit against the two ops in sequence (the direct
/// kernels and im2col + GEMM, max and average, overlapping, strided and
/// padded windows, blocks that split images), on 1 and 2 threads.
#[test]
fn fused_conv_pool_matches_reference_and_the_two_ops() {
    use sinew_kernels::gemm::Activation;
    let mut rng = Rng(4242);
    let c = |n, h, w, c_in, k, c_out, s, pad| Conv2d { n, h, w, c_in, kh: k, kw: k, c_out, stride_h: s, stride_w: s, pad };
    let convs = [
        c(3, 28, 28, 1, 3, 8, 1, Padding::Same),    // LeNet layer 1 (direct, Cin = 1)
        c(2, 14, 14, 8, 3, 16, 1, Padding::Same),   // LeNet layer 2 (direct, channels)
        c(2, 9, 11, 3, 3, 5, 1, Padding::Valid),    // ragged channels
        c(2, 10, 9, 4, 3, 40, 2, Padding::Same),    // im2col + GEMM (Cout > 32)
        c(2, 7, 7, 6, 1, 12, 1, Padding::Valid),    // 1×1 identity GEMM
        c(1, 120, 120, 1, 3, 2, 1, Padding::Same),  // rows wider than a block
        c(24, 28, 28, 1, 3, 8, 1, Padding::Same),   // above CONV_PAR_MIN_FLOPS: the threaded path
    ];
    let pools = [(2, 2, Padding::Valid), (2, 2, Padding::Same), (3, 2, Padding::Same), (3, 3, Padding::Valid), (1, 3, Padding::Valid)];
    for p in &convs {
        let (x, w, b) = (rng.vec(p.x_len()), rng.vec(p.w_len()), rng.vec(p.c_out));
        let want_linear = ref_forward(p, &x, &w, Some(&b));
        for &(k, s, pad) in &pools {
            let q = Pool2d { n: p.n, h: p.out_h(), w: p.out_w(), c: p.c_out, kh: k, kw: k, stride_h: s, stride_w: s, pad };
            if q.out_h() == 0 || q.out_w() == 0 {
                continue;
            }
            for act in [Activation::None, Activation::Relu] {
                let want_conv: Vec<f64> = want_linear.iter().map(|&v| if act == Activation::Relu { v.max(0.0) } else { v }).collect();
                for kind in [PoolKind::Max, PoolKind::Avg] {
                    let want = ref_pool(&q, kind, &want_conv);
                    for direct in [true, false] {
                        set_direct_enabled_on_this_thread(direct);
                        let what = format!("{p:?} {q:?} {kind:?} {act:?} direct {direct}");
                        let mut conv = vec![0.0; p.y_len()];
                        conv2d_forward_act(p, &x, &w, &mut conv, Some(&b), act);
                        let mut two_ops = vec![0.0; q.y_len()];
                        match kind {
                            PoolKind::Max => max_pool_forward(&q, &conv, &mut two_ops, None),
                            PoolKind::Avg => avg_pool_forward(&q, &conv, &mut two_ops),
                        }
                        for threads in [1, 2] {
                            let mut got = vec![f32::NAN; q.y_len()];
                            with_max_threads(threads, || conv2d_forward_pool(p, &x, &w, Some(&b), act, kind, &q, &mut got));
                            assert!(got == two_ops, "{what} threads {threads}: differs from conv then pool");
                        }
                        assert_close(&what, p, p.kh * p.kw * p.c_in, &two_ops, &want);
                    }
                    set_direct_enabled_on_this_thread(true);
                }
            }
        }
    }
}

#[test]
#[should_panic(expected = "does not take the convolution's output")]
fn fused_conv_pool_refuses_a_pool_of_another_shape() {
    let p = Conv2d { n: 1, h: 6, w: 6, c_in: 1, kh: 3, kw: 3, c_out: 2, stride_h: 1, stride_w: 1, pad: Padding::Same };
    let q = Pool2d { n: 1, h: 5, w: 6, c: 2, kh: 2, kw: 2, stride_h: 2, stride_w: 2, pad: Padding::Valid };
    let mut y = vec![0.0; q.y_len()];
    conv2d_forward_pool(&p, &[0.0; 36], &[0.0; 18], None, sinew_kernels::gemm::Activation::None, PoolKind::Max, &q, &mut y);
}

fn lenet() -> [Conv2d; 2] {
    [
        Conv2d { n: 64, h: 28, w: 28, c_in: 1, kh: 3, kw: 3, c_out: 8, stride_h: 1, stride_w: 1, pad: Padding::Same },
        Conv2d { n: 64, h: 14, w: 14, c_in: 8, kh: 3, kw: 3, c_out: 16, stride_h: 1, stride_w: 1, pad: Padding::Same },
    ]
}

fn run_all(p: &Conv2d, x: &[f32], w: &[f32], b: &[f32], dy: &[f32]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut y = vec![0.0; p.y_len()];
    let mut dx = vec![0.0; p.x_len()];
    let mut dw = vec![0.0; p.w_len()];
    conv2d_forward(p, x, w, &mut y, Some(b));
    conv2d_backward_input(p, dy, w, &mut dx);
    conv2d_backward_filter(p, x, dy, &mut dw);
    (y, dx, dw)
}

/// The threaded path splits fixed chunks and reduces partial filter
/// gradients in chunk order, so two threads give bit-identical results.
#[test]
fn two_threads_equal_one_thread() {
    let mut rng = Rng(2024);
    let extra = [
        Conv2d { n: 2, h: 70, w: 70, c_in: 3, kh: 3, kw: 3, c_out: 4, stride_h: 1, stride_w: 1, pad: Padding::Same },
        Conv2d { n: 8, h: 16, w: 16, c_in: 32, kh: 5, kw: 5, c_out: 16, stride_h: 2, stride_w: 2, pad: Padding::Same },
        Conv2d { n: 16, h: 20, w: 20, c_in: 16, kh: 1, kw: 1, c_out: 32, stride_h: 1, stride_w: 1, pad: Padding::Valid },
    ];
    for p in lenet().iter().chain(&extra) {
        assert!(p.flops() >= sinew_kernels::conv::CONV_PAR_MIN_FLOPS, "{p:?} would not take the threaded path");
        let x = rng.vec(p.x_len());
        let w = rng.vec(p.w_len());
        let b = rng.vec(p.c_out);
        let dy = rng.vec(p.y_len());
        let one = with_max_threads(1, || run_all(p, &x, &w, &b, &dy));
        let two = with_max_threads(2, || run_all(p, &x, &w, &b, &dy));
        assert!(one.0 == two.0, "{p:?}: forward differs");
        assert!(one.1 == two.1, "{p:?}: backward_input differs");
        assert!(one.2 == two.2, "{p:?}: backward_filter differs");
        // And the threaded result is right.
        assert_close("2-thread forward", p, p.kh * p.kw * p.c_in, &two.0, &ref_forward(p, &x, &w, Some(&b)));
        assert_close("2-thread backward_filter", p, p.y_len() / p.c_out, &two.2, &ref_backward_filter(p, &x, &dy));
    }
}

/// Timing of forward + both backward passes on the LeNet layers, 1 vs 2
/// threads: `cargo test -p sinew-kernels --release --test conv -- --ignored --nocapture`.
#[test]
#[ignore]
fn time_lenet_layers() {
    let mut rng = Rng(1);
    for p in &lenet() {
        let x = rng.vec(p.x_len());
        let w = rng.vec(p.w_len());
        let b = rng.vec(p.c_out);
        let dy = rng.vec(p.y_len());
        for t in [1, 2] {
            with_max_threads(t, || {
                let mut y = vec![0.0; p.y_len()];
                let mut dx = vec![0.0; p.x_len()];
                let mut dw = vec![0.0; p.w_len()];
                let reps = 50;
                // Minimum over repetitions: the machine is shared, the mean is noisy.
                let mut times = [f64::INFINITY; 3];
                for _ in 0..reps {
                    let t0 = std::time::Instant::now();
                    conv2d_forward(p, &x, &w, &mut y, Some(&b));
                    let t1 = std::time::Instant::now();
                    conv2d_backward_input(p, &dy, &w, &mut dx);
                    let t2 = std::time::Instant::now();
                    conv2d_backward_filter(p, &x, &dy, &mut dw);
                    let t3 = std::time::Instant::now();
                    times[0] = times[0].min((t1 - t0).as_secs_f64());
                    times[1] = times[1].min((t2 - t1).as_secs_f64());
                    times[2] = times[2].min((t3 - t2).as_secs_f64());
                }
                let us = |s: f64| s * 1e6;
                println!(
                    "{}x{}x{}->{} threads {t}: fwd {:.0} µs, bwd_in {:.0} µs, bwd_w {:.0} µs ({:.2} GFLOP/s overall)",
                    p.h, p.w, p.c_in, p.c_out,
                    us(times[0]), us(times[1]), us(times[2]),
                    3.0 * p.flops() as f64 / times.iter().sum::<f64>() / 1e9
                );
            });
        }
    }
}


/// A 1-D convolution of a row lookup `table[ids]` computed over table rows
/// (`conv::lookup`) against the plain convolution of the gathered input:
/// forward with bias + ReLU, the filter's gradient, and the table's (the
/// input's gradient scatter-added per id); valid and same padding, strides
/// 1 and 2, 1 and 2 threads bitwise equal; at a small size and at one above
/// the kernel's parallel thresholds (so the 2-thread run splits its work).
#[test]
fn lookup_matches_the_convolution_of_the_gathered_rows() {
    use sinew_kernels::conv::lookup;
    let mut rng = Rng(77);
    // tol: the large case sums ~13,000 products per table value (in another
    // order than the plain convolution), so f32 rounding reaches ~2e-5 there.
    for (n, steps, cin, k, cout, rows, tol) in [(3, 13, 6, 3, 8, 7, 1e-5f32), (40, 100, 8, 5, 32, 50, 1e-4)] {
        let table = rng.vec(rows * cin);
        let ids: Vec<usize> = (0..n * steps).map(|i| (i * 5 + i / 3) % rows).collect();
        let x: Vec<f32> = ids.iter().flat_map(|&r| table[r * cin..(r + 1) * cin].to_vec()).collect();
        let (w, bias) = (rng.vec(k * cin * cout), rng.vec(cout));
        for (pad, stride) in [(Padding::Valid, 1), (Padding::Valid, 2), (Padding::Same, 1), (Padding::Same, 2)] {
            let p = Conv2d { n, h: 1, w: steps, c_in: cin, kh: 1, kw: k, c_out: cout, stride_h: 1, stride_w: stride, pad };
            let mut want = vec![0.0; p.y_len()];
            conv2d_forward_act(&p, &x, &w, &mut want, Some(&bias), sinew_kernels::gemm::Activation::Relu);
            let dz = rng.vec(p.y_len());
            let (mut dx, mut dw_want) = (vec![0.0; x.len()], vec![0.0; w.len()]);
            conv2d_backward_input(&p, &dz, &w, &mut dx);
            conv2d_backward_filter(&p, &x, &dz, &mut dw_want);
            let mut dt_want = vec![0.0f32; table.len()];
            for (s, &r) in ids.iter().enumerate() {
                for c in 0..cin {
                    dt_want[r * cin + c] += dx[s * cin + c];
                }
            }
            let run = || {
                let mut y = vec![f32::NAN; p.y_len()];
                lookup::forward(&p, &table, &ids, &w, Some(&bias), true, &mut y);
                let (mut dw, mut dt) = (vec![f32::NAN; w.len()], vec![f32::NAN; table.len()]);
                lookup::backward(&p, &table, &ids, &w, &dz, Some(&mut dw), &mut dt);
                (y, dw, dt)
            };
            let one = sinew_kernels::par::with_max_threads(1, run);
            let two = sinew_kernels::par::with_max_threads(2, run);
            for (what, got, want) in [("y", &one.0, &want), ("dw", &one.1, &dw_want), ("dtable", &one.2, &dt_want)] {
                for (i, (a, b)) in got.iter().zip(want.iter()).enumerate() {
                    assert!((a - b).abs() <= tol * (1.0 + b.abs()), "{pad:?} stride {stride}: {what}[{i}] = {a}, plain {b}");
                }
            }
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert!(bits(&one.0) == bits(&two.0) && bits(&one.1) == bits(&two.1) && bits(&one.2) == bits(&two.2), "1 vs 2 threads");
        }
    }
}
