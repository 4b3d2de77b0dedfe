//! Depthwise 2-D convolution, NHWC (TensorFlow's `DepthwiseConv2dNative`):
//! every input channel is convolved with its own `M` (depth multiplier)
//! filters, nothing is summed across channels.
//!
//! Layouts: `x[N,H,W,C]`, filter `w[KH,KW,C,M]`, `y[N,OH,OW,C·M]`, where
//! output channel `c·M + m` is input channel `c` through filter `m`. Dilation
//! `(dh, dw)` spaces the taps; output size and padding are TensorFlow's for
//! the dilated window `(k-1)·d + 1`.
//!
//! A pixel's work is `KH·KW·C·M` multiply-adds with no reduction over
//! channels, so GEMM has nothing to offer: the loops are direct, over
//! contiguous channel rows (for `M = 1`, as in MobileNet, `y[c] += x[c]·w[c]`
//! four lanes at a time).
//!
//! Thread-count independence (same rules as [`super`]): every output element
//! is computed by the same code however the work is split.
//! - forward: output rows `(b, oy)` are independent tasks;
//! - input gradient: written as a gather, each input row `(b, iy)` collects
//!   from the output pixels whose windows cover it, so rows are disjoint tasks;
//! - filter gradient: output rows are cut into at most [`DW_MAX_SLABS`] slabs
//!   (a count fixed by the shape), each sums its own partial `dw`, and the
//!   partials are added in slab order.

use super::Padding;
use crate::window::{check_len, Window2d};
use crate::par;
use crate::simd::F32x4;

/// Shape of one depthwise convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Depthwise2d {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub kh: usize,
    pub kw: usize,
    /// Depth multiplier: filters per input channel.
    pub m: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub dil_h: usize,
    pub dil_w: usize,
    pub pad: Padding,
}

/// Below this many multiply-adds a pass stays on one thread (as
/// [`crate::pool::POOL_PAR_MIN_WORK`]: a hand-off costs ~1 µs, tens of µs to
/// wake a parked worker, and 100k multiply-adds is ~50 µs single-threaded).
pub const DEPTHWISE_PAR_MIN_WORK: usize = 100_000;

/// The filter gradient's slab count is at most this (see the module docs) ...
const DW_MAX_SLABS: usize = 16;
/// ... and the partial `dw` buffers together stay under this many floats.
const DW_PARTIALS_MAX_FLOATS: usize = 1 << 20;

impl Depthwise2d {
    /// The sliding window; output size and padding are TensorFlow's for the
    /// dilated window `(k-1)·d + 1`.
    pub fn window(&self) -> Window2d {
        Window2d { h: self.h, w: self.w, kh: self.kh, kw: self.kw, stride_h: self.stride_h, stride_w: self.stride_w, dil_h: self.dil_h, dil_w: self.dil_w, pad: self.pad }
    }
    pub fn out_h(&self) -> usize {
        self.window().out_h()
    }
    pub fn out_w(&self) -> usize {
        self.window().out_w()
    }
    /// Output channels, `C·M`.
    pub fn c_out(&self) -> usize {
        self.c * self.m
    }
    pub fn x_len(&self) -> usize {
        self.n * self.h * self.w * self.c
    }
    pub fn w_len(&self) -> usize {
        self.kh * self.kw * self.c * self.m
    }
    pub fn y_len(&self) -> usize {
        self.n * self.out_h() * self.out_w() * self.c_out()
    }

    fn geom(&self) -> Geom {
        assert!(self.m > 0, "depthwiseConv2d: empty filter {self:?}");
        let o = self.window().place("depthwiseConv2d", self);
        Geom { p: *self, oh: o.oh, ow: o.ow, pt: o.pt, pl: o.pl, cm: self.c * self.m }
    }

    fn check(&self, what: &str, name: &str, got: usize, want: usize) {
        check_len(what, name, got, want, self);
    }
}

#[derive(Clone, Copy)]
struct Geom {
    p: Depthwise2d,
    oh: usize,
    ow: usize,
    pt: usize,
    pl: usize,
    cm: usize,
}

impl Geom {
    fn parallel(&self) -> bool {
        let p = &self.p;
        let work = (p.n * self.oh * self.ow).saturating_mul(p.kh * p.kw * self.cm);
        par::threads() > 1 && work >= DEPTHWISE_PAR_MIN_WORK
    }
    /// Input row of tap `ky` for output row `oy`, if inside the image.
    fn in_y(&self, oy: usize, ky: usize) -> Option<usize> {
        (oy * self.p.stride_h + ky * self.p.dil_h).checked_sub(self.pt).filter(|&iy| iy < self.p.h)
    }
    fn in_x(&self, ox: usize, kx: usize) -> Option<usize> {
        (ox * self.p.stride_w + kx * self.p.dil_w).checked_sub(self.pl).filter(|&ix| ix < self.p.w)
    }
    /// Output row whose tap `ky` reads input row `iy`, if any (the gather of the input gradient).
    fn out_y(&self, iy: usize, ky: usize) -> Option<usize> {
        let t = (iy + self.pt).checked_sub(ky * self.p.dil_h)?;
        (t % self.p.stride_h == 0 && t / self.p.stride_h < self.oh).then_some(t / self.p.stride_h)
    }
    fn out_x(&self, ix: usize, kx: usize) -> Option<usize> {
        let t = (ix + self.pl).checked_sub(kx * self.p.dil_w)?;
        (t % self.p.stride_w == 0 && t / self.p.stride_w < self.ow).then_some(t / self.p.stride_w)
    }
    fn x_pixel<'a>(&self, x: &'a [f32], b: usize, iy: usize, ix: usize) -> &'a [f32] {
        let c = self.p.c;
        &x[((b * self.p.h + iy) * self.p.w + ix) * c..][..c]
    }
    fn y_pixel<'a>(&self, y: &'a [f32], b: usize, oy: usize, ox: usize) -> &'a [f32] {
        &y[((b * self.oh + oy) * self.ow + ox) * self.cm..][..self.cm]
    }
    fn tap<'a>(&self, w: &'a [f32], ky: usize, kx: usize) -> &'a [f32] {
        &w[(ky * self.p.kw + kx) * self.cm..][..self.cm]
    }

    /// Output row `oy` of image `b` (`yrow[OW·C·M]`, starting at the bias or 0).
    fn forward_row(&self, x: &[f32], w: &[f32], bias: Option<&[f32]>, b: usize, oy: usize, yrow: &mut [f32]) {
        for (ox, yp) in yrow.chunks_exact_mut(self.cm).enumerate() {
            match bias {
                Some(bias) => yp.copy_from_slice(bias),
                None => yp.fill(0.0),
            }
            for ky in 0..self.p.kh {
                let Some(iy) = self.in_y(oy, ky) else { continue };
                for kx in 0..self.p.kw {
                    let Some(ix) = self.in_x(ox, kx) else { continue };
                    spread_mul_acc(yp, self.x_pixel(x, b, iy, ix), self.tap(w, ky, kx), self.p.m);
                }
            }
        }
    }

    /// Input-gradient row `iy` of image `b` (`dxrow[W·C]`).
    fn backward_input_row(&self, dy: &[f32], w: &[f32], b: usize, iy: usize, dxrow: &mut [f32]) {
        for (ix, dxp) in dxrow.chunks_exact_mut(self.p.c).enumerate() {
            dxp.fill(0.0);
            for ky in 0..self.p.kh {
                let Some(oy) = self.out_y(iy, ky) else { continue };
                for kx in 0..self.p.kw {
                    let Some(ox) = self.out_x(ix, kx) else { continue };
                    gather_mul_acc(dxp, self.y_pixel(dy, b, oy, ox), self.tap(w, ky, kx), self.p.m);
                }
            }
        }
    }

    /// Adds the filter gradient of output rows `rows` (flat `b·OH + oy`) to `dw`.
    fn backward_filter_rows(&self, x: &[f32], dy: &[f32], rows: core::ops::Range<usize>, dw: &mut [f32]) {
        for r in rows {
            let (b, oy) = (r / self.oh, r % self.oh);
            for ky in 0..self.p.kh {
                let Some(iy) = self.in_y(oy, ky) else { continue };
                for kx in 0..self.p.kw {
                    let dtap = &mut dw[(ky * self.p.kw + kx) * self.cm..][..self.cm];
                    for ox in 0..self.ow {
                        let Some(ix) = self.in_x(ox, kx) else { continue };
                        spread_mul_acc(dtap, self.x_pixel(x, b, iy, ix), self.y_pixel(dy, b, oy, ox), self.p.m);
                    }
                }
            }
        }
    }
}

/// `acc[c·m + j] += a[c] · b[c·m + j]` (`a` has `acc.len() / m` entries).
#[inline]
fn spread_mul_acc(acc: &mut [f32], a: &[f32], b: &[f32], m: usize) {
    if m == 1 {
        let mut acc4 = acc.chunks_exact_mut(4);
        let (mut a4, mut b4) = (a.chunks_exact(4), b.chunks_exact(4));
        for ((o, x), y) in (&mut acc4).zip(&mut a4).zip(&mut b4) {
            F32x4::load(o).mul_add(F32x4::load(x), F32x4::load(y)).store(o);
        }
        for ((o, x), y) in acc4.into_remainder().iter_mut().zip(a4.remainder()).zip(b4.remainder()) {
            *o += x * y;
        }
    } else {
        for ((o, &x), y) in acc.chunks_exact_mut(m).zip(a).zip(b.chunks_exact(m)) {
            for (o, y) in o.iter_mut().zip(y) {
                *o += x * y;
            }
        }
    }
}

/// `acc[c] += Σ_j a[c·m + j] · b[c·m + j]`.
#[inline]
fn gather_mul_acc(acc: &mut [f32], a: &[f32], b: &[f32], m: usize) {
    if m == 1 {
        spread_mul_acc(acc, a, b, 1);
    } else {
        for ((o, x), y) in acc.iter_mut().zip(a.chunks_exact(m)).zip(b.chunks_exact(m)) {
            *o += x.iter().zip(y).map(|(x, y)| x * y).sum::<f32>();
        }
    }
}

/// `y = depthwise(x, w) + bias` (bias per output channel, `C·M` floats).
pub fn depthwise_conv2d_forward(p: &Depthwise2d, x: &[f32], w: &[f32], y: &mut [f32], bias: Option<&[f32]>) {
    const OP: &str = "depthwise_conv2d_forward";
    p.check(OP, "x", x.len(), p.x_len());
    p.check(OP, "w", w.len(), p.w_len());
    p.check(OP, "y", y.len(), p.y_len());
    if let Some(b) = bias {
        p.check(OP, "bias", b.len(), p.c_out());
    }
    let g = p.geom();
    let row = g.ow * g.cm;
    if row == 0 || g.oh == 0 {
        return;
    }
    let run = |r: usize, yrow: &mut [f32]| g.forward_row(x, w, bias, r / g.oh, r % g.oh, yrow);
    if g.parallel() {
        par::chunks_mut(y, row, run);
    } else {
        y.chunks_mut(row).enumerate().for_each(|(r, yrow)| run(r, yrow));
    }
}

/// `dx` from `dy` (overwritten).
pub fn depthwise_conv2d_backward_input(p: &Depthwise2d, dy: &[f32], w: &[f32], dx: &mut [f32]) {
    const OP: &str = "depthwise_conv2d_backward_input";
    p.check(OP, "dy", dy.len(), p.y_len());
    p.check(OP, "w", w.len(), p.w_len());
    p.check(OP, "dx", dx.len(), p.x_len());
    let g = p.geom();
    let row = p.w * p.c;
    if row == 0 || p.h == 0 {
        return;
    }
    let run = |r: usize, dxrow: &mut [f32]| g.backward_input_row(dy, w, r / p.h, r % p.h, dxrow);
    if g.parallel() {
        par::chunks_mut(dx, row, run);
    } else {
        dx.chunks_mut(row).enumerate().for_each(|(r, dxrow)| run(r, dxrow));
    }
}

/// `dw` from `x` and `dy` (overwritten).
pub fn depthwise_conv2d_backward_filter(p: &Depthwise2d, x: &[f32], dy: &[f32], dw: &mut [f32]) {
    const OP: &str = "depthwise_conv2d_backward_filter";
    p.check(OP, "x", x.len(), p.x_len());
    p.check(OP, "dy", dy.len(), p.y_len());
    p.check(OP, "dw", dw.len(), p.w_len());
    let g = p.geom();
    dw.fill(0.0);
    let rows = p.n * g.oh;
    let slabs = rows.min(DW_MAX_SLABS).min((DW_PARTIALS_MAX_FLOATS / p.w_len().max(1)).max(1));
    if slabs <= 1 {
        g.backward_filter_rows(x, dy, 0..rows, dw);
        return;
    }
    let slab = |s: usize| {
        let mut part = vec![0.0f32; dw.len()];
        g.backward_filter_rows(x, dy, rows * s / slabs..rows * (s + 1) / slabs, &mut part);
        part
    };
    let parts: Vec<Vec<f32>> = if g.parallel() { par::map(slabs, slab) } else { (0..slabs).map(slab).collect() };
    for part in &parts {
        for (d, v) in dw.iter_mut().zip(part) {
            *d += v;
        }
    }
}
