//! Ops that move values without arithmetic: reshape, transpose, slice,
//! concat, gather, oneHot.

use sinew_kernels::layout;

use super::{emit, Op};
use crate::error::{EngineError, ErrorKind, Result};
use crate::shape::{fmt_shape, size_of};
use crate::store::{DType, Rows, Store, Tensor, TensorId, MAX_EXACT_INT};

/// Same values, new shape (one dimension may be -1: inferred).
pub fn reshape(store: &mut Store, x: TensorId, shape: &[i64]) -> Result<TensorId> {
    const OP: &str = "reshape";
    let (t_shape, _) = store.meta(OP, x)?;
    let n: usize = t_shape.iter().product();
    let known: i64 = shape.iter().filter(|&&d| d >= 0).product();
    let infer = shape.iter().filter(|&&d| d == -1).count();
    let bad = || EngineError::shape(OP, format!("cannot reshape {} ({} values) to {:?}", fmt_shape(t_shape), n, shape));
    if infer > 1 || shape.iter().any(|&d| d < -1) {
        return Err(bad());
    }
    let dims: Vec<usize> = if infer == 1 {
        if known == 0 || n as i64 % known != 0 {
            return Err(bad());
        }
        shape.iter().map(|&d| if d == -1 { (n as i64 / known) as usize } else { d as usize }).collect()
    } else {
        shape.iter().map(|&d| d as usize).collect()
    };
    if size_of(OP, &dims)? != n {
        return Err(bad());
    }
    if let Some(rows) = store.rows_of(x) {
        // Still rows of the table: stays lazy (and a lookup for consumers).
        let id = store.insert_rows(dims, rows);
        store.record(Op::Reshape, &[x], id);
        return Ok(id);
    }
    let t = store.get(OP, x)?;
    let out = Tensor { shape: dims, dtype: t.dtype, data: crate::memory::copy(OP, &t.data)? };
    Ok(emit(store, Op::Reshape, &[x], out))
}

/// Strides of a row-major shape.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// `x` with axes permuted (`perm[i]` = input axis of output axis i).
pub fn transpose_raw(t: &Tensor, perm: &[usize]) -> Result<Tensor> {
    let out_shape: Vec<usize> = perm.iter().map(|&p| t.shape[p]).collect();
    let in_strides = strides(&t.shape);
    let src_strides: Vec<usize> = perm.iter().map(|&p| in_strides[p]).collect();
    let n = t.data.len();
    let mut data = crate::memory::with_capacity("transpose", n)?;
    if n > 0 {
        let rank = out_shape.len();
        let mut idx = vec![0usize; rank];
        let mut off = 0usize;
        for _ in 0..n {
            data.push(t.data[off]);
            for d in (0..rank).rev() {
                idx[d] += 1;
                off += src_strides[d];
                if idx[d] < out_shape[d] {
                    break;
                }
                off -= src_strides[d] * out_shape[d];
                idx[d] = 0;
            }
        }
    }
    Ok(Tensor { shape: out_shape, dtype: t.dtype, data })
}

pub fn transpose(store: &mut Store, x: TensorId, perm: &[usize]) -> Result<TensorId> {
    const OP: &str = "transpose";
    let t = store.get(OP, x)?;
    let mut sorted = perm.to_vec();
    sorted.sort_unstable();
    if sorted != (0..t.shape.len()).collect::<Vec<_>>() {
        return Err(EngineError::invalid(OP, format!("perm {perm:?} is not a permutation of the axes of {}", fmt_shape(&t.shape))));
    }
    let out = transpose_raw(t, perm)?;
    Ok(emit(store, Op::Transpose { perm: perm.to_vec() }, &[x], out))
}

/// The block `begin .. begin+size` (size -1 = to the end).
pub fn slice(store: &mut Store, x: TensorId, begin: &[usize], size: &[i64]) -> Result<TensorId> {
    const OP: &str = "slice";
    let t = store.get(OP, x)?;
    let rank = t.shape.len();
    if begin.len() != rank || size.len() != rank {
        return Err(EngineError::shape(OP, format!("begin {begin:?} and size {size:?} must have one entry per axis of {}", fmt_shape(&t.shape))));
    }
    let mut sz = Vec::with_capacity(rank);
    for d in 0..rank {
        let s = if size[d] == -1 { t.shape[d].saturating_sub(begin[d]) as i64 } else { size[d] };
        if s < 0 || begin[d] + s as usize > t.shape[d] {
            return Err(EngineError::shape(OP, format!("begin {begin:?} size {size:?} is outside {}", fmt_shape(&t.shape))));
        }
        sz.push(s as usize);
    }
    let mut data = crate::memory::zeros(OP, sz.iter().product())?;
    layout::slice(&t.data, &t.shape, begin, &sz, &mut data);
    let out = Tensor { shape: sz, dtype: t.dtype, data };
    Ok(emit(store, Op::Slice { begin: begin.to_vec() }, &[x], out))
}

/// Joins tensors along `axis` (all other dimensions must match).
pub fn concat(store: &mut Store, xs: &[TensorId], axis: i32) -> Result<TensorId> {
    const OP: &str = "concat";
    if xs.is_empty() {
        return Err(EngineError::invalid(OP, "needs at least one tensor"));
    }
    let first = store.get(OP, xs[0])?.clone_meta();
    let axis = super::reduce::normalize_axes(OP, &first.0, &[axis])?[0];
    let mut shape = first.0.clone();
    shape[axis] = 0;
    for &x in xs {
        let t = store.get(OP, x)?;
        let same = t.shape.len() == first.0.len() && t.shape.iter().zip(&first.0).enumerate().all(|(i, (a, b))| i == axis || a == b);
        if !same || t.dtype != first.1 {
            return Err(EngineError::shape(OP, format!("{} and {} differ outside axis {axis}", fmt_shape(&first.0), fmt_shape(&t.shape))));
        }
        shape[axis] += t.shape[axis];
    }
    let outer: usize = shape[..axis].iter().product();
    let mut data = crate::memory::zeros(OP, size_of(OP, &shape)?)?;
    let parts = xs.iter().map(|&x| Ok(store.get(OP, x)?.data.as_slice())).collect::<Result<Vec<_>>>()?;
    layout::concat(&parts, outer, &mut data);
    let out = Tensor { shape, dtype: first.1, data };
    Ok(emit(store, Op::Concat { axis }, xs, out))
}

/// Rows of `x` along `axis` picked by int32 `indices` (1-D): `gather(x, [2,0], 0)`.
pub fn gather(store: &mut Store, x: TensorId, indices: TensorId, axis: i32) -> Result<TensorId> {
    const OP: &str = "gather";
    // (`meta`: a lazy `x` is not gathered before it is known to be needed)
    let ((xs, dtype), ti) = (store.meta(OP, x)?, store.get(OP, indices)?);
    if ti.dtype != DType::I32 || ti.shape.len() != 1 {
        return Err(EngineError::new(
            crate::ErrorKind::DType,
            OP,
            format!("indices must be a 1-D int32 tensor, got {} {}", ti.dtype.name(), fmt_shape(&ti.shape)),
        ));
    }
    let axis = super::reduce::normalize_axes(OP, xs, &[axis])?[0];
    let (outer, len, inner): (usize, usize, usize) = (xs[..axis].iter().product(), xs[axis], xs[axis + 1..].iter().product());
    if let Some(bad) = ti.data.iter().find(|&&i| i < 0.0 || i as usize >= len) {
        return Err(EngineError::invalid(OP, format!("index {bad} is out of range for axis {axis} of {}", fmt_shape(xs))));
    }
    let mut shape = xs.to_vec();
    shape[axis] = ti.data.len();
    size_of(OP, &shape)?;
    let idx: Vec<usize> = ti.data.iter().map(|&i| i as usize).collect();
    // Rows of a table stay lazy, gathered on first read, which a lookup
    // consumer never does (see `Store::insert_rows`): an Embedding's gather
    // (`x` a 2-D table, axis 0), and a gather of whole rows of such a tensor
    // along another axis (`reverse` of its steps, for a `goBackwards` layer),
    // whose ids are the same gather of the ids.
    let rows = match store.rows_of(x) {
        Some(r) if axis + 1 < xs.len() && store.meta(OP, r.table)?.0.get(1) == xs.last() => {
            let (ids, rows_inner) = (store.get(OP, r.ids)?, inner / xs[xs.len() - 1].max(1));
            let mut picked = crate::memory::zeros(OP, outer * idx.len() * rows_inner)?;
            layout::gather(&ids.data, outer, len, rows_inner, &idx, &mut picked);
            let ids = store.insert(Tensor { shape: vec![picked.len()], dtype: DType::I32, data: picked });
            Some((Rows { table: r.table, ids }, true))
        }
        _ if axis == 0 && xs.len() == 2 && dtype == DType::F32 => Some((Rows { table: x, ids: indices }, false)),
        _ => None,
    };
    if let Some((rows, owned_ids)) = rows {
        let id = store.insert_rows(shape, rows);
        if owned_ids {
            store.release(rows.ids); // (now held by the lazy tensor only)
        }
        store.record(Op::Gather { axis }, &[x, indices], id);
        return Ok(id);
    }
    let t = store.get(OP, x)?;
    let mut data = crate::memory::zeros(OP, shape.iter().product())?;
    layout::gather(&t.data, outer, len, inner, &idx, &mut data);
    let out = Tensor { shape, dtype: t.dtype, data };
    Ok(emit(store, Op::Gather { axis }, &[x, indices], out))
}

/// `[n]` int32 class indices -> `[n, depth]` float32 one-hot rows.
pub fn one_hot(store: &mut Store, indices: TensorId, depth: usize) -> Result<TensorId> {
    const OP: &str = "oneHot";
    let ti = store.get(OP, indices)?;
    if ti.shape.len() != 1 {
        return Err(EngineError::shape(OP, format!("indices must be 1-D, got {}", fmt_shape(&ti.shape))));
    }
    if let Some(bad) = ti.data.iter().find(|&&i| i < 0.0 || i.fract() != 0.0 || i as usize >= depth) {
        return Err(EngineError::invalid(OP, format!("index {bad} is not an integer in [0, {depth})")));
    }
    let n = ti.data.len();
    size_of(OP, &[n, depth])?;
    let mut data = crate::memory::zeros(OP, n * depth)?;
    for (r, &i) in ti.data.iter().enumerate() {
        data[r * depth + i as usize] = 1.0;
    }
    Ok(store.insert(Tensor::f32(vec![n, depth], data)))
}

/// The values as `dtype`, as TF.js's `cast`: to int32 truncates toward zero
/// and refuses values an int32 tensor cannot hold (NaN, ±Inf, beyond ±2^24);
/// to float32 keeps the values. float32 -> float32 is recorded (identity
/// gradient); a cast with an int32 side has no gradient, so it is not.
pub fn cast(store: &mut Store, x: TensorId, dtype: DType) -> Result<TensorId> {
    const OP: &str = "cast";
    let t = store.get(OP, x)?;
    let shape = t.shape.clone();
    let data = match (t.dtype, dtype) {
        (DType::F32, DType::I32) => {
            if let Some(bad) = t.data.iter().find(|v| v.is_nan() || v.abs() > MAX_EXACT_INT) {
                return Err(EngineError::new(ErrorKind::DType, OP, format!("value {bad} cannot be an int32 (Sinew's int32 holds integers in [-2^24, 2^24])")));
            }
            // `+ 0.0` turns -0 (from -0.5) into 0, as an integer has no sign of zero.
            crate::memory::collect(OP, t.data.len(), t.data.iter().map(|v| v.trunc() + 0.0))?
        }
        _ => crate::memory::copy(OP, &t.data)?,
    };
    let out = Tensor { shape, dtype, data };
    if t.dtype == DType::F32 && dtype == DType::F32 {
        return Ok(emit(store, Op::Reshape, &[x], out));
    }
    Ok(store.insert(out))
}

impl Tensor {
    fn clone_meta(&self) -> (Vec<usize>, DType) {
        (self.shape.clone(), self.dtype)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_truncates_toward_zero_and_refuses_what_int32_cannot_hold() {
        let mut s = Store::new();
        let x = s.insert(Tensor::new("t", vec![4], vec![1.7, -1.7, 0.0, -0.5]).unwrap());
        let i = cast(&mut s, x, DType::I32).unwrap();
        let ti = s.get("t", i).unwrap();
        assert_eq!((ti.dtype, ti.data.clone()), (DType::I32, vec![1.0, -1.0, 0.0, 0.0]));
        assert!(ti.data[3].is_sign_positive(), "-0.5 truncates to 0, not -0");
        let f = cast(&mut s, i, DType::F32).unwrap();
        assert_eq!(s.get("t", f).unwrap().dtype, DType::F32);
        for bad in [f32::NAN, f32::INFINITY, 16_777_218.0] {
            let b = s.insert(Tensor::new("t", vec![1], vec![bad]).unwrap());
            let e = cast(&mut s, b, DType::I32).unwrap_err();
            assert_eq!(e.kind, ErrorKind::DType, "{bad}");
            assert!(e.to_string().contains("cannot be an int32"), "{e}");
        }
    }
}
