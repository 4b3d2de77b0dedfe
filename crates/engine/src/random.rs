//! Seeded random tensors (initialisers, dropout masks, shuffling).
//!
//! With a seed, a call draws from a fresh generator seeded with it, so the
//! same seed gives the same values on every build and machine (as in
//! TensorFlow.js). Without one, values come from the store's generator,
//! itself seeded by `set_seed`.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

use crate::error::{EngineError, Result};
use crate::shape::size_of;
use crate::store::{Store, Tensor, TensorId};

pub type Generator = Pcg64Mcg;

pub fn generator(seed: u64) -> Generator {
    Pcg64Mcg::seed_from_u64(seed)
}

fn with_rng<T>(store: &mut Store, seed: Option<u64>, f: impl FnOnce(&mut Generator) -> T) -> T {
    match seed {
        Some(s) => f(&mut generator(s)),
        None => f(&mut store.rng),
    }
}

/// Normal(mean, std); `truncated` redraws values beyond two standard deviations (Keras' truncated normal).
pub fn random_normal(store: &mut Store, shape: &[usize], mean: f32, std: f32, truncated: bool, seed: Option<u64>) -> Result<TensorId> {
    const OP: &str = "randomNormal";
    let n = size_of(OP, shape)?;
    if !(std >= 0.0 && std.is_finite() && mean.is_finite()) {
        return Err(EngineError::invalid(OP, format!("mean {mean} and stddev {std} must be finite, stddev >= 0")));
    }
    let data = with_rng(store, seed, |g| {
        let values = (0..n).map(|_| loop {
            let z: f32 = StandardNormal.sample(g);
            if !truncated || z.abs() <= 2.0 {
                break mean + std * z;
            }
        });
        crate::memory::collect(OP, n, values)
    })?;
    Ok(store.insert(Tensor::f32(shape.to_vec(), data)))
}

/// Uniform on [lo, hi).
pub fn random_uniform(store: &mut Store, shape: &[usize], lo: f32, hi: f32, seed: Option<u64>) -> Result<TensorId> {
    const OP: &str = "randomUniform";
    let n = size_of(OP, shape)?;
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Err(EngineError::invalid(OP, format!("bounds [{lo}, {hi}) must be finite with min <= max")));
    }
    let data = with_rng(store, seed, |g| crate::memory::collect(OP, n, (0..n).map(|_| lo + (hi - lo) * g.random::<f32>())))?;
    Ok(store.insert(Tensor::f32(shape.to_vec(), data)))
}

/// A random permutation of 0..n (for shuffling), as an int32 tensor.
pub fn permutation(store: &mut Store, n: usize, seed: Option<u64>) -> Result<TensorId> {
    size_of("permutation", &[n])?;
    let mut idx = crate::memory::collect("permutation", n, (0..n).map(|i| i as f32))?;
    with_rng(store, seed, |g| {
        for i in (1..n).rev() {
            let j = g.random_range(0..=i);
            idx.swap(i, j);
        }
    });
    let mut t = Tensor::f32(vec![n], idx);
    t.dtype = crate::store::DType::I32;
    Ok(store.insert(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_draws_repeat_and_have_the_right_moments() {
        let mut s = Store::new();
        let a = random_normal(&mut s, &[10000], 1.0, 2.0, false, Some(7)).unwrap();
        let b = random_normal(&mut s, &[10000], 1.0, 2.0, false, Some(7)).unwrap();
        let (da, db) = (&s.get("t", a).unwrap().data, &s.get("t", b).unwrap().data);
        assert_eq!(da, db);
        let mean = da.iter().sum::<f32>() / 1e4;
        let var = da.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / 1e4;
        assert!((mean - 1.0).abs() < 0.06 && (var.sqrt() - 2.0).abs() < 0.06, "{mean} {var}");
        let t = random_normal(&mut s, &[10000], 0.0, 1.0, true, Some(1)).unwrap();
        assert!(s.get("t", t).unwrap().data.iter().all(|x| x.abs() <= 2.0));
        let u = random_uniform(&mut s, &[1000], -3.0, 5.0, None).unwrap();
        assert!(s.get("t", u).unwrap().data.iter().all(|&x| (-3.0..5.0).contains(&x)));
        let p = permutation(&mut s, 100, Some(3)).unwrap();
        let mut v = s.get("t", p).unwrap().data.clone();
        v.sort_by(f32::total_cmp);
        assert_eq!(v, (0..100).map(|i| i as f32).collect::<Vec<_>>());
    }
}
