//! Seeded random tensors. Seeds cross as f64 (JS numbers), used as u64.

use sinew_engine::{random, TensorId};
use wasm_bindgen::prelude::*;

use crate::{dims, with_store};

fn seed(s: Option<f64>) -> Option<u64> {
    s.map(|v| v as u64)
}

#[wasm_bindgen]
pub fn random_normal(shape: Vec<u32>, mean: f32, std: f32, truncated: bool, seed_value: Option<f64>) -> Result<TensorId, JsError> {
    with_store(|s| random::random_normal(s, &dims(shape), mean, std, truncated, seed(seed_value)))
}

#[wasm_bindgen]
pub fn random_uniform(shape: Vec<u32>, lo: f32, hi: f32, seed_value: Option<f64>) -> Result<TensorId, JsError> {
    with_store(|s| random::random_uniform(s, &dims(shape), lo, hi, seed(seed_value)))
}

#[wasm_bindgen]
pub fn random_permutation(n: u32, seed_value: Option<f64>) -> Result<TensorId, JsError> {
    with_store(|s| random::permutation(s, n as usize, seed(seed_value)))
}

/// Reseeds the generator used by unseeded random ops.
#[wasm_bindgen]
pub fn set_seed(seed_value: f64) {
    let _ = crate::store_mut(|s| {
        s.rng = random::generator(seed_value as u64);
        Ok(())
    });
}
