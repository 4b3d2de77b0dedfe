//! Recurrent kernels against a naive per-step f64 reference written straight
//! from the Keras / TF.js cell equations (no GEMM, no shared code).
//!
//! - forward: |out − ref| ≤ 2e-5 (f32 GEMM sums of ≤ 16 terms per gate,
//!   a few transcendental ops per step, 6 steps);
//! - backward: each gradient vs central differences of the f64 reference's
//!   L = Σ r ⊙ out (h = 1e-5; f64, so truncation ~1e-10):
//!   |g − fd| ≤ 2e-4·(1 + |fd|), f32 accumulation over 6 steps. Hard-sigmoid
//!   kinks (0.2x + 0.5 ∈ {0, 1}) are avoided by small inputs (|x| < 2.5).
//!
//! Every cell × gate × with/without mask × batch 1, 3 and two blocks of rows
//! is covered, plus 32 units (products large enough for the GEMM's packed
//! path, where `U` is packed once per call; gradients checked on a sample of
//! elements there), and masked steps must copy the previous state exactly.

use sinew_kernels::par;
use sinew_kernels::rnn::{backward, forward, Cell, Gate, Rnn, RnnGrads, Xw, MAX_ROWS};

mod common;
use common::Rng;

struct Case {
    r: Rnn,
    xw: Vec<f32>,
    u: Vec<f32>,
    h0: Vec<f32>,
    c0: Vec<f32>,
    /// Reset-after GRU's recurrent bias (empty: none).
    rb: Vec<f32>,
    mask: Option<Vec<f32>>,
}

fn gate(g: Gate, x: f64) -> f64 {
    match g {
        Gate::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        Gate::HardSigmoid => (0.2 * x + 0.5).clamp(0.0, 1.0),
    }
}

/// Naive f64 forward: `out` `[batch, steps, state·units]`.
fn reference(r: &Rnn, xw: &[f64], u: &[f64], h0: &[f64], c0: &[f64], rb: &[f64], mask: Option<&[f32]>) -> Vec<f64> {
    let (n, g) = (r.units, r.cell.gates());
    let gu = g * n;
    let su = r.cell.state() * n;
    let mut out = vec![0.0; r.batch * r.steps * su];
    for b in 0..r.batch {
        let mut h: Vec<f64> = h0[b * n..(b + 1) * n].to_vec();
        let mut c: Vec<f64> = if r.cell == Cell::Lstm { c0[b * n..(b + 1) * n].to_vec() } else { vec![] };
        for t in 0..r.steps {
            let x = &xw[(b * r.steps + t) * gu..(b * r.steps + t + 1) * gu];
            // a[k] = x[k] + Σ_j h[j]·u[j][k] over the given columns, with the given state
            let rec = |hs: &[f64], k: usize| -> f64 { (0..n).map(|j| hs[j] * u[j * gu + k]).sum::<f64>() };
            let (hn, cn): (Vec<f64>, Vec<f64>) = match r.cell {
                Cell::SimpleRnn => ((0..n).map(|k| (x[k] + rec(&h, k)).tanh()).collect(), vec![]),
                Cell::Lstm => {
                    let mut hn = vec![0.0; n];
                    let mut cn = vec![0.0; n];
                    for k in 0..n {
                        let i = gate(r.gate, x[k] + rec(&h, k));
                        let f = gate(r.gate, x[n + k] + rec(&h, n + k));
                        let gg = (x[2 * n + k] + rec(&h, 2 * n + k)).tanh();
                        let o = gate(r.gate, x[3 * n + k] + rec(&h, 3 * n + k));
                        cn[k] = f * c[k] + i * gg;
                        hn[k] = o * cn[k].tanh();
                    }
                    (hn, cn)
                }
                Cell::GruResetAfter => {
                    let rb = |k: usize| rb.get(k).copied().unwrap_or(0.0);
                    ((0..n).map(|k| {
                        let z = gate(r.gate, x[k] + rb(k) + rec(&h, k));
                        let rr = gate(r.gate, x[n + k] + rb(n + k) + rec(&h, n + k));
                        let hh = (x[2 * n + k] + rr * (rec(&h, 2 * n + k) + rb(2 * n + k))).tanh();
                        z * h[k] + (1.0 - z) * hh
                    }).collect(), vec![])
                }
                Cell::Gru => {
                    let z: Vec<f64> = (0..n).map(|k| gate(r.gate, x[k] + rec(&h, k))).collect();
                    let rr: Vec<f64> = (0..n).map(|k| gate(r.gate, x[n + k] + rec(&h, n + k))).collect();
                    let rh: Vec<f64> = (0..n).map(|j| rr[j] * h[j]).collect();
                    ((0..n).map(|k| {
                        let hh = (x[2 * n + k] + rec(&rh, 2 * n + k)).tanh();
                        z[k] * h[k] + (1.0 - z[k]) * hh
                    }).collect(), vec![])
                }
            };
            let keep = mask.is_some_and(|m| m[b * r.steps + t] == 0.0);
            if !keep {
                h = hn;
                if r.cell == Cell::Lstm {
                    c = cn;
                }
            }
            let o = (b * r.steps + t) * su;
            out[o..o + n].copy_from_slice(&h);
            if r.cell == Cell::Lstm {
                out[o + n..o + 2 * n].copy_from_slice(&c);
            }
        }
    }
    out
}

fn case(cell: Cell, gate: Gate, batch: usize, units: usize, masked: bool, seed: u32) -> Case {
    let steps = 6;
    let r = Rnn { cell, gate, batch, steps, units };
    let mut rng = Rng(seed);
    let gu = cell.gates() * units;
    let mask = masked.then(|| {
        // row 0: trailing padding; row 1: leading padding; row 2: a gap; all rows start or end real.
        (0..batch * steps).map(|i| {
            let (b, t) = (i / steps, i % steps);
            match b % 3 {
                0 => (t < 4) as u8 as f32,
                1 => (t >= 2) as u8 as f32,
                _ => (t != 3) as u8 as f32,
            }
        }).collect()
    });
    Case {
        r,
        xw: rng.vec_scaled(batch * steps * gu, 1.5),
        // |h·U| stays about as small for any width (hard-sigmoid kinks).
        u: rng.vec_scaled(units * gu, 0.5 * (4.0 / units as f32).sqrt().min(1.0)),
        h0: rng.vec_scaled(batch * units, 0.5),
        c0: if cell == Cell::Lstm { rng.vec_scaled(batch * units, 0.5) } else { vec![] },
        // (batch 1: a reset-after GRU without a bias)
        rb: if cell.recurrent_bias() && batch > 1 { rng.vec_scaled(gu, 0.5) } else { vec![] },
        mask,
    }
}

fn f64s(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

const CELLS: [Cell; 4] = [Cell::SimpleRnn, Cell::Lstm, Cell::Gru, Cell::GruResetAfter];
const GATES: [Gate; 2] = [Gate::Sigmoid, Gate::HardSigmoid];

fn for_all(mut f: impl FnMut(&Case, &str)) {
    let mut seed = 7;
    for cell in CELLS {
        for g in GATES {
            // MAX_ROWS + 3: two blocks of rows (see `rnn::block_rows`); 5
            // units: SIMD groups of 4 plus a tail.
            for (batch, units) in [(1, 4), (3, 5), (MAX_ROWS + 3, 4), (MAX_ROWS + 3, 32)] {
                for masked in [false, true] {
                    seed += 1;
                    let c = case(cell, g, batch, units, masked, seed);
                    f(&c, &format!("{cell:?} {g:?} batch {batch} units {units} mask {masked}"));
                }
            }
        }
    }
}

/// `out` and the saved gate activations.
fn run(c: &Case) -> (Vec<f32>, Vec<f32>) {
    let mut out = vec![0.0; c.r.batch * c.r.steps * c.r.cell.state() * c.r.units];
    let mut acts = vec![0.0; c.r.acts_len()];
    forward(&c.r, Xw::Rows(&c.xw), &c.u, &c.rb, &c.h0, &c.c0, c.mask.as_deref(), &mut out, &mut acts);
    (out, acts)
}

fn grads(c: &Case, out: &[f32], acts: &[f32], dout: &[f32]) -> RnnGrads {
    backward(&c.r, None, &c.u, &c.rb, &c.h0, &c.c0, c.mask.as_deref(), out, acts, dout)
}

#[test]
fn forward_matches_the_naive_reference() {
    for_all(|c, name| {
        let (out, _) = run(c);
        let want = reference(&c.r, &f64s(&c.xw), &f64s(&c.u), &f64s(&c.h0), &f64s(&c.c0), &f64s(&c.rb), c.mask.as_deref());
        for (i, (&g, &w)) in out.iter().zip(&want).enumerate() {
            assert!((g as f64 - w).abs() <= 2e-5, "{name}: out[{i}] = {g}, reference {w}");
        }
    });
}

#[test]
fn masked_steps_copy_the_previous_state_exactly() {
    for_all(|c, name| {
        let Some(mask) = &c.mask else { return };
        let (n, su, steps) = (c.r.units, c.r.cell.state() * c.r.units, c.r.steps);
        let (out, _) = run(c);
        for b in 0..c.r.batch {
            for t in 0..steps {
                if mask[b * steps + t] != 0.0 {
                    continue;
                }
                let o = (b * steps + t) * su;
                let prev: Vec<f32> = if t == 0 { [&c.h0[b * n..(b + 1) * n], c.c0.get(b * n..(b + 1) * n).unwrap_or(&[])].concat() } else { out[o - su..o].to_vec() };
                assert_eq!(&out[o..o + su], &prev[..], "{name}: row {b} step {t}");
            }
        }
    });
}

#[test]
fn backward_matches_central_differences_of_the_reference() {
    for_all(|c, name| {
        let su = c.r.cell.state() * c.r.units;
        let len = c.r.batch * c.r.steps * su;
        let weights = f64s(&Rng(99).vec(len));
        let (out, acts) = run(c);
        let dout: Vec<f32> = weights.iter().map(|&w| w as f32).collect();
        let g = grads(c, &out, &acts, &dout);
        let base = [f64s(&c.xw), f64s(&c.u), f64s(&c.h0), f64s(&c.c0), f64s(&c.rb)];
        let loss = |v: &[Vec<f64>; 5]| -> f64 { reference(&c.r, &v[0], &v[1], &v[2], &v[3], &v[4], c.mask.as_deref()).iter().zip(&weights).map(|(a, b)| a * b).sum() };
        let grads = [&g.dxw, &g.du, &g.dh0, &g.dc0, &g.drb];
        for (which, label) in ["xw", "u", "h0", "c0", "rb"].iter().enumerate() {
            assert_eq!(grads[which].len(), base[which].len(), "{name}: d{label} length");
            // Every element of the small cases, ~100 spread over the large ones.
            for i in (0..base[which].len()).step_by((base[which].len() / 100).max(1)) {
                let h = 1e-5;
                let (mut p, mut m) = (base.clone(), base.clone());
                p[which][i] += h;
                m[which][i] -= h;
                let fd = (loss(&p) - loss(&m)) / (2.0 * h);
                let got = grads[which][i] as f64;
                assert!((got - fd).abs() <= 2e-4 * (1.0 + fd.abs()), "{name}: d{label}[{i}] = {got}, central difference {fd}");
            }
        }
    });
}

/// Given the projection's input `x`, the backward also returns `W`'s
/// gradient `xᵀ·dxw` (stacked with `U`'s in one GEMM), and `U`'s is the
/// same as without `x`.
#[test]
fn the_input_kernel_gradient_is_x_transposed_times_dxw() {
    for_all(|c, name| {
        let (bt, gu, din) = (c.r.batch * c.r.steps, c.r.cell.gates() * c.r.units, 3);
        let x = Rng(11).vec(bt * din);
        let dout = Rng(5).vec(c.r.batch * c.r.steps * c.r.cell.state() * c.r.units);
        let (out, acts) = run(c);
        let without = grads(c, &out, &acts, &dout);
        let g = backward(&c.r, Some(&x), &c.u, &c.rb, &c.h0, &c.c0, c.mask.as_deref(), &out, &acts, &dout);
        assert!(without.dw.is_empty(), "{name}: no x, no dW");
        assert_eq!(g.dw.len(), din * gu, "{name}: dW length");
        for (i, &got) in g.dw.iter().enumerate() {
            let (k, j) = (i / gu, i % gu);
            let want: f64 = (0..bt).map(|row| x[row * din + k] as f64 * g.dxw[row * gu + j] as f64).sum();
            assert!((got as f64 - want).abs() <= 1e-4 * (1.0 + want.abs()), "{name}: dW[{i}] = {got}, naive {want}");
        }
        for (i, (&a, &b)) in g.du.iter().zip(&without.du).enumerate() {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{name}: dU[{i}] = {a} with x, {b} without");
        }
    });
}

/// A lookup (`Xw::Lookup`: a table of projected rows and the row of each
/// step) runs exactly as the rows it stands for.
#[test]
fn a_lookup_projection_runs_as_its_rows() {
    for_all(|c, name| {
        let (bt, gu) = (c.r.batch * c.r.steps, c.r.cell.gates() * c.r.units);
        // The table: every third step's row, read back in a scrambled order.
        let rows = bt.div_ceil(3);
        let ids: Vec<usize> = (0..bt).map(|i| (i * 7) % rows).collect();
        let table: Vec<f32> = (0..rows).flat_map(|r| c.xw[r * 3 * gu..(r * 3 + 1) * gu].to_vec()).collect();
        let xw: Vec<f32> = ids.iter().flat_map(|&i| table[i * gu..(i + 1) * gu].to_vec()).collect();
        let len = c.r.batch * c.r.steps * c.r.cell.state() * c.r.units;
        let (mut want, mut got) = ((vec![0.0; len], vec![0.0; c.r.acts_len()]), (vec![0.0; len], vec![0.0; c.r.acts_len()]));
        forward(&c.r, Xw::Rows(&xw), &c.u, &c.rb, &c.h0, &c.c0, c.mask.as_deref(), &mut want.0, &mut want.1);
        forward(&c.r, Xw::Lookup { table: &table, ids: &ids }, &c.u, &c.rb, &c.h0, &c.c0, c.mask.as_deref(), &mut got.0, &mut got.1);
        assert!(got == want, "{name}: lookup and rows differ");
    });
}

#[test]
fn results_do_not_depend_on_the_thread_count_and_inference_may_skip_the_saved_gates() {
    for_all(|c, name| {
        let dout = Rng(5).vec(c.r.batch * c.r.steps * c.r.cell.state() * c.r.units);
        let one = par::with_max_threads(1, || {
            let (out, acts) = run(c);
            let g = grads(c, &out, &acts, &dout);
            (out, g.dxw, g.du, g.dh0, g.dc0, g.drb)
        });
        let many = par::with_max_threads(4, || {
            let (out, acts) = run(c);
            let g = grads(c, &out, &acts, &dout);
            (out, g.dxw, g.du, g.dh0, g.dc0, g.drb)
        });
        assert!(one == many, "{name}: 1 thread and 4 threads differ");
        let mut out = vec![0.0; one.0.len()];
        forward(&c.r, Xw::Rows(&c.xw), &c.u, &c.rb, &c.h0, &c.c0, c.mask.as_deref(), &mut out, &mut []);
        assert_eq!(out, one.0, "{name}: forward without saving the gates");
    });
}
