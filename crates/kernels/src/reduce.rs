//! Reductions: sum, mean, max, min, argmax, argmin — over all elements or
//! along one axis of an N-D tensor viewed as `[outer, axis, inner]`
//! (see [`split_at_axis`]).
//!
//! Accuracy: sums are *blocked*: SIMD f32 partial sums over blocks of
//! [`BLOCK`] elements (16 independent lanes, so each lane adds ≤ 64 values),
//! then the block results are accumulated in f64. Relative error on
//! same-sign data is therefore ≲ 64·ε_f32 worst case (≈ 4e-6) and ~1e-7
//! typical, independent of length (1e6 values: tests assert < 1e-6).
//! Along a strided axis (`inner > 1`) rows are added in blocks of
//! [`AXIS_BLOCK`] in f32 and the block partials in f64, same bound.
//!
//! Results do not depend on the thread count: work is split on fixed
//! boundaries and partials are combined in a fixed order.
//!
//! NaN: `max`/`min` propagate NaN; `argmax`/`argmin` return the first NaN if
//! any, else the first extreme (first max wins). Empty reductions: sum 0,
//! mean NaN, max -inf, min +inf, argmax/argmin 0.

use crate::par;
use core::ops::Range;
use crate::simd::{fmax, fmin, F32x4};

/// Elements summed in f32 (16 SIMD lanes) before the partial goes to f64.
pub const BLOCK: usize = 1024;
/// Rows of a strided axis added in f32 before going to f64.
pub const AXIS_BLOCK: usize = 64;
/// Columns of a strided reduction processed together (stack buffers).
const STRIPE: usize = 512;
/// Fixed chunk of a flat reduction (also the parallel task size), 64K
/// elements = 256 KB: big enough that a pool task (~1 µs to hand over,
/// tens of µs if the worker has parked) does ~20+ µs of
/// work; the boundaries are fixed so results do not depend on threads.
pub const PAR_CHUNK: usize = 1 << 16;
/// Below this many input elements a reduction along an axis stays on one
/// thread (one pass over 64K floats is ~10–30 µs, comparable to a parked
/// worker's wake-up).
pub const PAR_MIN_ELEMS: usize = 1 << 16;
/// Below this many elements a flat reduction (sum, mean, max, min of a whole
/// tensor) stays on one thread. It is memory-bound: `node
/// benches/thresholds.mjs` on an idle 2-core machine (2026-12-02, load 0.5,
/// three runs) measured 2 threads ÷ 1 thread at 0.60–0.69× for 128K
/// elements, 0.89–1.15× for 256K and 0.78–1.02× for 1M, so a second thread
/// never paid up to 1M and cost up to 40 % below it.
pub const FLAT_PAR_MIN_ELEMS: usize = 1 << 21;

#[inline]
fn use_par(n: usize) -> bool {
    n >= PAR_MIN_ELEMS && par::threads() > 1
}

#[inline]
fn use_par_flat(n: usize) -> bool {
    n >= FLAT_PAR_MIN_ELEMS && par::threads() > 1
}

/// `(outer, axis, inner)` for reducing `shape` along `axis`.
/// Panics if `axis >= shape.len()`.
pub fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    assert!(axis < shape.len(), "axis {axis} out of range for shape {shape:?}");
    (shape[..axis].iter().product(), shape[axis], shape[axis + 1..].iter().product())
}

// ---------------------------------------------------------------- flat sums

/// Sum of ≤ BLOCK elements: 4 F32x4 accumulators, scalar tail.
#[inline]
fn block_sum(x: &[f32]) -> f32 {
    let mut acc = [F32x4::zero(); 4];
    let mut chunks = x.chunks_exact(16);
    for c in &mut chunks {
        acc[0] = acc[0].add(F32x4::load(&c[0..]));
        acc[1] = acc[1].add(F32x4::load(&c[4..]));
        acc[2] = acc[2].add(F32x4::load(&c[8..]));
        acc[3] = acc[3].add(F32x4::load(&c[12..]));
    }
    let mut s = (acc[0].add(acc[1])).add(acc[2].add(acc[3])).hsum();
    let rem = chunks.remainder();
    for &v in rem {
        s += v;
    }
    s
}

/// Sequential blocked sum in f64 (one chunk).
#[inline]
fn chunk_sum(x: &[f32]) -> f64 {
    let mut s = 0.0f64;
    for b in x.chunks(BLOCK) {
        s += block_sum(b) as f64;
    }
    s
}

/// The `k`-th `PAR_CHUNK`-long chunk of `x` (the last may be shorter).
fn chunk_of(x: &[f32], k: usize) -> &[f32] {
    &x[k * PAR_CHUNK..((k + 1) * PAR_CHUNK).min(x.len())]
}

fn sum_all_f64(x: &[f32]) -> f64 {
    if use_par_flat(x.len()) {
        let parts: Vec<f64> = par::map(x.len().div_ceil(PAR_CHUNK), |k| chunk_sum(chunk_of(x, k)));
        parts.iter().fold(0.0, |a, b| a + b)
    } else {
        x.chunks(PAR_CHUNK).map(chunk_sum).fold(0.0, |a, b| a + b)
    }
}

/// Sum of one row, single-threaded (same chunking as [`sum_all`]).
fn row_sum_seq(x: &[f32]) -> f64 {
    x.chunks(PAR_CHUNK).map(chunk_sum).fold(0.0, |a, b| a + b)
}

/// Sum of all elements (0 for empty).
pub fn sum_all(x: &[f32]) -> f32 {
    sum_all_f64(x) as f32
}

/// Mean of all elements (NaN for empty).
pub fn mean_all(x: &[f32]) -> f32 {
    (sum_all_f64(x) / x.len() as f64) as f32
}

/// True when no element is NaN or infinite. Sums `v·0` in 8 lanes: the sum is
/// NaN exactly when some `v` is not finite, and unlike an early-exit search
/// the loop vectorises (a training step checks every gradient with it).
pub fn all_finite(x: &[f32]) -> bool {
    let mut acc = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().map(|v| v * 0.0).sum();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v * 0.0;
        }
    }
    (acc.iter().sum::<f32>() + rest).is_finite()
}

/// True when no element of any of `xs` is NaN or infinite ([`all_finite`]
/// over every tensor). A training step checks all its gradients with it
/// before applying them. Their chunks are split over the pool from
/// [`PAR_MIN_ELEMS`] values in all, far below a flat sum's threshold: the
/// gradients were just written in parallel, half on each core, and the
/// MLP's 235,000 values took 60 µs on the calling thread at every step.
pub fn all_finite_many(xs: &[&[f32]]) -> bool {
    if !use_par(xs.iter().map(|x| x.len()).sum()) {
        return xs.iter().all(|x| all_finite(x));
    }
    let chunks: Vec<&[f32]> = xs.iter().flat_map(|x| x.chunks(PAR_CHUNK)).collect();
    par::map(chunks.len(), |k| all_finite(chunks[k])).into_iter().all(|ok| ok)
}

/// Number of NaN or infinite elements. `fit` counts its whole input once
/// per call; like [`all_finite_many`] the chunks are split over the pool
/// from [`PAR_MIN_ELEMS`] values (LLVM vectorises each chunk's count). One
/// thread counts Fashion-MNIST's 47 million training values in ~17 ms.
pub fn count_non_finite(x: &[f32]) -> usize {
    let count = |c: &[f32]| c.iter().filter(|v| !v.is_finite()).count();
    if !use_par(x.len()) {
        return count(x);
    }
    par::map(x.len().div_ceil(PAR_CHUNK), |k| count(chunk_of(x, k))).into_iter().sum()
}

// ------------------------------------------------------------ flat max/min

#[inline]
fn block_max(x: &[f32]) -> f32 {
    let mut acc = [F32x4::splat(f32::NEG_INFINITY); 2];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        acc[0] = acc[0].max(F32x4::load(&c[0..]));
        acc[1] = acc[1].max(F32x4::load(&c[4..]));
    }
    let mut m = acc[0].max(acc[1]).hmax();
    for &v in chunks.remainder() {
        m = fmax(m, v);
    }
    m
}

#[inline]
fn block_min(x: &[f32]) -> f32 {
    let mut acc = [F32x4::splat(f32::INFINITY); 2];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        acc[0] = acc[0].min(F32x4::load(&c[0..]));
        acc[1] = acc[1].min(F32x4::load(&c[4..]));
    }
    let mut m = acc[0].min(acc[1]).hmin();
    for &v in chunks.remainder() {
        m = fmin(m, v);
    }
    m
}

/// Maximum (NaN if any element is NaN, -inf for empty).
pub fn max_all(x: &[f32]) -> f32 {
    if use_par_flat(x.len()) {
        par::map(x.len().div_ceil(PAR_CHUNK), |k| block_max(chunk_of(x, k))).into_iter().fold(f32::NEG_INFINITY, fmax)
    } else {
        block_max(x)
    }
}

/// Minimum (NaN if any element is NaN, +inf for empty).
pub fn min_all(x: &[f32]) -> f32 {
    if use_par_flat(x.len()) {
        par::map(x.len().div_ceil(PAR_CHUNK), |k| block_min(chunk_of(x, k))).into_iter().fold(f32::INFINITY, fmin)
    } else {
        block_min(x)
    }
}

/// First index whose value is `m` (or the first NaN when `m` is NaN).
#[inline]
fn first_index_of(x: &[f32], m: f32) -> usize {
    if m.is_nan() {
        x.iter().position(|v| v.is_nan()).unwrap_or(0)
    } else {
        x.iter().position(|&v| v == m).unwrap_or(0)
    }
}

/// Index of the first maximum (first NaN if any; 0 for empty).
pub fn argmax_all(x: &[f32]) -> u32 {
    first_index_of(x, max_all(x)) as u32
}

/// Index of the first minimum (first NaN if any; 0 for empty).
pub fn argmin_all(x: &[f32]) -> u32 {
    first_index_of(x, min_all(x)) as u32
}

// ------------------------------------------------------------ along an axis

/// Runs `f(o, c0, dst_piece)` over every `(outer row, column stripe)` of a
/// `[outer, inner]` destination, in parallel when `work` is large.
fn for_stripes<T: Send>(
    dst: &mut [T],
    outer: usize,
    inner: usize,
    work: usize,
    f: impl Fn(usize, usize, &mut [T]) + Sync,
) {
    debug_assert_eq!(dst.len(), outer * inner);
    if inner == 0 || outer == 0 {
        return;
    }
    if use_par(work) {
        // One task per (outer row, stripe), flattened.
        let stripes = inner.div_ceil(STRIPE);
        let pieces: Vec<&mut [T]> = dst.chunks_mut(inner).flat_map(|row| row.chunks_mut(STRIPE)).collect();
        par::for_each(pieces, |t, piece| f(t / stripes, (t % stripes) * STRIPE, piece));
    } else {
        for (o, row) in dst.chunks_mut(inner).enumerate() {
            for (s, piece) in row.chunks_mut(STRIPE).enumerate() {
                f(o, s * STRIPE, piece);
            }
        }
    }
}

/// Runs `f(o, dst_elem)` for every outer row of a reduction with `inner == 1`.
fn for_rows<T: Send>(dst: &mut [T], work: usize, f: impl Fn(usize, &mut T) + Sync) {
    if use_par(work) && dst.len() > 1 {
        par::for_each(dst.iter_mut().collect(), &f);
    } else {
        dst.iter_mut().enumerate().for_each(|(o, d)| f(o, d));
    }
}

/// Adds `src[c0 .. c0+acc.len()]` into `acc` with SIMD.
#[inline(always)]
fn add_into(acc: &mut [f32], src: &[f32]) {
    let n = acc.len();
    let mut i = 0;
    while i + 4 <= n {
        F32x4::load(&acc[i..]).add(F32x4::load(&src[i..])).store(&mut acc[i..]);
        i += 4;
    }
    while i < n {
        acc[i] += src[i];
        i += 1;
    }
}

/// Strided column sums for columns `c0 .. c0 + piece.len()` of outer row `o`.
fn sum_cols(x: &[f32], axis: usize, inner: usize, o: usize, c0: usize, piece: &mut [f32]) {
    let w = piece.len();
    let base = o * axis * inner + c0;
    let row = |a: usize| &x[base + a * inner..base + a * inner + w];
    if axis == 0 {
        piece.fill(0.0);
        return;
    }
    if axis <= AXIS_BLOCK {
        piece.copy_from_slice(row(0));
        for a in 1..axis {
            add_into(piece, row(a));
        }
        return;
    }
    let mut acc64 = [0.0f64; STRIPE];
    let mut tmp = [0.0f32; STRIPE];
    let (acc64, tmp) = (&mut acc64[..w], &mut tmp[..w]);
    let mut a0 = 0;
    while a0 < axis {
        let a1 = (a0 + AXIS_BLOCK).min(axis);
        tmp.copy_from_slice(row(a0));
        for a in a0 + 1..a1 {
            add_into(tmp, row(a));
        }
        for (s, &t) in acc64.iter_mut().zip(tmp.iter()) {
            *s += t as f64;
        }
        a0 = a1;
    }
    for (d, &s) in piece.iter_mut().zip(acc64.iter()) {
        *d = s as f32;
    }
}

/// `dst[o, i] = Σ_a x[o, a, i]`; `x.len() == outer·axis·inner`,
/// `dst.len() == outer·inner`.
pub fn sum_axis(x: &[f32], outer: usize, axis: usize, inner: usize, dst: &mut [f32]) {
    check(x.len(), dst.len(), outer, axis, inner);
    if inner == 1 {
        if outer == 1 {
            dst[0] = sum_all(x);
        } else {
            for_rows(dst, x.len(), |o, d| *d = row_sum_seq(&x[o * axis..(o + 1) * axis]) as f32);
        }
    } else {
        for_stripes(dst, outer, inner, x.len(), |o, c0, piece| sum_cols(x, axis, inner, o, c0, piece));
    }
}

/// Rows of one task of [`fill_rows_and_sum_columns`]: whole [`AXIS_BLOCK`]s,
/// at least this many elements (the element-wise kernels' chunk), so a task
/// is ~10+ µs of work.
const FILL_TASK_ELEMS: usize = crate::elementwise::PAR_CHUNK;

/// Writes a `[rows × c]` matrix `x` with `fill(r, x_rows)` (rows `r` of `x`,
/// in fixed tasks) and sums its columns into `dst` (length `c`) in the same
/// pass, while each task's rows are still in cache. The sums are exactly
/// [`sum_axis`]`(x, 1, rows, c, dst)`'s: blocks of [`AXIS_BLOCK`] rows added
/// in f32, the block sums accumulated in f64 in row order. Tasks are whole
/// blocks fixed by the shape and run on the pool above the element-wise
/// threshold, so the result does not depend on the thread count.
///
/// Why: a bias gradient (`Σ_rows dz`) is one column sum, which `sum_axis`
/// runs on one thread (one outer row, a few columns); fused into the pass
/// that writes `dz` it costs no extra read of `dz` and runs in parallel.
pub fn fill_rows_and_sum_columns(x: &mut [f32], dst: &mut [f32], fill: impl Fn(Range<usize>, &mut [f32]) + Sync) {
    let c = dst.len();
    assert!(c == 0 && x.is_empty() || c > 0 && x.len().is_multiple_of(c), "fill_rows_and_sum_columns: {} values are not rows of {c}", x.len());
    let rows = x.len().checked_div(c).unwrap_or(0);
    let blocks_per_task = FILL_TASK_ELEMS.div_ceil(AXIS_BLOCK * c.max(1));
    let task_rows = blocks_per_task * AXIS_BLOCK;
    // One task: fill its rows, then its blocks' f32 sums (block-major).
    let task = |t: usize, xs: &mut [f32]| -> Vec<f32> {
        let r0 = t * task_rows;
        fill(r0..r0 + xs.len() / c, xs);
        let mut sums = Vec::with_capacity(blocks_per_task * c);
        for block in xs.chunks(AXIS_BLOCK * c) {
            let start = sums.len();
            sums.extend_from_slice(&block[..c]);
            for row in block[c..].chunks_exact(c) {
                add_into(&mut sums[start..], row);
            }
        }
        sums
    };
    let parts: Vec<Vec<f32>> = if c == 0 || rows == 0 {
        Vec::new()
    } else if x.len() >= crate::elementwise::PAR_MIN_ELEMS && par::threads() > 1 {
        let pieces: Vec<&mut [f32]> = x.chunks_mut(task_rows * c).collect();
        let out: Vec<std::sync::Mutex<Vec<f32>>> = (0..pieces.len()).map(|_| std::sync::Mutex::new(Vec::new())).collect();
        par::for_each(pieces, |t, xs| *out[t].lock().unwrap_or_else(|e| e.into_inner()) = task(t, xs));
        out.into_iter().map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner())).collect()
    } else {
        x.chunks_mut(task_rows * c).enumerate().map(|(t, xs)| task(t, xs)).collect()
    };
    let mut acc = vec![0.0f64; c];
    for block in parts.iter().flat_map(|p| p.chunks_exact(c.max(1))) {
        for (a, &v) in acc.iter_mut().zip(block) {
            *a += v as f64;
        }
    }
    for (d, a) in dst.iter_mut().zip(acc) {
        *d = a as f32;
    }
}

/// `dst[o, i] = mean_a x[o, a, i]` (NaN when `axis == 0`).
pub fn mean_axis(x: &[f32], outer: usize, axis: usize, inner: usize, dst: &mut [f32]) {
    sum_axis(x, outer, axis, inner, dst);
    let n = axis as f32;
    for d in dst.iter_mut() {
        *d /= n;
    }
}

fn ext_cols(
    x: &[f32],
    axis: usize,
    inner: usize,
    o: usize,
    c0: usize,
    piece: &mut [f32],
    is_max: bool,
) {
    let w = piece.len();
    let base = o * axis * inner + c0;
    if axis == 0 {
        piece.fill(if is_max { f32::NEG_INFINITY } else { f32::INFINITY });
        return;
    }
    piece.copy_from_slice(&x[base..base + w]);
    for a in 1..axis {
        let src = &x[base + a * inner..base + a * inner + w];
        let mut i = 0;
        while i + 4 <= w {
            let (p, s) = (F32x4::load(&piece[i..]), F32x4::load(&src[i..]));
            (if is_max { p.max(s) } else { p.min(s) }).store(&mut piece[i..]);
            i += 4;
        }
        while i < w {
            piece[i] = if is_max { fmax(piece[i], src[i]) } else { fmin(piece[i], src[i]) };
            i += 1;
        }
    }
}

/// `dst[o, i] = max_a x[o, a, i]` (NaN-propagating; -inf when `axis == 0`).
pub fn max_axis(x: &[f32], outer: usize, axis: usize, inner: usize, dst: &mut [f32]) {
    check(x.len(), dst.len(), outer, axis, inner);
    if inner == 1 {
        for_rows(dst, x.len(), |o, d| *d = block_max(&x[o * axis..(o + 1) * axis]));
    } else {
        for_stripes(dst, outer, inner, x.len(), |o, c0, p| ext_cols(x, axis, inner, o, c0, p, true));
    }
}

/// `dst[o, i] = min_a x[o, a, i]` (NaN-propagating; +inf when `axis == 0`).
pub fn min_axis(x: &[f32], outer: usize, axis: usize, inner: usize, dst: &mut [f32]) {
    check(x.len(), dst.len(), outer, axis, inner);
    if inner == 1 {
        for_rows(dst, x.len(), |o, d| *d = block_min(&x[o * axis..(o + 1) * axis]));
    } else {
        for_stripes(dst, outer, inner, x.len(), |o, c0, p| ext_cols(x, axis, inner, o, c0, p, false));
    }
}

/// Gradient of `y = max_a x` (or min) along the middle axis of
/// `[outer, axis, inner]`: `dx[o,a,i] = dy[o,i] / ties[o,i]` where
/// `x[o,a,i] == y[o,i]`, else 0. `ties` counts the positions equal to the
/// extreme: dy is shared evenly among them (as TensorFlow does; at a tie this
/// is also what a central difference gives). A NaN extreme equals nothing, so
/// its gradient is 0. One pass per outer row, rows in parallel when large;
/// each element depends only on its own column, so results do not depend on
/// the thread count.
pub fn extreme_axis_backward(x: &[f32], y: &[f32], dy: &[f32], outer: usize, axis: usize, inner: usize, dx: &mut [f32]) {
    check(x.len(), y.len(), outer, axis, inner);
    assert!(dy.len() == y.len() && dx.len() == x.len(), "extreme_axis_backward: dy / dx lengths");
    let row_len = axis * inner;
    if row_len == 0 {
        return;
    }
    let one = F32x4::splat(1.0);
    let row = |o: usize, dxr: &mut [f32]| {
        let xr = &x[o * row_len..(o + 1) * row_len];
        let (yr, dyr) = (&y[o * inner..(o + 1) * inner], &dy[o * inner..(o + 1) * inner]);
        // Per column stripe: count the ties, then `share = dy / ties`, then
        // each position takes `share` where it equals the extreme.
        let mut share = [0.0f32; STRIPE];
        for c0 in (0..inner).step_by(STRIPE) {
            let w = STRIPE.min(inner - c0);
            let (ys, share) = (&yr[c0..c0 + w], &mut share[..w]);
            let v = w / 4 * 4;
            share.fill(0.0);
            for a in 0..axis {
                let xs = &xr[a * inner + c0..][..w];
                for i in (0..v).step_by(4) {
                    let hit = F32x4::load(&xs[i..]).eq(F32x4::load(&ys[i..]));
                    F32x4::load(&share[i..]).add(hit.and(one)).store(&mut share[i..]);
                }
                for i in v..w {
                    share[i] += if xs[i] == ys[i] { 1.0 } else { 0.0 };
                }
            }
            for (s, &g) in share.iter_mut().zip(&dyr[c0..c0 + w]) {
                *s = g / *s; // ties = 0 (NaN extreme): no position takes it
            }
            for a in 0..axis {
                let (xs, ds) = (&xr[a * inner + c0..][..w], &mut dxr[a * inner + c0..][..w]);
                for i in (0..v).step_by(4) {
                    let hit = F32x4::load(&xs[i..]).eq(F32x4::load(&ys[i..]));
                    hit.and(F32x4::load(&share[i..])).store(&mut ds[i..]);
                }
                for i in v..w {
                    ds[i] = if xs[i] == ys[i] { share[i] } else { 0.0 };
                }
            }
        }
    };
    if use_par(x.len()) && outer > 1 {
        par::for_each(dx.chunks_mut(row_len).collect(), row);
    } else {
        dx.chunks_mut(row_len).enumerate().for_each(|(o, dxr)| row(o, dxr));
    }
}

#[allow(clippy::too_many_arguments)]
fn arg_cols(
    x: &[f32],
    axis: usize,
    inner: usize,
    o: usize,
    c0: usize,
    piece: &mut [u32],
    is_max: bool,
) {
    let w = piece.len();
    let base = o * axis * inner + c0;
    piece.fill(0);
    if axis == 0 {
        return;
    }
    let mut best = [0.0f32; STRIPE];
    let best = &mut best[..w];
    best.copy_from_slice(&x[base..base + w]);
    for a in 1..axis {
        let src = &x[base + a * inner..base + a * inner + w];
        for i in 0..w {
            let (v, b) = (src[i], best[i]);
            let better = if is_max { v > b } else { v < b };
            if better || (v.is_nan() && !b.is_nan()) {
                best[i] = v;
                piece[i] = a as u32;
            }
        }
    }
}

/// `dst[o, i] = argmax_a x[o, a, i]` (first max wins; first NaN if any).
pub fn argmax_axis(x: &[f32], outer: usize, axis: usize, inner: usize, dst: &mut [u32]) {
    check(x.len(), dst.len(), outer, axis, inner);
    if inner == 1 {
        for_rows(dst, x.len(), |o, d| {
            let row = &x[o * axis..(o + 1) * axis];
            *d = first_index_of(row, block_max(row)) as u32
        });
    } else {
        for_stripes(dst, outer, inner, x.len(), |o, c0, p| arg_cols(x, axis, inner, o, c0, p, true));
    }
}

/// `dst[o, i] = argmin_a x[o, a, i]` (first min wins; first NaN if any).
pub fn argmin_axis(x: &[f32], outer: usize, axis: usize, inner: usize, dst: &mut [u32]) {
    check(x.len(), dst.len(), outer, axis, inner);
    if inner == 1 {
        for_rows(dst, x.len(), |o, d| {
            let row = &x[o * axis..(o + 1) * axis];
            *d = first_index_of(row, block_min(row)) as u32
        });
    } else {
        for_stripes(dst, outer, inner, x.len(), |o, c0, p| arg_cols(x, axis, inner, o, c0, p, false));
    }
}

#[inline]
fn check(xl: usize, dl: usize, outer: usize, axis: usize, inner: usize) {
    assert_eq!(xl, outer * axis * inner, "reduce: input length vs [{outer}, {axis}, {inner}]");
    assert_eq!(dl, outer * inner, "reduce: output length vs [{outer}, {inner}]");
}
