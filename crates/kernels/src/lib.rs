//! Sinew compute kernels.
//!
//! Pure Rust, no wasm-bindgen: everything here compiles natively so `cargo test`
//! checks each kernel against a naive reference, and the same code compiles to
//! wasm32 where `simd` switches to `std::arch::wasm32` SIMD128.
//!
//! Layout conventions: dense row-major `f32` slices; shapes are passed explicitly.

pub mod conv;
pub mod gemm;
pub mod layout;
pub mod par;
pub mod peak;
pub mod pool;
pub mod simd;
pub mod activation;
pub mod broadcast;
pub mod elementwise;
pub mod math;
pub mod optim;
pub mod reduce;
pub mod softmax;
pub mod window;
pub mod rnn;
