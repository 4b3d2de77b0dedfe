//! Optimizer entry points: one call per training step for all parameters.

use sinew_engine::names::parse;
use sinew_engine::optim;
use wasm_bindgen::prelude::*;

use crate::with_store;

/// Updates every parameter in place (see `sinew_engine::optim` for the
/// layout of `hyper` and `slots`). On error nothing is modified.
#[wasm_bindgen]
pub fn optimizer_step(kind: &str, params: Vec<u32>, grads: Vec<u32>, slots: Vec<u32>, hyper: Vec<f32>, step: u32) -> Result<(), JsError> {
    with_store(|s| {
        optim::optimizer_step(s, parse(kind)?, &params, &grads, &slots, &hyper, step)
    })
}

/// `sqrt(Σ g²)` over all of `ids` (f64 accumulation).
#[wasm_bindgen]
pub fn optimizer_global_norm(ids: Vec<u32>) -> Result<f32, JsError> {
    with_store(|s| optim::global_norm(s, &ids))
}

/// Frees many tensors in one call (e.g. a step's gradients). Returns how many
/// were live; already-freed ids are ignored, like `tensor_dispose`.
#[wasm_bindgen]
pub fn tensors_dispose(ids: Vec<u32>) -> u32 {
    with_store(|s| Ok(ids.iter().filter(|&&id| s.dispose(id)).count() as u32)).unwrap_or(0)
}
