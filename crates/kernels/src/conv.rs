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
//!   disjoint parts of `y` / `dx`, run as independent pool tasks;
//! - filter grad: consecutive chunks form up to 16 "slabs" (count fixed by the
//!   shape and a 4 MiB cap on partial buffers); each slab accumulates its own
//!   partial `dw` through GEMM's `accumulate`, slabs run as pool tasks, and
//!   the partials are summed in slab order.
//!
//! Cin = 1 (a first layer on grayscale images) builds the transposed buffer
//! `colsᵀ[K × rows]` instead: per tap, consecutive output pixels read
//! consecutive input pixels, so im2col is a few long copies rather than
//! many 1–5-float ones (2× faster on the LeNet first layer).
//!
//! Thin layers (≤ 32 output channels of the correlation, filter ≤ 16 Ki floats)
//! skip im2col + GEMM altogether and run a direct convolution ([`direct`]):
//! forward, input gradient at stride 1, and filter gradient when `Cout % 4 ==
//! 0`. Same determinism rules (fixed, shape-only task partition; partial
//! filter gradients summed in task order).
//!
//! A 1×1 stride-1 convolution needs no im2col (`cols == x`): it is a single
//! GEMM on the input directly, and GEMM parallelises itself.

pub mod depthwise;
mod direct;
pub mod lookup;
mod pooled;

use crate::gemm::{gemm, gemm_bias_act, Activation, Gemm};
use crate::par;
use core::ops::Range;
use direct::Direct;
pub use pooled::conv2d_forward_pool;
use std::cell::Cell;
pub use crate::window::{out_and_pad, Padding};
use crate::window::{check_len, Window2d};

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
    /// The sliding window (no dilation).
    pub fn window(&self) -> Window2d {
        Window2d { h: self.h, w: self.w, kh: self.kh, kw: self.kw, stride_h: self.stride_h, stride_w: self.stride_w, dil_h: 1, dil_w: 1, pad: self.pad }
    }
    pub fn out_h(&self) -> usize {
        self.window().out_h()
    }
    pub fn out_w(&self) -> usize {
        self.window().out_w()
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
        let o = self.window().place("conv2d", self);
        Geom { p: *self, oh: o.oh, ow: o.ow, pt: o.pt, pl: o.pl, k: self.kh * self.kw * self.c_in }
    }

    fn check(&self, what: &str, name: &str, got: usize, want: usize) {
        check_len(what, name, got, want, self);
    }
}

/// Upper bound on the im2col buffer of one chunk, in floats (128 KiB): small
/// enough to stay in L2 between im2col and the GEMM that reads it, and to give
/// LeNet-sized batches 14–28 chunks to spread over threads.
pub const IM2COL_CHUNK_FLOATS: usize = 32 * 1024;

/// A chunk never has fewer rows than this (unless the batch does), so huge
/// receptive fields (`K` in the thousands) still give GEMM a usable depth /
/// row count (the im2col buffer then exceeds the target: 64·K floats, 1.2 MB
/// for a 3×3×512 filter).
const MIN_CHUNK_ROWS: usize = 64;

/// Below this many flops (`2·N·OH·OW·K·Cout`) a convolution pass runs on one
/// thread: as for [`crate::gemm::PAR_MIN_FLOPS`], a pool hand-off costs
/// ~1 µs (tens of µs when a worker must be woken) and 2e6 flops is ~50–100 µs of single-thread work.
pub const CONV_PAR_MIN_FLOPS: usize = 2_000_000;

/// The filter gradient splits the chunks into at most this many contiguous
/// "slabs", each accumulating its own partial `dw` (GEMM `accumulate`), run in
/// parallel and then summed in slab order. The count depends on the shape
/// only (never on the thread count), so results are thread-count independent;
/// 16 covers the thread pools a browser gives us.
const DW_MAX_SLABS: usize = 16;

/// ... and the partial `dw` buffers together stay under this many floats
/// (4 MiB); a layer whose `dw` alone is bigger gets a single slab and relies
/// on GEMM's own threading instead.
const DW_PARTIALS_MAX_FLOATS: usize = 1 << 20;

/// The direct path (see [`direct`]) handles at most this many output
/// channels of the correlation (`Cout` forward / filter grad, `Cin` input
/// grad) ...
const DIRECT_MAX_CHANNELS: usize = 32;
/// ... and filters of at most this many floats (64 KiB: the packed filter is
/// re-read for every 5-pixel tile and should stay in L1/L2). Larger layers
/// have enough `K`/`Cout` for GEMM's packing to pay off.
const DIRECT_MAX_FILTER: usize = 16 * 1024;

thread_local! {
    static DIRECT_ENABLED: Cell<bool> = const { Cell::new(true) };
}

/// Testing / benchmarking hook: with `false`, convolutions started *on this
/// thread* use im2col + GEMM even where the direct path applies (so tests can
/// check both paths against the reference). Default `true`.
#[doc(hidden)]
pub fn set_direct_enabled_on_this_thread(on: bool) {
    DIRECT_ENABLED.with(|c| c.set(on));
}

/// Runs a forward-type direct correlation over its fixed task partition,
/// tasks in parallel when `parallel` (disjoint output rows).
fn run_direct(d: &Direct, src: &[f32], wt: &[f32], out: &mut [f32], bias: Option<&[f32]>, relu: bool, parallel: bool) {
    let tasks = d.tasks(usize::MAX);
    let parts = split_lens(out, tasks.iter().map(|r| r.len() * d.ow * d.no));
    run_tasks(tasks.into_iter().zip(parts).collect(), parallel, || (), |_, (rows, o)| d.run(src, wt, rows, o, bias, relu));
}

/// Runs `f(scratch, item)` for every item: on the pool when `parallel` (and
/// there is more than one), else in order on this thread. `init` makes the
/// scratch of each thread that takes part.
fn run_tasks<T: Send, S>(items: Vec<T>, parallel: bool, init: impl Fn() -> S + Sync, f: impl Fn(&mut S, T) + Sync) {
    if parallel && items.len() > 1 {
        par::for_each_init(items, init, |s, _, item| f(s, item));
    } else {
        let mut s = init();
        for item in items {
            f(&mut s, item);
        }
    }
}

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
    /// Cin = 1 uses the transposed buffer `colsᵀ[K × rows]`: for one tap, the
    /// receptive-field values of consecutive output pixels are (for stride 1)
    /// consecutive input pixels, so im2col is KH·KW·OH long copies instead of
    /// OH·OW·KH copies of KW floats each.
    fn transposed(&self) -> bool {
        self.p.c_in == 1
    }
    fn parallel(&self) -> bool {
        par::threads() > 1 && self.p.flops() >= CONV_PAR_MIN_FLOPS
    }

    /// Whether the thin-layer direct path applies at all (see [`direct`]):
    /// small filters and few output channels, where im2col + GEMM is mostly
    /// data movement and padding.
    fn direct_ok(&self, out_channels: usize) -> bool {
        DIRECT_ENABLED.with(Cell::get)
            && !self.identity()
            && self.k > 0
            && out_channels <= DIRECT_MAX_CHANNELS
            && self.p.w_len() <= DIRECT_MAX_FILTER
            && self.p.n * self.oh * self.ow > 0
    }

    /// Forward (and filter gradient) as a direct correlation of `x`.
    fn direct_fwd(&self) -> Direct {
        let p = &self.p;
        Direct {
            n: p.n,
            hs: p.h,
            ws: p.w,
            c: p.c_in,
            kh: p.kh,
            kw: p.kw,
            sh: p.stride_h,
            sw: p.stride_w,
            pt: self.pt,
            pl: self.pl,
            oh: self.oh,
            ow: self.ow,
            no: p.c_out,
        }
    }

    /// [`direct_fwd`](Self::direct_fwd) with the filter `w` packed for it.
    fn direct_fwd_packed(&self, w: &[f32]) -> (Direct, Vec<f32>) {
        let d = self.direct_fwd();
        let cout = self.p.c_out;
        let wt = d.pack_weights(|k, n| w[k * cout + n]);
        (d, wt)
    }

    /// Input gradient at stride 1 as a direct correlation of `dy` with the
    /// flipped, channel-swapped filter: `dx[iy] = Σ dy[iy + pt - ky]·w[ky]`,
    /// i.e. padding `KH-1-pt` before (`pt ≤ KH-1` at stride 1).
    fn direct_bwd_input(&self) -> Direct {
        let p = &self.p;
        Direct {
            n: p.n,
            hs: self.oh,
            ws: self.ow,
            c: p.c_out,
            kh: p.kh,
            kw: p.kw,
            sh: 1,
            sw: 1,
            pt: p.kh - 1 - self.pt,
            pl: p.kw - 1 - self.pl,
            oh: p.h,
            ow: p.w,
            no: p.c_in,
        }
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

    /// Calls `f(i, b, y0, x0)` for each row `rows.start + i`: image `b` and
    /// the top-left input corner `(y0, x0)` of its receptive field (may be
    /// negative inside the padding). Walks counters instead of dividing.
    #[inline(always)]
    fn walk(&self, rows: Range<usize>, mut f: impl FnMut(usize, usize, isize, isize)) {
        let (pix, ow) = (self.pixels(), self.ow);
        if rows.is_empty() {
            return;
        }
        let (mut b, q) = (rows.start / pix, rows.start % pix);
        let (mut oy, mut ox) = (q / ow, q % ow);
        let (sh, sw) = (self.p.stride_h as isize, self.p.stride_w as isize);
        let x_start = -(self.pl as isize);
        let mut y0 = oy as isize * sh - self.pt as isize;
        let mut x0 = ox as isize * sw + x_start;
        for i in 0..rows.len() {
            f(i, b, y0, x0);
            ox += 1;
            x0 += sw;
            if ox == ow {
                ox = 0;
                x0 = x_start;
                oy += 1;
                y0 += sh;
                if oy == self.oh {
                    oy = 0;
                    y0 = -(self.pt as isize);
                    b += 1;
                }
            }
        }
    }

    /// Calls `f(i0, b, oy, ox0..ox1)` for each run of `rows` that lies on one
    /// output row: rows `rows.start + i0 ..` are pixels `(b, oy, ox0..ox1)`.
    fn segments(&self, rows: Range<usize>, mut f: impl FnMut(usize, usize, usize, Range<usize>)) {
        let (pix, ow) = (self.pixels(), self.ow);
        let mut r = rows.start;
        while r < rows.end {
            let (b, q) = (r / pix, r % pix);
            let (oy, ox) = (q / ow, q % ow);
            let ox1 = ow.min(ox + (rows.end - r));
            f(r - rows.start, b, oy, ox..ox1);
            r += ox1 - ox;
        }
    }

    /// Output columns `ox` in `oxs` whose tap `kx` reads inside the input:
    /// `0 <= ox·sw - pl + kx < w`.
    fn valid_ox(&self, kx: usize, oxs: &Range<usize>) -> Range<usize> {
        let (sw, off) = (self.p.stride_w, kx as isize - self.pl as isize);
        // Smallest ox with ox·sw + off >= 0, and first ox with ox·sw + off >= w.
        let lo = if off >= 0 { 0 } else { ((-off) as usize).div_ceil(sw) };
        let hi = if (self.p.w as isize) <= off { 0 } else { (self.p.w as isize - off) as usize }.div_ceil(sw);
        let (lo, hi) = (lo.clamp(oxs.start, oxs.end), hi.clamp(oxs.start, oxs.end));
        lo..hi.max(lo)
    }

    /// Cin = 1: fills `colt[K × R]` (`R = rows.len()`), tap-major.
    fn im2col_t(&self, x: &[f32], rows: Range<usize>, colt: &mut [f32]) {
        let p = &self.p;
        let nr = rows.len();
        let colt = &mut colt[..self.k * nr];
        let sw = p.stride_w;
        self.segments(rows, |i0, b, oy, oxs| {
            let len = oxs.len();
            for ky in 0..p.kh {
                let iy = (oy * p.stride_h + ky) as isize - self.pt as isize;
                for kx in 0..p.kw {
                    let seg = &mut colt[(ky * p.kw + kx) * nr + i0..][..len];
                    if iy < 0 || iy >= p.h as isize {
                        zero(seg);
                        continue;
                    }
                    let v = self.valid_ox(kx, &oxs);
                    let (a, z) = (v.start - oxs.start, v.end - oxs.start);
                    zero(&mut seg[..a]);
                    zero(&mut seg[z..]);
                    if a == z {
                        continue;
                    }
                    let ix0 = v.start * sw + kx - self.pl;
                    let src = &x[(b * p.h + iy as usize) * p.w + ix0..];
                    if sw == 1 {
                        seg[a..z].copy_from_slice(&src[..z - a]);
                    } else {
                        for (d, s) in seg[a..z].iter_mut().zip(src.iter().step_by(sw)) {
                            *d = *s;
                        }
                    }
                }
            }
        });
    }

    /// Cin = 1: `dx += col2im(dcolt)` for `rows`; `dx` starts at image `img0`.
    fn col2im_t(&self, dcolt: &[f32], rows: Range<usize>, dx: &mut [f32], img0: usize) {
        let p = &self.p;
        let nr = rows.len();
        let sw = p.stride_w;
        self.segments(rows, |i0, b, oy, oxs| {
            let len = oxs.len();
            for ky in 0..p.kh {
                let iy = (oy * p.stride_h + ky) as isize - self.pt as isize;
                if iy < 0 || iy >= p.h as isize {
                    continue;
                }
                for kx in 0..p.kw {
                    let seg = &dcolt[(ky * p.kw + kx) * nr + i0..][..len];
                    let v = self.valid_ox(kx, &oxs);
                    if v.is_empty() {
                        continue;
                    }
                    let (a, z) = (v.start - oxs.start, v.end - oxs.start);
                    let ix0 = v.start * sw + kx - self.pl;
                    let dst = &mut dx[((b - img0) * p.h + iy as usize) * p.w + ix0..];
                    if sw == 1 {
                        for (d, s) in dst[..z - a].iter_mut().zip(&seg[a..z]) {
                            *d += s;
                        }
                    } else {
                        for (d, s) in dst.iter_mut().step_by(sw).zip(&seg[a..z]) {
                            *d += s;
                        }
                    }
                }
            }
        });
    }

    /// Forward pass of the output pixels `rows` (global row indices
    /// `b·OH·OW + pixel`) into `ys`, through im2col (into `cols`) and GEMM
    /// with the bias and `act` fused into its store.
    #[allow(clippy::too_many_arguments)]
    fn forward_rows_gemm(&self, x: &[f32], w: &[f32], rows: Range<usize>, ys: &mut [f32], bias: Option<&[f32]>, act: Activation, cols: &mut Vec<f32>) {
        cols.resize(rows.len() * self.k, 0.0);
        let mut mm = Gemm::new(rows.len(), self.p.c_out, self.k);
        if self.transposed() {
            self.im2col_t(x, rows.clone(), cols);
            mm.trans_a = true;
        } else {
            self.im2col(x, rows.clone(), cols);
        }
        gemm_bias_act(&mm, cols, w, ys, bias, act);
    }

    /// Fills `cols[rows.len() × K]` with the receptive fields of `rows`.
    fn im2col(&self, x: &[f32], rows: Range<usize>, cols: &mut [f32]) {
        let p = &self.p;
        let (k, cin, kh) = (self.k, p.c_in, p.kh);
        let span = p.kw * cin;
        let cols = &mut cols[..rows.len() * k];
        self.walk(rows, |i, b, y0, x0| {
            let row = &mut cols[i * k..(i + 1) * k];
            let (kx0, kx1) = valid_taps(x0, p.kw, p.w);
            let (ky0, ky1) = valid_taps(y0, kh, p.h);
            if kx0 == 0 && kx1 == p.kw && ky0 == 0 && ky1 == kh {
                // Interior pixel (the common case): KH contiguous spans, no zeros.
                let src0 = ((b * p.h + y0 as usize) * p.w + x0 as usize) * cin;
                for (ky, seg) in row.chunks_exact_mut(span).enumerate() {
                    let src = src0 + ky * p.w * cin;
                    copy_short(seg, &x[src..src + span]);
                }
                return;
            }
            // `fill` is a `memset` call even when empty: skip empty ranges.
            zero(&mut row[..ky0 * span]);
            zero(&mut row[ky1 * span..]);
            let (lo, hi) = (kx0 * cin, kx1 * cin);
            for ky in ky0..ky1 {
                let seg = &mut row[ky * span..(ky + 1) * span];
                zero(&mut seg[..lo]);
                zero(&mut seg[hi..]);
                let src = ((b * p.h + (y0 + ky as isize) as usize) * p.w + (x0 + kx0 as isize) as usize) * cin;
                copy_short(&mut seg[lo..hi], &x[src..src + (hi - lo)]);
            }
        });
    }

    /// `dx += col2im(dcols)` for `rows`; `dx` starts at image `img0`.
    fn col2im(&self, dcols: &[f32], rows: Range<usize>, dx: &mut [f32], img0: usize) {
        let p = &self.p;
        let (k, cin, kh) = (self.k, p.c_in, p.kh);
        let span = p.kw * cin;
        self.walk(rows, |i, b, y0, x0| {
            let row = &dcols[i * k..(i + 1) * k];
            let (kx0, kx1) = valid_taps(x0, p.kw, p.w);
            let (ky0, ky1) = valid_taps(y0, kh, p.h);
            let (lo, hi) = (kx0 * cin, kx1 * cin);
            for ky in ky0..ky1 {
                let seg = &row[ky * span + lo..ky * span + hi];
                let dst = (((b - img0) * p.h + (y0 + ky as isize) as usize) * p.w + (x0 + kx0 as isize) as usize) * cin;
                for (d, s) in dx[dst..dst + seg.len()].iter_mut().zip(seg) {
                    *d += s;
                }
            }
        });
    }
}

/// `s.fill(0.0)`, skipping the `memset` call when `s` is empty.
#[inline(always)]
fn zero(s: &mut [f32]) {
    if !s.is_empty() {
        s.fill(0.0);
    }
}

/// `dst.copy_from_slice(src)` without a `memcpy` call for the few-float
/// spans of thin layers (Cin = 1: a 3×3 patch row is three 3-float copies).
/// Constant-length copies compile to plain moves; a loop would be turned back
/// into a `memcpy` call by LLVM.
#[inline(always)]
fn copy_short(dst: &mut [f32], src: &[f32]) {
    macro_rules! fixed {
        ($($n:literal)*) => {
            match dst.len() {
                $($n => dst[..$n].copy_from_slice(&src[..$n]),)*
                _ => dst.copy_from_slice(src),
            }
        };
    }
    fixed!(0 1 2 3 4 5 6 7 8);
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
    conv2d_forward_act(p, x, w, y, bias, Activation::None);
}

/// `y = act(conv2d(x, w) (+ bias))`: the activation is applied as each tile
/// is stored (direct and GEMM paths alike), so a conv+ReLU layer writes its
/// output once instead of writing it and then rewriting it in a second pass.
pub fn conv2d_forward_act(p: &Conv2d, x: &[f32], w: &[f32], y: &mut [f32], bias: Option<&[f32]>, act: Activation) {
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
            if act == Activation::Relu {
                row.iter_mut().for_each(|v| *v = crate::simd::relu(*v));
            }
        }
        return;
    }
    if g.identity() {
        let mm = Gemm::new(g.rows(), cout, p.c_in);
        gemm_bias_act(&mm, x, w, y, bias, act);
        return;
    }
    if g.direct_ok(cout) {
        let (d, wt) = g.direct_fwd_packed(w);
        run_direct(&d, x, &wt, y, bias, act == Activation::Relu, g.parallel());
        return;
    }
    let run = |rows: Range<usize>, ys: &mut [f32], cols: &mut Vec<f32>| g.forward_rows_gemm(x, w, rows, ys, bias, act, cols);
    let chunks = g.chunks();
    let parts = split_lens(y, chunks.iter().map(|r| r.len() * cout));
    if g.parallel() && chunks.len() > 1 {
        par::for_each_init(chunks.into_iter().zip(parts).collect(), Vec::new, |cols, _, (rows, ys)| run(rows, ys, cols));
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
    if dy.is_empty() || dx.is_empty() || g.k == 0 {
        dx.fill(0.0);
        return;
    }
    if p.stride_h == 1 && p.stride_w == 1 && g.direct_ok(p.c_in) {
        // Overwrites every element of dx: no zeroing pass.
        let d = g.direct_bwd_input();
        let (kh, kw, cin) = (p.kh, p.kw, p.c_in);
        // Depth (ky', kx', co) of the flipped filter; output channel ci.
        let wt = d.pack_weights(|k, ci| {
            let (t, co) = (k / cout, k % cout);
            let (ky, kx) = (kh - 1 - t / kw, kw - 1 - t % kw);
            w[((ky * kw + kx) * cin + ci) * cout + co]
        });
        run_direct(&d, dy, &wt, dx, None, false, g.parallel());
        return;
    }
    dx.fill(0.0);
    let img = p.h * p.w * p.c_in;
    // One group = whole images, so groups write disjoint parts of dx; the
    // chunks inside a group run in order.
    let run = |imgs: Range<usize>, chunks: Vec<Range<usize>>, dxs: &mut [f32], dcols: &mut Vec<f32>| {
        for rows in chunks {
            dcols.resize(rows.len() * g.k, 0.0);
            let dyr = &dy[rows.start * cout..rows.end * cout];
            if g.transposed() {
                // dcolsᵀ[K×R] = w[K×Cout] · dy[R×Cout]ᵀ
                let mm = Gemm { m: g.k, n: rows.len(), k: cout, trans_a: false, trans_b: true, accumulate: false };
                gemm(&mm, w, dyr, dcols);
                g.col2im_t(dcols, rows, dxs, imgs.start);
            } else {
                let mm = Gemm { m: rows.len(), n: g.k, k: cout, trans_a: false, trans_b: true, accumulate: false };
                gemm(&mm, dyr, w, dcols);
                g.col2im(dcols, rows, dxs, imgs.start);
            }
        }
    };
    let groups = g.groups();
    let parts = split_lens(dx, groups.iter().map(|(i, _)| i.len() * img));
    if g.parallel() && groups.len() > 1 {
        par::for_each_init(groups.into_iter().zip(parts).collect(), Vec::new, |buf, _, ((imgs, chunks), dxs)| {
            run(imgs, chunks, dxs, buf)
        });
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
    if cout.is_multiple_of(4) && g.direct_ok(cout) {
        // Fixed task partition (shape only), one partial per task, summed in
        // task order: thread-count independent. dw itself is task 0's partial.
        let d = g.direct_fwd();
        let tasks = d.tasks(DW_PARTIALS_MAX_FLOATS / wl);
        let mut parts = vec![0.0f32; (tasks.len().max(1) - 1) * wl];
        let mut outs: Vec<&mut [f32]> = vec![&mut *dw];
        outs.extend(parts.chunks_exact_mut(wl));
        if g.parallel() && tasks.len() > 1 {
            par::for_each(tasks.into_iter().zip(outs).collect(), |_, (rows, out)| d.filter_grad(x, dy, rows, out));
        } else {
            for (rows, out) in tasks.into_iter().zip(outs) {
                d.filter_grad(x, dy, rows, out);
            }
        }
        for part in parts.chunks_exact(wl) {
            for (d, s) in dw.iter_mut().zip(part) {
                *d += s;
            }
        }
        return;
    }
    // One slab: its chunks in order, each adding colsᵀ · dy over its rows
    // into the slab's partial `out` (the first chunk overwrites).
    let slab = |chunks: &[Range<usize>], out: &mut [f32], cols: &mut Vec<f32>| {
        for (i, rows) in chunks.iter().enumerate() {
            cols.resize(rows.len() * g.k, 0.0);
            // colsᵀ is stored K×R (plain `a`), cols is R×K (`trans_a`).
            let trans_a = !g.transposed();
            if trans_a {
                g.im2col(x, rows.clone(), cols);
            } else {
                g.im2col_t(x, rows.clone(), cols);
            }
            let mm = Gemm { m: g.k, n: cout, k: rows.len(), trans_a, trans_b: false, accumulate: i > 0 };
            gemm(&mm, cols, &dy[rows.start * cout..rows.end * cout], out);
        }
    };
    let chunks = g.chunks();
    // The slab partition depends on the shape only, and partials are summed
    // in slab order, so the result is the same for any thread count.
    let slabs = (DW_PARTIALS_MAX_FLOATS / wl).clamp(1, DW_MAX_SLABS).min(chunks.len());
    let per = chunks.len().div_ceil(slabs);
    let slab_chunks: Vec<&[Range<usize>]> = chunks.chunks(per).collect();
    let mut parts = vec![0.0f32; (slab_chunks.len() - 1) * wl];
    let mut outs: Vec<&mut [f32]> = vec![&mut *dw];
    outs.extend(parts.chunks_exact_mut(wl));
    if g.parallel() && slab_chunks.len() > 1 {
        par::for_each_init(slab_chunks.into_iter().zip(outs).collect(), Vec::new, |cols, _, (c, out)| slab(c, out, cols));
    } else {
        let mut cols = Vec::new();
        for (c, out) in slab_chunks.into_iter().zip(outs) {
            slab(c, out, &mut cols);
        }
    }
    for part in parts.chunks_exact(wl) {
        for (d, s) in dw.iter_mut().zip(part) {
            *d += s;
        }
    }
}
