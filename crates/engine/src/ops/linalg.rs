//! Matrix products, and `add` with the fast paths the rest of the engine uses.

use sinew_kernels::gemm::{gemm, Gemm};

use crate::error::{EngineError, Result};
use crate::shape::{fmt_shape, size_of};
use super::{emit, Op};
use crate::store::{Store, Tensor, TensorId};

/// `op(a) · op(b)` for 2-D tensors, `op` = transpose when the flag is set.
/// Transposes are folded into the GEMM's packing, never materialised.
pub fn matmul(store: &mut Store, a: TensorId, b: TensorId, trans_a: bool, trans_b: bool) -> Result<TensorId> {
    const OP: &str = "matmul";
    let (ta, tb) = (store.get_f32(OP, a)?, store.get_f32(OP, b)?);
    if ta.shape.len() != 2 || tb.shape.len() != 2 {
        return Err(EngineError::shape(
            OP,
            format!("{} x {}: both operands must be 2-D", fmt_shape(&ta.shape), fmt_shape(&tb.shape)),
        ));
    }
    let (m, k) = if trans_a { (ta.shape[1], ta.shape[0]) } else { (ta.shape[0], ta.shape[1]) };
    let (k2, n) = if trans_b { (tb.shape[1], tb.shape[0]) } else { (tb.shape[0], tb.shape[1]) };
    if k != k2 {
        let t = |s: &[usize], tr: bool| format!("{}{}", fmt_shape(s), if tr { "ᵀ" } else { "" });
        return Err(EngineError::shape(
            OP,
            format!("{} x {}: inner dimensions {} and {} differ", t(&ta.shape, trans_a), t(&tb.shape, trans_b), k, k2),
        ));
    }
    let out_shape = vec![m, n];
    size_of(OP, &out_shape)?;
    let mut c = crate::memory::for_overwrite(OP, m * n)?;
    let g = Gemm { trans_a, trans_b, ..Gemm::new(m, n, k) };
    gemm(&g, &ta.data, &tb.data, &mut c);
    Ok(emit(store, Op::MatMul { trans_a, trans_b }, &[a, b], Tensor::f32(out_shape, c)))
}

/// Element-wise `a + b` with broadcasting.
pub fn add(store: &mut Store, a: TensorId, b: TensorId) -> Result<TensorId> {
    super::binary(store, sinew_kernels::elementwise::BinaryOp::Add, a, b)
}

/// `a + b` without recording (also used to sum gradient contributions).
pub fn add_same_shape(store: &mut Store, a: TensorId, b: TensorId) -> Result<TensorId> {
    const OP: &str = "add";
    let (ta, tb) = (store.get_f32(OP, a)?, store.get_f32(OP, b)?);
    if ta.shape != tb.shape {
        return Err(EngineError::shape(
            OP,
            format!("{} + {}: shapes differ", fmt_shape(&ta.shape), fmt_shape(&tb.shape)),
        ));
    }
    let data = crate::memory::collect(OP, ta.data.len(), ta.data.iter().zip(&tb.data).map(|(x, y)| x + y))?;
    let shape = ta.shape.clone();
    Ok(store.insert(Tensor::f32(shape, data)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn t(store: &mut Store, shape: &[usize], data: &[f32]) -> TensorId {
        store.insert(Tensor::new("test", shape.to_vec(), data.to_vec()).unwrap())
    }

    #[test]
    fn matmul_small_known_value() {
        let mut s = Store::new();
        let a = t(&mut s, &[2, 3], &[1., 2., 3., 4., 5., 6.]);
        let b = t(&mut s, &[3, 2], &[7., 8., 9., 10., 11., 12.]);
        let c = matmul(&mut s, a, b, false, false).unwrap();
        let c = s.get("t", c).unwrap();
        assert_eq!(c.shape, vec![2, 2]);
        assert_eq!(c.data, vec![58., 64., 139., 154.]);
    }

    #[test]
    fn matmul_transposes_match_explicit_transposes() {
        let mut s = Store::new();
        // a is 3×2 (aᵀ is 2×3 = [[1,3,5],[2,4,6]]), b is 2×3 (bᵀ is 3×2).
        let a = t(&mut s, &[3, 2], &[1., 2., 3., 4., 5., 6.]);
        let b = t(&mut s, &[2, 3], &[7., 9., 11., 8., 10., 12.]);
        let c = matmul(&mut s, a, b, true, true).unwrap();
        // aᵀ·bᵀ = [[1,3,5],[2,4,6]]·[[7,8],[9,10],[11,12]]
        assert_eq!(s.get("t", c).unwrap().data, vec![89., 98., 116., 128.]);
        let e = matmul(&mut s, a, b, true, false).unwrap_err();
        assert_eq!(e.to_string(), "matmul: [3,2]ᵀ x [2,3]: inner dimensions 3 and 2 differ");
    }

    #[test]
    fn matmul_shape_error_names_op_and_shapes() {
        let mut s = Store::new();
        let a = t(&mut s, &[32, 784], &vec![0.; 32 * 784]);
        let b = t(&mut s, &[128, 10], &vec![0.; 1280]);
        let e = matmul(&mut s, a, b, false, false).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Shape);
        assert_eq!(e.to_string(), "matmul: [32,784] x [128,10]: inner dimensions 784 and 128 differ");
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn disposed_handle_is_reported() {
        let mut s = Store::new();
        let a = t(&mut s, &[1], &[1.]);
        assert!(s.dispose(a));
        assert!(!s.dispose(a));
        let e = add(&mut s, a, a).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Disposed);
        assert_eq!(s.bytes(), 0);
    }

    #[test]
    fn add_same_shape() {
        let mut s = Store::new();
        let a = t(&mut s, &[2], &[1., 2.]);
        let b = t(&mut s, &[2], &[10., 20.]);
        let c = add(&mut s, a, b).unwrap();
        assert_eq!(s.get("t", c).unwrap().data, vec![11., 22.]);
        let d = t(&mut s, &[3], &[0.; 3]);
        assert_eq!(add(&mut s, a, d).unwrap_err().to_string(), "add: [2] and [3]: shapes cannot be broadcast together");
    }

    #[test]
    fn data_length_must_match_shape() {
        let e = Tensor::new("tensor", vec![2, 2], vec![1.0; 3]).unwrap_err();
        assert_eq!(e.to_string(), "tensor: shape [2,2] needs 4 values but 3 were given");
    }
}
