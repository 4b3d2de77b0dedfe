//! Recurrent layers' op: a whole sequence through a SimpleRNN, LSTM or GRU
//! cell in one call (and one tape node), forward here and backward through
//! time in `grad.rs`. The input projection of all steps is one GEMM; the
//! recurrence is `sinew_kernels::rnn`, whose gate activations the tape keeps
//! (`Node::saved`) so the backward recomputes neither them nor `x·W`.
//!
//! When `x` is a row lookup `table[ids]` recorded on the tape (an Embedding
//! layer's gather, maybe reshaped or reversed; with no tape, as the store
//! knows it: see [`lookup_of`](super::lookup::lookup_of)) and the table has fewer rows than there
//! are steps in the batch, the node also takes the table and the ids: the
//! projection is `table·W + b`, its rows read per step by id (the kernel's
//! `Xw::Lookup`), and the backward sums `dxw` per id
//! first, so `W`'s, the table's and the bias's gradients are products over
//! table rows, not steps (text LSTM: 1,000 rows against 6,400 steps of a
//! batch). The table then gets its gradient here, and `x` (so the gather)
//! none, unless a gradient of `x` itself is asked for
//! ([`route_lookup_grads`](super::lookup::route_lookup_grads)).

use sinew_kernels::gemm::{gemm_bias_act, Activation as Epilogue, Gemm};
use sinew_kernels::rnn::{self, Cell, Gate, Rnn, Xw};

use super::{expect_rank, Op};
use crate::error::{EngineError, Result};
use crate::memory;
use crate::shape::{fmt_shape, size_of};
use crate::store::{Store, Tensor, TensorId};

const OP: &str = "rnn";

/// Arguments of an `Op::Rnn` node; its inputs are
/// `[x, kernel, recurrentKernel, h0, (c0: LSTM), (bias), (mask), (table, ids)]`,
/// where with `lookup` `x` is `table[ids]`: `table` `[rows, features]` and
/// `ids` the `batch·steps` int32 rows of it that make up the sequence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RnnArgs {
    pub cell: Cell,
    pub gate: Gate,
    pub bias: bool,
    pub mask: bool,
    pub lookup: bool,
}

impl RnnArgs {
    pub fn c0_index(&self) -> Option<usize> {
        (self.cell == Cell::Lstm).then_some(4)
    }
    pub fn bias_index(&self) -> Option<usize> {
        self.bias.then(|| 4 + usize::from(self.cell == Cell::Lstm))
    }
    pub fn mask_index(&self) -> Option<usize> {
        self.mask.then(|| 4 + usize::from(self.cell == Cell::Lstm) + usize::from(self.bias))
    }
    pub fn table_index(&self) -> Option<usize> {
        self.lookup.then(|| 4 + usize::from(self.cell == Cell::Lstm) + usize::from(self.bias) + usize::from(self.mask))
    }
}

/// The validated operands of one call.
pub struct Operands<'a> {
    pub r: Rnn,
    pub input_dim: usize,
    /// `[batch·steps, inputDim]`.
    pub x: &'a [f32],
    /// A lookup's table `[rows, inputDim]` and the rows `x` took from it,
    /// one per batch row and step.
    pub lookup: Option<(&'a [f32], Vec<usize>)>,
    pub w: &'a [f32],
    pub u: &'a [f32],
    pub h0: &'a [f32],
    pub c0: &'a [f32],
    /// The input projection's bias (a reset-after GRU's first bias row).
    pub bias: Option<&'a [f32]>,
    /// A reset-after GRU's recurrent bias (its second bias row); empty otherwise.
    pub rb: &'a [f32],
    pub mask: Option<&'a [f32]>,
}

impl Operands<'_> {
    /// `x·W + b` for every step `[batch·steps, gates·units]`, or for a
    /// lookup `table·W + b` `[rows, gates·units]`: read it with [`Self::xw`].
    pub fn projection(&self) -> Result<Vec<f32>> {
        let gu = self.r.cell.gates() * self.r.units;
        let (x, rows) = match &self.lookup {
            None => (self.x, self.r.batch * self.r.steps),
            Some((table, _)) => (*table, table.len() / self.input_dim.max(1)),
        };
        let mut xw = memory::zeros(OP, rows * gu)?;
        gemm_bias_act(&Gemm::new(rows, gu, self.input_dim), x, self.w, &mut xw, self.bias, Epilogue::None);
        Ok(xw)
    }
    /// The [`projection`](Self::projection) `p` as the kernel reads it.
    pub fn xw<'b>(&'b self, p: &'b [f32]) -> Xw<'b> {
        match &self.lookup {
            None => Xw::Rows(p),
            Some((_, ids)) => Xw::Lookup { table: p, ids },
        }
    }
}

/// Checks every operand of a call with `args` on `inputs` (ids in the node's order).
pub fn operands<'a>(store: &'a Store, args: &RnnArgs, inputs: &[TensorId]) -> Result<Operands<'a>> {
    let get = |i: usize| store.get_f32(OP, inputs[i]);
    // A lookup's `x` is not read (nor gathered, when lazy: `Store::insert_rows`).
    let x_data: &[f32] = if args.lookup { &[] } else { &get(0)?.data };
    let (x_shape, (w, u, h0)) = (store.meta(OP, inputs[0])?.0, (get(1)?, get(2)?, get(3)?));
    expect_rank(OP, "x [batch, steps, features]", x_shape, 3)?;
    expect_rank(OP, "kernel", &w.shape, 2)?;
    let (batch, steps, input_dim) = (x_shape[0], x_shape[1], x_shape[2]);
    // Checked by `rnn` when it chose the lookup: `x` is `table[ids]`.
    let lookup = match args.table_index() {
        Some(i) => Some((get(i)?.data.as_slice(), store.get(OP, inputs[i + 1])?.data.iter().map(|&v| v as usize).collect())),
        None => None,
    };
    let gates = args.cell.gates();
    if w.shape[0] != input_dim || w.shape[1] % gates != 0 || w.shape[1] == 0 {
        return Err(EngineError::shape(OP, format!("kernel {} must be [{input_dim}, {gates}·units] for x {}", fmt_shape(&w.shape), fmt_shape(x_shape))));
    }
    let units = w.shape[1] / gates;
    let want = |what: &str, t: &Tensor, shape: &[usize]| -> Result<()> {
        if t.shape != shape {
            return Err(EngineError::shape(OP, format!("{what} {} must have shape {}", fmt_shape(&t.shape), fmt_shape(shape))));
        }
        Ok(())
    };
    want("recurrent kernel", u, &[units, gates * units])?;
    want("initial state h0", h0, &[batch, units])?;
    let c0 = match args.c0_index() {
        Some(i) => {
            let c0 = get(i)?;
            want("initial cell state c0", c0, &[batch, units])?;
            c0.data.as_slice()
        }
        None => &[],
    };
    // A reset-after GRU has two bias rows (Keras's layout): x·W's, then h·U's.
    let (bias, rb) = match args.bias_index() {
        Some(i) if args.cell.recurrent_bias() => {
            let b = get(i)?;
            want("bias", b, &[2, gates * units])?;
            let (input, recurrent) = b.data.split_at(gates * units);
            (Some(input), recurrent)
        }
        Some(i) => {
            let b = get(i)?;
            want("bias", b, &[gates * units])?;
            (Some(b.data.as_slice()), &[][..])
        }
        None => (None, &[][..]),
    };
    let mask = match args.mask_index() {
        Some(i) => {
            let m = get(i)?;
            want("mask", m, &[batch, steps])?;
            Some(m.data.as_slice())
        }
        None => None,
    };
    size_of(OP, &[batch, steps, gates * units])?;
    size_of(OP, &[batch, steps, args.cell.state() * units])?;
    let r = Rnn { cell: args.cell, gate: args.gate, batch, steps, units };
    Ok(Operands { r, input_dim, x: x_data, lookup, w: &w.data, u: &u.data, h0: &h0.data, c0, bias, rb, mask })
}

/// Runs the sequence `x` `[batch, steps, features]` through the cell. Returns
/// `[batch, steps, units]` (every step's h), or for LSTM `[batch, steps,
/// 2·units]` (h then c per step). `mask` `[batch, steps]`: 0 keeps the state.
/// `bias` is `[gates·units]`, or `[2, gates·units]` for a reset-after GRU.
#[allow(clippy::too_many_arguments)]
pub fn rnn(store: &mut Store, cell: Cell, gate: Gate, x: TensorId, w: TensorId, u: TensorId, h0: TensorId, c0: Option<TensorId>, bias: Option<TensorId>, mask: Option<TensorId>) -> Result<TensorId> {
    if (cell == Cell::Lstm) != c0.is_some() {
        return Err(EngineError::invalid(OP, "an initial cell state c0 is given exactly for LSTM"));
    }
    let mut args = RnnArgs { cell, gate, bias: bias.is_some(), mask: mask.is_some(), lookup: false };
    let mut inputs: Vec<TensorId> = [Some(x), Some(w), Some(u), Some(h0), c0, bias, mask].into_iter().flatten().collect();
    if let Some((table, ids)) = super::lookup::lookup_of(store, x) {
        let (xs, t, n) = (store.meta(OP, x)?.0, store.get(OP, table)?, store.get(OP, ids)?.data.len());
        // (a gather's output has one table row per id, so `x` is `table[ids]`)
        let bt = xs.iter().take(2).product::<usize>();
        if xs.len() == 3 && t.shape.len() == 2 && t.shape[1] == xs[2] && n == bt && t.shape[0] < bt {
            args.lookup = true;
            inputs.extend([table, ids]);
        }
    }
    let o = operands(store, &args, &inputs)?;
    let xw = o.projection()?;
    let shape = vec![o.r.batch, o.r.steps, cell.state() * o.r.units];
    let mut out = memory::zeros(OP, shape.iter().product())?;
    // The gate activations are kept for the backward only while a tape records.
    let mut acts = memory::zeros(OP, if store.tape.is_some() { o.r.acts_len() } else { 0 })?;
    rnn::forward(&o.r, o.xw(&xw), o.u, o.rb, o.h0, o.c0, o.mask, &mut out, &mut acts);
    let saved = (!acts.is_empty()).then(|| Tensor::f32(vec![acts.len()], acts));
    let id = store.insert(Tensor::f32(shape, out));
    store.record_saving(Op::Rnn(args), &inputs, id, saved);
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autograd::{backward, tape_end, tape_start};
    use crate::ops::{binary, gather, reduce, reshape, ReduceKind};
    use crate::store::DType;
    use crate::testing::{assert_close, put};
    use sinew_kernels::elementwise::BinaryOp;

    const BATCH: usize = 2;
    const STEPS: usize = 6;
    const DIM: usize = 3;
    const UNITS: usize = 4;
    const ROWS: usize = 5;

    /// Gradients of `Σ R ⊙ rnn(table[ids]·…)` with respect to the table, W,
    /// U, the bias and h0 (then `x` itself when `wrt_x`), with the lookup
    /// fed straight to the op (`direct`) or through a multiplication by 1
    /// (which the op cannot see through); whether the op took the lookup.
    fn run(cell: Cell, direct: bool, wrt_x: bool) -> (Vec<Vec<f32>>, bool) {
        let mut s = Store::new();
        let gu = cell.gates() * UNITS;
        let table = put(&mut s, &[ROWS, DIM], 1);
        let ids = s.insert(Tensor { shape: vec![BATCH * STEPS], dtype: DType::I32, data: (0..BATCH * STEPS).map(|i| ((i * 3) % ROWS) as f32).collect() });
        let (w, u) = (put(&mut s, &[DIM, gu], 2), put(&mut s, &[UNITS, gu], 3));
        let bias = if cell.recurrent_bias() { put(&mut s, &[2, gu], 4) } else { put(&mut s, &[gu], 4) };
        let (h0, c0) = (put(&mut s, &[BATCH, UNITS], 5), put(&mut s, &[BATCH, UNITS], 6));
        let weights = put(&mut s, &[BATCH, STEPS, cell.state() * UNITS], 7);
        let one = s.insert(Tensor::f32(vec![1], vec![1.0]));
        tape_start(&mut s).unwrap();
        let rows = gather(&mut s, table, ids, 0).unwrap();
        let mut x = reshape(&mut s, rows, &[BATCH as i64, STEPS as i64, DIM as i64]).unwrap();
        if !direct {
            x = binary(&mut s, BinaryOp::Mul, x, one).unwrap();
        }
        let y = rnn(&mut s, cell, Gate::Sigmoid, x, w, u, h0, (cell == Cell::Lstm).then_some(c0), Some(bias), None).unwrap();
        let took = matches!(s.tape.as_ref().unwrap().producer(y).unwrap().op, Op::Rnn(a) if a.lookup);
        let weighted = binary(&mut s, BinaryOp::Mul, y, weights).unwrap();
        let loss = reduce(&mut s, ReduceKind::Sum, weighted, &[0, 1, 2], false).unwrap();
        let mut wrt = vec![table, w, u, bias, h0];
        if wrt_x {
            wrt.push(x);
        }
        let g = backward(&mut s, loss, &wrt, None).unwrap();
        let out = g.iter().map(|&id| s.get("t", id).unwrap().data.clone()).collect();
        tape_end(&mut s);
        (out, took)
    }

    #[test]
    fn a_lookup_input_gives_the_gradients_of_the_gathered_input() {
        for cell in [Cell::SimpleRnn, Cell::Lstm, Cell::Gru, Cell::GruResetAfter] {
            for wrt_x in [false, true] {
                let (want, took_plain) = run(cell, false, wrt_x);
                let (got, took) = run(cell, true, wrt_x);
                assert!(took && !took_plain, "{cell:?}: the lookup is taken exactly when the op sees the gather");
                for (which, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert_close(g, w, &format!("{cell:?} wrt_x {wrt_x}: gradient {which}"));
                }
            }
        }
    }
}
