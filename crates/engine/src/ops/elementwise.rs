//! Element-wise ops: binary arithmetic with NumPy broadcasting, unary math,
//! activations. Gradients are in `grad.rs`.

use sinew_kernels::activation::{self, Activation};
use sinew_kernels::broadcast;
use sinew_kernels::elementwise::{self as ew, BinaryOp, UnaryOp};

use super::{emit, Op};
use crate::error::{EngineError, Result};
use crate::names::Named;
use crate::shape::{fmt_shape, size_of};
use crate::store::{Store, Tensor, TensorId};

/// `a op b` on raw buffers with broadcasting (no store, no tape).
pub fn binary_raw(op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let name = op.name();
    let shape = broadcast::broadcast_shape(&a.shape, &b.shape).map_err(|_| {
        EngineError::shape(name, format!("{} and {}: shapes cannot be broadcast together", fmt_shape(&a.shape), fmt_shape(&b.shape)))
    })?;
    let n = size_of(name, &shape)?;
    let mut out = crate::memory::for_overwrite(name, n)?;
    if a.shape == b.shape {
        ew::binary_same(op, &a.data, &b.data, &mut out);
    } else if b.data.len() == 1 {
        ew::binary_scalar(op, &a.data, b.data[0], &mut out);
    } else if a.data.len() == 1 {
        ew::scalar_binary(op, a.data[0], &b.data, &mut out);
    } else {
        ew::binary(op, &a.data, &a.shape, &b.data, &b.shape, &mut out);
    }
    Ok(Tensor::f32(shape, out))
}

/// `a op b` with broadcasting, recorded for autograd.
pub fn binary(store: &mut Store, op: BinaryOp, a: TensorId, b: TensorId) -> Result<TensorId> {
    let name = op.name();
    let out = binary_raw(op, store.get_f32(name, a)?, store.get_f32(name, b)?)?;
    Ok(emit(store, Op::Binary(op), &[a, b], out))
}

pub fn unary_raw(op: UnaryOp, x: &Tensor) -> Result<Tensor> {
    let mut y = crate::memory::for_overwrite(op.name(), x.data.len())?;
    ew::unary(op, &x.data, &mut y);
    Ok(Tensor::f32(x.shape.clone(), y))
}

pub fn unary(store: &mut Store, op: UnaryOp, x: TensorId) -> Result<TensorId> {
    let name = op.name();
    if let UnaryOp::Clip(lo, hi) = op {
        if lo.is_nan() || hi.is_nan() || lo > hi {
            return Err(EngineError::invalid(name, format!("min {lo} must be <= max {hi}")));
        }
    }
    let out = unary_raw(op, store.get_f32(name, x)?)?;
    Ok(emit(store, Op::Unary(op), &[x], out))
}

pub fn activate(store: &mut Store, act: Activation, x: TensorId) -> Result<TensorId> {
    let t = store.get_f32(act.name(), x)?;
    let mut y = crate::memory::for_overwrite(act.name(), t.data.len())?;
    activation::forward(act, &t.data, &mut y);
    let out = Tensor::f32(t.shape.clone(), y);
    Ok(emit(store, Op::Act(act), &[x], out))
}
