//! Element-wise, activation, reduction, softmax/loss and layout entry points.
//! Op kinds cross as strings (checked here), so TypeScript needs no enum codes.

use sinew_engine::names::{self, parse};
use sinew_engine::{ops, TensorId};
use wasm_bindgen::prelude::*;

use crate::{dims, with_store};

#[wasm_bindgen]
pub fn op_binary(kind: &str, a: TensorId, b: TensorId) -> Result<TensorId, JsError> {
    with_store(|s| ops::binary(s, parse(kind)?, a, b))
}

/// `p` and `q` parameterise `clipByValue` (min, max) and `pow` (exponent).
#[wasm_bindgen]
pub fn op_unary(kind: &str, x: TensorId, p: f32, q: f32) -> Result<TensorId, JsError> {
    with_store(|s| ops::unary(s, names::unary(kind, p, q)?, x))
}

/// `alpha` parameterises leakyRelu and elu (their defaults when absent).
#[wasm_bindgen]
pub fn op_activation(kind: &str, x: TensorId, alpha: Option<f32>) -> Result<TensorId, JsError> {
    with_store(|s| ops::activate(s, names::activation(kind, alpha)?, x))
}

#[wasm_bindgen]
pub fn op_reduce(kind: &str, x: TensorId, axes: Vec<i32>, keep_dims: bool) -> Result<TensorId, JsError> {
    with_store(|s| ops::reduce(s, parse(kind)?, x, &axes, keep_dims))
}

#[wasm_bindgen]
pub fn op_argmax(x: TensorId, axis: i32) -> Result<TensorId, JsError> {
    with_store(|s| ops::argmax(s, x, axis))
}

#[wasm_bindgen]
pub fn op_softmax(x: TensorId, log: bool) -> Result<TensorId, JsError> {
    with_store(|s| ops::softmax(s, x, log))
}

#[wasm_bindgen]
pub fn op_softmax_cross_entropy(logits: TensorId, labels: TensorId) -> Result<TensorId, JsError> {
    with_store(|s| ops::softmax_cross_entropy(s, logits, labels))
}

#[wasm_bindgen]
pub fn op_reshape(x: TensorId, shape: Vec<i32>) -> Result<TensorId, JsError> {
    let shape: Vec<i64> = shape.into_iter().map(i64::from).collect();
    with_store(|s| ops::reshape(s, x, &shape))
}

#[wasm_bindgen]
pub fn op_transpose(x: TensorId, perm: Vec<u32>) -> Result<TensorId, JsError> {
    with_store(|s| ops::transpose(s, x, &dims(perm)))
}

#[wasm_bindgen]
pub fn op_slice(x: TensorId, begin: Vec<u32>, size: Vec<i32>) -> Result<TensorId, JsError> {
    let size: Vec<i64> = size.into_iter().map(i64::from).collect();
    with_store(|s| ops::slice(s, x, &dims(begin), &size))
}

#[wasm_bindgen]
pub fn op_concat(xs: Vec<u32>, axis: i32) -> Result<TensorId, JsError> {
    with_store(|s| ops::concat(s, &xs, axis))
}

#[wasm_bindgen]
pub fn op_gather(x: TensorId, indices: TensorId, axis: i32) -> Result<TensorId, JsError> {
    with_store(|s| ops::gather(s, x, indices, axis))
}

#[wasm_bindgen]
pub fn op_one_hot(indices: TensorId, depth: u32) -> Result<TensorId, JsError> {
    with_store(|s| ops::one_hot(s, indices, depth as usize))
}

/// `int32`: to int32 (truncating), else to float32.
#[wasm_bindgen]
pub fn op_cast(x: TensorId, int32: bool) -> Result<TensorId, JsError> {
    with_store(|s| ops::cast(s, x, if int32 { sinew_engine::DType::I32 } else { sinew_engine::DType::F32 }))
}
