//! Sinew engine: owns tensors (in WASM memory when compiled to wasm32) and
//! runs ops over `sinew-kernels`, validating every input first so that bad
//! input returns an [`EngineError`] instead of panicking the instance.

pub mod autograd;
pub mod error;
pub mod grad;
pub mod memory;
pub mod names;
pub mod ops;
pub mod optim;
pub mod random;
pub mod shape;
pub mod store;
#[cfg(test)]
mod testing;

pub use error::{EngineError, ErrorKind};
pub use names::Named;
/// The kernel enums the boundary names (see [`names`]): re-exported so the
/// wasm crate needs nothing from the kernels crate to parse them.
pub use sinew_kernels::activation::Activation;
pub use sinew_kernels::elementwise::{BinaryOp, UnaryOp};
pub use store::{DType, Store, Tensor, TensorId};
