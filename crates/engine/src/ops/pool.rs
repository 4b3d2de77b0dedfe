//! Max and average pooling (NHWC) and their gradients.

use sinew_kernels::conv::Padding;
use sinew_kernels::pool::{self as k, Pool2d};
pub use sinew_kernels::pool::PoolKind;

use super::conv::{check_fits, check_strides};
use super::{emit, expect_rank, Op};
use crate::error::{EngineError, Result};
use crate::shape::fmt_shape;
use crate::store::{Store, Tensor, TensorId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dArgs {
    pub kh: usize,
    pub kw: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub pad: Padding,
}

pub(super) fn geometry(op: &str, x_shape: &[usize], a: Pool2dArgs) -> Result<Pool2d> {
    expect_rank(op, "input", x_shape, 4)?;
    let p = Pool2d {
        n: x_shape[0],
        h: x_shape[1],
        w: x_shape[2],
        c: x_shape[3],
        kh: a.kh,
        kw: a.kw,
        stride_h: a.stride_h,
        stride_w: a.stride_w,
        pad: a.pad,
    };
    check_strides(op, &p.window())?;
    if a.kh == 0 || a.kw == 0 {
        return Err(EngineError::invalid(op, format!("pool size [{},{}] must be >= 1", a.kh, a.kw)));
    }
    check_fits(op, &p.window(), || (format!("pool window {}x{}", a.kh, a.kw), fmt_shape(x_shape)))?;
    Ok(p)
}

pub(super) fn op_name(kind: PoolKind) -> &'static str {
    match kind {
        PoolKind::Max => "maxPool",
        PoolKind::Avg => "avgPool",
    }
}

/// `[n,h,w,c] -> [n,oh,ow,c]`.
pub fn pool(store: &mut Store, kind: PoolKind, x: TensorId, a: Pool2dArgs) -> Result<TensorId> {
    let op = op_name(kind);
    let tx = store.get_f32(op, x)?;
    let p = geometry(op, &tx.shape, a)?;
    let mut y = crate::memory::zeros(op, p.y_len())?;
    match kind {
        PoolKind::Max => k::max_pool_forward(&p, &tx.data, &mut y, None),
        PoolKind::Avg => k::avg_pool_forward(&p, &tx.data, &mut y),
    }
    Ok(emit(store, Op::Pool { kind, args: a }, &[x], Tensor::f32(vec![p.n, p.out_h(), p.out_w(), p.c], y)))
}

/// Gradient with respect to the input `x` (max pooling routes `dy` to each window's maximum).
pub fn pool_backward(store: &mut Store, kind: PoolKind, x: TensorId, dy: TensorId, a: Pool2dArgs) -> Result<TensorId> {
    let op = match kind {
        PoolKind::Max => "maxPoolBackward",
        PoolKind::Avg => "avgPoolBackward",
    };
    let (tx, tdy) = (store.get_f32(op, x)?, store.get_f32(op, dy)?);
    let p = geometry(op, &tx.shape, a)?;
    let want = [p.n, p.out_h(), p.out_w(), p.c];
    if tdy.shape != want {
        return Err(EngineError::shape(op, format!("dy {} must have the output shape {}", fmt_shape(&tdy.shape), fmt_shape(&want))));
    }
    let mut dx = crate::memory::zeros(op, p.x_len())?;
    match kind {
        PoolKind::Max => k::max_pool_backward(&p, &tx.data, &tdy.data, &mut dx),
        PoolKind::Avg => k::avg_pool_backward(&p, &tdy.data, &mut dx),
    }
    let shape = tx.shape.clone();
    Ok(store.insert(Tensor::f32(shape, dx)))
}

pub fn max_pool(store: &mut Store, x: TensorId, a: Pool2dArgs) -> Result<TensorId> {
    pool(store, PoolKind::Max, x, a)
}
pub fn avg_pool(store: &mut Store, x: TensorId, a: Pool2dArgs) -> Result<TensorId> {
    pool(store, PoolKind::Avg, x, a)
}
pub fn max_pool_backward(store: &mut Store, x: TensorId, dy: TensorId, a: Pool2dArgs) -> Result<TensorId> {
    pool_backward(store, PoolKind::Max, x, dy, a)
}
pub fn avg_pool_backward(store: &mut Store, x: TensorId, dy: TensorId, a: Pool2dArgs) -> Result<TensorId> {
    pool_backward(store, PoolKind::Avg, x, dy, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_pool_known_values_and_errors() {
        let mut s = Store::new();
        let x = s.insert(Tensor::new("t", vec![1, 2, 2, 1], vec![1., 5., 3., 2.]).unwrap());
        let a = Pool2dArgs { kh: 2, kw: 2, stride_h: 2, stride_w: 2, pad: Padding::Valid };
        let y = max_pool(&mut s, x, a).unwrap();
        assert_eq!(s.get("t", y).unwrap().data, vec![5.]);
        let y = avg_pool(&mut s, x, a).unwrap();
        assert_eq!(s.get("t", y).unwrap().data, vec![2.75]);
        let dy = s.insert(Tensor::new("t", vec![1, 1, 1, 1], vec![1.]).unwrap());
        let dx = max_pool_backward(&mut s, x, dy, a).unwrap();
        assert_eq!(s.get("t", dx).unwrap().data, vec![0., 1., 0., 0.]);
        let big = Pool2dArgs { kh: 3, kw: 3, ..a };
        assert_eq!(
            max_pool(&mut s, x, big).unwrap_err().to_string(),
            "maxPool: pool window 3x3 does not fit input [1,2,2,1] with 'valid' padding"
        );
        assert_eq!(avg_pool(&mut s, x, Pool2dArgs { stride_w: 0, ..a }).unwrap_err().to_string(), "avgPool: strides must be >= 1, got [2,0]");
        assert_eq!(avg_pool(&mut s, x, Pool2dArgs { kh: 0, ..a }).unwrap_err().to_string(), "avgPool: pool size [0,2] must be >= 1");
    }
}
