//! Fixtures shared by the engine's unit tests.

use crate::store::{Store, Tensor, TensorId};

/// `n` deterministic values in [-0.8, 0.8], varied by `seed`.
pub fn values(n: usize, seed: usize) -> Vec<f32> {
    (0..n).map(|i| (((i * 7 + seed * 13) % 17) as f32 - 8.0) / 10.0).collect()
}

/// A float32 tensor of `shape` holding `values(…, seed)`.
pub fn put(s: &mut Store, shape: &[usize], seed: usize) -> TensorId {
    s.insert(Tensor::f32(shape.to_vec(), values(shape.iter().product(), seed)))
}

/// `got` equals the reference `want` within 1e-5 (relative above 1), and
/// `want` is not all zero (so the comparison can fail).
pub fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    assert!(want.iter().any(|&v| v != 0.0), "{what}: all zero");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{what}[{i}] = {a}, reference {b}");
    }
}
