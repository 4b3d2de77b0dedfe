//! The gradient tape, driven from TypeScript's `grad`/`variableGrads`.

use sinew_engine::{autograd, TensorId};
use wasm_bindgen::prelude::*;

use crate::with_store;

#[wasm_bindgen]
pub fn tape_start() -> Result<(), JsError> {
    with_store(autograd::tape_start)
}

#[wasm_bindgen]
pub fn tape_end() {
    let _ = crate::store_mut(|s| {
        autograd::tape_end(s);
        Ok(())
    });
}

/// Gradients of `y` with respect to `wrt` (0 where `y` does not depend on one).
#[wasm_bindgen]
pub fn tape_backward(y: TensorId, wrt: Vec<u32>, dy: Option<TensorId>) -> Result<Vec<u32>, JsError> {
    with_store(|s| autograd::backward(s, y, &wrt, dy))
}
