//! Reductions along axes, softmax / log-softmax on the last axis, and the
//! fused softmax cross-entropy loss.

use sinew_kernels::reduce as k;
use sinew_kernels::softmax::{self as sm, Labels};

use super::{emit, Op};
use crate::error::{EngineError, Result};
use crate::names::Named;
use crate::shape::fmt_shape;
use crate::store::{DType, Store, Tensor, TensorId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceKind {
    Sum,
    Mean,
    Max,
    Min,
}


/// Normalises axes (negative counts from the end), sorted, deduplicated.
pub fn normalize_axes(op: &str, shape: &[usize], axes: &[i32]) -> Result<Vec<usize>> {
    let rank = shape.len() as i32;
    let mut out = Vec::with_capacity(axes.len());
    for &a in axes {
        let n = if a < 0 { a + rank } else { a };
        if n < 0 || n >= rank {
            return Err(EngineError::invalid(op, format!("axis {a} is out of range for shape {}", fmt_shape(shape))));
        }
        out.push(n as usize);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Reduces `x` along `axes` (all axes when empty) on raw buffers. Returns the
/// result in keep-dims shape (size-1 at reduced axes).
pub fn reduce_raw(kind: ReduceKind, x: &Tensor, axes: &[usize]) -> Result<Tensor> {
    let op = kind.name();
    if x.data.is_empty() && matches!(kind, ReduceKind::Max | ReduceKind::Min) {
        return Err(EngineError::shape(op, format!("cannot take the {op} of an empty tensor {}", fmt_shape(&x.shape))));
    }
    let mut shape = x.shape.clone();
    // Mean over several axes = sum over them, divided once by the count.
    let per_axis = if kind == ReduceKind::Mean { ReduceKind::Sum } else { kind };
    let mut count = 1usize;
    // The first axis reads `x` in place; later ones the previous result.
    let mut reduced: Option<Vec<f32>> = None;
    for &axis in axes {
        let src = reduced.as_deref().unwrap_or(&x.data);
        let (outer, len, inner) = k::split_at_axis(&shape, axis);
        let mut dst = crate::memory::zeros(op, outer * inner)?;
        match per_axis {
            ReduceKind::Sum | ReduceKind::Mean => k::sum_axis(src, outer, len, inner, &mut dst),
            ReduceKind::Max => k::max_axis(src, outer, len, inner, &mut dst),
            ReduceKind::Min => k::min_axis(src, outer, len, inner, &mut dst),
        }
        count *= len;
        shape[axis] = 1;
        reduced = Some(dst);
    }
    let mut data = match reduced {
        Some(d) => d,
        None => crate::memory::copy(op, &x.data)?,
    };
    if kind == ReduceKind::Mean {
        // The mean of nothing is 0/0 = NaN (as in NumPy and TensorFlow), not 0.
        let inv = if count == 0 { f32::NAN } else { 1.0 / count as f32 };
        sinew_kernels::elementwise::scale_inplace(&mut data, inv);
    }
    Ok(Tensor::f32(shape, data))
}

fn final_shape(x_shape: &[usize], axes: &[usize], keep_dims: bool) -> Vec<usize> {
    x_shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| if axes.contains(&i) { keep_dims.then_some(1) } else { Some(d) })
        .collect()
}

/// `sum`/`mean`/`max`/`min` of `x` along `axes` (all when empty).
pub fn reduce(store: &mut Store, kind: ReduceKind, x: TensorId, axes: &[i32], keep_dims: bool) -> Result<TensorId> {
    let op = kind.name();
    let t = store.get_f32(op, x)?;
    let axes = if axes.is_empty() { (0..t.shape.len()).collect() } else { normalize_axes(op, &t.shape, axes)? };
    let mut out = reduce_raw(kind, t, &axes)?;
    let axes_kept = axes.clone();
    out.shape = final_shape(&t.shape, &axes, keep_dims);
    Ok(emit(store, Op::Reduce { kind, axes: axes_kept }, &[x], out))
}

/// Index of the largest value along `axis` (int32; first one on ties).
pub fn argmax(store: &mut Store, x: TensorId, axis: i32) -> Result<TensorId> {
    const OP: &str = "argMax";
    let t = store.get_f32(OP, x)?;
    let axis = normalize_axes(OP, &t.shape, &[axis])?[0];
    let (outer, len, inner) = k::split_at_axis(&t.shape, axis);
    if len == 0 {
        return Err(EngineError::shape(OP, format!("axis {axis} of {} is empty", fmt_shape(&t.shape))));
    }
    let mut idx = crate::memory::filled(OP, outer * inner, 0u32)?;
    k::argmax_axis(&t.data, outer, len, inner, &mut idx);
    let shape = final_shape(&t.shape, &[axis], false);
    let mut out = Tensor::f32(shape, crate::memory::collect(OP, idx.len(), idx.iter().map(|&i| i as f32))?);
    out.dtype = DType::I32;
    Ok(store.insert(out))
}

fn last_axis(op: &str, t: &Tensor) -> Result<usize> {
    match t.shape.last() {
        Some(&c) if c > 0 => Ok(c),
        _ => Err(EngineError::shape(op, format!("needs a last axis of size >= 1, got shape {}", fmt_shape(&t.shape)))),
    }
}

/// Softmax (or log-softmax) along the last axis, numerically stable.
pub fn softmax(store: &mut Store, x: TensorId, log: bool) -> Result<TensorId> {
    let op = if log { "logSoftmax" } else { "softmax" };
    let t = store.get_f32(op, x)?;
    let c = last_axis(op, t)?;
    let mut y = crate::memory::zeros(op, t.data.len())?;
    if log {
        sm::log_softmax(&t.data, c, &mut y);
    } else {
        sm::softmax(&t.data, c, &mut y);
    }
    let out = Tensor::f32(t.shape.clone(), y);
    Ok(emit(store, Op::Softmax { log }, &[x], out))
}

/// Checks labels against `[n, c]` logits; returns `(n, c)`.
fn xent_dims(op: &str, logits: &Tensor, labels: &Tensor) -> Result<(usize, usize)> {
    if logits.shape.len() != 2 {
        return Err(EngineError::shape(op, format!("logits must be 2-D [batch, classes], got {}", fmt_shape(&logits.shape))));
    }
    let (n, c) = (logits.shape[0], logits.shape[1]);
    let ok = match labels.dtype {
        DType::I32 => labels.shape == [n],
        DType::F32 => labels.shape == logits.shape,
    };
    if !ok {
        let want = if labels.dtype == DType::I32 { format!("[{n}] (int32 class indices)") } else { fmt_shape(&logits.shape) };
        return Err(EngineError::shape(op, format!("labels {} do not match logits {}: expected {want}", fmt_shape(&labels.shape), fmt_shape(&logits.shape))));
    }
    Ok((n, c))
}

/// Per-sample losses and (optionally) d(mean loss)/d logits.
pub fn xent_raw(op: &str, logits: &Tensor, labels: &Tensor, with_grad: bool) -> Result<(Vec<f32>, Option<Vec<f32>>)> {
    let (n, c) = xent_dims(op, logits, labels)?;
    let idx: Vec<u32>;
    let lab = match labels.dtype {
        DType::I32 => {
            idx = crate::memory::collect(op, n, labels.data.iter().map(|&v| v as u32))?;
            if let Some(bad) = labels.data.iter().find(|&&v| v < 0.0 || v as usize >= c) {
                return Err(EngineError::invalid(op, format!("label {bad} is out of range for {c} classes")));
            }
            Labels::Indices(&idx)
        }
        DType::F32 => Labels::OneHot(&labels.data),
    };
    let mut loss = crate::memory::zeros(op, n)?;
    let mut grad = if with_grad { Some(crate::memory::zeros(op, n * c)?) } else { None };
    sm::softmax_cross_entropy(&logits.data, lab, n, c, &mut loss, grad.as_deref_mut());
    Ok((loss, grad))
}

/// Mean softmax cross-entropy of `logits` [n, c] against one-hot / soft
/// labels [n, c] (float32) or class indices [n] (int32). A scalar.
pub fn softmax_cross_entropy(store: &mut Store, logits: TensorId, labels: TensorId) -> Result<TensorId> {
    const OP: &str = "softmaxCrossEntropy";
    let (tl, ty) = (store.get_f32(OP, logits)?, store.get(OP, labels)?);
    let (loss, _) = xent_raw(OP, tl, ty, false)?;
    let mean = if loss.is_empty() { 0.0 } else { (loss.iter().map(|&v| v as f64).sum::<f64>() / loss.len() as f64) as f32 };
    Ok(emit(store, Op::SoftmaxXent, &[logits, labels], Tensor::f32(vec![], vec![mean])))
}
