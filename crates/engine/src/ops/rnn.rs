//! Recurrent layers' op: a whole sequence through a SimpleRNN, LSTM or GRU
//! cell in one call (and one tape node), forward here and backward through
//! time in `grad.rs`. The input projection of all steps is one GEMM; the
//! recurrence is `sinew_kernels::rnn`, whose gate activations the tape keeps
//! (`Node::saved`) so the backward recomputes neither them nor `x·W`.

use sinew_kernels::gemm::{gemm_bias_act, Activation as Epilogue, Gemm};
use sinew_kernels::rnn::{self, Cell, Gate, Rnn};

use super::{expect_rank, Op};
use crate::error::{EngineError, Result};
use crate::memory;
use crate::shape::{fmt_shape, size_of};
use crate::store::{Store, Tensor, TensorId};

const OP: &str = "rnn";

/// Arguments of an `Op::Rnn` node; its inputs are
/// `[x, kernel, recurrentKernel, h0, (c0: LSTM), (bias), (mask)]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RnnArgs {
    pub cell: Cell,
    pub gate: Gate,
    pub bias: bool,
    pub mask: bool,
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
}

/// The validated operands of one call.
pub struct Operands<'a> {
    pub r: Rnn,
    pub input_dim: usize,
    pub x: &'a [f32],
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
    /// `x·W + b` for every step: `[batch·steps, gates·units]`.
    pub fn projection(&self) -> Result<Vec<f32>> {
        let (bt, gu) = (self.r.batch * self.r.steps, self.r.cell.gates() * self.r.units);
        let mut xw = memory::zeros(OP, bt * gu)?;
        gemm_bias_act(&Gemm::new(bt, gu, self.input_dim), self.x, self.w, &mut xw, self.bias, Epilogue::None);
        Ok(xw)
    }
}

/// Checks every operand of a call with `args` on `inputs` (ids in the node's order).
pub fn operands<'a>(store: &'a Store, args: &RnnArgs, inputs: &[TensorId]) -> Result<Operands<'a>> {
    let get = |i: usize| store.get_f32(OP, inputs[i]);
    let (x, w, u, h0) = (get(0)?, get(1)?, get(2)?, get(3)?);
    expect_rank(OP, "x [batch, steps, features]", &x.shape, 3)?;
    expect_rank(OP, "kernel", &w.shape, 2)?;
    let (batch, steps, input_dim) = (x.shape[0], x.shape[1], x.shape[2]);
    let gates = args.cell.gates();
    if w.shape[0] != input_dim || w.shape[1] % gates != 0 || w.shape[1] == 0 {
        return Err(EngineError::shape(OP, format!("kernel {} must be [{input_dim}, {gates}·units] for x {}", fmt_shape(&w.shape), fmt_shape(&x.shape))));
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
    Ok(Operands { r, input_dim, x: &x.data, w: &w.data, u: &u.data, h0: &h0.data, c0, bias, rb, mask })
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
    let args = RnnArgs { cell, gate, bias: bias.is_some(), mask: mask.is_some() };
    let inputs: Vec<TensorId> = [Some(x), Some(w), Some(u), Some(h0), c0, bias, mask].into_iter().flatten().collect();
    let o = operands(store, &args, &inputs)?;
    let xw = o.projection()?;
    let shape = vec![o.r.batch, o.r.steps, cell.state() * o.r.units];
    let mut out = memory::zeros(OP, shape.iter().product())?;
    // The gate activations are kept for the backward only while a tape records.
    let mut acts = memory::zeros(OP, if store.tape.is_some() { o.r.acts_len() } else { 0 })?;
    rnn::forward(&o.r, &xw, o.u, o.rb, o.h0, o.c0, o.mask, &mut out, &mut acts);
    let saved = (!acts.is_empty()).then(|| Tensor::f32(vec![acts.len()], acts));
    let id = store.insert(Tensor::f32(shape, out));
    store.record_saving(Op::Rnn(args), &inputs, id, saved);
    Ok(id)
}
