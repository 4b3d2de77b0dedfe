//! 2-D max and average pooling, NHWC: `x[N,H,W,C]` → `y[N,OH,OW,C]`.
//!
//! Output size and padding follow TensorFlow ([`crate::window::Window2d`]).
//! Padded positions never take part: max pooling takes the max over the valid
//! window elements, average pooling divides by the number of valid elements
//! (TF's SAME behaviour). With SAME padding every window holds at least one
//! valid element, so no output is ever `-inf` or `0/0`.
//!
//! Max-pool ties go to the first element in window scan order (`ky`, then
//! `kx`). `argmax` indices are flat indices into `x` including the batch,
//! `((b·H + iy)·W + ix)·C + c` (TF's `include_batch_in_index = true`).
//!
//! Forward passes split output rows `(b, oy)` across threads; backward passes
//! split images (windows of one image overlap, images never do). Every output
//! element is computed by the same code whatever the split, so results do not
//! depend on the thread count.

use crate::window::{check_len, Padding, Window2d};
use crate::par;
use crate::simd::F32x4;
use core::ops::Range;

/// Which reduction a pooling window applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Avg,
}

/// Shape of one pooling op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2d {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub kh: usize,
    pub kw: usize,
    pub stride_h: usize,
    pub stride_w: usize,
    pub pad: Padding,
}

/// Below this much work (`N·OH·OW·C·KH·KW` window reads, ~1 ns each) a pool
/// pass stays on one thread: a pool hand-off costs ~1 µs (tens of µs to wake a parked worker),
/// and 100k reads is ~50–100 µs single-threaded.
pub const POOL_PAR_MIN_WORK: usize = 100_000;

impl Pool2d {
    /// The pooling window (no dilation).
    pub fn window(&self) -> Window2d {
        Window2d { h: self.h, w: self.w, kh: self.kh, kw: self.kw, stride_h: self.stride_h, stride_w: self.stride_w, dil_h: 1, dil_w: 1, pad: self.pad }
    }
    pub fn out_h(&self) -> usize {
        self.window().out_h()
    }
    pub fn out_w(&self) -> usize {
        self.window().out_w()
    }
    /// Elements of `x` (`N·H·W·C`).
    pub fn x_len(&self) -> usize {
        self.n * self.h * self.w * self.c
    }
    /// Elements of `y` and of `argmax` (`N·OH·OW·C`).
    pub fn y_len(&self) -> usize {
        self.n * self.out_h() * self.out_w() * self.c
    }

    fn geom(&self) -> Geom {
        let o = self.window().place("pool2d", self);
        Geom { p: *self, oh: o.oh, ow: o.ow, pt: o.pt, pl: o.pl }
    }

    fn check(&self, what: &str, name: &str, got: usize, want: usize) {
        check_len(what, name, got, want, self);
    }

    /// Input rows (of one image) that output row `oy` reads.
    pub(crate) fn input_rows(&self, oy: usize) -> Range<usize> {
        let w = self.geom().win(oy, 0);
        w.y0..w.y1
    }

    /// Pools output row `oy` of one image into `yrow[OW·C]`, reading from
    /// `rows`: that image's input rows `row0..` (at least
    /// [`input_rows`](Self::input_rows)`(oy)`). Used by the fused
    /// convolution + pooling (`conv::conv2d_forward_pool`), which holds only a
    /// few convolution rows at a time.
    pub(crate) fn pool_row(&self, kind: PoolKind, rows: &[f32], row0: usize, oy: usize, yrow: &mut [f32]) {
        let g = self.geom();
        match kind {
            PoolKind::Max => g.max_row_values(rows, row0, oy, yrow),
            PoolKind::Avg => g.avg_row(rows, row0, oy, yrow),
        }
    }
}

#[derive(Clone, Copy)]
struct Geom {
    p: Pool2d,
    oh: usize,
    ow: usize,
    pt: usize,
    pl: usize,
}

/// Valid window of one output position: input rows `y0..y1`, columns `x0..x1`.
struct Win {
    y0: usize,
    y1: usize,
    x0: usize,
    x1: usize,
}

impl Win {
    fn count(&self) -> usize {
        (self.y1 - self.y0) * (self.x1 - self.x0)
    }
}

fn clip(start: isize, k: usize, len: usize) -> (usize, usize) {
    let lo = start.clamp(0, len as isize) as usize;
    let hi = (start + k as isize).clamp(0, len as isize) as usize;
    (lo, hi.max(lo))
}

impl Geom {
    fn win(&self, oy: usize, ox: usize) -> Win {
        let p = &self.p;
        let (y0, y1) = clip((oy * p.stride_h) as isize - self.pt as isize, p.kh, p.h);
        let (x0, x1) = clip((ox * p.stride_w) as isize - self.pl as isize, p.kw, p.w);
        Win { y0, y1, x0, x1 }
    }
    fn img_x(&self) -> usize {
        self.p.h * self.p.w * self.p.c
    }
    fn img_y(&self) -> usize {
        self.oh * self.ow * self.p.c
    }
    fn row_y(&self) -> usize {
        self.ow * self.p.c
    }
    fn parallel(&self) -> bool {
        let work = (self.p.n * self.oh * self.ow * self.p.c).saturating_mul(self.p.kh * self.p.kw);
        par::threads() > 1 && work >= POOL_PAR_MIN_WORK
    }

    /// Max pooling of output row `oy` of one image (`xi` = that image) with
    /// its argmax: writes `yrow[OW·C]` and `arow` (indices into `xi` plus `base`).
    /// Four channels at a time: the running maximum and the window position
    /// that holds it stay in registers (`gt` + two selects per element), and
    /// the position becomes an index once per window. The same rule as the
    /// scalar tail: the first element wins even if NaN, a later one only when
    /// greater.
    fn max_row(&self, xi: &[f32], oy: usize, yrow: &mut [f32], arow: &mut [u32], base: usize) {
        let (c, w) = (self.p.c, self.p.w);
        let c4 = c / 4 * 4;
        for ox in 0..self.ow {
            let win = self.win(oy, ox);
            let ww = win.x1 - win.x0;
            let best = &mut yrow[ox * c..(ox + 1) * c];
            let arg = &mut arow[ox * c..(ox + 1) * c];
            let off = |iy: usize, ix: usize| (iy * w + ix) * c;
            for ch in (0..c4).step_by(4) {
                let at = off(win.y0, win.x0) + ch;
                let mut m = F32x4::load(&xi[at..at + 4]);
                // Window position (scan order) of each lane's maximum; exact in f32.
                let (mut k, mut pos) = (F32x4::zero(), 0.0f32);
                for iy in win.y0..win.y1 {
                    for ix in win.x0..win.x1 {
                        if pos > 0.0 {
                            let at = off(iy, ix) + ch;
                            let v = F32x4::load(&xi[at..at + 4]);
                            let gt = v.gt(m);
                            m = F32x4::select(gt, v, m);
                            k = F32x4::select(gt, F32x4::splat(pos), k);
                        }
                        pos += 1.0;
                    }
                }
                m.store(&mut best[ch..ch + 4]);
                for (lane, kv) in k.to_array().into_iter().enumerate() {
                    let kv = kv as usize;
                    arg[ch + lane] = (base + off(win.y0 + kv / ww, win.x0 + kv % ww) + ch + lane) as u32;
                }
            }
            let mut first = true;
            for iy in win.y0..win.y1 {
                for ix in win.x0..win.x1 {
                    let o = off(iy, ix);
                    for ch in c4..c {
                        // `first`: the first valid element wins even if NaN.
                        if first || xi[o + ch] > best[ch] {
                            best[ch] = xi[o + ch];
                            arg[ch] = (base + o + ch) as u32;
                        }
                    }
                    first = false;
                }
            }
        }
    }

    /// Max pooling of output row `oy` without argmax, from `xi` = the
    /// image's input rows `row0..`. Each 4-channel vector stays in a register
    /// over the whole window (one load + `pmax` per element, one store), the
    /// same comparisons as [`max_row`](Self::max_row) in the same order: the
    /// first element seeds the maximum (even a NaN), a later one replaces it
    /// only when greater. The window's rows are the same for the whole output
    /// row, so its bounds are checked once per row, not per load.
    fn max_row_values(&self, xi: &[f32], row0: usize, oy: usize, yrow: &mut [f32]) {
        let (c, w, ow) = (self.p.c, self.p.w, self.ow);
        let c4 = c / 4 * 4;
        let Win { y0, y1, .. } = self.win(oy, 0);
        let rs = w * c;
        assert!(y0 >= row0 && y1 > y0 && (y1 - row0) * rs <= xi.len() && yrow.len() >= ow * c, "max pool row {oy} outside its input rows");
        let top = (y0 - row0) * rs;
        let xp = xi.as_ptr();
        for (ox, out) in yrow.chunks_exact_mut(c).take(ow).enumerate() {
            let (x0, x1) = clip((ox * self.p.stride_w) as isize - self.pl as isize, self.p.kw, w);
            debug_assert!(x1 > x0, "TF geometry leaves no window empty");
            let first = top + x0 * c;
            for ch in (0..c4).step_by(4) {
                // SAFETY: every offset is top + (iy - y0)·rs + ix·c + ch with
                // iy < y1, ix < x1 <= w and ch + 4 <= c, so below
                // (y1 - row0)·rs <= xi.len() (asserted above).
                let m = unsafe {
                    let mut m = F32x4::load_ptr(xp.add(first + ch));
                    let mut row = top + ch;
                    for iy in y0..y1 {
                        let from = if iy == y0 { x0 + 1 } else { x0 };
                        for ix in from..x1 {
                            m = m.pmax(F32x4::load_ptr(xp.add(row + ix * c)));
                        }
                        row += rs;
                    }
                    m
                };
                m.store(&mut out[ch..ch + 4]);
            }
            for ch in c4..c {
                let mut m = xi[first + ch];
                for iy in y0..y1 {
                    for ix in x0..x1 {
                        let v = xi[top + (iy - y0) * rs + ix * c + ch];
                        if v > m {
                            m = v;
                        }
                    }
                }
                out[ch] = m;
            }
        }
    }

    /// Average pooling of output row `oy`, from `xi` = the image's input rows `row0..`.
    fn avg_row(&self, xi: &[f32], row0: usize, oy: usize, yrow: &mut [f32]) {
        let (c, w) = (self.p.c, self.p.w);
        for ox in 0..self.ow {
            let win = self.win(oy, ox);
            let out = &mut yrow[ox * c..(ox + 1) * c];
            out.fill(0.0);
            for iy in win.y0..win.y1 {
                let off = ((iy - row0) * w + win.x0) * c;
                for src in xi[off..off + (win.x1 - win.x0) * c].chunks_exact(c) {
                    add_into(out, src, 1.0);
                }
            }
            let inv = 1.0 / win.count().max(1) as f32;
            for v in out.iter_mut() {
                *v *= inv;
            }
        }
    }
}

/// `acc += s·src` (4 lanes at a time).
#[inline]
fn add_into(acc: &mut [f32], src: &[f32], s: f32) {
    let sv = F32x4::splat(s);
    let mut a4 = acc.chunks_exact_mut(4);
    let mut s4 = src.chunks_exact(4);
    for (a, x) in (&mut a4).zip(&mut s4) {
        F32x4::load(a).mul_add(sv, F32x4::load(x)).store(a);
    }
    for (a, x) in a4.into_remainder().iter_mut().zip(s4.remainder()) {
        *a += s * x;
    }
}

/// Runs `f(image index, output row oy, y row, argmax row)` over every output
/// row, in parallel when worthwhile.
fn for_rows<F>(g: &Geom, y: &mut [f32], argmax: Option<&mut [u32]>, f: F)
where
    F: Fn(usize, usize, &mut [f32], Option<&mut [u32]>) + Sync,
{
    let row = g.row_y();
    if row == 0 || g.oh == 0 {
        return;
    }
    let idx = |r: usize| (r / g.oh, r % g.oh);
    match (argmax, g.parallel()) {
        (Some(a), true) => par::for_each(y.chunks_mut(row).zip(a.chunks_mut(row)).collect(), |r, (yr, ar)| {
            let (b, oy) = idx(r);
            f(b, oy, yr, Some(ar))
        }),
        (None, true) => par::chunks_mut(y, row, |r, yr| {
            let (b, oy) = idx(r);
            f(b, oy, yr, None)
        }),
        (Some(a), false) => {
            for (r, (yr, ar)) in y.chunks_mut(row).zip(a.chunks_mut(row)).enumerate() {
                let (b, oy) = idx(r);
                f(b, oy, yr, Some(ar))
            }
        }
        (None, false) => {
            for (r, yr) in y.chunks_mut(row).enumerate() {
                let (b, oy) = idx(r);
                f(b, oy, yr, None)
            }
        }
    }
}

/// Runs `f(image index, dx image, dy image)` over every image, in parallel
/// when worthwhile. Each `dx` image is zeroed first, inside its task (in
/// parallel, and while it is about to be written anyway).
fn for_images<F>(g: &Geom, dy: &[f32], dx: &mut [f32], f: F)
where
    F: Fn(usize, &mut [f32], &[f32]) + Sync,
{
    let (ix, iy) = (g.img_x(), g.img_y());
    if ix == 0 || iy == 0 {
        dx.fill(0.0);
        return;
    }
    let run = |b: usize, dxi: &mut [f32]| {
        dxi.fill(0.0);
        f(b, dxi, &dy[b * iy..(b + 1) * iy])
    };
    if g.parallel() {
        par::chunks_mut(dx, ix, run);
    } else {
        for (b, dxi) in dx.chunks_mut(ix).enumerate() {
            run(b, dxi);
        }
    }
}

/// Max pooling. `argmax`, if given (length `y_len`), receives for each output
/// the flat index into `x` of the element chosen. Panics if a slice length
/// does not match `p`, or if `argmax` is requested and `x` has more than 2³²
/// elements.
pub fn max_pool_forward(p: &Pool2d, x: &[f32], y: &mut [f32], argmax: Option<&mut [u32]>) {
    const WHAT: &str = "max_pool_forward";
    p.check(WHAT, "x", x.len(), p.x_len());
    p.check(WHAT, "y", y.len(), p.y_len());
    if let Some(a) = argmax.as_deref() {
        p.check(WHAT, "argmax", a.len(), p.y_len());
        assert!(x.len() as u64 <= 1 << 32, "{WHAT}: argmax indices need x.len() <= 2^32");
    }
    let g = p.geom();
    let img = g.img_x();
    for_rows(&g, y, argmax, |b, oy, yr, ar| {
        let xi = &x[b * img..(b + 1) * img];
        match ar {
            Some(ar) => g.max_row(xi, oy, yr, ar, b * img),
            None => g.max_row_values(xi, 0, oy, yr),
        }
    });
}

/// Gradient of max pooling, recomputing the argmax from `x`: `dx` (overwritten)
/// receives each `dy` at the position that won its window.
pub fn max_pool_backward(p: &Pool2d, x: &[f32], dy: &[f32], dx: &mut [f32]) {
    const WHAT: &str = "max_pool_backward";
    p.check(WHAT, "x", x.len(), p.x_len());
    p.check(WHAT, "dy", dy.len(), p.y_len());
    p.check(WHAT, "dx", dx.len(), p.x_len());
    let g = p.geom();
    let (img, row) = (g.img_x(), g.row_y());
    for_images(&g, dy, dx, |b, dxi, dyi| {
        let xi = &x[b * img..(b + 1) * img];
        let (mut yrow, mut arow) = (vec![0.0f32; row], vec![0u32; row]);
        for (oy, dyr) in dyi.chunks_exact(row).enumerate() {
            g.max_row(xi, oy, &mut yrow, &mut arow, 0);
            for (&a, &d) in arow.iter().zip(dyr) {
                dxi[a as usize] += d;
            }
        }
    });
}

/// Gradient of max pooling from the `argmax` written by [`max_pool_forward`]
/// for the same `p`: `dx` (overwritten). Panics on an index outside its image.
pub fn max_pool_backward_argmax(p: &Pool2d, argmax: &[u32], dy: &[f32], dx: &mut [f32]) {
    const WHAT: &str = "max_pool_backward_argmax";
    p.check(WHAT, "argmax", argmax.len(), p.y_len());
    p.check(WHAT, "dy", dy.len(), p.y_len());
    p.check(WHAT, "dx", dx.len(), p.x_len());
    let g = p.geom();
    let (img, iy) = (g.img_x(), g.img_y());
    for_images(&g, dy, dx, |b, dxi, dyi| {
        for (&a, &d) in argmax[b * iy..(b + 1) * iy].iter().zip(dyi) {
            let i = (a as usize).checked_sub(b * img).filter(|&i| i < img);
            let i = i.unwrap_or_else(|| panic!("{WHAT}: argmax {a} is not in image {b}"));
            dxi[i] += d;
        }
    });
}

/// Average pooling over the valid (non-padded) window elements.
pub fn avg_pool_forward(p: &Pool2d, x: &[f32], y: &mut [f32]) {
    const WHAT: &str = "avg_pool_forward";
    p.check(WHAT, "x", x.len(), p.x_len());
    p.check(WHAT, "y", y.len(), p.y_len());
    let g = p.geom();
    let img = g.img_x();
    for_rows(&g, y, None, |b, oy, yr, _| g.avg_row(&x[b * img..(b + 1) * img], 0, oy, yr));
}

/// Gradient of [`avg_pool_forward`]: `dx` (overwritten) gets `dy / count`
/// spread over each window's valid elements.
pub fn avg_pool_backward(p: &Pool2d, dy: &[f32], dx: &mut [f32]) {
    const WHAT: &str = "avg_pool_backward";
    p.check(WHAT, "dy", dy.len(), p.y_len());
    p.check(WHAT, "dx", dx.len(), p.x_len());
    let g = p.geom();
    let (c, w) = (p.c, p.w);
    for_images(&g, dy, dx, |_, dxi, dyi| {
        for (q, d) in dyi.chunks_exact(c).enumerate() {
            let win = g.win(q / g.ow, q % g.ow);
            let s = 1.0 / win.count().max(1) as f32;
            for iy in win.y0..win.y1 {
                let off = (iy * w + win.x0) * c;
                for dst in dxi[off..off + (win.x1 - win.x0) * c].chunks_exact_mut(c) {
                    add_into(dst, d, s);
                }
            }
        }
    });
}
