//! Recurrent cells run over a whole sequence, forward and backward through
//! time, in one call: SimpleRNN, LSTM and GRU as Keras / TensorFlow.js define
//! them (tanh activation; sigmoid or hard-sigmoid gates). GRU comes in both
//! Keras forms: the reset gate applied before the recurrent product
//! (`reset_after=False`, TF.js's only form), and after it
//! (`reset_after=True`, Keras 3's default: `ĥ = tanh(x·W_h + b_h + r ⊙
//! (h·U_h + rb_h))`, with a second, recurrent bias `rb` added to `h·U`).
//!
//! The input projection `xw = x·W + b` of every step is one GEMM done by the
//! caller (`[batch·steps, inputDim] × [inputDim, gates·units]`); so are the
//! gradients of `x` and `b` from `dxw`. `W`'s is computed here, stacked
//! with `U`'s in one GEMM, when the backward is given `x`. Layouts, row-major:
//! - `xw`: `[batch, steps, gates·units]`, gate blocks in Keras order, or
//!   (an Embedding's lookup, [`Xw::Lookup`]) a table of projected rows and
//!   the row each step takes;
//!   (LSTM i, f, c, o; GRU z, r, h);
//! - `u`: `[units, gates·units]` (Keras's `recurrent_kernel`);
//! - `out`: `[batch, steps, state·units]`: per step the hidden state `h`,
//!   and for LSTM the cell state `c` after it (`state` = 2), so a layer can
//!   return any step's `h` and `c`, and gradients can enter at any of them;
//! - `rb`: the recurrent bias `[gates·units]` of a reset-after GRU (Keras's
//!   second bias row; empty = zeros, and empty for the other cells);
//! - `acts` (LSTM, GRU): per step the activated gates (LSTM i, f, g, o and
//!   tanh(c); GRU z, r, ĥ; reset-after GRU also `h·U_h + rb_h`), saved by
//!   the forward for the backward, which
//!   therefore recomputes no recurrent product and no nonlinearity;
//! - `mask` (optional): `[batch, steps]`, 0 = padding: the step keeps the
//!   previous state (and outputs it), as Keras does.
//!
//! Work split: batch rows are independent through the whole recurrence, so
//! the batch is cut into blocks of [`MAX_ROWS`] rows (the last may have
//! fewer; sizes fixed by the batch size alone: [`block_rows`]) and each block runs every
//! step on one thread (one fork-join per call, not one per step). Per step a
//! block does its recurrent product `h·U` on the GEMM, with `U` packed once
//! per call for all blocks and steps ([`PackedB`]; repacking it every step
//! cost 15 % of an LSTM's training time), and its gate arithmetic in SIMD
//! (the activation kernels' maps, [`crate::math`]'s `tanh_v`). Block edges depend on the batch size only, so results are
//! identical for any thread count. The backward's `dU = Σ_t h_{t-1}ᵀ·dz_t`
//! is one GEMM over all steps and rows after the blocks finish.

use crate::activation::{self, Activation};
use crate::gemm::{gemm, gemm_packed, Gemm, PackedB, TILE_ROWS};
use crate::math::tanh_v;
use crate::par;
use crate::simd::F32x4;

/// Rows per task: two GEMM tiles high (10 rows; 12 in the relaxed-SIMD
/// builds), so the per-step products `h·U` and `dz·Uᵀ` compute no padding
/// rows except in the last block. (Blocks of 16, an even quarter of a batch
/// of 64, left 4 of every 20 tile rows empty with 5-row tiles.) Small blocks
/// also give a few tasks per thread: with 2 blocks of 32, a descheduled
/// worker (shared machine) left the engine thread waiting for the whole of
/// its block (pool stats: 228 ms of join against 253 ms of work per epoch).
pub const MAX_ROWS: usize = 2 * TILE_ROWS;

/// Rows per block for `batch` (the last block may have fewer): [`MAX_ROWS`].
/// Depends on the batch size only, so the arithmetic, and the results, do
/// not depend on the thread count.
pub fn block_rows(batch: usize) -> usize {
    MAX_ROWS.min(batch).max(1)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    SimpleRnn,
    Lstm,
    /// Reset gate before the recurrent product (Keras `reset_after=False`, TF.js).
    Gru,
    /// Reset gate after the recurrent product (Keras `reset_after=True`).
    GruResetAfter,
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
            Cell::Gru | Cell::GruResetAfter => 3,
        }
    }
    /// Whether the cell takes a recurrent bias `rb` (next to `x·W`'s).
    pub fn recurrent_bias(self) -> bool {
        self == Cell::GruResetAfter
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
    /// `z = gate(z)` in place: the activation kernel's SIMD map. (A separate
    /// pass per gate block, not one loop over all four LSTM gates: fused,
    /// the exp polynomials' constants no longer fit V8's registers.)
    fn apply(self, z: &mut [f32]) {
        let act = match self {
            Gate::Sigmoid => Activation::Sigmoid,
            Gate::HardSigmoid => Activation::HardSigmoid,
        };
        activation::forward_in_place(act, z);
    }
    /// Derivative from the output `y` alone: `y·(1 − y)`, or for the hard
    /// sigmoid 0.2 where `0 < y < 1` (exactly where `0 < 0.2·x + 0.5 < 1`).
    #[inline(always)]
    fn d(self, y: F32x4) -> F32x4 {
        let (zero, one) = (F32x4::zero(), F32x4::splat(1.0));
        match self {
            Gate::Sigmoid => y.mul(one.sub(y)),
            Gate::HardSigmoid => F32x4::select(y.gt(zero).and(y.lt(one)), F32x4::splat(0.2), zero),
        }
    }
}

/// Lanes `i..i + 4` of `s`; lanes past its end read as 0.
#[inline(always)]
fn ld(s: &[f32], i: usize) -> F32x4 {
    if i + 4 <= s.len() {
        F32x4::load(&s[i..])
    } else {
        let mut t = [0.0; 4];
        t[..s.len() - i].copy_from_slice(&s[i..]);
        F32x4::from_array(t)
    }
}

/// Stores the lanes of `v` that fall inside `s` at `i..`.
#[inline(always)]
fn st(v: F32x4, s: &mut [f32], i: usize) {
    if i + 4 <= s.len() {
        v.store(&mut s[i..]);
    } else {
        let k = s.len() - i;
        s[i..].copy_from_slice(&v.to_array()[..k]);
    }
}

/// `d += s`, SIMD.
fn add_into(d: &mut [f32], s: &[f32]) {
    for i in (0..d.len()).step_by(4) {
        st(ld(d, i).add(ld(s, i)), d, i);
    }
}

impl Rnn {
    fn gu(&self) -> usize {
        self.cell.gates() * self.units
    }
    fn su(&self) -> usize {
        self.cell.state() * self.units
    }
    /// Saved values per step and row: LSTM i, f, g, o, tanh(c); GRU z, r,
    /// ĥ; reset-after GRU z, r, ĥ, q = h·U_h + rb_h.
    fn au(&self) -> usize {
        match self.cell {
            Cell::SimpleRnn => 0,
            Cell::Lstm => 5 * self.units,
            Cell::Gru => 3 * self.units,
            Cell::GruResetAfter => 4 * self.units,
        }
    }
    /// Length of the saved activations (`acts`, `[batch, steps, ·]`); SimpleRNN's backward needs only `out`.
    pub fn acts_len(&self) -> usize {
        self.batch * self.steps * self.au()
    }
    fn check(&self, u: &[f32], rb: &[f32], h0: &[f32], c0: &[f32], mask: Option<&[f32]>, out: &[f32]) {
        let (b, t, n) = (self.batch, self.steps, self.units);
        assert_eq!(u.len(), n * self.gu(), "u");
        assert!(rb.is_empty() || (self.cell.recurrent_bias() && rb.len() == self.gu()), "rb");
        assert_eq!(h0.len(), b * n, "h0");
        assert!(self.cell != Cell::Lstm || c0.len() == b * n, "c0");
        assert!(mask.is_none_or(|m| m.len() == b * t), "mask");
        assert_eq!(out.len(), b * t * self.su(), "out");
    }
    /// The same call restricted to `rows` batch rows.
    fn rows(&self, rows: usize) -> Rnn {
        Rnn { batch: rows, ..*self }
    }
}

/// The input projection `xw` of a call.
#[derive(Clone, Copy)]
pub enum Xw<'a> {
    /// `[batch, steps, gates·units]`.
    Rows(&'a [f32]),
    /// Row `(b, t)` is `table[ids[b·steps + t]]`: `table` `[rows, gates·units]`
    /// (an embedding table's rows projected once, not once per step they
    /// occur: the text LSTM has 1,000 against 6,400 steps of a batch).
    Lookup { table: &'a [f32], ids: &'a [usize] },
}

impl<'a> Xw<'a> {
    fn check(&self, r: &Rnn) {
        let (bt, gu) = (r.batch * r.steps, r.gu());
        match self {
            Xw::Rows(xw) => assert_eq!(xw.len(), bt * gu, "xw"),
            Xw::Lookup { table, ids } => {
                assert_eq!(ids.len(), bt, "xw ids");
                assert!(table.len() % gu.max(1) == 0 && ids.iter().all(|&i| (i + 1) * gu <= table.len()), "xw table");
            }
        }
    }
    /// Row `i` (`b·steps + t`), `gu` values.
    #[inline]
    fn row(&self, i: usize, gu: usize) -> &'a [f32] {
        match *self {
            Xw::Rows(xw) => &xw[i * gu..(i + 1) * gu],
            Xw::Lookup { table, ids } => &table[ids[i] * gu..(ids[i] + 1) * gu],
        }
    }
    /// Block `k`'s rows (`steps` per batch row).
    fn block(&self, r: &Rnn, k: usize) -> Xw<'a> {
        match *self {
            Xw::Rows(xw) => Xw::Rows(block(xw, r.steps * r.gu(), r.batch, k)),
            Xw::Lookup { table, ids } => {
                let rows = block_rows(r.batch);
                Xw::Lookup { table, ids: &ids[k * rows * r.steps..r.batch.min((k + 1) * rows) * r.steps] }
            }
        }
    }
}

/// Rows of block `k` of `batch`.
fn rows_of(batch: usize, k: usize) -> usize {
    let r = block_rows(batch);
    r.min(batch - k * r)
}

/// Cuts `s` (`per_row` values per batch row) into one piece per block of
/// [`block_rows`] rows; pieces are empty when `per_row` is 0.
fn blocks<T>(s: &mut [T], per_row: usize, batch: usize) -> Vec<&mut [T]> {
    let mut rest = s;
    (0..batch.div_ceil(block_rows(batch)))
        .map(|k| {
            let rows = rows_of(batch, k);
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(rows * per_row);
            rest = tail;
            head
        })
        .collect()
}

/// Block `k`'s part of a read-only `[batch, per_row]` array.
fn block(s: &[f32], per_row: usize, batch: usize, k: usize) -> &[f32] {
    if per_row == 0 {
        return &[];
    }
    let r = block_rows(batch);
    &s[k * r * per_row..(batch.min((k + 1) * r)) * per_row]
}

/// Columns `from .. from + width` of the row-major `[rows, cols]` matrix `m`, as `[rows, width]`.
fn columns(m: &[f32], rows: usize, cols: usize, from: usize, width: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(rows * width);
    for r in 0..rows {
        out.extend_from_slice(&m[r * cols + from..r * cols + from + width]);
    }
    out
}

/// GRU's `U` split into its z/r columns and its h columns, each contiguous for the GEMM.
fn gru_split(r: &Rnn, u: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let (n, gu) = (r.units, r.gu());
    if r.cell == Cell::Gru { (columns(u, n, gu, 0, 2 * n), columns(u, n, gu, 2 * n, n)) } else { (Vec::new(), Vec::new()) }
}

/// `U` packed for the per-step products of every block: the forward's
/// `h·U` (GRU: `h·U_zr` and `(r·h)·U_h`) or the backward's `dz·Uᵀ` (GRU:
/// `dz_zr·U_zrᵀ` and `dz_h·U_hᵀ`).
struct Packed<'a> {
    /// `U` (GRU: `U_zr`).
    u: PackedB<'a>,
    /// GRU's `U_h` (empty otherwise).
    u_h: PackedB<'a>,
}

impl<'a> Packed<'a> {
    /// `backward`: packed as the transposed operand of `dz·Uᵀ`.
    fn new(r: &Rnn, u: &'a [f32], u_zr: &'a [f32], u_h: &'a [f32], backward: bool) -> Self {
        let (n, rows) = (r.units, block_rows(r.batch));
        let op = |width: usize| {
            if backward { Gemm { trans_b: true, ..Gemm::new(rows, n, width) } } else { Gemm { accumulate: true, ..Gemm::new(rows, width, n) } }
        };
        if r.cell == Cell::Gru {
            Packed { u: PackedB::new(&op(2 * n), u_zr), u_h: PackedB::new(&op(n), u_h) }
        } else {
            Packed { u: PackedB::new(&op(r.gu()), u), u_h: PackedB::new(&op(0), &[]) }
        }
    }
}

/// One block's read-only operands.
struct Part<'a> {
    /// The block's shape (`batch` = its rows).
    r: Rnn,
    u: &'a PackedB<'a>,
    u_h: &'a PackedB<'a>,
    h0: &'a [f32],
    c0: &'a [f32],
    /// Reset-after GRU's recurrent bias (empty: zeros).
    rb: &'a [f32],
    mask: Option<&'a [f32]>,
}

impl Part<'_> {
    /// The masked value of row `b` at step `t` is 0 (padding).
    #[inline]
    fn skipped(&self, b: usize, t: usize) -> bool {
        self.mask.is_some_and(|m| m[b * self.r.steps + t] == 0.0)
    }
    /// `z[b] = xw[b, t, from .. from + width]` for every row, then `z += h·uc`.
    #[allow(clippy::too_many_arguments)]
    fn preact(&self, t: usize, xw: Xw, from: usize, width: usize, h: &[f32], uc: &PackedB, z: &mut [f32]) {
        let (gu, steps) = (self.r.gu(), self.r.steps);
        for (b, zb) in z.chunks_exact_mut(width).enumerate() {
            zb.copy_from_slice(&xw.row(b * steps + t, gu)[from..from + width]);
        }
        gemm_packed(&Gemm { accumulate: true, ..Gemm::new(self.r.batch, width, self.r.units) }, h, uc, z);
    }
    /// Row `b`'s state before step `t` (`which` 0 = h, 1 = c).
    fn prev<'b>(&'b self, out: &'b [f32], b: usize, t: usize, which: usize) -> &'b [f32] {
        let (n, su) = (self.r.units, self.r.su());
        if t == 0 {
            let s = if which == 0 { self.h0 } else { self.c0 };
            &s[b * n..(b + 1) * n]
        } else {
            let o = (b * self.r.steps + t - 1) * su + which * n;
            &out[o..o + n]
        }
    }
}

/// Runs the sequence forward, writing every step's state into `out` and,
/// when `acts` is not empty, the gate activations the backward needs
/// (`acts.len()` = [`Rnn::acts_len`]; inference may pass `&mut []`). `c0`
/// is ignored (may be empty) except for LSTM; `rb` is empty except for a
/// reset-after GRU with a bias.
#[allow(clippy::too_many_arguments)]
pub fn forward(r: &Rnn, xw: Xw, u: &[f32], rb: &[f32], h0: &[f32], c0: &[f32], mask: Option<&[f32]>, out: &mut [f32], acts: &mut [f32]) {
    r.check(u, rb, h0, c0, mask, out);
    xw.check(r);
    assert!(acts.is_empty() || acts.len() == r.acts_len(), "acts");
    let (su, n, t) = (r.su(), r.units, r.steps);
    let save = !acts.is_empty();
    let (u_zr, u_h) = gru_split(r, u);
    let packed = Packed::new(r, u, &u_zr, &u_h, false);
    let work: Vec<_> = blocks(out, t * su, r.batch).into_iter().zip(blocks(acts, if save { t * r.au() } else { 0 }, r.batch)).collect();
    par::for_each(work, |k, (out, acts)| {
        let p = Part {
            r: r.rows(rows_of(r.batch, k)),
            u: &packed.u,
            u_h: &packed.u_h,
            h0: block(h0, n, r.batch, k),
            c0: block(c0, if r.cell == Cell::Lstm { n } else { 0 }, r.batch, k),
            rb,
            mask: mask.map(|m| block(m, t, r.batch, k)),
        };
        let xw = xw.block(r, k);
        match r.cell {
            Cell::SimpleRnn => simple_forward(&p, xw, out),
            Cell::Lstm => lstm_forward(&p, xw, out, acts),
            Cell::Gru => gru_forward(&p, xw, out, acts),
            Cell::GruResetAfter => gru_ra_forward(&p, xw, out, acts),
        }
    });
}

fn simple_forward(p: &Part, xw: Xw, out: &mut [f32]) {
    let (n, steps) = (p.r.units, p.r.steps);
    let mut h = p.h0.to_vec();
    let mut z = vec![0.0; p.r.batch * n];
    for t in 0..steps {
        p.preact(t, xw, 0, n, &h, p.u, &mut z);
        activation::forward_in_place(Activation::Tanh, &mut z);
        for b in 0..p.r.batch {
            if !p.skipped(b, t) {
                h[b * n..(b + 1) * n].copy_from_slice(&z[b * n..(b + 1) * n]);
            }
            let o = (b * steps + t) * n;
            out[o..o + n].copy_from_slice(&h[b * n..(b + 1) * n]);
        }
    }
}

fn lstm_forward(p: &Part, xw: Xw, out: &mut [f32], acts: &mut [f32]) {
    let (n, gu, su, au, steps) = (p.r.units, p.r.gu(), p.r.su(), p.r.au(), p.r.steps);
    let (mut h, mut c) = (p.h0.to_vec(), p.c0.to_vec());
    let mut z = vec![0.0; p.r.batch * gu];
    let mut tc = vec![0.0; n];
    for t in 0..steps {
        p.preact(t, xw, 0, gu, &h, p.u, &mut z);
        for (b, zb) in z.chunks_exact_mut(gu).enumerate() {
            p.r.gate.apply(&mut zb[..2 * n]);
            activation::forward_in_place(Activation::Tanh, &mut zb[2 * n..3 * n]);
            p.r.gate.apply(&mut zb[3 * n..]);
            let (hb, cb) = (&mut h[b * n..(b + 1) * n], &mut c[b * n..(b + 1) * n]);
            if !p.skipped(b, t) {
                let (ig, fg, gg, og) = (&zb[..n], &zb[n..2 * n], &zb[2 * n..3 * n], &zb[3 * n..]);
                for i in (0..n).step_by(4) {
                    let cn = ld(fg, i).mul(ld(cb, i)).add(ld(ig, i).mul(ld(gg, i)));
                    let th = tanh_v(cn);
                    st(cn, cb, i);
                    st(th, &mut tc, i);
                    st(ld(og, i).mul(th), hb, i);
                }
            }
            if !acts.is_empty() {
                // (a masked step's tanh(c) is never read: its gradients are 0)
                let a = &mut acts[(b * steps + t) * au..][..au];
                a[..gu].copy_from_slice(zb);
                a[gu..].copy_from_slice(&tc);
            }
            let o = (b * steps + t) * su;
            out[o..o + n].copy_from_slice(hb);
            out[o + n..o + 2 * n].copy_from_slice(cb);
        }
    }
}

fn gru_forward(p: &Part, xw: Xw, out: &mut [f32], acts: &mut [f32]) {
    let (n, gu, steps, bn) = (p.r.units, p.r.gu(), p.r.steps, p.r.batch);
    let mut h = p.h0.to_vec();
    let (mut zr, mut rh, mut zh) = (vec![0.0; bn * 2 * n], vec![0.0; bn * n], vec![0.0; bn * n]);
    for t in 0..steps {
        p.preact(t, xw, 0, 2 * n, &h, p.u, &mut zr);
        for b in 0..bn {
            let zrb = &mut zr[b * 2 * n..(b + 1) * 2 * n];
            p.r.gate.apply(zrb);
            let (hb, rhb) = (&h[b * n..(b + 1) * n], &mut rh[b * n..(b + 1) * n]);
            for i in (0..n).step_by(4) {
                st(ld(&zrb[n..], i).mul(ld(hb, i)), rhb, i);
            }
        }
        p.preact(t, xw, 2 * n, n, &rh, p.u_h, &mut zh);
        activation::forward_in_place(Activation::Tanh, &mut zh);
        let one = F32x4::splat(1.0);
        for b in 0..bn {
            let (zrb, hhb) = (&zr[b * 2 * n..(b + 1) * 2 * n], &zh[b * n..(b + 1) * n]);
            if !acts.is_empty() {
                let a = &mut acts[(b * steps + t) * gu..][..gu];
                a[..2 * n].copy_from_slice(zrb);
                a[2 * n..].copy_from_slice(hhb);
            }
            let hb = &mut h[b * n..(b + 1) * n];
            if !p.skipped(b, t) {
                for i in (0..n).step_by(4) {
                    let zg = ld(zrb, i);
                    st(zg.mul(ld(hb, i)).add(one.sub(zg).mul(ld(hhb, i))), hb, i);
                }
            }
            let o = (b * steps + t) * n;
            out[o..o + n].copy_from_slice(hb);
        }
    }
}

/// Reset-after GRU: per step one product `h·U` over all three blocks, into
/// `[x_z + rb_z, x_r + rb_r, rb_h]`, giving the pre-activations of z and r
/// and `q = h·U_h + rb_h`; then `ĥ = tanh(x_h + r ⊙ q)`.
fn gru_ra_forward(p: &Part, xw: Xw, out: &mut [f32], acts: &mut [f32]) {
    let (n, gu, au, steps, bn) = (p.r.units, p.r.gu(), p.r.au(), p.r.steps, p.r.batch);
    let mut h = p.h0.to_vec();
    let mut g = vec![0.0; bn * gu];
    let mut hh = vec![0.0; n];
    let one = F32x4::splat(1.0);
    for t in 0..steps {
        for (b, gb) in g.chunks_exact_mut(gu).enumerate() {
            let x = xw.row(b * steps + t, gu);
            gb[..2 * n].copy_from_slice(&x[..2 * n]);
            gb[2 * n..].fill(0.0);
            if !p.rb.is_empty() {
                add_into(gb, p.rb);
            }
        }
        gemm_packed(&Gemm { accumulate: true, ..Gemm::new(bn, gu, n) }, &h, p.u, &mut g);
        for (b, gb) in g.chunks_exact_mut(gu).enumerate() {
            p.r.gate.apply(&mut gb[..2 * n]);
            let (zr, q) = gb.split_at(2 * n);
            let xh = &xw.row(b * steps + t, gu)[2 * n..];
            for i in (0..n).step_by(4) {
                st(tanh_v(ld(xh, i).add(ld(&zr[n..], i).mul(ld(q, i)))), &mut hh, i);
            }
            if !acts.is_empty() {
                let a = &mut acts[(b * steps + t) * au..][..au];
                a[..2 * n].copy_from_slice(&zr[..2 * n]);
                a[2 * n..3 * n].copy_from_slice(&hh);
                a[3 * n..].copy_from_slice(q);
            }
            let hb = &mut h[b * n..(b + 1) * n];
            if !p.skipped(b, t) {
                for i in (0..n).step_by(4) {
                    let zg = ld(zr, i);
                    st(zg.mul(ld(hb, i)).add(one.sub(zg).mul(ld(&hh, i))), hb, i);
                }
            }
            let o = (b * steps + t) * n;
            out[o..o + n].copy_from_slice(hb);
        }
    }
}

/// Gradients of one recurrent call.
pub struct RnnGrads {
    /// `[batch, steps, gates·units]`: the gradient of `xw` (the caller turns
    /// it into the gradients of `x` and `b` with a GEMM and a column sum).
    pub dxw: Vec<f32>,
    /// `[inputDim, gates·units]`: the input kernel's, `xᵀ·dxw` (empty
    /// unless [`backward`] was given `x`).
    pub dw: Vec<f32>,
    /// `[units, gates·units]`.
    pub du: Vec<f32>,
    /// `[batch, units]`.
    pub dh0: Vec<f32>,
    /// `[batch, units]` (LSTM; empty otherwise).
    pub dc0: Vec<f32>,
    /// `[gates·units]`: the recurrent bias's (reset-after GRU given an `rb`;
    /// empty otherwise).
    pub drb: Vec<f32>,
}

/// An upper bound, in values, of the memory [`backward`] allocates for
/// itself (its results and every intermediate, `in_dim` 0 without `x`), for
/// callers to check that it fits before running it: an allocation failing
/// inside a kernel cannot be reported, it aborts.
pub fn backward_scratch(r: &Rnn, in_dim: usize) -> usize {
    let (bn, n, gu) = (r.batch, r.units, r.gu());
    let rows = bn * r.steps;
    let blocks = bn.div_ceil(block_rows(bn));
    // d(xw), and reset-after GRU's dq; the initial states' gradients.
    let dq = if r.cell == Cell::GruResetAfter { n } else { 0 };
    let results = rows * (gu + dq) + 2 * bn * n;
    // Each block's dW, dU and drb, kept until they are summed.
    let partials = blocks * (in_dim + n + 1) * gu;
    // Per block while it runs (one per thread at a time): previous states,
    // the joined product operand, GRU's r·h and gate columns.
    let running = blocks.min(par::threads());
    let temporaries = running * block_rows(bn) * r.steps * (3 * n + in_dim + 2 * gu);
    results + partials + temporaries + n * gu
}

/// Backward through time: given the forward's inputs, its `out` and `acts`
/// and the gradient `dout` of `out`, returns the gradients of `xw`, `u` and
/// the initial state, and given the input `x` (`[batch, steps, inputDim]`)
/// of the projection `xw = x·W + b`, that of `W` too.
#[allow(clippy::too_many_arguments)]
pub fn backward(r: &Rnn, x: Option<&[f32]>, u: &[f32], rb: &[f32], h0: &[f32], c0: &[f32], mask: Option<&[f32]>, out: &[f32], acts: &[f32], dout: &[f32]) -> RnnGrads {
    r.check(u, rb, h0, c0, mask, out);
    assert_eq!(dout.len(), out.len(), "dout");
    assert_eq!(acts.len(), r.acts_len(), "acts: the forward's saved gate activations");
    let (bn, n, gu, su, steps) = (r.batch, r.units, r.gu(), r.su(), r.steps);
    let (lstm, ra) = (r.cell == Cell::Lstm, r.cell == Cell::GruResetAfter);
    assert!(x.is_none_or(|x| x.len() % (bn * steps).max(1) == 0), "x");
    let mut g = RnnGrads { dxw: Vec::new(), dw: Vec::new(), du: Vec::new(), dh0: vec![0.0; bn * n], dc0: vec![0.0; if lstm { bn * n } else { 0 }], drb: Vec::new() };
    // d(xw) of every step (6.5 MB for the text LSTM's batch): each block
    // zeroes its own rows inside its task, not the engine thread up front.
    let mut dxw_all: Vec<f32> = Vec::with_capacity(bn * steps * gu);
    // Reset-after GRU: the gradient of q = h·U_h + rb_h at every step (it
    // differs from x_h's, which `dxw` holds).
    let mut dq = vec![0.0; if ra { bn * steps * n } else { 0 }];
    let (u_zr, u_h) = gru_split(r, u);
    let packed = Packed::new(r, u, &u_zr, &u_h, true);
    let din = x.map_or(0, |x| x.len() / (bn * steps).max(1));
    // Each block's share of dW, dU (and drb), summed in block order below.
    let mut partial: Vec<WeightGrads> = (0..bn.div_ceil(block_rows(bn))).map(|_| WeightGrads::default()).collect();
    let work: Vec<_> = blocks(&mut dxw_all.spare_capacity_mut()[..bn * steps * gu], steps * gu, bn)
        .into_iter()
        .zip(blocks(&mut g.dh0, n, bn))
        .zip(blocks(&mut g.dc0, if lstm { n } else { 0 }, bn))
        .zip(blocks(&mut dq, if ra { steps * n } else { 0 }, bn))
        .zip(partial.iter_mut())
        .map(|((((dxw, dh0), dc0), dq), wg)| (dxw, dh0, dc0, dq, wg))
        .collect();
    par::for_each(work, |k, (dxw, dh0, dc0, dq, wg)| {
        dxw.fill(std::mem::MaybeUninit::new(0.0));
        // SAFETY: every value of the piece was just written.
        let dxw: &mut [f32] = unsafe { &mut *(dxw as *mut [std::mem::MaybeUninit<f32>] as *mut [f32]) };
        let p = Part {
            r: r.rows(rows_of(bn, k)),
            u: &packed.u,
            u_h: &packed.u_h,
            h0: block(h0, n, bn, k),
            c0: block(c0, if lstm { n } else { 0 }, bn, k),
            rb,
            mask: mask.map(|m| block(m, steps, bn, k)),
        };
        let (out, dout) = (block(out, steps * su, bn, k), block(dout, steps * su, bn, k));
        let acts = block(acts, steps * r.au(), bn, k);
        match r.cell {
            Cell::SimpleRnn => simple_backward(&p, out, dout, dxw, dh0),
            Cell::Lstm => lstm_backward(&p, out, acts, dout, dxw, dh0, dc0),
            Cell::Gru => gru_backward(&p, out, acts, dout, dxw, dh0),
            Cell::GruResetAfter => gru_ra_backward(&p, out, acts, dout, dxw, dh0, dq),
        }
        let x = x.map(|x| (block(x, steps * din, bn, k), din));
        // (on this thread: the block is already one thread's task)
        *wg = par::with_max_threads(1, || weight_grads(&p.r, x, rb, p.h0, out, acts, dxw, dq));
    });
    // SAFETY: the blocks cover the first `bn·steps·gu` values and each task
    // zeroed its block; `for_each` returns only once every task ran (a
    // task's panic unwinds through it, before this line).
    unsafe { dxw_all.set_len(bn * steps * gu) };
    g.dxw = dxw_all;
    let mut sum = WeightGrads::default();
    for wg in partial {
        sum.add(wg);
    }
    if bn == 0 {
        // (no blocks: zero gradients of the weights)
        sum.dw = vec![0.0; if x.is_some() { din * gu } else { 0 }];
        sum.du = vec![0.0; n * gu];
    }
    (g.dw, g.du, g.drb) = (sum.dw, sum.du, sum.drb);
    g
}

/// dW, dU and drb of some rows (summed over their steps).
#[derive(Default)]
struct WeightGrads {
    dw: Vec<f32>,
    du: Vec<f32>,
    drb: Vec<f32>,
}

impl WeightGrads {
    /// `self += o` (an empty `self` takes `o`).
    fn add(&mut self, o: WeightGrads) {
        for (s, o) in [(&mut self.dw, o.dw), (&mut self.du, o.du), (&mut self.drb, o.drb)] {
            if s.is_empty() {
                *s = o;
            } else {
                add_into(s, &o);
            }
        }
    }
}

/// `dW = Σ xᵀ·dxw` and `dU = Σ (state the product read)ᵀ · (its
/// pre-activation's gradient)` over the rows and steps of `r` (one block:
/// its `x` `(rows, inputDim)`, `h0`, `out`, `acts`, `dxw` and reset-after
/// GRU's `dq`), and reset-after GRU's `drb`. Per block rather than one
/// product over the batch: a product 6,400 deep (the text LSTM's batch)
/// after the blocks forked and joined once per 256-deep slice of it, and
/// left the second thread idle for a fifth of the backward.
#[allow(clippy::too_many_arguments)]
fn weight_grads(r: &Rnn, x: Option<(&[f32], usize)>, rb: &[f32], h0: &[f32], out: &[f32], acts: &[f32], dxw: &[f32], dq: &[f32]) -> WeightGrads {
    let (n, gu, bt) = (r.units, r.gu(), r.batch * r.steps);
    let din = x.map_or(0, |x| x.1);
    let xs: Vec<(&[f32], usize)> = x.into_iter().collect();
    let hprev = prev_states(r, out, h0);
    let mut wg = WeightGrads::default();
    (wg.dw, wg.du) = if r.cell == Cell::Gru {
        // U_h reads r·h, W_h reads x: one product per column group.
        let rh: Vec<f32> = hprev.iter().enumerate().map(|(i, &h)| h * acts[(i / n) * gu + n + i % n]).collect();
        let zr = stacked_tn(&[&xs[..], &[(&hprev[..], n)]].concat(), &columns(dxw, bt, gu, 0, 2 * n), 2 * n);
        let h = stacked_tn(&[&xs[..], &[(&rh[..], n)]].concat(), &columns(dxw, bt, gu, 2 * n, n), n);
        let mut both = vec![0.0; (din + n) * gu];
        for (row, d) in both.chunks_exact_mut(gu).enumerate() {
            d[..2 * n].copy_from_slice(&zr[row * 2 * n..(row + 1) * 2 * n]);
            d[2 * n..].copy_from_slice(&h[row * n..(row + 1) * n]);
        }
        split_rows(both, din * gu)
    } else if r.cell == Cell::GruResetAfter {
        // U's product gets dxw's z and r blocks, then dq; W's gets dxw.
        let mut dg = dxw.to_vec();
        for (row, d) in dg.chunks_exact_mut(gu).enumerate() {
            d[2 * n..].copy_from_slice(&dq[row * n..(row + 1) * n]);
        }
        if !rb.is_empty() {
            wg.drb = vec![0.0; gu];
            for d in dg.chunks_exact(gu) {
                add_into(&mut wg.drb, d);
            }
        }
        let dw = if xs.is_empty() { Vec::new() } else { stacked_tn(&xs, dxw, gu) };
        (dw, stacked_tn(&[(&hprev, n)], &dg, gu))
    } else {
        split_rows(stacked_tn(&[&xs[..], &[(&hprev[..], n)]].concat(), dxw, gu), din * gu)
    };
    wg
}

/// `[A₁ | A₂ | …]ᵀ · d` for `parts` `(A_i, width_i)`, each `[rows, width_i]`
/// row-major, and `d` `[rows, w]`: the parts' gradients stacked, `[Σ
/// width_i, w]`. One GEMM over the side-by-side parts rather than one per
/// part: `xᵀ·dxw` alone (32 × 256 over 6,400 rows in the text LSTM) ran at
/// two thirds of the rate of the stacked product with `U`'s 64 rows.
fn stacked_tn(parts: &[(&[f32], usize)], d: &[f32], w: usize) -> Vec<f32> {
    let k: usize = parts.iter().map(|p| p.1).sum();
    let rows = d.len() / w.max(1);
    let joined;
    let a = if let [(a, _)] = parts {
        *a
    } else {
        let mut j = Vec::with_capacity(rows * k);
        for row in 0..rows {
            for &(p, pw) in parts {
                j.extend_from_slice(&p[row * pw..(row + 1) * pw]);
            }
        }
        joined = j;
        &joined
    };
    let mut c = vec![0.0; k * w];
    gemm(&Gemm { trans_a: true, ..Gemm::new(k, w, rows) }, a, d, &mut c);
    c
}

/// `(m[..at], m[at..])` as two vectors.
fn split_rows(mut m: Vec<f32>, at: usize) -> (Vec<f32>, Vec<f32>) {
    let tail = m.split_off(at);
    (m, tail)
}

/// `[batch·steps, units]`: row `(b, t)` is the hidden state step `t` started from.
fn prev_states(r: &Rnn, out: &[f32], h0: &[f32]) -> Vec<f32> {
    let (n, su, steps) = (r.units, r.su(), r.steps);
    let mut hp = vec![0.0; r.batch * steps * n];
    for (row, dst) in hp.chunks_exact_mut(n.max(1)).enumerate() {
        let (b, t) = (row / steps, row % steps);
        let src = if t == 0 { &h0[b * n..(b + 1) * n] } else { &out[(row - 1) * su..(row - 1) * su + n] };
        dst.copy_from_slice(src);
    }
    hp
}

/// `dh[b] += dout[b, t, from..from + n]` for every row of the block.
fn take_dout(p: &Part, dout: &[f32], t: usize, from: usize, dh: &mut [f32]) {
    let (n, su, steps) = (p.r.units, p.r.su(), p.r.steps);
    for (b, dhb) in dh.chunks_exact_mut(n).enumerate() {
        let o = (b * steps + t) * su + from;
        add_into(dhb, &dout[o..o + n]);
    }
}

/// Writes the block's `dz` rows into `dxw` at step `t`.
fn put_dz(p: &Part, dz: &[f32], t: usize, dxw: &mut [f32]) {
    let (gu, steps) = (p.r.gu(), p.r.steps);
    for (b, dzb) in dz.chunks_exact(gu).enumerate() {
        dxw[(b * steps + t) * gu..][..gu].copy_from_slice(dzb);
    }
}

/// `dprev = dz·Uᵀ` (the gradient reaching `h` at `t − 1` through the
/// recurrent product); a masked row's state passed through unchanged, so its
/// gradient does too (its `dz` is 0).
fn through_u(p: &Part, t: usize, dz: &[f32], u: &PackedB, width: usize, dh: &[f32], dprev: &mut [f32]) {
    let n = p.r.units;
    gemm_packed(&Gemm { trans_b: true, ..Gemm::new(p.r.batch, n, width) }, dz, u, dprev);
    for b in 0..p.r.batch {
        if p.skipped(b, t) {
            dprev[b * n..(b + 1) * n].copy_from_slice(&dh[b * n..(b + 1) * n]);
        }
    }
}

fn simple_backward(p: &Part, out: &[f32], dout: &[f32], dxw: &mut [f32], dh0: &mut [f32]) {
    let (bn, n, steps) = (p.r.batch, p.r.units, p.r.steps);
    let (mut dh, mut dprev, mut dz) = (vec![0.0; bn * n], vec![0.0; bn * n], vec![0.0; bn * n]);
    let one = F32x4::splat(1.0);
    for t in (0..steps).rev() {
        take_dout(p, dout, t, 0, &mut dh);
        for b in 0..bn {
            let dzb = &mut dz[b * n..(b + 1) * n];
            if p.skipped(b, t) {
                dzb.fill(0.0);
                continue;
            }
            let (y, dhb) = (&out[(b * steps + t) * n..][..n], &dh[b * n..(b + 1) * n]);
            for i in (0..n).step_by(4) {
                let yv = ld(y, i);
                st(ld(dhb, i).mul(one.sub(yv.mul(yv))), dzb, i);
            }
        }
        put_dz(p, &dz, t, dxw);
        through_u(p, t, &dz, p.u, n, &dh, &mut dprev);
        std::mem::swap(&mut dh, &mut dprev);
    }
    dh0.copy_from_slice(&dh);
}

#[allow(clippy::too_many_arguments)]
fn lstm_backward(p: &Part, out: &[f32], acts: &[f32], dout: &[f32], dxw: &mut [f32], dh0: &mut [f32], dc0: &mut [f32]) {
    let (bn, n, gu, su, au, steps) = (p.r.batch, p.r.units, p.r.gu(), p.r.su(), p.r.au(), p.r.steps);
    let (mut dh, mut dprev, mut dc) = (vec![0.0; bn * n], vec![0.0; bn * n], vec![0.0; bn * n]);
    let mut dz = vec![0.0; bn * gu];
    let (gate, one) = (p.r.gate, F32x4::splat(1.0));
    for t in (0..steps).rev() {
        for (b, dzb) in dz.chunks_exact_mut(gu).enumerate() {
            // The gradients entering at this step's h and c, `dout[b, t]`,
            // are added in the loop below (one pass, not two more).
            let o = (b * steps + t) * su;
            let (doh, doc) = (&dout[o..o + n], &dout[o + n..o + 2 * n]);
            let (dhb, dcb) = (&mut dh[b * n..(b + 1) * n], &mut dc[b * n..(b + 1) * n]);
            if p.skipped(b, t) {
                add_into(dhb, doh);
                add_into(dcb, doc);
                dzb.fill(0.0); // dc passes through unchanged
                continue;
            }
            let a = &acts[(b * steps + t) * au..][..au];
            let (ig, fg, gg, og, tcs) = (&a[..n], &a[n..2 * n], &a[2 * n..3 * n], &a[3 * n..4 * n], &a[4 * n..]);
            let cprev = p.prev(out, b, t, 1);
            let (dzi, rest) = dzb.split_at_mut(n);
            let (dzf, rest) = rest.split_at_mut(n);
            let (dzg, dzo) = rest.split_at_mut(n);
            for i in (0..n).step_by(4) {
                let (iv, fv, gv, ov) = (ld(ig, i), ld(fg, i), ld(gg, i), ld(og, i));
                let tc = ld(tcs, i);
                let dhv = ld(dhb, i).add(ld(doh, i));
                let dcv = ld(dcb, i).add(ld(doc, i)).add(dhv.mul(ov).mul(one.sub(tc.mul(tc))));
                st(dcv.mul(gv).mul(gate.d(iv)), dzi, i);
                st(dcv.mul(ld(cprev, i)).mul(gate.d(fv)), dzf, i);
                st(dcv.mul(iv).mul(one.sub(gv.mul(gv))), dzg, i);
                st(dhv.mul(tc).mul(gate.d(ov)), dzo, i);
                st(dcv.mul(fv), dcb, i); // to c at t − 1
            }
        }
        put_dz(p, &dz, t, dxw);
        through_u(p, t, &dz, p.u, gu, &dh, &mut dprev);
        std::mem::swap(&mut dh, &mut dprev);
    }
    dh0.copy_from_slice(&dh);
    dc0.copy_from_slice(&dc);
}

fn gru_backward(p: &Part, out: &[f32], acts: &[f32], dout: &[f32], dxw: &mut [f32], dh0: &mut [f32]) {
    let (bn, n, gu, steps) = (p.r.batch, p.r.units, p.r.gu(), p.r.steps);
    let (mut dh, mut dprev) = (vec![0.0; bn * n], vec![0.0; bn * n]);
    let (mut dzr, mut dzh, mut drh) = (vec![0.0; bn * 2 * n], vec![0.0; bn * n], vec![0.0; bn * n]);
    let (gate, one) = (p.r.gate, F32x4::splat(1.0));
    for t in (0..steps).rev() {
        take_dout(p, dout, t, 0, &mut dh);
        // ĥ's and z's pre-activations.
        for b in 0..bn {
            let (dzrb, dzhb) = (&mut dzr[b * 2 * n..(b + 1) * 2 * n], &mut dzh[b * n..(b + 1) * n]);
            if p.skipped(b, t) {
                dzrb.fill(0.0);
                dzhb.fill(0.0);
                continue;
            }
            let a = &acts[(b * steps + t) * gu..][..gu];
            let (zg, hh) = (&a[..n], &a[2 * n..]);
            let (hp, dhb) = (p.prev(out, b, t, 0), &dh[b * n..(b + 1) * n]);
            for i in (0..n).step_by(4) {
                let (zv, hv, dhv) = (ld(zg, i), ld(hh, i), ld(dhb, i));
                st(dhv.mul(ld(hp, i).sub(hv)).mul(gate.d(zv)), &mut dzrb[..n], i);
                st(dhv.mul(one.sub(zv)).mul(one.sub(hv.mul(hv))), dzhb, i);
            }
        }
        // d(r·h) = dzh·U_hᵀ, then r's pre-activation.
        gemm_packed(&Gemm { trans_b: true, ..Gemm::new(bn, n, n) }, &dzh, p.u_h, &mut drh);
        for b in 0..bn {
            if p.skipped(b, t) {
                continue;
            }
            let rg = &acts[(b * steps + t) * gu + n..][..n];
            let (hp, drhb) = (p.prev(out, b, t, 0), &drh[b * n..(b + 1) * n]);
            let dr = &mut dzr[b * 2 * n + n..(b + 1) * 2 * n];
            for i in (0..n).step_by(4) {
                st(ld(drhb, i).mul(ld(hp, i)).mul(gate.d(ld(rg, i))), dr, i);
            }
        }
        for b in 0..bn {
            let d = &mut dxw[(b * steps + t) * gu..][..gu];
            d[..2 * n].copy_from_slice(&dzr[b * 2 * n..(b + 1) * 2 * n]);
            d[2 * n..].copy_from_slice(&dzh[b * n..(b + 1) * n]);
        }
        // h at t − 1: through U_zr, directly through z, and through r·h.
        through_u(p, t, &dzr, p.u, 2 * n, &dh, &mut dprev);
        for b in 0..bn {
            if p.skipped(b, t) {
                continue;
            }
            let a = &acts[(b * steps + t) * gu..][..gu];
            let (zg, rg) = (&a[..n], &a[n..2 * n]);
            let (dhb, drhb, dpb) = (&dh[b * n..(b + 1) * n], &drh[b * n..(b + 1) * n], &mut dprev[b * n..(b + 1) * n]);
            for i in (0..n).step_by(4) {
                st(ld(dpb, i).add(ld(dhb, i).mul(ld(zg, i))).add(ld(drhb, i).mul(ld(rg, i))), dpb, i);
            }
        }
        std::mem::swap(&mut dh, &mut dprev);
    }
    dh0.copy_from_slice(&dh);
}

/// Reset-after GRU, from the saved z, r, ĥ and q = h·U_h + rb_h:
/// `dĥpre = dh·(1 − z)·(1 − ĥ²)` (also x_h's gradient), `dz = dh·(h − ĥ)`,
/// `dr = dĥpre·q`, `dq = dĥpre·r`; h at t − 1 gets `[dz, dr, dq]·Uᵀ + dh·z`.
#[allow(clippy::too_many_arguments)]
fn gru_ra_backward(p: &Part, out: &[f32], acts: &[f32], dout: &[f32], dxw: &mut [f32], dh0: &mut [f32], dq: &mut [f32]) {
    let (bn, n, gu, au, steps) = (p.r.batch, p.r.units, p.r.gu(), p.r.au(), p.r.steps);
    let (mut dh, mut dprev) = (vec![0.0; bn * n], vec![0.0; bn * n]);
    let mut dg = vec![0.0; bn * gu];
    let (gate, one) = (p.r.gate, F32x4::splat(1.0));
    for t in (0..steps).rev() {
        take_dout(p, dout, t, 0, &mut dh);
        for (b, dgb) in dg.chunks_exact_mut(gu).enumerate() {
            let d = &mut dxw[(b * steps + t) * gu..][..gu];
            let dqb = &mut dq[(b * steps + t) * n..][..n];
            if p.skipped(b, t) {
                dgb.fill(0.0); // and dxw, dq stay 0
                continue;
            }
            let a = &acts[(b * steps + t) * au..][..au];
            let (zg, rg, hh, q) = (&a[..n], &a[n..2 * n], &a[2 * n..3 * n], &a[3 * n..]);
            let (hp, dhb) = (p.prev(out, b, t, 0), &dh[b * n..(b + 1) * n]);
            let (dz, rest) = dgb.split_at_mut(n);
            let (dr, dqg) = rest.split_at_mut(n);
            for i in (0..n).step_by(4) {
                let (zv, rv, hv, dhv) = (ld(zg, i), ld(rg, i), ld(hh, i), ld(dhb, i));
                let dpre = dhv.mul(one.sub(zv)).mul(one.sub(hv.mul(hv)));
                st(dhv.mul(ld(hp, i).sub(hv)).mul(gate.d(zv)), dz, i);
                st(dpre.mul(ld(q, i)).mul(gate.d(rv)), dr, i);
                st(dpre.mul(rv), dqg, i);
                st(dpre, &mut d[2 * n..], i);
            }
            dqb.copy_from_slice(dqg);
            d[..2 * n].copy_from_slice(&dgb[..2 * n]);
        }
        through_u(p, t, &dg, p.u, gu, &dh, &mut dprev);
        for b in 0..bn {
            if p.skipped(b, t) {
                continue;
            }
            let zg = &acts[(b * steps + t) * au..][..n];
            let (dhb, dpb) = (&dh[b * n..(b + 1) * n], &mut dprev[b * n..(b + 1) * n]);
            for i in (0..n).step_by(4) {
                st(ld(dpb, i).add(ld(dhb, i).mul(ld(zg, i))), dpb, i);
            }
        }
        std::mem::swap(&mut dh, &mut dprev);
    }
    dh0.copy_from_slice(&dh);
}
