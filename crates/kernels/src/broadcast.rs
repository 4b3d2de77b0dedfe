//! NumPy-style broadcasting: output shape, per-operand strides, dimension
//! coalescing, [`broadcast_to`] and its backward [`sum_to_shape`].
//!
//! Rules (NumPy): shapes are right-aligned; a missing leading dim counts as 1;
//! two dims are compatible when equal or when one of them is 1. A size-0 dim
//! broadcasts like any other size (`[0] + [1] -> [0]`).

use crate::reduce;

/// Number of elements of `shape` (1 for a scalar `[]`).
#[inline]
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// Broadcast output shape of `a` and `b`, or an error naming both shapes.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Result<Vec<usize>, String> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank { a[i + a.len() - rank] } else { 1 };
        let db = if i + b.len() >= rank { b[i + b.len() - rank] } else { 1 };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(format!(
                "shapes {a:?} and {b:?} cannot be broadcast together (dim {i} of the \
                 right-aligned shapes: {da} vs {db})"
            ));
        };
    }
    Ok(out)
}

/// Element strides of a contiguous tensor of `in_shape` read as `out_shape`
/// (length `out_shape.len()`), 0 on broadcast dims. Panics if `in_shape`
/// does not broadcast to `out_shape` (callers check with [`broadcast_shape`]).
pub fn broadcast_strides(in_shape: &[usize], out_shape: &[usize]) -> Vec<usize> {
    assert!(in_shape.len() <= out_shape.len(), "shape {in_shape:?} cannot be broadcast to {out_shape:?} (higher rank)");
    let off = out_shape.len() - in_shape.len();
    let mut strides = vec![0; out_shape.len()];
    let mut s = 1;
    for i in (0..in_shape.len()).rev() {
        let (d, o) = (in_shape[i], out_shape[i + off]);
        if d == o {
            strides[i + off] = if d == 1 { 0 } else { s };
        } else if d == 1 {
            strides[i + off] = 0;
        } else {
            panic!("shape {in_shape:?} cannot be broadcast to {out_shape:?}");
        }
        s *= d;
    }
    strides
}

/// Drops size-1 output dims and merges adjacent dims that every operand walks
/// contiguously (or broadcasts) together. Returns the reduced dims and, for
/// each operand, its strides over them. An empty result means a scalar.
pub fn coalesce(dims: &[usize], strides: &[&[usize]]) -> (Vec<usize>, Vec<Vec<usize>>) {
    let mut od: Vec<usize> = Vec::with_capacity(dims.len());
    let mut os: Vec<Vec<usize>> = vec![Vec::with_capacity(dims.len()); strides.len()];
    for i in 0..dims.len() {
        if dims[i] == 1 {
            continue;
        }
        if let Some(&last) = od.last() {
            // Merge into the previous (outer) dim if for every operand
            // stride_outer == stride_inner * dim_inner.
            let ok = strides.iter().zip(os.iter()).all(|(s, o)| *o.last().unwrap() == s[i] * dims[i]);
            if ok {
                let n = od.len() - 1;
                od[n] = last * dims[i];
                for (s, o) in strides.iter().zip(os.iter_mut()) {
                    *o.last_mut().unwrap() = s[i];
                }
                continue;
            }
        }
        od.push(dims[i]);
        for (s, o) in strides.iter().zip(os.iter_mut()) {
            o.push(s[i]);
        }
    }
    (od, os)
}

/// `x` (of `in_shape`) repeated along the broadcast dims to `out_shape`, into
/// `dst`. Rows of the innermost coalesced dim are copied (or filled, when that
/// dim is broadcast). Panics if the shapes do not broadcast or the lengths do
/// not match them.
pub fn broadcast_to(x: &[f32], in_shape: &[usize], out_shape: &[usize], dst: &mut [f32]) {
    let strides = broadcast_strides(in_shape, out_shape);
    assert!(
        x.len() == numel(in_shape) && dst.len() == numel(out_shape),
        "broadcast_to: x has {} elements for shape {in_shape:?}, dst has {} for {out_shape:?}",
        x.len(),
        dst.len()
    );
    if dst.is_empty() {
        return;
    }
    let (dims, st) = coalesce(out_shape, &[&strides]);
    let st = &st[0];
    let Some((&inner, outer_dims)) = dims.split_last() else {
        dst[0] = x[0];
        return;
    };
    let inner_stride = st[dims.len() - 1];
    let mut idx = vec![0usize; outer_dims.len()];
    for row in dst.chunks_exact_mut(inner) {
        let at: usize = idx.iter().zip(st).map(|(i, s)| i * s).sum();
        if inner_stride == 0 {
            row.fill(x[at]);
        } else {
            row.copy_from_slice(&x[at..at + inner]);
        }
        for d in (0..idx.len()).rev() {
            idx[d] += 1;
            if idx[d] < outer_dims[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// Backward of broadcasting: sums `grad` (shape `out_shape`) over the dims
/// where `in_shape` was broadcast, writing the result (shape `in_shape`) into
/// `dst`. Built from single-axis [`reduce::sum_axis`] calls, so it inherits
/// their accuracy (blocked f32 partials accumulated in f64) and threading.
/// Panics if `in_shape` does not broadcast to `out_shape` or the lengths do
/// not match the shapes.
pub fn sum_to_shape(grad: &[f32], out_shape: &[usize], in_shape: &[usize], dst: &mut [f32]) {
    let strides = broadcast_strides(in_shape, out_shape);
    assert!(
        grad.len() == numel(out_shape) && dst.len() == numel(in_shape),
        "sum_to_shape: grad has {} elements for shape {out_shape:?}, dst has {} for {in_shape:?}",
        grad.len(),
        dst.len()
    );
    if dst.is_empty() {
        return;
    }
    if grad.is_empty() {
        // Broadcasting a non-empty input to an empty output: gradient is 0.
        dst.fill(0.0);
        return;
    }
    // Groups of adjacent non-trivial dims, each either kept (stride != 0) or
    // reduced (stride == 0); adjacent dims of the same kind merge.
    let mut dims: Vec<(usize, bool)> = Vec::new(); // (size, reduced)
    for (i, &d) in out_shape.iter().enumerate() {
        if d == 1 {
            continue;
        }
        let red = strides[i] == 0;
        match dims.last_mut() {
            Some((sz, r)) if *r == red => *sz *= d,
            _ => dims.push((d, red)),
        }
    }
    let n_red = dims.iter().filter(|d| d.1).count();
    if n_red == 0 {
        dst.copy_from_slice(grad);
        return;
    }
    // Reduce the reduced groups one at a time, innermost first; the last one
    // writes into `dst`.
    let mut cur: Vec<f32> = Vec::new();
    let mut have_cur = false;
    let mut done = 0;
    while let Some(j) = dims.iter().rposition(|d| d.1) {
        let outer: usize = dims[..j].iter().map(|d| d.0).product();
        let axis = dims[j].0;
        let inner: usize = dims[j + 1..].iter().map(|d| d.0).product();
        done += 1;
        let src: &[f32] = if have_cur { &cur } else { grad };
        if done == n_red {
            reduce::sum_axis(src, outer, axis, inner, dst);
            break;
        }
        let mut next = vec![0.0f32; outer * inner];
        reduce::sum_axis(src, outer, axis, inner, &mut next);
        cur = next;
        have_cur = true;
        dims.remove(j);
    }
}
