//! Fused layer ops: `dense` (matmul + bias + activation in one pass),
//! `dropout`, row gathering for batches, and accuracy counting.

use sinew_kernels::activation::{self, Activation};
use sinew_kernels::gemm::{self, gemm_bias_act, Gemm};

use super::{emit, Op};
use crate::error::{EngineError, Result};
use crate::shape::{fmt_shape, size_of};
use crate::store::{DType, Store, Tensor, TensorId};

/// `act(x·W + b)` for x `[n, in]`, W `[in, out]`, b `[out]`, in one call.
///
/// An activation whose derivative is a function of its output
/// ([`Activation::derivative_from_output`]: linear, relu, sigmoid, tanh) is
/// fused into the product's epilogue: one pass, one tape node. Any other is
/// applied to the product as a second tape node (its derivative needs the
/// pre-activation values, which that node keeps).
pub fn dense(store: &mut Store, x: TensorId, w: TensorId, b: Option<TensorId>, act: Activation) -> Result<TensorId> {
    if !act.derivative_from_output() {
        return then_activate(store, act, |s| dense(s, x, w, b, Activation::Linear));
    }
    const OP: &str = "dense";
    let (tx, tw) = (store.get_f32(OP, x)?, store.get_f32(OP, w)?);
    if tx.shape.len() != 2 || tw.shape.len() != 2 || tx.shape[1] != tw.shape[0] {
        return Err(EngineError::shape(
            OP,
            format!("input {} and kernel {}: expected [batch, {}] x [{}, units]", fmt_shape(&tx.shape), fmt_shape(&tw.shape), tw.shape.first().copied().unwrap_or(0), tw.shape.first().copied().unwrap_or(0)),
        ));
    }
    let (n, k, m) = (tx.shape[0], tx.shape[1], tw.shape[1]);
    let bias = match b {
        Some(b) => {
            let tb = store.get_f32(OP, b)?;
            if tb.shape != [m] {
                return Err(EngineError::shape(OP, format!("bias {} must have shape [{m}]", fmt_shape(&tb.shape))));
            }
            Some(tb.data.as_slice())
        }
        None => None,
    };
    size_of(OP, &[n, m])?;
    let mut y = crate::memory::for_overwrite(OP, n * m)?;
    let epilogue = if act == Activation::Relu { gemm::Activation::Relu } else { gemm::Activation::None };
    gemm_bias_act(&Gemm::new(n, m, k), &tx.data, &tw.data, &mut y, bias, epilogue);
    if matches!(act, Activation::Sigmoid | Activation::Tanh) {
        activation::forward_in_place(act, &mut y);
    }
    let inputs: &[TensorId] = match b {
        Some(b) => &[x, w, b],
        None => &[x, w],
    };
    Ok(emit(store, Op::Dense { act }, inputs, Tensor::f32(vec![n, m], y)))
}

/// `act(linear(store))`: the un-fused form of `dense`/`conv2d` for an
/// activation whose derivative needs its input. The intermediate is freed
/// unless the tape holds it.
pub(crate) fn then_activate(store: &mut Store, act: Activation, linear: impl FnOnce(&mut Store) -> Result<TensorId>) -> Result<TensorId> {
    let z = linear(store)?;
    let y = super::activate(store, act, z);
    store.release(z);
    y
}

/// `dz = dy · act'(z)` of a fused op, from its output `y` (see `dense`), and
/// with `bias` the bias gradient `db` (`dz` summed over every axis but the
/// last), summed in the same pass.
pub fn fused_dz(op: &str, act: Activation, y: &Tensor, dy: &Tensor, bias: bool) -> Result<(Tensor, Option<Tensor>)> {
    let mut dz = crate::memory::for_overwrite(op, y.data.len())?;
    if !bias {
        activation::backward_from_output(act, &y.data, &dy.data, &mut dz);
        return Ok((Tensor::f32(y.shape.clone(), dz), None));
    }
    let c = *y.shape.last().ok_or_else(|| EngineError::shape(op, "a biased output has a channel axis"))?;
    let mut db = crate::memory::zeros(op, c)?;
    activation::backward_from_output_and_column_sums(act, &y.data, &dy.data, &mut dz, &mut db);
    Ok((Tensor::f32(y.shape.clone(), dz), Some(Tensor::f32(vec![c], db))))
}

/// Inverted dropout: zeroes each value with probability `rate` and scales the
/// rest by 1/(1-rate), so inference needs no rescaling.
pub fn dropout(store: &mut Store, x: TensorId, rate: f32, seed: Option<u64>) -> Result<TensorId> {
    const OP: &str = "dropout";
    if !(0.0..1.0).contains(&rate) {
        return Err(EngineError::invalid(OP, format!("rate must be in [0, 1), got {rate}")));
    }
    let shape = store.get_f32(OP, x)?.shape.clone();
    let u = crate::random::random_uniform(store, &shape, 0.0, 1.0, seed)?;
    let keep = 1.0 - rate;
    {
        let t = store.get_mut(OP, u)?;
        for v in t.data.iter_mut() {
            *v = if *v >= rate { 1.0 / keep } else { 0.0 };
        }
    }
    // y = x * mask, recorded as a multiplication so the mask routes the gradient.
    let y = super::binary(store, sinew_kernels::elementwise::BinaryOp::Mul, x, u);
    store.release(u);
    y
}

/// Rows `perm[start .. start+count]` of `x` (first axis): one batch of a
/// shuffled epoch in one call. `perm` is an int32 permutation (or indices).
pub fn take_rows(store: &mut Store, x: TensorId, perm: TensorId, start: usize, count: usize) -> Result<TensorId> {
    const OP: &str = "takeRows";
    let (t, p) = (store.get(OP, x)?, store.get(OP, perm)?);
    if p.dtype != DType::I32 || p.shape.len() != 1 {
        return Err(EngineError::new(crate::ErrorKind::DType, OP, format!("indices must be 1-D int32, got {} {}", p.dtype.name(), fmt_shape(&p.shape))));
    }
    let rows = *t.shape.first().ok_or_else(|| EngineError::shape(OP, "x must have at least 1 dimension"))?;
    if start + count > p.data.len() {
        return Err(EngineError::invalid(OP, format!("rows {start}..{} are outside the {} indices", start + count, p.data.len())));
    }
    let width: usize = t.shape[1..].iter().product();
    let mut idx = crate::memory::with_capacity(OP, count)?;
    for &i in &p.data[start..start + count] {
        let i = i as usize;
        if i >= rows {
            return Err(EngineError::invalid(OP, format!("index {i} is out of range for {} rows", rows)));
        }
        idx.push(i);
    }
    let mut data = crate::memory::for_overwrite(OP, count * width)?;
    sinew_kernels::layout::gather(&t.data, 1, rows, width, &idx, &mut data);
    let mut shape = t.shape.clone();
    shape[0] = count;
    let dtype = t.dtype;
    Ok(store.insert(Tensor { shape, dtype, data }))
}

/// Metric kinds counted by `accuracy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccuracyKind {
    /// argmax(pred) == argmax(labels) (one-hot labels).
    Categorical,
    /// argmax(pred) == label (int32 class indices).
    Sparse,
    /// (pred > threshold) == (label > 0.5), element-wise.
    Binary,
}

/// Fraction of correct predictions (a scalar), counted on the engine side so
/// only one number crosses to JavaScript per batch. The divisor is the number
/// of predictions: rows (everything but the class axis) for categorical and
/// sparse, elements for binary; 1 when there are none.
pub fn accuracy(store: &mut Store, pred: TensorId, labels: TensorId, kind: AccuracyKind, threshold: f32) -> Result<TensorId> {
    const OP: &str = "accuracy";
    let (p, l) = (store.get_f32(OP, pred)?, store.get(OP, labels)?);
    let argmax = |row: &[f32]| row.iter().enumerate().fold((0usize, f32::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b }).0;
    let (correct, total): (usize, usize) = match kind {
        AccuracyKind::Binary => {
            if p.shape != l.shape {
                return Err(EngineError::shape(OP, format!("predictions {} and labels {} differ", fmt_shape(&p.shape), fmt_shape(&l.shape))));
            }
            (p.data.iter().zip(&l.data).filter(|(&a, &b)| (a > threshold) == (b > 0.5)).count(), p.data.len())
        }
        AccuracyKind::Categorical | AccuracyKind::Sparse => {
            let c = *p.shape.last().ok_or_else(|| EngineError::shape(OP, "predictions must have a class axis"))?;
            let n = p.data.len().checked_div(c).unwrap_or(0);
            let ok = match kind {
                AccuracyKind::Sparse => l.data.len() == n,
                _ => l.shape == p.shape,
            };
            if !ok {
                return Err(EngineError::shape(OP, format!("predictions {} and labels {} do not match", fmt_shape(&p.shape), fmt_shape(&l.shape))));
            }
            let correct = (0..n)
                .filter(|&r| {
                    let pi = argmax(&p.data[r * c..(r + 1) * c]);
                    match kind {
                        AccuracyKind::Sparse => l.data[r] as usize == pi,
                        _ => argmax(&l.data[r * c..(r + 1) * c]) == pi,
                    }
                })
                .count();
            (correct, n)
        }
    };
    // correct · (1/total), the reciprocal rounded from f64 as the TypeScript side used to.
    let fraction = correct as f32 * (1.0 / total.max(1) as f64) as f32;
    Ok(store.insert(Tensor::f32(vec![], vec![fraction])))
}
