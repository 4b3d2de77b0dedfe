//! Data movement: gather and its scatter-add gradient, blocks of a tensor
//! (slice and its gradient), and concatenation along an axis and its split.
//!
//! A tensor is viewed around one axis as `[outer, len, inner]` (the product of
//! the dims before the axis, the axis, the product of the dims after it), so
//! every kernel here moves contiguous runs of `inner` (or wider) values.
//!
//! Preconditions (lengths, indices in range) are the caller's to check; a
//! violation panics, as in every kernel of this crate.

use crate::elementwise::use_par;
use crate::par;

/// `dst[o, j, :] = src[o, idx[j], :]`: `src` is `[outer, len, inner]`, `dst`
/// is `[outer, idx.len(), inner]`.
pub fn gather(src: &[f32], outer: usize, len: usize, inner: usize, idx: &[usize], dst: &mut [f32]) {
    assert_eq!(src.len(), outer * len * inner, "gather: src length");
    assert_eq!(dst.len(), outer * idx.len() * inner, "gather: dst length");
    if inner == 0 {
        return;
    }
    let rows = |first: usize, part: &mut [f32]| {
        for (r, out) in part.chunks_exact_mut(inner).enumerate() {
            let (o, j) = ((first + r) / idx.len(), (first + r) % idx.len());
            let at = (o * len + idx[j]) * inner;
            out.copy_from_slice(&src[at..at + inner]);
        }
    };
    if use_par(dst.len()) {
        // Whole rows per task, ~PAR_CHUNK values each (a training batch's rows: `fit`'s takeRows).
        let per = (crate::elementwise::PAR_CHUNK / inner).max(1);
        par::chunks_mut(dst, per * inner, |k, part| rows(k * per, part));
    } else {
        rows(0, dst);
    }
}

/// Gradient of [`gather`]: `dst[o, i, :] = Σ_{j: idx[j] = i} d[o, j, :]`
/// (zero where no index points), `d` of shape `[outer, idx.len(), inner]`,
/// `dst` of `[outer, len, inner]`, overwritten.
///
/// Deterministic for any thread count: each destination row is written by
/// one task, which adds its sources in ascending `j` (the order a serial
/// loop over `j` would use). Rows are split over threads when large (the
/// gradient of an embedding table).
pub fn scatter_add(d: &[f32], outer: usize, len: usize, inner: usize, idx: &[usize], dst: &mut [f32]) {
    let k = idx.len();
    assert_eq!(d.len(), outer * k * inner, "scatter_add: d length");
    assert_eq!(dst.len(), outer * len * inner, "scatter_add: dst length");
    if inner == 0 || dst.is_empty() {
        return;
    }
    // Sources of each destination index, ascending (counting sort of idx).
    let mut start = vec![0usize; len + 1];
    for &i in idx {
        assert!(i < len, "scatter_add: index {i} out of range for {len}");
        start[i + 1] += 1;
    }
    for i in 0..len {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut sources = vec![0usize; k];
    for (j, &i) in idx.iter().enumerate() {
        sources[fill[i]] = j;
        fill[i] += 1;
    }
    let row = |r: usize, out: &mut [f32]| {
        let (o, i) = (r / len, r % len);
        out.fill(0.0);
        for &j in &sources[start[i]..start[i + 1]] {
            let at = (o * k + j) * inner;
            for (v, &g) in out.iter_mut().zip(&d[at..at + inner]) {
                *v += g;
            }
        }
    };
    // Tasks of whole rows, at least ~4K values each so short rows do not become tiny tasks.
    let rows = (4096 / inner).max(1);
    let block = |b: usize, chunk: &mut [f32]| {
        for (i, out) in chunk.chunks_exact_mut(inner).enumerate() {
            row(b * rows + i, out);
        }
    };
    if use_par(dst.len()) {
        par::chunks_mut(dst, rows * inner, block);
    } else {
        block(0, dst); // one block holding every row
    }
}

/// Row-major strides of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1usize; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// Calls `f(offset in the full tensor, offset in the block)` for each
/// innermost row of the block `begin .. begin + size` of a tensor of `shape`.
fn for_each_block_row(shape: &[usize], begin: &[usize], size: &[usize], mut f: impl FnMut(usize, usize)) {
    let rank = shape.len();
    assert!(begin.len() == rank && size.len() == rank, "block: begin/size rank");
    for d in 0..rank {
        assert!(begin[d] + size[d] <= shape[d], "block: outside the tensor on axis {d}");
    }
    let n: usize = size.iter().product();
    if n == 0 {
        return;
    }
    if rank == 0 {
        f(0, 0);
        return;
    }
    let st = strides(shape);
    let inner = size[rank - 1];
    let mut idx = vec![0usize; rank - 1];
    for row in 0..n / inner {
        let at: usize = (0..rank - 1).map(|d| (begin[d] + idx[d]) * st[d]).sum::<usize>() + begin[rank - 1];
        f(at, row * inner);
        for d in (0..rank - 1).rev() {
            idx[d] += 1;
            if idx[d] < size[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// `dst` = the block `begin .. begin + size` of `src` (of `shape`).
pub fn slice(src: &[f32], shape: &[usize], begin: &[usize], size: &[usize], dst: &mut [f32]) {
    assert_eq!(src.len(), shape.iter().product::<usize>(), "slice: src length");
    assert_eq!(dst.len(), size.iter().product::<usize>(), "slice: dst length");
    let inner = size.last().copied().unwrap_or(1);
    for_each_block_row(shape, begin, size, |at, to| dst[to..to + inner].copy_from_slice(&src[at..at + inner]));
}

/// Gradient of [`slice`]: `dst` (of `shape`) = zeros with `block` (of
/// `size`) written at `begin`.
pub fn unslice(block: &[f32], shape: &[usize], begin: &[usize], size: &[usize], dst: &mut [f32]) {
    assert_eq!(dst.len(), shape.iter().product::<usize>(), "unslice: dst length");
    assert_eq!(block.len(), size.iter().product::<usize>(), "unslice: block length");
    dst.fill(0.0);
    let inner = size.last().copied().unwrap_or(1);
    for_each_block_row(shape, begin, size, |at, from| dst[at..at + inner].copy_from_slice(&block[from..from + inner]));
}

/// Concatenation along an axis: part `p` is `[outer, widths[p]]` (its axis
/// and everything after it flattened), `dst` is `[outer, Σ widths]`.
pub fn concat(parts: &[&[f32]], outer: usize, dst: &mut [f32]) {
    let widths: Vec<usize> = parts.iter().map(|p| p.len().checked_div(outer).unwrap_or(0)).collect();
    let total: usize = widths.iter().sum();
    assert_eq!(dst.len(), outer * total, "concat: dst length");
    let mut col = 0;
    for (p, &w) in parts.iter().zip(&widths) {
        assert_eq!(p.len(), outer * w, "concat: part length");
        for o in 0..outer {
            dst[o * total + col..o * total + col + w].copy_from_slice(&p[o * w..(o + 1) * w]);
        }
        col += w;
    }
}

/// Gradient of [`concat`]: the columns `start .. start + width` of `src`
/// (`[outer, total]`) into `dst` (`[outer, width]`).
pub fn split(src: &[f32], outer: usize, total: usize, start: usize, width: usize, dst: &mut [f32]) {
    assert_eq!(src.len(), outer * total, "split: src length");
    assert_eq!(dst.len(), outer * width, "split: dst length");
    assert!(start + width <= total, "split: columns outside the source");
    for o in 0..outer {
        dst[o * width..(o + 1) * width].copy_from_slice(&src[o * total + start..o * total + start + width]);
    }
}
