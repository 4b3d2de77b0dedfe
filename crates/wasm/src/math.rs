//! Element-wise, activation, reduction, softmax/loss and layout entry points.
//! Op kinds cross as strings (checked here), so TypeScript needs no enum codes.

use sinew_engine::ops::{self, ReduceKind};
use sinew_engine::{EngineError, TensorId};
use sinew_kernels::activation::Activation;
use sinew_kernels::elementwise::{BinaryOp, UnaryOp};
use wasm_bindgen::prelude::*;

use crate::{dims, with_store};

fn unknown(what: &str, name: &str) -> EngineError {
    EngineError::invalid(what, format!("unknown {what} '{name}'"))
}

#[wasm_bindgen]
pub fn op_binary(kind: &str, a: TensorId, b: TensorId) -> Result<TensorId, JsError> {
    let op = match kind {
        "add" => BinaryOp::Add,
        "sub" => BinaryOp::Sub,
        "mul" => BinaryOp::Mul,
        "div" => BinaryOp::Div,
        "pow" => BinaryOp::Pow,
        "maximum" => BinaryOp::Maximum,
        "minimum" => BinaryOp::Minimum,
        other => return Err(crate::to_js(unknown("binary op", other))),
    };
    with_store(|s| ops::binary(s, op, a, b))
}

/// `p` and `q` parameterise `clip` (min, max) and `powScalar` (exponent).
#[wasm_bindgen]
pub fn op_unary(kind: &str, x: TensorId, p: f32, q: f32) -> Result<TensorId, JsError> {
    let op = match kind {
        "neg" => UnaryOp::Neg,
        "exp" => UnaryOp::Exp,
        "log" => UnaryOp::Log,
        "sqrt" => UnaryOp::Sqrt,
        "abs" => UnaryOp::Abs,
        "square" => UnaryOp::Square,
        "clip" => UnaryOp::Clip(p, q),
        "step" => UnaryOp::Step,
        "powScalar" => UnaryOp::PowScalar(p),
        "expm1" => UnaryOp::Expm1,
        "reciprocal" => UnaryOp::Reciprocal,
        other => return Err(crate::to_js(unknown("unary op", other))),
    };
    with_store(|s| ops::unary(s, op, x))
}

/// Parses an activation name (`alpha` is used by leakyRelu and elu).
pub fn activation(name: &str, alpha: f32) -> Result<Activation, EngineError> {
    Ok(match name {
        "linear" => Activation::Linear,
        "relu" => Activation::Relu,
        "leakyRelu" => Activation::LeakyRelu(alpha),
        "elu" => Activation::Elu(alpha),
        "sigmoid" => Activation::Sigmoid,
        "tanh" => Activation::Tanh,
        "softplus" => Activation::Softplus,
        "gelu" => Activation::Gelu,
        other => return Err(unknown("activation", other)),
    })
}

#[wasm_bindgen]
pub fn op_activation(kind: &str, x: TensorId, alpha: f32) -> Result<TensorId, JsError> {
    with_store(|s| ops::activate(s, activation(kind, alpha)?, x))
}

#[wasm_bindgen]
pub fn op_reduce(kind: &str, x: TensorId, axes: Vec<i32>, keep_dims: bool) -> Result<TensorId, JsError> {
    let k = match kind {
        "sum" => ReduceKind::Sum,
        "mean" => ReduceKind::Mean,
        "max" => ReduceKind::Max,
        "min" => ReduceKind::Min,
        other => return Err(crate::to_js(unknown("reduction", other))),
    };
    with_store(|s| ops::reduce(s, k, x, &axes, keep_dims))
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
