//! Recurrent cells run over a whole sequence, forward and backward through
//! time, in one call: SimpleRNN, LSTM and GRU as Keras / TensorFlow.js define
//! them (tanh activation; sigmoid or hard-sigmoid gates; GRU with the reset
//! gate applied before the recurrent product, TF.js's only form).
//!
//! The input projection `xw = x·W + b` of every step is one GEMM done by the
//! caller (`[batch·steps, inputDim] × [inputDim, gates·units]`); these
//! kernels do the per-step recurrent products `h·U` (on the threaded GEMM)
//! and the gate arithmetic. Layouts, row-major:
//! - `xw`: `[batch, steps, gates·units]`, gate blocks in Keras order
//!   (LSTM i, f, c, o; GRU z, r, h);
//! - `u`: `[units, gates·units]` (Keras's `recurrent_kernel`);
//! - `out`: `[batch, steps, state·units]`: per step the hidden state `h`,
//!   and for LSTM the cell state `c` after it (`state` = 2), so a layer can
//!   return any step's `h` and `c`, and gradients can enter at any of them;
//! - `mask` (optional): `[batch, steps]`, 0 = padding: the step keeps the
//!   previous state (and outputs it), as Keras does.
//!
//! Backward recomputes the gates from `xw`, `out` and `u` instead of storing
//! them (one extra recurrent product per step; no extra memory).

use crate::gemm::{gemm, Gemm};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    SimpleRnn,
    Lstm,
    Gru,
}

/// The gates' activation (Keras `recurrent_activation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Sigmoid,
    /// `clamp(0.2·x + 0.5, 0, 1)` (TF.js's default).
    HardSigmoid,
}

impl Cell {
    /// Blocks of `units` columns in `W`, `U` and `b`.
    pub fn gates(self) -> usize {
        match self {
            Cell::SimpleRnn => 1,
            Cell::Lstm => 4,
            Cell::Gru => 3,
        }
    }
    /// Blocks of `units` values per step in `out` (h, and c for LSTM).
    pub fn state(self) -> usize {
        if self == Cell::Lstm { 2 } else { 1 }
    }
}

/// Shape of one recurrent call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rnn {
    pub cell: Cell,
    pub gate: Gate,
    pub batch: usize,
    pub steps: usize,
    pub units: usize,
}

impl Gate {
    #[inline]
    fn f(self, x: f32) -> f32 {
        match self {
            Gate::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Gate::HardSigmoid => (0.2 * x + 0.5).clamp(0.0, 1.0),
        }
    }
    /// Derivative from the pre-activation `x` and the output `y`.
    #[inline]
    fn d(self, x: f32, y: f32) -> f32 {
        match self {
            Gate::Sigmoid => y * (1.0 - y),
            Gate::HardSigmoid => {
                let t = 0.2 * x + 0.5;
                if t > 0.0 && t < 1.0 { 0.2 } else { 0.0 }
            }
        }
    }
}

impl Rnn {
    fn gu(&self) -> usize {
        self.cell.gates() * self.units
    }
    fn su(&self) -> usize {
        self.cell.state() * self.units
    }
    fn check(&self, xw: &[f32], u: &[f32], h0: &[f32], c0: &[f32], mask: Option<&[f32]>, out: &[f32]) {
        let (b, t, n) = (self.batch, self.steps, self.units);
        assert_eq!(xw.len(), b * t * self.gu(), "xw");
        assert_eq!(u.len(), n * self.gu(), "u");
        assert_eq!(h0.len(), b * n, "h0");
        assert!(self.cell != Cell::Lstm || c0.len() == b * n, "c0");
        assert!(mask.map_or(true, |m| m.len() == b * t), "mask");
        assert_eq!(out.len(), b * t * self.su(), "out");
    }

    /// Copies the previous state (`h` and, for LSTM, `c`) of step `t` into
    /// `h`, `c` (`[batch, units]`): from `out` at `t − 1`, or the initial state.
    fn prev_state(&self, t: usize, out: &[f32], h0: &[f32], c0: &[f32], h: &mut [f32], c: &mut [f32]) {
        let (n, su, ts) = (self.units, self.su(), self.steps * self.su());
        for b in 0..self.batch {
            if t == 0 {
                h[b * n..(b + 1) * n].copy_from_slice(&h0[b * n..(b + 1) * n]);
                if self.cell == Cell::Lstm {
                    c[b * n..(b + 1) * n].copy_from_slice(&c0[b * n..(b + 1) * n]);
                }
            } else {
                let o = b * ts + (t - 1) * su;
                h[b * n..(b + 1) * n].copy_from_slice(&out[o..o + n]);
                if self.cell == Cell::Lstm {
                    c[b * n..(b + 1) * n].copy_from_slice(&out[o + n..o + 2 * n]);
                }
            }
        }
    }

    /// `z = xw[:, t] + h·u` for the gate columns `cols` of `u` (`uc`, stored `[units, cols.len()]`).
    fn preact(&self, t: usize, xw: &[f32], from: usize, width: usize, h: &[f32], uc: &[f32], z: &mut [f32]) {
        let gu = self.gu();
        for b in 0..self.batch {
            let o = (b * self.steps + t) * gu + from;
            z[b * width..(b + 1) * width].copy_from_slice(&xw[o..o + width]);
        }
        gemm(&Gemm { accumulate: true, ..Gemm::new(self.batch, width, self.units) }, h, uc, z);
    }
}

/// Columns `from .. from + width` of the row-major `[rows, cols]` matrix `m`, as `[rows, width]`.
fn columns(m: &[f32], rows: usize, cols: usize, from: usize, width: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(rows * width);
    for r in 0..rows {
        out.extend_from_slice(&m[r * cols + from..r * cols + from + width]);
    }
    out
}

/// The masked value of row `b` at step `t` is 0 (padding).
#[inline]
fn skipped(mask: Option<&[f32]>, r: &Rnn, b: usize, t: usize) -> bool {
    mask.is_some_and(|m| m[b * r.steps + t] == 0.0)
}

/// Runs the sequence forward, writing every step's state into `out`. `c0` is
/// ignored (may be empty) except for LSTM.
pub fn forward(r: &Rnn, xw: &[f32], u: &[f32], h0: &[f32], c0: &[f32], mask: Option<&[f32]>, out: &mut [f32]) {
    r.check(xw, u, h0, c0, mask, out);
    let (bn, n, gu, su) = (r.batch, r.units, r.gu(), r.su());
    let mut h = vec![0.0; bn * n];
    let mut c = vec![0.0; if r.cell == Cell::Lstm { bn * n } else { 0 }];
    let mut z = vec![0.0; bn * gu];
    // GRU: the z/r columns of U and the h columns, each contiguous for the GEMM.
    let (u_zr, u_h) = if r.cell == Cell::Gru { (columns(u, n, gu, 0, 2 * n), columns(u, n, gu, 2 * n, n)) } else { (Vec::new(), Vec::new()) };
    let mut rh = vec![0.0; if r.cell == Cell::Gru { bn * n } else { 0 }];
    let mut zh = vec![0.0; if r.cell == Cell::Gru { bn * n } else { 0 }];
    for t in 0..r.steps {
        r.prev_state(t, out, h0, c0, &mut h, &mut c);
        match r.cell {
            Cell::SimpleRnn | Cell::Lstm => r.preact(t, xw, 0, gu, &h, u, &mut z),
            Cell::Gru => {
                r.preact(t, xw, 0, 2 * n, &h, &u_zr, &mut z[..bn * 2 * n]);
                for b in 0..bn {
                    for j in 0..n {
                        let rg = r.gate.f(z[b * 2 * n + n + j]);
                        rh[b * n + j] = rg * h[b * n + j];
                    }
                }
                r.preact(t, xw, 2 * n, n, &rh, &u_h, &mut zh);
            }
        }
        for b in 0..bn {
            let o = (b * r.steps + t) * su;
            let keep = skipped(mask, r, b, t);
            for j in 0..n {
                let hp = h[b * n + j];
                let (hn, cn) = match r.cell {
                    Cell::SimpleRnn => (z[b * gu + j].tanh(), 0.0),
                    Cell::Lstm => {
                        let zb = &z[b * gu..(b + 1) * gu];
                        let (i, f, g, og) = (r.gate.f(zb[j]), r.gate.f(zb[n + j]), zb[2 * n + j].tanh(), r.gate.f(zb[3 * n + j]));
                        let cn = f * c[b * n + j] + i * g;
                        (og * cn.tanh(), cn)
                    }
                    Cell::Gru => {
                        let zg = r.gate.f(z[b * 2 * n + j]);
                        let hh = zh[b * n + j].tanh();
                        (zg * hp + (1.0 - zg) * hh, 0.0)
                    }
                };
                if keep {
                    out[o + j] = hp;
                    if r.cell == Cell::Lstm {
                        out[o + n + j] = c[b * n + j];
                    }
                } else {
                    out[o + j] = hn;
                    if r.cell == Cell::Lstm {
                        out[o + n + j] = cn;
                    }
                }
            }
        }
    }
}

/// Gradients of one recurrent call.
pub struct RnnGrads {
    /// `[batch, steps, gates·units]`: the gradient of `xw` (the caller turns
    /// it into the gradients of `x`, `W` and `b` with GEMMs and a column sum).
    pub dxw: Vec<f32>,
    /// `[units, gates·units]`.
    pub du: Vec<f32>,
    /// `[batch, units]`.
    pub dh0: Vec<f32>,
    /// `[batch, units]` (LSTM; empty otherwise).
    pub dc0: Vec<f32>,
}

/// Backward through time: given the forward's inputs, its `out` and the
/// gradient `dout` of `out`, returns the gradients of `xw`, `u` and the
/// initial state.
pub fn backward(r: &Rnn, xw: &[f32], u: &[f32], h0: &[f32], c0: &[f32], mask: Option<&[f32]>, out: &[f32], dout: &[f32]) -> RnnGrads {
    r.check(xw, u, h0, c0, mask, out);
    assert_eq!(dout.len(), out.len(), "dout");
    let (bn, n, gu, su, steps) = (r.batch, r.units, r.gu(), r.su(), r.steps);
    let lstm = r.cell == Cell::Lstm;
    let mut g = RnnGrads { dxw: vec![0.0; bn * steps * gu], du: vec![0.0; n * gu], dh0: vec![0.0; bn * n], dc0: vec![0.0; if lstm { bn * n } else { 0 }] };
    let (mut h, mut c) = (vec![0.0; bn * n], vec![0.0; if lstm { bn * n } else { 0 }]);
    // Gradients carried to the previous step.
    let (mut dh, mut dc) = (vec![0.0; bn * n], vec![0.0; if lstm { bn * n } else { 0 }]);
    let mut z = vec![0.0; bn * gu];
    let mut dz = vec![0.0; bn * gu];
    let gru = r.cell == Cell::Gru;
    let (u_zr, u_h) = if gru { (columns(u, n, gu, 0, 2 * n), columns(u, n, gu, 2 * n, n)) } else { (Vec::new(), Vec::new()) };
    let (mut rh, mut zh, mut drh, mut dzh, mut dzr) = if gru {
        (vec![0.0; bn * n], vec![0.0; bn * n], vec![0.0; bn * n], vec![0.0; bn * n], vec![0.0; bn * 2 * n])
    } else {
        Default::default()
    };
    let mut du_zr = vec![0.0; if gru { n * 2 * n } else { 0 }];
    let mut du_h = vec![0.0; if gru { n * n } else { 0 }];
    let mut dprev = vec![0.0; bn * n];
    for t in (0..steps).rev() {
        r.prev_state(t, out, h0, c0, &mut h, &mut c);
        // Gradient reaching step t's state: from the output at t and from step t + 1.
        for b in 0..bn {
            let o = (b * steps + t) * su;
            for j in 0..n {
                dh[b * n + j] += dout[o + j];
                if lstm {
                    dc[b * n + j] += dout[o + n + j];
                }
            }
        }
        match r.cell {
            Cell::SimpleRnn => {
                for b in 0..bn {
                    let o = (b * steps + t) * su;
                    for j in 0..n {
                        let y = out[o + j];
                        dz[b * gu + j] = if skipped(mask, r, b, t) { 0.0 } else { dh[b * n + j] * (1.0 - y * y) };
                    }
                }
            }
            Cell::Lstm => {
                r.preact(t, xw, 0, gu, &h, u, &mut z);
                for b in 0..bn {
                    let zb = &z[b * gu..(b + 1) * gu];
                    let dzb = &mut dz[b * gu..(b + 1) * gu];
                    if skipped(mask, r, b, t) {
                        dzb.fill(0.0);
                        continue;
                    }
                    let o = (b * steps + t) * su;
                    for j in 0..n {
                        let (i, f, gg, og) = (r.gate.f(zb[j]), r.gate.f(zb[n + j]), zb[2 * n + j].tanh(), r.gate.f(zb[3 * n + j]));
                        let tc = out[o + n + j].tanh();
                        let dhv = dh[b * n + j];
                        let dcv = dc[b * n + j] + dhv * og * (1.0 - tc * tc);
                        dzb[j] = dcv * gg * r.gate.d(zb[j], i);
                        dzb[n + j] = dcv * c[b * n + j] * r.gate.d(zb[n + j], f);
                        dzb[2 * n + j] = dcv * i * (1.0 - gg * gg);
                        dzb[3 * n + j] = dhv * tc * r.gate.d(zb[3 * n + j], og);
                        dc[b * n + j] = dcv * f;   // to c at t − 1
                    }
                }
            }
            Cell::Gru => {
                r.preact(t, xw, 0, 2 * n, &h, &u_zr, &mut z[..bn * 2 * n]);
                for b in 0..bn {
                    for j in 0..n {
                        rh[b * n + j] = r.gate.f(z[b * 2 * n + n + j]) * h[b * n + j];
                    }
                }
                r.preact(t, xw, 2 * n, n, &rh, &u_h, &mut zh);
                for b in 0..bn {
                    let masked = skipped(mask, r, b, t);
                    for j in 0..n {
                        let k = b * n + j;
                        if masked {
                            dzh[k] = 0.0;
                            continue;
                        }
                        let zg = r.gate.f(z[b * 2 * n + j]);
                        let hh = zh[k].tanh();
                        dzr[b * 2 * n + j] = dh[k] * (h[k] - hh) * r.gate.d(z[b * 2 * n + j], zg);
                        dzh[k] = dh[k] * (1.0 - zg) * (1.0 - hh * hh);
                    }
                }
                // d(r·h) = dzh·U_hᵀ; dU_h += (r·h)ᵀ·dzh
                gemm(&Gemm { trans_b: true, ..Gemm::new(bn, n, n) }, &dzh, &u_h, &mut drh);
                gemm(&Gemm { trans_a: true, accumulate: true, ..Gemm::new(n, n, bn) }, &rh, &dzh, &mut du_h);
                for b in 0..bn {
                    let masked = skipped(mask, r, b, t);
                    for j in 0..n {
                        let k = b * n + j;
                        if masked {
                            dzr[b * 2 * n + j] = 0.0;
                            dzr[b * 2 * n + n + j] = 0.0;
                            continue;
                        }
                        let zr = z[b * 2 * n + n + j];
                        let rg = r.gate.f(zr);
                        dzr[b * 2 * n + n + j] = drh[k] * h[k] * r.gate.d(zr, rg);
                    }
                }
                gemm(&Gemm { trans_a: true, accumulate: true, ..Gemm::new(n, 2 * n, bn) }, &h, &dzr, &mut du_zr);
                for b in 0..bn {
                    let d = &mut dz[b * gu..(b + 1) * gu];
                    d[..2 * n].copy_from_slice(&dzr[b * 2 * n..(b + 1) * 2 * n]);
                    d[2 * n..].copy_from_slice(&dzh[b * n..(b + 1) * n]);
                }
            }
        }
        for b in 0..bn {
            let o = (b * steps + t) * gu;
            g.dxw[o..o + gu].copy_from_slice(&dz[b * gu..(b + 1) * gu]);
        }
        // Gradient of h at t − 1: through the recurrent product(s), the
        // direct paths, and unchanged through a masked step.
        match r.cell {
            Cell::SimpleRnn | Cell::Lstm => {
                gemm(&Gemm { trans_b: true, ..Gemm::new(bn, n, gu) }, &dz, u, &mut dprev);
                gemm(&Gemm { trans_a: true, accumulate: true, ..Gemm::new(n, gu, bn) }, &h, &dz, &mut g.du);
            }
            Cell::Gru => {
                gemm(&Gemm { trans_b: true, ..Gemm::new(bn, n, 2 * n) }, &dzr, &u_zr, &mut dprev);
                for b in 0..bn {
                    for j in 0..n {
                        let k = b * n + j;
                        if !skipped(mask, r, b, t) {
                            let zg = r.gate.f(z[b * 2 * n + j]);
                            dprev[k] += dh[k] * zg + drh[k] * r.gate.f(z[b * 2 * n + n + j]);
                        }
                    }
                }
            }
        }
        for b in 0..bn {
            if skipped(mask, r, b, t) {
                // dz is 0 here: the state passed through unchanged, so does its gradient (dc too).
                dprev[b * n..(b + 1) * n].copy_from_slice(&dh[b * n..(b + 1) * n]);
            }
        }
        std::mem::swap(&mut dh, &mut dprev);
    }
    if gru {
        for row in 0..n {
            g.du[row * gu..row * gu + 2 * n].copy_from_slice(&du_zr[row * 2 * n..(row + 1) * 2 * n]);
            g.du[row * gu + 2 * n..(row + 1) * gu].copy_from_slice(&du_h[row * n..(row + 1) * n]);
        }
    }
    g.dh0 = dh;
    g.dc0 = dc;
    g
}
