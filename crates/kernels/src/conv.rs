//! 2-D convolution, NHWC, built on [`crate::gemm`] through im2col.
//!
//! Layouts (TensorFlow.js / Keras): input `x[N,H,W,Cin]`, filter
//! `w[KH,KW,Cin,Cout]`, output `y[N,OH,OW,Cout]`, all dense row-major `f32`.
//!
//! With `P = OH·OW` output pixels per image, `M = N·P` and `K = KH·KW·Cin`,
//! the im2col matrix `cols[M×K]` holds one receptive field per row, in the
//! same `(kh, kw, ci)` order as the rows of `w` viewed as `[K×Cout]`, so
//! - forward:        `y[M×Cout]   = cols · w`
//! - filter grad:    `dw[K×Cout]  = colsᵀ · dy`        (`trans_a`)
//! - input grad:     `dcols[M×K]  = dy · wᵀ`           (`trans_b`), then col2im
//!   scatter-adds `dcols` back onto `dx`.
//!
//! `cols` is never materialised for the whole batch: the row space is cut into
//! chunks of at most [`IM2COL_CHUNK_FLOATS`] floats (whole images grouped
//! together, or slices of one image when an image alone is larger). The chunk
//! partition depends only on the shape, never on the thread count, and each
//! chunk runs exactly the same code serially or in parallel, so results are
//! bitwise identical for any number of threads:
//! - forward / input grad: chunks (input grad: groups of whole images) write
//!   disjoint parts of `y` / `dx`, run as independent rayon tasks;
//! - filter grad: each chunk produces a partial `dw`, and partials are summed
//!   in chunk order (fixed reduction tree), in waves of a few chunks so the
//!   partial buffers stay bounded.
//!
//! A 1×1 stride-1 convolution needs no im2col (`cols == x`): it is a single
//! GEMM on the input directly, and GEMM parallelises itself.

use crate::gemm::{gemm, gemm_bias_act, Activation, Gemm};
use crate::par;
use core::ops::Range;
use rayon::prelude::*;

/// Padding mode, with TensorFlow's exact semantics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Padding {
    /// `out = ceil(in / stride)`; `pad_total = max((out-1)·stride + k - in, 0)`,
    /// `pad_before = pad_total / 2` (the odd element goes bottom / right).
    #[default]
    Same,
    /// No padding: `out = ceil((in - k + 1) / stride)` (0 when `k > in`).
    Valid,
}

/// Output size and leading padding along one spatial axis, as TensorFlow
/// computes them. Returns `(out, pad_before)`. `stride` must be > 0.
pub fn out_and_pad(input: usize, k: usize, stride: usize, pad: Padding) -> (usize, usize) {
    assert!(stride > 0, "stride must be > 0");
    match pad {
        Padding::Same => {
            let out = input.div_ceil(stride);
            if out == 0 {
                return (0, 0);
            }
            let pad_total = ((out - 1) * stride + k).saturating_sub(input);
            (out, pad_total / 2)
        }
        Padding::Valid => {
            if k > input || k == 0 {
                (if k == 0 { input.div_ceil(stride) } else { 0 }, 0)
            } else {
                ((input - k + 1).div_ceil(stride), 0)
            }
        }
    }
}

/// Shape of one 2-D convolution (no dilation, no groups).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2d {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub c_in: usize,
    pub kh: usize,
    pub kw: usize,
    pub c_out: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub pad: Padding,
}

impl Conv2d {
    pub fn out_h(&self) -> usize {
        out_and_pad(self.h, self.kh, self.stride_h, self.pad).0
    }
    pub fn out_w(&self) -> usize {
        out_and_pad(self.w, self.kw, self.stride_w, self.pad).0
    }
    pub fn pad_top(&self) -> usize {
        out_and_pad(self.h, self.kh, self.stride_h, self.pad).1
    }
    pub fn pad_left(&self) -> usize {
        out_and_pad(self.w, self.kw, self.stride_w, self.pad).1
    }
    /// Padding below the input (SAME: `pad_total - pad_top`; may exceed
    /// `pad_top` by one).
    pub fn pad_bottom(&self) -> usize {
        let (oh, top) = out_and_pad(self.h, self.kh, self.stride_h, self.pad);
        if oh == 0 { 0 } else { ((oh - 1) * self.stride_h + self.kh).saturating_sub(self.h + top) }
    }
    pub fn pad_right(&self) -> usize {
        let (ow, left) = out_and_pad(self.w, self.kw, self.stride_w, self.pad);
        if ow == 0 { 0 } else { ((ow - 1) * self.stride_w + self.kw).saturating_sub(self.w + left) }
    }
    /// Elements of `x` (`N·H·W·Cin`).
    pub fn x_len(&self) -> usize {
        self.n * self.h * self.w * self.c_in
    }
    /// Elements of `w` (`KH·KW·Cin·Cout`).
    pub fn w_len(&self) -> usize {
        self.kh * self.kw * self.c_in * self.c_out
    }
    /// Elements of `y` (`N·OH·OW·Cout`).
    pub fn y_len(&self) -> usize {
        self.n * self.out_h() * self.out_w() * self.c_out
    }
    /// Multiply-adds ×2 of the forward pass (each backward pass costs the same).
    pub fn flops(&self) -> usize {
        2usize
            .saturating_mul(self.n * self.out_h() * self.out_w())
            .saturating_mul(self.kh * self.kw * self.c_in)
            .saturating_mul(self.c_out)
    }

    fn geom(&self) -> Geom {
        assert!(self.stride_h > 0 && self.stride_w > 0, "conv2d: strides must be > 0");
        let (oh, pt) = out_and_pad(self.h, self.kh, self.stride_h, self.pad);
        let (ow, pl) = out_and_pad(self.w, self.kw, self.stride_w, self.pad);
        Geom { p: *self, oh, ow, pt, pl, k: self.kh * self.kw * self.c_in }
    }

    fn check(&self, what: &str, name: &str, got: usize, want: usize) {
        assert!(got == want, "{what}: {name} has {got} elements, expected {want} for {self:?}");
    }
}

/// Upper bound on the im2col buffer of one chunk, in floats (128 KiB): small
/// enough to stay in L2 between im2col and the GEMM that reads it, and to give
/// LeNet-sized batches 14–28 chunks to spread over threads.
pub const IM2COL_CHUNK_FLOATS: usize = 32 * 1024;

/// A chunk never has fewer rows than this (unless the batch does), so huge
/// receptive fields (`K` in the thousands) still give GEMM a usable `m`.
const MIN_CHUNK_ROWS: usize = 16;

/// Below this many flops (`2·N·OH·OW·K·Cout`) a convolution pass runs on one
/// thread: as for [`crate::gemm::PAR_MIN_FLOPS`], a rayon hand-off costs a
/// few µs (more on wasm) and 2e6 flops is ~50–100 µs of single-thread work.
pub const CONV_PAR_MIN_FLOPS: usize = 2_000_000;

/// Filter-gradient chunks whose partial `dw` are held at once per thread
/// (bounds the partial buffers to `threads · this · K·Cout` floats).
const DW_WAVE_PER_THREAD: usize = 2;

#[derive(Clone, Copy)]
struct Geom {
    p: Conv2d,
    oh: usize,
    ow: usize,
    pt: usize,
    pl: usize,
    k: usize,
}

impl Geom {
    fn pixels(&self) -> usize {
        self.oh * self.ow
    }
    fn rows(&self) -> usize {
        self.p.n * self.pixels()
    }
    fn identity(&self) -> bool {
        self.p.kh == 1 && self.p.kw == 1 && self.p.stride_h == 1 && self.p.stride_w == 1
    }
    fn parallel(&self) -> bool {
        par::threads() > 1 && self.p.flops() >= CONV_PAR_MIN_FLOPS
    }

    /// Rows per chunk when one image is split (`pixels > budget`), or the
    /// budget used to group whole images.
    fn chunk_rows(&self) -> usize {
        (IM2COL_CHUNK_FLOATS / self.k.max(1)).max(MIN_CHUNK_ROWS)
    }

    /// The fixed partition of the image range into groups, each with its
    /// row chunks (global row indices, contiguous, in order). Groups own
    /// disjoint whole images.
    fn groups(&self) -> Vec<(Range<usize>, Vec<Range<usize>>)> {
        let (n, pix, cr) = (self.p.n, self.pixels(), self.chunk_rows());
        let mut out = Vec::new();
        if pix == 0 || n == 0 {
            return out;
        }
        if pix <= cr {
            let per = cr / pix;
            let mut i = 0;
            while i < n {
                let j = (i + per).min(n);
                #[allow(clippy::single_range_in_vec_init)] // one chunk of rows
                out.push((i..j, vec![i * pix..j * pix]));
                i = j;
            }
        } else {
            for i in 0..n {
                let base = i * pix;
                let chunks = (0..pix).step_by(cr).map(|r| base + r..base + (r + cr).min(pix)).collect();
                out.push((i..i + 1, chunks));
            }
        }
        out
    }

    fn chunks(&self) -> Vec<Range<usize>> {
        self.groups().into_iter().flat_map(|(_, c)| c).collect()
    }

    /// Fills `cols[rows.len() × K]` with the receptive fields of `rows`.
    fn im2col(&self, x: &[f32], rows: Range<usize>, cols: &mut [f32]) {
        let p = &self.p;
        let (pix, k, cin) = (self.pixels(), self.k, p.c_in);
        let span = p.kw * cin;
        for (r, row) in rows.zip(cols.chunks_exact_mut(k)) {
            let (b, q) = (r / pix, r % pix);
            let (oy, ox) = (q / self.ow, q % self.ow);
            let (y0, x0) = ((oy * p.stride_h) as isize - self.pt as isize, (ox * p.stride_w) as isize - self.pl as isize);
            let (kx0, kx1) = valid_taps(x0, p.kw, p.w);
            for (ky, seg) in row.chunks_exact_mut(span).enumerate() {
                let iy = y0 + ky as isize;
                if iy < 0 || iy >= p.h as isize || kx0 >= kx1 {
                    seg.fill(0.0);
                    continue;
                }
                seg[..kx0 * cin].fill(0.0);
                seg[kx1 * cin..].fill(0.0);
                let src = ((b * p.h + iy as usize) * p.w + (x0 + kx0 as isize) as usize) * cin;
                seg[kx0 * cin..kx1 * cin].copy_from_slice(&x[src..src + (kx1 - kx0) * cin]);
            }
        }
    }

    /// `dx += col2im(dcols)` for `rows`; `dx` starts at image `img0`.
    fn col2im(&self, dcols: &[f32], rows: Range<usize>, dx: &mut [f32], img0: usize) {
        let p = &self.p;
        let (pix, k, cin) = (self.pixels(), self.k, p.c_in);
        let span = p.kw * cin;
        for (r, row) in rows.zip(dcols.chunks_exact(k)) {
            let (b, q) = (r / pix - img0, r % pix);
            let (oy, ox) = (q / self.ow, q % self.ow);
            let (y0, x0) = ((oy * p.stride_h) as isize - self.pt as isize, (ox * p.stride_w) as isize - self.pl as isize);
            let (kx0, kx1) = valid_taps(x0, p.kw, p.w);
            if kx0 >= kx1 {
                continue;
            }
            for (ky, seg) in row.chunks_exact(span).enumerate() {
                let iy = y0 + ky as isize;
                if iy < 0 || iy >= p.h as isize {
                    continue;
                }
                let dst = ((b * p.h + iy as usize) * p.w + (x0 + kx0 as isize) as usize) * cin;
                let len = (kx1 - kx0) * cin;
                for (d, s) in dx[dst..dst + len].iter_mut().zip(&seg[kx0 * cin..kx1 * cin]) {
                    *d += s;
                }
            }
        }
    }
}

/// Range `[k0, k1)` of filter taps whose input column `x0 + t` lies in `[0, w)`.
#[inline]
fn valid_taps(x0: isize, k: usize, w: usize) -> (usize, usize) {
    let k0 = (-x0).clamp(0, k as isize) as usize;
    let k1 = (w as isize - x0).clamp(0, k as isize) as usize;
    (k0, k1.max(k0))
}

/// Splits `s` into consecutive pieces of the given lengths.
fn split_lens(mut s: &mut [f32], lens: impl Iterator<Item = usize>) -> Vec<&mut [f32]> {
    let mut out = Vec::new();
    for len in lens {
        let (head, tail) = core::mem::take(&mut s).split_at_mut(len);
        out.push(head);
        s = tail;
    }
    out
}

/// `y = conv2d(x, w) (+ bias)`. `bias`, if given, has `Cout` values.
/// Panics if a slice length does not match `p`.
pub fn conv2d_forward(p: &Conv2d, x: &[f32], w: &[f32], y: &mut [f32], bias: Option<&[f32]>) {
    const WHAT: &str = "conv2d_forward";
    p.check(WHAT, "x", x.len(), p.x_len());
    p.check(WHAT, "w", w.len(), p.w_len());
    p.check(WHAT, "y", y.len(), p.y_len());
    if let Some(b) = bias {
        p.check(WHAT, "bias", b.len(), p.c_out);
    }
    let g = p.geom();
    let cout = p.c_out;
    if y.is_empty() {
        return;
    }
    if g.k == 0 {
        // Empty receptive field: only the bias remains.
        for row in y.chunks_exact_mut(cout) {
            match bias {
                Some(b) => row.copy_from_slice(b),
                None => row.fill(0.0),
            }
        }
        return;
    }
    if g.identity() {
        let mm = Gemm::new(g.rows(), cout, p.c_in);
        gemm_bias_act(&mm, x, w, y, bias, Activation::None);
        return;
    }
    let run = |rows: Range<usize>, ys: &mut [f32], cols: &mut Vec<f32>| {
        cols.resize(rows.len() * g.k, 0.0);
        g.im2col(x, rows.clone(), cols);
        let mm = Gemm::new(rows.len(), cout, g.k);
        gemm_bias_act(&mm, cols, w, ys, bias, Activation::None);
    };
    let chunks = g.chunks();
    let parts = split_lens(y, chunks.iter().map(|r| r.len() * cout));
    if g.parallel() && chunks.len() > 1 {
        chunks.into_par_iter().zip(parts).for_each_init(Vec::new, |cols, (rows, ys)| run(rows, ys, cols));
    } else {
        let mut cols = Vec::new();
        for (rows, ys) in chunks.into_iter().zip(parts) {
            run(rows, ys, &mut cols);
        }
    }
}

/// `dx = ∂(Σ y·dy)/∂x` (overwritten). Panics if a slice length does not match `p`.
pub fn conv2d_backward_input(p: &Conv2d, dy: &[f32], w: &[f32], dx: &mut [f32]) {
    const WHAT: &str = "conv2d_backward_input";
    p.check(WHAT, "dy", dy.len(), p.y_len());
    p.check(WHAT, "w", w.len(), p.w_len());
    p.check(WHAT, "dx", dx.len(), p.x_len());
    let g = p.geom();
    let cout = p.c_out;
    if g.identity() {
        // dx[M×Cin] = dy[M×Cout] · w[Cin×Cout]ᵀ
        let mm = Gemm { m: g.rows(), n: p.c_in, k: cout, trans_a: false, trans_b: true, accumulate: false };
        gemm(&mm, dy, w, dx);
        return;
    }
    dx.fill(0.0);
    if dy.is_empty() || dx.is_empty() || g.k == 0 {
        return;
    }
    let img = p.h * p.w * p.c_in;
    // One group = whole images, so groups write disjoint parts of dx; the
    // chunks inside a group run in order.
    let run = |imgs: Range<usize>, chunks: Vec<Range<usize>>, dxs: &mut [f32], dcols: &mut Vec<f32>| {
        for rows in chunks {
            dcols.resize(rows.len() * g.k, 0.0);
            let mm = Gemm { m: rows.len(), n: g.k, k: cout, trans_a: false, trans_b: true, accumulate: false };
            gemm(&mm, &dy[rows.start * cout..rows.end * cout], w, dcols);
            g.col2im(dcols, rows, dxs, imgs.start);
        }
    };
    let groups = g.groups();
    let parts = split_lens(dx, groups.iter().map(|(i, _)| i.len() * img));
    if g.parallel() && groups.len() > 1 {
        groups
            .into_par_iter()
            .zip(parts)
            .for_each_init(Vec::new, |buf, ((imgs, chunks), dxs)| run(imgs, chunks, dxs, buf));
    } else {
        let mut buf = Vec::new();
        for ((imgs, chunks), dxs) in groups.into_iter().zip(parts) {
            run(imgs, chunks, dxs, &mut buf);
        }
    }
}

/// `dw = ∂(Σ y·dy)/∂w` (overwritten). Panics if a slice length does not match `p`.
pub fn conv2d_backward_filter(p: &Conv2d, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    const WHAT: &str = "conv2d_backward_filter";
    p.check(WHAT, "x", x.len(), p.x_len());
    p.check(WHAT, "dy", dy.len(), p.y_len());
    p.check(WHAT, "dw", dw.len(), p.w_len());
    let g = p.geom();
    let cout = p.c_out;
    if g.identity() {
        // dw[Cin×Cout] = x[M×Cin]ᵀ · dy[M×Cout]
        let mm = Gemm { m: p.c_in, n: cout, k: g.rows(), trans_a: true, trans_b: false, accumulate: false };
        gemm(&mm, x, dy, dw);
        return;
    }
    dw.fill(0.0);
    if dy.is_empty() || dw.is_empty() || g.k == 0 {
        return;
    }
    let wl = dw.len();
    // Partial dw of one chunk: colsᵀ · dy over its rows.
    let partial = |rows: Range<usize>, out: &mut [f32], cols: &mut Vec<f32>| {
        cols.resize(rows.len() * g.k, 0.0);
        g.im2col(x, rows.clone(), cols);
        let mm = Gemm { m: g.k, n: cout, k: rows.len(), trans_a: true, trans_b: false, accumulate: false };
        gemm(&mm, cols, &dy[rows.start * cout..rows.end * cout], out);
    };
    let chunks = g.chunks();
    // Fixed reduction order: dw = ((p0 + p1) + p2) + … whatever the threads.
    let add = |dw: &mut [f32], part: &[f32]| {
        for (d, s) in dw.iter_mut().zip(part) {
            *d += s;
        }
    };
    if g.parallel() && chunks.len() > 1 {
        let wave = par::threads() * DW_WAVE_PER_THREAD;
        let mut parts = vec![0.0f32; wave.min(chunks.len()) * wl];
        for batch in chunks.chunks(wave) {
            let parts = &mut parts[..batch.len() * wl];
            batch
                .par_iter()
                .zip(parts.par_chunks_mut(wl))
                .for_each_init(Vec::new, |cols, (rows, out)| partial(rows.clone(), out, cols));
            for part in parts.chunks_exact(wl) {
                add(dw, part);
            }
        }
    } else {
        let (mut cols, mut part) = (Vec::new(), vec![0.0f32; wl]);
        for rows in chunks {
            partial(rows, &mut part, &mut cols);
            add(dw, &part);
        }
    }
}

/// `db[c] = Σ dy[…, c]` (overwritten): the gradient of a per-channel bias.
pub fn conv2d_backward_bias(p: &Conv2d, dy: &[f32], db: &mut [f32]) {
    p.check("conv2d_backward_bias", "dy", dy.len(), p.y_len());
    p.check("conv2d_backward_bias", "db", db.len(), p.c_out);
    db.fill(0.0);
    if p.c_out == 0 {
        return;
    }
    for row in dy.chunks_exact(p.c_out) {
        for (d, s) in db.iter_mut().zip(row) {
            *d += s;
        }
    }
}
