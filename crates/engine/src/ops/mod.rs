//! Ops over stored tensors: each validates its inputs (so bad input is an
//! `EngineError`, never a kernel panic), allocates the output, calls a kernel.

pub mod conv;
pub mod depthwise;
pub mod elementwise;
pub mod layout;
pub mod linalg;
pub mod lookup;
pub mod nn;
pub mod pool;
pub mod reduce;
pub mod rnn;

pub use conv::{conv2d, conv2d_backprop_filter, conv2d_backprop_input, conv2d_pool, Conv2dArgs};
pub use depthwise::{depthwise_conv2d, depthwise_conv2d_backprop_filter, depthwise_conv2d_backprop_input, DepthwiseArgs};
pub use elementwise::{activate, binary, unary};
pub use layout::{cast, concat, gather, one_hot, reshape, slice, transpose};
pub use linalg::{add, add_same_shape, matmul};
pub use nn::{accuracy, dense, dropout, take_rows, AccuracyKind};
pub use reduce::{argmax, reduce, softmax, softmax_cross_entropy, ReduceKind};
pub use pool::{avg_pool, avg_pool_backward, max_pool, max_pool_backward, pool, pool_backward, Pool2dArgs, PoolKind};

use crate::error::{EngineError, Result};
use crate::store::{Store, Tensor, TensorId};
use crate::shape::fmt_shape;

/// Checks that `shape` has rank `rank`, naming the op and the operand.
pub(crate) fn expect_rank(op: &str, what: &str, shape: &[usize], rank: usize) -> Result<()> {
    if shape.len() != rank {
        return Err(EngineError::shape(
            op,
            format!("{what} must be {rank}-D, got shape {}", fmt_shape(shape)),
        ));
    }
    Ok(())
}

/// What an op was, with the arguments its gradient needs (see `grad.rs`).
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    MatMul { trans_a: bool, trans_b: bool },
    /// Inputs: x, kernel, and optionally bias.
    Dense { act: sinew_kernels::activation::Activation },
    Binary(sinew_kernels::elementwise::BinaryOp),
    Unary(sinew_kernels::elementwise::UnaryOp),
    Act(sinew_kernels::activation::Activation),
    Reduce { kind: ReduceKind, axes: Vec<usize> },
    Softmax { log: bool },
    /// Inputs: logits, labels. Output: the mean loss.
    SoftmaxXent,
    Reshape,
    Transpose { perm: Vec<usize> },
    Slice { begin: Vec<usize> },
    Concat { axis: usize },
    /// Inputs: x, indices.
    Gather { axis: usize },
    /// Inputs: x, filter, optionally bias, and with `lookup` the table and
    /// ids `x` was gathered from (see `conv::conv2d`).
    Conv2d { args: Conv2dArgs, act: sinew_kernels::activation::Activation, lookup: bool },
    /// Inputs: x, filter, and optionally bias.
    DepthwiseConv2d { args: DepthwiseArgs, act: sinew_kernels::activation::Activation },
    Pool { kind: PoolKind, args: Pool2dArgs },
    /// A whole sequence through a recurrent cell; inputs in `rnn::RnnArgs` order.
    Rnn(rnn::RnnArgs),
}

/// Stores an op's output and records the op on the tape (if one records).
pub(crate) fn emit(store: &mut Store, op: Op, inputs: &[TensorId], out: Tensor) -> TensorId {
    let id = store.insert(out);
    store.record(op, inputs, id);
    id
}
