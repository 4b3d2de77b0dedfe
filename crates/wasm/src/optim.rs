//! Optimizer entry points: one call per training step for all parameters.

use sinew_engine::names::parse;
use sinew_engine::optim::{self, Hyper, OptimizerKind};
use sinew_engine::{EngineError, Named};
use wasm_bindgen::prelude::*;

use crate::with_store;

/// Hyperparameters from comma-separated names and their values. One string,
/// not a list of them: each string of a `Vec<String>` crosses from
/// JavaScript in a call of its own (~1 µs each, at every training step).
fn hyper(kind: &str, names: &str, values: &[f32]) -> Result<(OptimizerKind, Hyper), EngineError> {
    let kind: OptimizerKind = parse(kind)?;
    let names: Vec<&str> = if names.is_empty() { Vec::new() } else { names.split(',').collect() };
    if names.len() != values.len() {
        return Err(EngineError::invalid(kind.name(), format!("{} hyperparameter names but {} values", names.len(), values.len())));
    }
    let pairs: Vec<(&str, f32)> = names.into_iter().zip(values.iter().copied()).collect();
    Ok((kind, Hyper::parse(kind, &pairs)?))
}

/// Updates every parameter in place (see `sinew_engine::optim` for the
/// hyperparameter names and the layout of `slots`). On error nothing is modified.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn optimizer_step(kind: &str, params: Vec<u32>, grads: Vec<u32>, slots: Vec<u32>, names: &str, values: Vec<f32>, step: u32) -> Result<(), JsError> {
    with_store(|s| {
        let (kind, h) = hyper(kind, &names, &values)?;
        optim::optimizer_step(s, kind, &params, &grads, &slots, &h, step)
    })
}

/// Validates hyperparameters without a step (optimizer constructors).
#[wasm_bindgen]
pub fn optimizer_check(kind: &str, names: &str, values: Vec<f32>) -> Result<(), JsError> {
    with_store(|_| hyper(kind, &names, &values).map(|_| ()))
}

/// Frees many tensors in one call (e.g. a step's gradients). Returns how many
/// were live; already-freed ids are ignored, like `tensor_dispose`.
#[wasm_bindgen]
pub fn tensors_dispose(ids: Vec<u32>) -> u32 {
    with_store(|s| Ok(ids.iter().filter(|&&id| s.dispose(id)).count() as u32)).unwrap_or(0)
}
