//! Convolution and pooling entry points.

use sinew_engine::names::{self, parse};
use sinew_engine::ops::{self, Conv2dArgs, DepthwiseArgs, Pool2dArgs};
use sinew_engine::{EngineError, TensorId};
use wasm_bindgen::prelude::*;

use crate::{dims, with_store};

fn conv_args(op: &str, stride_h: usize, stride_w: usize, pad: &str) -> Result<Conv2dArgs, EngineError> {
    Ok(Conv2dArgs { stride_h, stride_w, pad: names::padding(op, pad)? })
}

/// `act(conv2d(x, w) + bias)` in one call; `alpha` as in `op_activation`.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn op_conv2d(x: TensorId, w: TensorId, bias: Option<TensorId>, stride_h: usize, stride_w: usize, pad: &str, act: &str, alpha: Option<f32>) -> Result<TensorId, JsError> {
    with_store(|s| ops::conv2d(s, x, w, bias, conv_args("conv2d", stride_h, stride_w, pad)?, names::activation(act, alpha)?))
}

/// `pool(act(conv2d(x, w) + bias))` in one call: a conv layer followed by a
/// pooling layer (`kind` `"max"` or `"avg"`); fused into one pass when no
/// tape records (see `sinew_engine::ops::conv2d_pool`).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn op_conv2d_pool(
    x: TensorId,
    w: TensorId,
    bias: Option<TensorId>,
    stride_h: usize,
    stride_w: usize,
    pad: &str,
    act: &str,
    alpha: Option<f32>,
    kind: &str,
    pool_h: usize,
    pool_w: usize,
    pool_stride_h: usize,
    pool_stride_w: usize,
    pool_pad: &str,
) -> Result<TensorId, JsError> {
    with_store(|s| {
        let a = conv_args("conv2d", stride_h, stride_w, pad)?;
        let pa = pool_args("pool", pool_h, pool_w, pool_stride_h, pool_stride_w, pool_pad)?;
        ops::conv2d_pool(s, x, w, bias, a, names::activation(act, alpha)?, parse(kind)?, pa)
    })
}

#[wasm_bindgen]
pub fn op_conv2d_backprop_input(dy: TensorId, w: TensorId, x_shape: Vec<u32>, stride_h: usize, stride_w: usize, pad: &str) -> Result<TensorId, JsError> {
    with_store(|s| {
        let a = conv_args("conv2dBackpropInput", stride_h, stride_w, pad)?;
        ops::conv2d_backprop_input(s, dy, w, &dims(x_shape), a)
    })
}

#[wasm_bindgen]
pub fn op_conv2d_backprop_filter(x: TensorId, dy: TensorId, w_shape: Vec<u32>, stride_h: usize, stride_w: usize, pad: &str) -> Result<TensorId, JsError> {
    with_store(|s| {
        let a = conv_args("conv2dBackpropFilter", stride_h, stride_w, pad)?;
        ops::conv2d_backprop_filter(s, x, dy, &dims(w_shape), a)
    })
}

fn depthwise_args(op: &str, stride_h: usize, stride_w: usize, dil_h: usize, dil_w: usize, pad: &str) -> Result<DepthwiseArgs, EngineError> {
    Ok(DepthwiseArgs { stride_h, stride_w, dil_h, dil_w, pad: names::padding(op, pad)? })
}

/// `act(depthwiseConv2d(x, w) + bias)` in one call; `alpha` as in `op_activation`.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn op_depthwise_conv2d(x: TensorId, w: TensorId, bias: Option<TensorId>, stride_h: usize, stride_w: usize, dil_h: usize, dil_w: usize, pad: &str, act: &str, alpha: Option<f32>) -> Result<TensorId, JsError> {
    with_store(|s| {
        let a = depthwise_args("depthwiseConv2d", stride_h, stride_w, dil_h, dil_w, pad)?;
        ops::depthwise_conv2d(s, x, w, bias, a, names::activation(act, alpha)?)
    })
}

fn pool_args(op: &str, kh: usize, kw: usize, stride_h: usize, stride_w: usize, pad: &str) -> Result<Pool2dArgs, EngineError> {
    Ok(Pool2dArgs { kh, kw, stride_h, stride_w, pad: names::padding(op, pad)? })
}

/// `kind` is `"max"` or `"avg"`.
#[wasm_bindgen]
pub fn op_pool(kind: &str, x: TensorId, kh: usize, kw: usize, stride_h: usize, stride_w: usize, pad: &str) -> Result<TensorId, JsError> {
    with_store(|s| {
        ops::pool(s, parse(kind)?, x, pool_args("pool", kh, kw, stride_h, stride_w, pad)?)
    })
}

#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn op_pool_backward(kind: &str, x: TensorId, dy: TensorId, kh: usize, kw: usize, stride_h: usize, stride_w: usize, pad: &str) -> Result<TensorId, JsError> {
    with_store(|s| {
        ops::pool_backward(s, parse(kind)?, x, dy, pool_args("poolBackward", kh, kw, stride_h, stride_w, pad)?)
    })
}

/// `act(x·W + b)` in one call (see `sinew_engine::ops::dense` for which
/// activations share the product's pass); `alpha` as in `op_activation`.
#[wasm_bindgen]
pub fn op_dense(x: TensorId, w: TensorId, b: Option<TensorId>, act: &str, alpha: Option<f32>) -> Result<TensorId, JsError> {
    with_store(|s| ops::dense(s, x, w, b, names::activation(act, alpha)?))
}

/// Inverted dropout with probability `rate` (seeded when `seed` is given).
#[wasm_bindgen]
pub fn op_dropout(x: TensorId, rate: f32, seed: Option<f64>) -> Result<TensorId, JsError> {
    with_store(|s| ops::dropout(s, x, rate, seed.map(|v| v as u64)))
}

#[wasm_bindgen]
pub fn op_take_rows(x: TensorId, perm: TensorId, start: usize, count: usize) -> Result<TensorId, JsError> {
    with_store(|s| ops::take_rows(s, x, perm, start, count))
}

/// Fraction of correct predictions (a scalar); `kind` is categorical, sparse or binary.
#[wasm_bindgen]
pub fn op_accuracy(pred: TensorId, labels: TensorId, kind: &str, threshold: f32) -> Result<TensorId, JsError> {
    with_store(|s| ops::accuracy(s, pred, labels, parse(kind)?, threshold))
}
