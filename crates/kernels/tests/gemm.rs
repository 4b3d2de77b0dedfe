//! GEMM vs the naive reference on awkward shapes, every layout, accumulate
//! on/off, the fused epilogue, and the threaded split.
//!
//! Tolerance: different summation orders (k-blocking, SIMD lanes) round
//! differently; with inputs in [-1, 1] that error grows like sqrt(k)·ε·|values|.
//! We allow `max |c - ref| <= 1e-5 · sqrt(k) · (1 + max |ref|)`, orders of
//! magnitude above rounding noise but far below any indexing bug (errors of
//! order |ref|).

use sinew_kernels::gemm::{gemm, gemm_bias_act, gemm_packed, naive, Activation, Gemm, PackedB, PAR_MIN_FLOPS};
use sinew_kernels::par::with_max_threads;

mod common;
use common::Rng;

fn assert_close(g: &Gemm, got: &[f32], want: &[f32]) {
    let scale = want.iter().fold(0.0f32, |s, x| s.max(x.abs()));
    let tol = 1e-5 * (g.k.max(1) as f32).sqrt() * (1.0 + scale);
    for (idx, (x, y)) in got.iter().zip(want).enumerate() {
        assert!(
            (x - y).abs() <= tol,
            "{g:?}: c[{}, {}] = {x}, want {y} (tol {tol})",
            idx / g.n.max(1),
            idx % g.n.max(1)
        );
    }
}

/// Runs `g` through `gemm` and `naive` on the same random inputs (and the
/// same random initial C, which matters when accumulating).
fn check(rng: &mut Rng, g: Gemm) {
    let a = rng.vec(g.m * g.k);
    let b = rng.vec(g.k * g.n);
    let c0 = rng.vec(g.m * g.n);
    let mut got = c0.clone();
    let mut want = c0;
    gemm(&g, &a, &b, &mut got);
    naive(&g, &a, &b, &mut want);
    assert_close(&g, &got, &want);
}

const SIZES: [usize; 9] = [1, 2, 3, 7, 17, 31, 64, 65, 129];

fn layouts() -> impl Iterator<Item = (bool, bool, bool)> {
    (0..8).map(|x| (x & 1 != 0, x & 2 != 0, x & 4 != 0))
}

#[test]
fn all_small_shapes_all_layouts() {
    // Every (m, n, k) in SIZES³ × 4 transpose combos × accumulate on/off:
    // covers m = 1 (batch 1), k = 1, ragged edges on every side, non-square.
    let mut rng = Rng(0x1234_5678);
    for &m in &SIZES {
        for &n in &SIZES {
            for &k in &SIZES {
                for (trans_a, trans_b, accumulate) in layouts() {
                    check(&mut rng, Gemm { m, n, k, trans_a, trans_b, accumulate });
                }
            }
        }
    }
}

#[test]
fn shapes_spanning_several_cache_blocks() {
    // Larger than KC (depth), MC (rows) and NC (columns) with ragged remainders.
    let mut rng = Rng(42);
    for &(m, n, k) in &[(203, 1100, 600), (300, 37, 517), (5, 2049, 33), (1, 784, 256)] {
        for (trans_a, trans_b, accumulate) in layouts() {
            check(&mut rng, Gemm { m, n, k, trans_a, trans_b, accumulate });
        }
    }
}

#[test]
fn zero_depth_clears_or_keeps_c() {
    let (a, b) = (vec![], vec![]);
    let mut c = vec![3.0f32; 6];
    gemm(&Gemm { accumulate: true, ..Gemm::new(2, 3, 0) }, &a, &b, &mut c);
    assert_eq!(c, vec![3.0; 6]);
    gemm(&Gemm::new(2, 3, 0), &a, &b, &mut c);
    assert_eq!(c, vec![0.0; 6]);
    // Empty outputs are fine too.
    gemm(&Gemm::new(0, 3, 4), &a, &[0.0; 12], &mut []);
}

#[test]
fn tiny_exact() {
    // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
    let mut c = [0.0f32; 4];
    gemm(&Gemm::new(2, 2, 2), &[1.0, 2.0, 3.0, 4.0], &[5.0, 6.0, 7.0, 8.0], &mut c);
    assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
}

#[test]
fn fused_bias_relu_matches_separate_pass() {
    let mut rng = Rng(7);
    for &(m, n, k) in &[(1, 10, 5), (9, 13, 70), (64, 65, 31), (130, 70, 300), (4, 8, 0)] {
        for (trans_a, trans_b, accumulate) in layouts() {
            let g = Gemm { m, n, k, trans_a, trans_b, accumulate };
            let (a, b, bias) = (rng.vec(m * k), rng.vec(k * n), rng.vec(n));
            let c0 = rng.vec(m * n);
            for act in [Activation::None, Activation::Relu] {
                let mut got = c0.clone();
                gemm_bias_act(&g, &a, &b, &mut got, Some(&bias), act);
                let mut want = c0.clone();
                naive(&g, &a, &b, &mut want);
                for row in want.chunks_mut(n) {
                    for (x, bj) in row.iter_mut().zip(&bias) {
                        *x += bj;
                        if act == Activation::Relu && *x < 0.0 {
                            *x = 0.0;
                        }
                    }
                }
                assert_close(&g, &got, &want);
            }
        }
    }
}

/// `act(naive + bias)`, the reference for the fused epilogue.
fn reference_bias_act(g: &Gemm, a: &[f32], b: &[f32], c0: &[f32], bias: &[f32], act: Activation) -> Vec<f32> {
    let mut want = c0.to_vec();
    naive(g, a, b, &mut want);
    for row in want.chunks_mut(g.n) {
        for (x, bj) in row.iter_mut().zip(bias) {
            *x += bj;
            if act == Activation::Relu && *x < 0.0 {
                *x = 0.0;
            }
        }
    }
    want
}

#[test]
fn narrow_outputs_every_width_layout_and_epilogue() {
    // The transposed path (C with fewer than 16 columns, at least 16 rows):
    // every width around the tile sizes, rows ragged against the 8-wide
    // panels, depth from 1 to several KC blocks, with and without bias/ReLU.
    let mut rng = Rng(0xC1A55);
    for n in 1..=17 {
        for &m in &[16, 23, 128, 300] {
            for &k in &[1, 5, 256, 600] {
                for (trans_a, trans_b, accumulate) in layouts() {
                    let g = Gemm { m, n, k, trans_a, trans_b, accumulate };
                    check(&mut rng, g);
                    if k != 256 {
                        continue;
                    }
                    let (a, b, c0, bias) = (rng.vec(m * k), rng.vec(k * n), rng.vec(m * n), rng.vec(n));
                    for act in [Activation::None, Activation::Relu] {
                        let mut got = c0.clone();
                        gemm_bias_act(&g, &a, &b, &mut got, Some(&bias), act);
                        assert_close(&g, &got, &reference_bias_act(&g, &a, &b, &c0, &bias, act));
                    }
                }
            }
        }
    }
}

#[test]
fn narrow_outputs_same_for_any_thread_count() {
    // Batch-1000 classifier layer and its gradients: above the parallel threshold.
    let mut rng = Rng(1000);
    for &(m, n, k, trans_a, trans_b) in &[(1000, 10, 128, false, false), (1003, 10, 256, true, false), (777, 13, 300, false, true)] {
        let g = Gemm { m, n, k, trans_a, trans_b, accumulate: false };
        assert!(2 * m * n * k >= PAR_MIN_FLOPS);
        let (a, b, bias) = (rng.vec(m * k), rng.vec(k * n), rng.vec(n));
        let run = |threads: usize| {
            let mut c = vec![0.0; m * n];
            with_max_threads(threads, || gemm_bias_act(&g, &a, &b, &mut c, Some(&bias), Activation::Relu));
            c
        };
        let single = run(1);
        for threads in [2, 3, 4] {
            assert!(single == run(threads), "{g:?}: {threads} threads differ from 1");
        }
        assert_close(&g, &single, &reference_bias_act(&g, &a, &b, &vec![0.0; m * n], &bias, Activation::Relu));
    }
}

#[test]
fn several_threads_equal_one_thread() {
    // Training shapes, all above the threshold: tasks are row groups, or rows
    // × column groups when C has few rows (the last three), over one or
    // several depth / column blocks; the epilogue's bias must follow the
    // column groups.
    let mut rng = Rng(99);
    for &(m, n, k, trans_a, trans_b) in &[
        (128, 256, 784, false, false), // x · W
        (784, 256, 128, true, false),  // xᵀ · dy
        (128, 784, 256, false, true),  // dy · Wᵀ
        (257, 131, 129, false, false), // ragged, row split
        (33, 1029, 70, true, true),    // ragged, column groups across NC blocks
        (8, 2000, 200, false, false),  // two row panels
        (12, 600, 300, true, false),   // ragged rows and depth, column groups
    ] {
        for accumulate in [false, true] {
            let g = Gemm { m, n, k, trans_a, trans_b, accumulate };
            assert!(2 * m * n * k >= PAR_MIN_FLOPS);
            let (a, b, c0, bias) = (rng.vec(m * k), rng.vec(k * n), rng.vec(m * n), rng.vec(n));
            let run = |threads: usize, bias: Option<&[f32]>| {
                let mut c = c0.clone();
                with_max_threads(threads, || gemm_bias_act(&g, &a, &b, &mut c, bias, Activation::Relu));
                c
            };
            let single = run(1, None);
            for threads in [2, 3, 4] {
                assert!(single == run(threads, None), "{g:?}: {threads} threads differ from 1");
            }
            let single_bias = run(1, Some(&bias));
            for threads in [2, 3, 4] {
                assert!(single_bias == run(threads, Some(&bias)), "{g:?}: threaded epilogue differs ({threads} threads)");
            }
            assert_close(&g, &single_bias, &reference_bias_act(&g, &a, &b, &c0, &bias, Activation::Relu));
            let mut want = c0.clone();
            naive(&g, &a, &b, &mut want);
            want.iter_mut().for_each(|x| *x = x.max(0.0));
            assert_close(&g, &single, &want);
        }
    }
}

#[test]
fn prepacked_b_gives_exactly_gemm() {
    // `gemm_packed` must be bitwise `gemm` (same path, same blocking) on every
    // layout, on shapes that take the small, narrow and blocked paths, and on
    // one that spans several depth and column blocks (k > KC, n > NC); and
    // one packing must serve products with other row counts.
    let mut rng = Rng(0x9e37_79b9);
    let shapes = [(16, 256, 64), (16, 64, 256), (3, 40, 7), (40, 10, 33), (13, 600, 300), (64, 96, 520)];
    for &(m, n, k) in &shapes {
        for (trans_a, trans_b, accumulate) in layouts() {
            let g = Gemm { m, n, k, trans_a, trans_b, accumulate };
            let b = rng.vec(k * n);
            let packed = PackedB::new(&g, &b);
            for rows in [m, m / 2 + 1, 1] {
                let g = Gemm { m: rows, ..g };
                let a = rng.vec(rows * k);
                let c0 = rng.vec(rows * n);
                let (mut got, mut want, mut naive_c) = (c0.clone(), c0.clone(), c0);
                with_max_threads(1, || gemm(&g, &a, &b, &mut want));
                gemm_packed(&g, &a, &packed, &mut got);
                assert_eq!(got, want, "{g:?}");
                naive(&g, &a, &b, &mut naive_c);
                assert_close(&g, &got, &naive_c);
            }
        }
    }
}

#[test]
#[should_panic(expected = "packed for another shape")]
fn prepacked_b_refuses_another_shape() {
    let g = Gemm::new(16, 32, 8);
    let b = vec![1.0; 8 * 32];
    let packed = PackedB::new(&g, &b);
    let mut c = vec![0.0; 16 * 8];
    gemm_packed(&Gemm::new(16, 8, 32), &vec![0.0; 16 * 32], &packed, &mut c);
}

#[test]
fn overwriting_product_never_reads_c() {
    // Without `accumulate`, C's old contents must not matter: the engine hands
    // the kernel uninitialised storage (memory::for_overwrite). NaN in C would
    // show through any path that loads it (small, blocked over several depth
    // blocks, narrow; one and two threads; with and without the epilogue).
    let mut rng = Rng(7);
    for &(m, n, k) in &[(3, 5, 7), (17, 31, 9), (128, 10, 128), (128, 256, 784), (203, 1100, 600), (64, 64, 64), (1, 784, 256)] {
        for (trans_a, trans_b, _) in layouts().filter(|l| !l.2) {
            let g = Gemm { m, n, k, trans_a, trans_b, accumulate: false };
            let (a, b, bias) = (rng.vec(m * k), rng.vec(k * n), rng.vec(n));
            for threads in [1, 2] {
                for (bias, act) in [(None, Activation::None), (Some(&bias[..]), Activation::Relu)] {
                    let run = |fill: f32| {
                        let mut c = vec![fill; m * n];
                        with_max_threads(threads, || gemm_bias_act(&g, &a, &b, &mut c, bias, act));
                        c.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                    };
                    assert!(run(0.0) == run(f32::NAN), "{g:?}, {threads} threads, {act:?}: C's old values leak into the result");
                }
            }
        }
    }
}
