//! Sinew engine: owns tensors (in WASM memory when compiled to wasm32) and
//! runs ops over `sinew-kernels`, validating every input first so that bad
//! input returns an [`EngineError`] instead of panicking the instance.

pub mod autograd;
pub mod error;
pub mod grad;
pub mod ops;
pub mod optim;
pub mod random;
pub mod shape;
pub mod store;

pub use error::{EngineError, ErrorKind};
pub use store::{DType, Store, Tensor, TensorId};
