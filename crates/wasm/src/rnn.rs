//! Recurrent layers' entry point: a whole sequence in one call.

use sinew_engine::names::parse;
use sinew_engine::ops::rnn::rnn;
use sinew_engine::TensorId;
use wasm_bindgen::prelude::*;

use crate::with_store;

/// `cell` and `gate` by their names in `sinew_engine::names` (`lstm`, `hardSigmoid`, ...).
/// `c0` exactly for LSTM. See `sinew_engine::ops::rnn::rnn`.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn op_rnn(cell: &str, gate: &str, x: TensorId, w: TensorId, u: TensorId, h0: TensorId, c0: Option<TensorId>, bias: Option<TensorId>, mask: Option<TensorId>) -> Result<TensorId, JsError> {
    with_store(|s| rnn(s, parse(cell)?, parse(gate)?, x, w, u, h0, c0, bias, mask))
}
