//! Direct convolution for thin layers (small `Cout`, small filters): no
//! im2col, no GEMM packing.
//!
//! Why: on the LeNet layers (`K = KH·KW·Cin` = 9 or 72, `Cout` = 8 or 16) the
//! im2col + GEMM path spends most of its time moving data, not multiplying:
//! im2col writes `K` floats per output pixel, GEMM's `pack_a` rewrites each of
//! them pre-broadcast (16 bytes), and with `n = Cout = 8` every packed A value
//! feeds a single 5×8 tile, i.e. two mul+adds. Measured in V8 (Node 20, wasm
//! SIMD, 1 thread, `benches/kernels.mjs`, fwd+bwd_in+bwd_w, noisy shared
//! 2-core machine): LeNet layer 1 (64×28×28×1→8) 8.4 → 15.5–18.3 GFLOPS
//! (~20 once V8 has tiered the kernels up), layer 2 (64×14×14×8→16)
//! 20 → 38–41 GFLOPS; the GEMM path's ~42 GFLOPS is the reference rate.
//!
//! Everything here computes one *correlation*
//! `out[b, oy, ox, n] = Σ_{ky,kx,c} src[b, oy·sh - pt + ky, ox·sw - pl + kx, c] · wt[ky, kx, c, n]`
//! with zero padding, for
//! - the forward pass (`src = x`, `wt = w`), and
//! - the input gradient at stride 1 (`src = dy` padded by `KH-1-pt` / `KW-1-pl`,
//!   `wt` = `w` flipped spatially with `Cin`/`Cout` swapped),
//!
//! plus the filter gradient `dw[ky,kx,c,n] = Σ_{b,oy,ox} src[…]·dy[b,oy,ox,n]`.
//!
//! The source rows a task needs are first copied into a zero-bordered scratch
//! buffer (one copy of the input, tiny next to the `K·Cout` mul+adds per
//! pixel), so the inner loops have no bounds logic at all. For one output
//! pixel and one filter row `ky`, the `KW·C` source values are contiguous in
//! that buffer, as are the matching `KW·C` filter rows.
//!
//! Kernels (register budget as in `gemm::kernel`: V8 keeps 15 xmm registers
//! and SIMD128 has no FMA, so accumulators + operands + 1 temp ≤ 15):
//! - [`seg_kernel`] (several output channels): tiles of [`MR`] output pixels
//!   × `4·NV` output channels, vectorised over output channels: per depth
//!   step, `NV` filter loads and per pixel one broadcast source load and `NV`
//!   mul+adds. Same instruction mix as GEMM's micro-kernel, but the "A
//!   operand" is read straight from the (padded) image instead of from an
//!   im2col buffer repacked pre-broadcast.
//! - [`seg_kernel_1`] (one output channel, e.g. the input gradient of a
//!   grayscale first layer): a dot product per pixel over the contiguous
//!   `KW·C` depth, [`M1`] pixels at a time, then a horizontal sum.
//!   Vectorising over a single output channel would waste 3 lanes of 4.
//! - [`px_kernel`] (`C = 1`, stride 1: a first layer on grayscale images):
//!   vectorised over consecutive output pixels of a row instead.
//! - [`dw_tile`]: 5 filter rows (depth `(ky,kx,c)`) × 8 output channels kept
//!   in registers while walking every output pixel of a segment: per pixel 2
//!   `dy` loads and per filter row one broadcast source load and 2 mul+add.
//!
//! Determinism: each output value (forward / input grad) is computed by the
//! same depth loop whatever tile or task it falls in; the filter gradient sums
//! per-task partials in task order, and the task partition depends on the
//! shape only. So results are identical for any thread count.

use crate::simd::F32x4;
use core::ops::Range;
use std::cell::RefCell;

/// Output pixels (forward) or filter rows (filter grad) per register tile.
const MR: usize = 5;
/// Output pixels per tile for 8-channel chunks of the forward kernel. Unlike
/// GEMM's pre-broadcast A loads, the source broadcasts (`load32_splat`) cannot
/// be folded into `mulps`, and V8 issues all of a step's broadcasts first, so
/// 5 pixels need 10 accumulators + 2 filter vectors + 5 broadcasts (> 15
/// registers: 2 accumulators spilled, seen in `--print-wasm-code`); 4 pixels
/// fit (8 + 2 + 4 + 1 product).
const MR2: usize = 4;

/// Geometry of one correlation (see the module docs).
#[derive(Clone, Copy, Debug)]
pub(super) struct Direct {
    /// Batch.
    pub n: usize,
    /// Source height, width, channels.
    pub hs: usize,
    pub ws: usize,
    pub c: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    /// Leading zero padding (rows / columns of the source before index 0).
    pub pt: usize,
    pub pl: usize,
    /// Output height, width, channels.
    pub oh: usize,
    pub ow: usize,
    pub no: usize,
}

thread_local! {
    /// Padded-source scratch reused across calls on each thread.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's scratch vector (a fresh one if it is in use).
fn with_scratch<R>(f: impl FnOnce(&mut Vec<f32>) -> R) -> R {
    let mut f = Some(f);
    let r = SCRATCH.try_with(|cell| cell.try_borrow_mut().ok().map(|mut v| (f.take().unwrap())(&mut v))).ok().flatten();
    match r {
        Some(r) => r,
        None => (f.take().unwrap())(&mut Vec::new()),
    }
}

impl Direct {
    /// Depth `KH·KW·C` of one receptive field.
    pub fn k(&self) -> usize {
        self.kh * self.kw * self.c
    }
    /// Width of a padded source row, in pixels: what the output needs, plus 3
    /// zero columns so [`px_kernel`] may compute a whole 4-pixel vector past
    /// the end of an output row.
    fn wp(&self) -> usize {
        (self.ow - 1) * self.sw + self.kw + 3
    }

    /// Which kernel computes this correlation (see the module docs).
    fn kernel(&self) -> Kernel {
        if self.no == 1 {
            Kernel::One
        } else if self.c == 1 && self.sw == 1 {
            Kernel::Pixels
        } else {
            Kernel::Channels
        }
    }

    /// Packs the correlation's filter `wt(d, n)` (depth `d = (ky·KW + kx)·C + c`,
    /// output channel `n`) for [`Direct::run`]'s kernel:
    /// - `One`: the `K` values in depth order;
    /// - `Channels`: output-channel chunks of 8 (4 for a last chunk of ≤ 4),
    ///   each `K` steps of 8 (4) lanes, zero-padded past `no`;
    /// - `Pixels`: 4-channel chunks with every value broadcast to 4 lanes.
    pub fn pack_weights(&self, wt: impl Fn(usize, usize) -> f32) -> Vec<f32> {
        let (k, no) = (self.k(), self.no);
        let kind = self.kernel();
        if kind == Kernel::One {
            return (0..k).map(|d| wt(d, 0)).collect();
        }
        let rep = if kind == Kernel::Pixels { 4 } else { 1 };
        let mut out = Vec::with_capacity(k * no.next_multiple_of(4) * rep);
        let mut c0 = 0;
        while c0 < no {
            let width = if no - c0 > 4 && kind == Kernel::Channels { 8 } else { 4 };
            for d in 0..k {
                for j in c0..c0 + width {
                    let v = if j < no { wt(d, j) } else { 0.0 };
                    out.extend(core::iter::repeat_n(v, rep));
                }
            }
            c0 += width;
        }
        out
    }
    fn row_step(&self) -> usize {
        self.wp() * self.c
    }
    /// Flops of one output row (for task sizing).
    pub fn row_flops(&self) -> usize {
        2 * self.ow * self.k() * self.no
    }

    /// Copies the source rows that output rows `oys` of image `b` read into
    /// `buf`, zero-bordered: padded row `r` is source row `oys.start·sh - pt + r`,
    /// padded column `q` is source column `q - pl`.
    fn pad_rows<'a>(&self, src: &[f32], b: usize, oys: &Range<usize>, buf: &'a mut Vec<f32>) -> &'a [f32] {
        let rows = (oys.len() - 1) * self.sh + self.kh;
        let (wp, c) = (self.wp(), self.c);
        let rs = wp * c;
        // Every element is written exactly once (borders zeroed, interior
        // copied): no zero-fill of the whole buffer first.
        if buf.len() < rows * rs {
            buf.resize(rows * rs, 0.0);
        }
        let buf_rows = &mut buf[..rows * rs];
        // Padded columns [q0, q1) hold source columns [q0 - pl, q1 - pl).
        let q0 = self.pl.min(wp);
        let q1 = (self.pl + self.ws).min(wp).max(q0);
        let row0 = (oys.start * self.sh) as isize - self.pt as isize;
        for (r, dst) in buf_rows.chunks_exact_mut(rs).enumerate() {
            let iy = row0 + r as isize;
            if iy < 0 || iy >= self.hs as isize || q0 == q1 {
                dst.fill(0.0);
                continue;
            }
            let s = ((b * self.hs + iy as usize) * self.ws) * c;
            dst[..q0 * c].fill(0.0);
            dst[q0 * c..q1 * c].copy_from_slice(&src[s..s + (q1 - q0) * c]);
            dst[q1 * c..].fill(0.0);
        }
        &buf[..rows * rs]
    }

    /// Calls `f(b, oy_range, first_row)` for each image segment of the global
    /// output rows `rows` (row `b·oh + oy`).
    fn segments(&self, rows: Range<usize>, mut f: impl FnMut(usize, Range<usize>, usize)) {
        let mut r = rows.start;
        while r < rows.end {
            let (b, oy) = (r / self.oh, r % self.oh);
            let oy1 = self.oh.min(oy + rows.end - r);
            f(b, oy..oy1, r);
            r += oy1 - oy;
        }
    }

    /// Fixed partition of the `n·oh` output rows into tasks (see [`row_tasks`]).
    pub fn tasks(&self, max_tasks: usize) -> Vec<Range<usize>> {
        row_tasks(self.n * self.oh, self.row_flops(), max_tasks)
    }

    /// Forward-type correlation of output rows `rows` into `out` (which holds
    /// exactly those rows, `no` values per pixel). `wt` is packed by
    /// [`Self::pack_weights`]; `bias` (length `no`) is added if given, then
    /// `max(·, 0)` with `relu` (fused into the store: no second pass).
    pub fn run(&self, src: &[f32], wt: &[f32], rows: Range<usize>, out: &mut [f32], bias: Option<&[f32]>, relu: bool) {
        with_scratch(|buf| {
            self.segments(rows.clone(), |b, oys, r0| {
                let xs = self.pad_rows(src, b, &oys, buf);
                let o = &mut out[(r0 - rows.start) * self.ow * self.no..][..oys.len() * self.ow * self.no];
                match self.kernel() {
                    Kernel::One => self.seg_1(xs, wt, oys.len(), o, bias, relu),
                    Kernel::Channels => self.seg_n(xs, wt, oys.len(), o, bias, relu, 1),
                    Kernel::Pixels => self.seg_n(xs, wt, oys.len(), o, bias, relu, 4),
                }
            });
        });
    }

    /// `rep`: 4 when the packed filter is pre-broadcast (`Kernel::Pixels`).
    #[allow(clippy::too_many_arguments)]
    fn seg_n(&self, xs: &[f32], wt: &[f32], nrows: usize, out: &mut [f32], bias: Option<&[f32]>, relu: bool, rep: usize) {
        let k = self.k() * rep;
        let mut wofs = 0;
        let mut c0 = 0;
        while c0 < self.no {
            // Pixels: 4-channel chunks (see `px_kernel`).
            let lanes = (self.no - c0).min(if rep == 4 { 4 } else { 8 });
            let nv = if lanes > 4 { 2 } else { 1 };
            let wc = &wt[wofs..wofs + k * 4 * nv];
            let o = OutChunk { out, no: self.no, c0, lanes, bias, relu };
            // No compile-time unrolling of the 3-tap rows of a 3×3 Cin=1
            // filter: LLVM then hoists all 15 broadcast loads of a row ahead
            // of the mul+adds and V8 spills half the accumulators (measured:
            // no gain, spills visible in --print-wasm-code).
            let f: SegFn = match (rep, nv) {
                (4, _) => px_kernel,
                (_, 2) => seg_kernel::<2, MR2>,
                _ => seg_kernel::<1, MR>,
            };
            opaque(f)(self, xs, nrows, wc, o);
            wofs += k * 4 * nv;
            c0 += 4 * nv;
        }
    }

    fn seg_1(&self, xs: &[f32], wt: &[f32], nrows: usize, out: &mut [f32], bias: Option<&[f32]>, relu: bool) {
        let f: Seg1Fn = seg_kernel_1;
        opaque(f)(self, xs, nrows, wt, out, bias.map_or(0.0, |b| b[0]), relu);
    }

    /// Filter gradient of output rows `rows`: `part[K×no] += Σ src·dy` over
    /// them (`part` must start zeroed or hold earlier rows' sums). Needs
    /// `no % 4 == 0` (whole `dy` vectors).
    pub fn filter_grad(&self, src: &[f32], dy: &[f32], rows: Range<usize>, part: &mut [f32]) {
        debug_assert!(self.no.is_multiple_of(4));
        let (k, c, kw, rs) = (self.k(), self.c, self.kw, self.row_step());
        // Offset of each depth index (ky, kx, ci) inside a receptive field.
        let doff = |d: usize| (d / (kw * c)) * rs + (d % (kw * c));
        with_scratch(|buf| {
            self.segments(rows, |b, oys, r0| {
                let xs = self.pad_rows(src, b, &oys, buf);
                let dys = &dy[r0 * self.ow * self.no..][..oys.len() * self.ow * self.no];
                let mut d0 = 0;
                while d0 < k {
                    let m = MR.min(k - d0);
                    let mut c0 = 0;
                    while c0 < self.no {
                        let nv = if self.no - c0 >= 8 { 2 } else { 1 };
                        macro_rules! go {
                            ($m:literal, $nv:literal) => {{
                                let offs: [usize; $m] = core::array::from_fn(|i| doff(d0 + i));
                                let f: fn(&Direct, &[f32], &[usize; $m], usize, &[f32], usize) -> [[F32x4; $nv]; $m] =
                                    dw_tile::<$m, $nv>;
                                let acc = opaque(f)(self, xs, &offs, oys.len(), &dys[c0..], self.no);
                                for (i, row) in acc.iter().enumerate() {
                                    for (v, x) in row.iter().enumerate() {
                                        let d = &mut part[(d0 + i) * self.no + c0 + 4 * v..][..4];
                                        F32x4::load(d).add(*x).store(d);
                                    }
                                }
                            }};
                        }
                        match (m, nv) {
                            (5, 2) => go!(5, 2),
                            (4, 2) => go!(4, 2),
                            (3, 2) => go!(3, 2),
                            (2, 2) => go!(2, 2),
                            (1, 2) => go!(1, 2),
                            (5, _) => go!(5, 1),
                            (4, _) => go!(4, 1),
                            (3, _) => go!(3, 1),
                            (2, _) => go!(2, 1),
                            _ => go!(1, 1),
                        }
                        c0 += 4 * nv;
                    }
                    d0 += m;
                }
            });
        });
    }
}

/// Fixed partition of `total` rows of `row_flops` flops each into tasks of
/// about [`TASK_FLOPS`], at least [`MIN_TASKS`] when there is enough work (so
/// 2–16 threads all get several), at most `max_tasks`. Depends on the shape
/// only, never on the thread count.
pub(super) fn row_tasks(total: usize, row_flops: usize, max_tasks: usize) -> Vec<Range<usize>> {
    if total == 0 {
        return Vec::new();
    }
    let by_flops = TASK_FLOPS.div_ceil(row_flops.max(1));
    let by_count = total.div_ceil(MIN_TASKS);
    let per = by_flops.min(by_count).max(total.div_ceil(max_tasks.max(1))).max(1);
    (0..total).step_by(per).map(|r| r..(r + per).min(total)).collect()
}

/// About this many flops per task: ~25 µs at 40 GFLOPS, well above a pool
/// hand-off on wasm (a few µs) while leaving LeNet-sized layers 16+ tasks.
const TASK_FLOPS: usize = 1_000_000;
/// Enough tasks to balance 2–16 threads when the work allows.
const MIN_TASKS: usize = 16;

type SegFn = fn(&Direct, &[f32], usize, &[f32], OutChunk);
type Seg1Fn = fn(&Direct, &[f32], usize, &[f32], &mut [f32], f32, bool);

/// Hides a kernel's address so it is called indirectly (once per segment and
/// filter chunk, i.e. per image: negligible). Why: `wasm-opt -O3` inlines
/// every function with a single call site regardless of size or
/// `#[inline(never)]`, which merged all these kernels into one ~36 KB
/// function. V8 compiles it with TurboFan only after it has run hot in
/// Liftoff, and for a function that big the background compile took longer
/// than the whole kernel benchmark (measured: LeNet layer 1 fwd+bwd 2.43 ms
/// with tiering vs 1.18 ms with `--no-liftoff`). Small separate kernels tier
/// up independently and quickly.
#[inline(always)]
fn opaque<F>(f: F) -> F {
    core::hint::black_box(f)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kernel {
    /// One output channel: [`seg_kernel_1`].
    One,
    /// Vectorised over output channels: [`seg_kernel`].
    Channels,
    /// `C = 1`, `sw = 1`: vectorised over 4 consecutive output pixels, [`px_kernel`].
    Pixels,
}

/// `C = 1`, stride-w 1 (a first layer on grayscale images): vectorised over
/// consecutive output pixels of a row instead of over output channels. A tile
/// is `4·PV` pixels × 4 output channels; per filter tap: `PV` (unaligned)
/// source loads of 4 neighbouring pixels' inputs, 4 loads of pre-broadcast
/// filter values, `4·PV` mul+adds — no per-pixel broadcasts, so 8 pixels ×
/// 4 channels cost ~3 instructions per mul+add with `PV = 2` (8 accumulators,
/// 2 source and 4 filter vectors, 1 product: 15 registers; V8 issues a
/// step's loads first, so an 8-channel tile (8 filter loads) spilled). Each
/// 4×4 block is transposed to NHWC (8 shuffles). Output rows whose width is
/// not a multiple of 8 end with a 4-pixel tile, and a last partial vector
/// reads into the 3 zero columns `wp` reserves (its extra lanes are dropped).
#[inline(never)]
fn px_kernel(g: &Direct, xs: &[f32], nrows: usize, w: &[f32], o: OutChunk) {
    let (ow, kh, kw, rs) = (g.ow, g.kh, g.kw, g.row_step());
    if nrows == 0 || ow == 0 {
        return;
    }
    debug_assert!(g.c == 1 && g.sw == 1);
    // Largest read: last row, last 4-pixel vector, last tap.
    let last_ox = (ow - 1) / 4 * 4;
    assert!((nrows - 1) * g.sh * rs + (kh - 1) * rs + last_ox + kw - 1 + 4 <= xs.len());
    assert!(w.len() >= kh * kw * 16);
    let mut bias = [0.0f32; 4];
    if let Some(b) = o.bias {
        bias[..o.lanes].copy_from_slice(&b[o.c0..o.c0 + o.lanes]);
    }
    let bias = o.bias.map(|_| F32x4::from_array(bias));
    let mut o = o;
    for r in 0..nrows {
        let row = r * g.sh * rs;
        let mut ox = 0;
        while ox + 8 <= ow {
            // SAFETY: reads stay within the bounds asserted above.
            let acc = unsafe { px_tile::<2>(xs.as_ptr().add(row + ox), rs, kh, kw, w.as_ptr()) };
            px_store(&acc, &mut o, r * ow + ox, 8, bias);
            ox += 8;
        }
        while ox < ow {
            // SAFETY: as above (ox ≤ last_ox).
            let acc = unsafe { px_tile::<1>(xs.as_ptr().add(row + ox), rs, kh, kw, w.as_ptr()) };
            px_store(&acc, &mut o, r * ow + ox, (ow - ox).min(4), bias);
            ox += 4;
        }
    }
}

/// `acc[v][j]`: channel `j` of pixels `4v..4v+4`, over all taps.
///
/// # Safety
/// `x + ky·rs + kx + 4·PV` (`ky < kh`, `kx < kw`) and `w[..kh·kw·16]` readable.
#[inline(always)]
unsafe fn px_tile<const PV: usize>(x: *const f32, rs: usize, kh: usize, kw: usize, w: *const f32) -> [[F32x4; 4]; PV] {
    let mut acc = [[F32x4::zero(); 4]; PV];
    let mut wp = w;
    let mut xr = x;
    for _ in 0..kh {
        for kx in 0..kw {
            let xv: [F32x4; PV] = core::array::from_fn(|v| F32x4::load_ptr(xr.add(kx + 4 * v)));
            let wv: [F32x4; 4] = core::array::from_fn(|j| F32x4::load_ptr(wp.add(4 * j)));
            for (a, x) in acc.iter_mut().zip(&xv) {
                for (aj, wj) in a.iter_mut().zip(&wv) {
                    *aj = aj.mul_add(*x, *wj);
                }
            }
            // Integer advance keeps V8's load offsets folded.
            wp = (wp as usize + 64) as *const f32;
        }
        xr = xr.add(rs);
    }
    acc
}

/// Transposes and stores `valid` pixels (from segment pixel `q`) of a tile.
#[inline(always)]
fn px_store<const PV: usize>(acc: &[[F32x4; 4]; PV], o: &mut OutChunk, q: usize, valid: usize, bias: Option<F32x4>) {
    let rows: [[F32x4; 4]; PV] = core::array::from_fn(|v| F32x4::transpose4(acc[v]));
    for p in 0..valid {
        let v = rows[p / 4][p % 4];
        let v = match bias {
            Some(b) => v.add(b),
            None => v,
        };
        let v = if o.relu { v.relu() } else { v };
        let at = (q + p) * o.no + o.c0;
        if o.lanes == 4 {
            v.store(&mut o.out[at..at + 4]);
        } else {
            let mut tmp = [0.0f32; 4];
            v.store(&mut tmp);
            o.out[at..at + o.lanes].copy_from_slice(&tmp[..o.lanes]);
        }
    }
}

/// Walks the pixels of a segment in order, yielding receptive-field offsets
/// in the padded buffer without divisions.
struct PixelWalk {
    ox: usize,
    row: usize,
    ow: usize,
    ps: usize,
    ys: usize,
}

impl PixelWalk {
    fn new(g: &Direct) -> Self {
        PixelWalk { ox: 0, row: 0, ow: g.ow, ps: g.sw * g.c, ys: g.sh * g.row_step() }
    }
    #[inline(always)]
    fn next<const M: usize>(&mut self) -> [usize; M] {
        core::array::from_fn(|_| {
            let o = self.row + self.ox * self.ps;
            self.ox += 1;
            if self.ox == self.ow {
                self.ox = 0;
                self.row += self.ys;
            }
            o
        })
    }
}

/// Checks once per segment that every read of `nrows` output rows stays in
/// `xs` (the last pixel has the largest offset).
fn check_segment(g: &Direct, xs: &[f32], nrows: usize) {
    let last = (nrows - 1) * g.sh * g.row_step() + (g.ow - 1) * g.sw * g.c;
    assert!(last + (g.kh - 1) * g.row_step() + g.kw * g.c <= xs.len());
}

/// Output chunk of one segment: channels `c0..c0+lanes` of `out` (`no` per
/// pixel), plus the optional bias and ReLU applied on the way out.
struct OutChunk<'a, 'b> {
    out: &'a mut [f32],
    no: usize,
    c0: usize,
    lanes: usize,
    bias: Option<&'b [f32]>,
    relu: bool,
}

/// All pixels of a segment for one packed filter chunk (`4·NV` channels):
/// full tiles of [`MR`] pixels (tiles may straddle output rows: offsets are
/// per pixel), then one narrower tile.
#[inline(never)]
fn seg_kernel<const NV: usize, const T: usize>(g: &Direct, xs: &[f32], nrows: usize, w: &[f32], mut o: OutChunk) {
    let pixels = nrows * g.ow;
    if pixels == 0 {
        return;
    }
    check_segment(g, xs, nrows);
    let (rs, kh, span) = (g.row_step(), g.kh, g.kw * g.c);
    assert!(w.len() >= kh * span * 4 * NV);
    let mut walk = PixelWalk::new(g);
    let mut q = 0;
    while q + T <= pixels {
        let offs = walk.next::<T>();
        // SAFETY: offsets come from `walk` within the checked segment, and w's
        // length was checked above.
        let acc = unsafe { depth_n::<T, NV>(xs.as_ptr(), &offs, rs, kh, span, w.as_ptr()) };
        store_n(&acc, &mut o, q);
        q += T;
    }
    macro_rules! tail {
        ($m:literal) => {{
            let offs = walk.next::<$m>();
            // SAFETY: as above.
            let acc = unsafe { depth_n::<$m, NV>(xs.as_ptr(), &offs, rs, kh, span, w.as_ptr()) };
            store_n(&acc, &mut o, q);
        }};
    }
    match pixels - q {
        4 => tail!(4),
        3 => tail!(3),
        2 => tail!(2),
        1 => tail!(1),
        _ => {}
    }
}

/// `M` pixels × `4·NV` output channels over the whole depth: per step, `NV`
/// filter loads, then per pixel one broadcast source load and `NV` mul+add.
///
/// # Safety
/// `xs + offs[i] + ky·rs + j` (`ky < kh`, `j < span`) and `w[..kh·span·4·NV]`
/// must be readable.
#[inline(always)]
unsafe fn depth_n<const M: usize, const NV: usize>(
    xs: *const f32,
    offs: &[usize; M],
    rs: usize,
    kh: usize,
    span: usize,
    w: *const f32,
) -> [[F32x4; NV]; M] {
    let mut acc = [[F32x4::zero(); NV]; M];
    let mut wp = w;
    let mut rows: [*const f32; M] = core::array::from_fn(|i| xs.add(offs[i]));
    for _ in 0..kh {
        for j in 0..span {
            let wv: [F32x4; NV] = core::array::from_fn(|v| F32x4::load_ptr(wp.add(v * 4)));
            for (i, row) in acc.iter_mut().enumerate() {
                let a = F32x4::splat(*rows[i].add(j));
                for (x, &b) in row.iter_mut().zip(&wv) {
                    *x = x.mul_add(a, b);
                }
            }
            // Integer advance keeps V8's load offsets folded (see gemm::kernel).
            wp = (wp as usize + 16 * NV) as *const f32;
        }
        for r in rows.iter_mut() {
            *r = (*r as usize + rs * 4) as *const f32;
        }
    }
    acc
}

/// Writes a tile's valid channels of pixels `q..q+M`, adding the bias.
#[inline(always)]
fn store_n<const M: usize, const NV: usize>(acc: &[[F32x4; NV]; M], o: &mut OutChunk, q: usize) {
    let (no, c0, lanes) = (o.no, o.c0, o.lanes);
    let out = &mut *o.out;
    for (i, row) in acc.iter().enumerate() {
        let dst = &mut out[(q + i) * no + c0..][..lanes];
        if lanes == 4 * NV {
            for (v, &x) in row.iter().enumerate() {
                let d = &mut dst[v * 4..v * 4 + 4];
                let x = match o.bias {
                    Some(b) => x.add(F32x4::load(&b[c0 + v * 4..c0 + v * 4 + 4])),
                    None => x,
                };
                let x = if o.relu { x.relu() } else { x };
                x.store(d);
            }
        } else {
            let mut tmp = [0.0f32; 8];
            for (v, x) in row.iter().enumerate() {
                x.store(&mut tmp[v * 4..v * 4 + 4]);
            }
            for (j, d) in dst.iter_mut().enumerate() {
                let x = tmp[j] + o.bias.map_or(0.0, |b| b[c0 + j]);
                *d = if o.relu { crate::simd::relu(x) } else { x };
            }
        }
    }
}

/// Pixels per tile of the single-output-channel kernel. V8 issues a step's
/// loads first, so a step holds `M1` accumulators + `M1` source vectors + 1
/// filter vector (+ 1 product): 6 → 14 registers (8 would spill).
const M1: usize = 6;

/// One output channel for all pixels of a segment: per pixel, a dot product
/// over the depth (`kh` runs of `KW·C` contiguous values), `M1` pixels at a
/// time, 4 lanes at a time, then a horizontal sum.
#[inline(never)]
fn seg_kernel_1(g: &Direct, xs: &[f32], nrows: usize, w: &[f32], out: &mut [f32], bias: f32, relu: bool) {
    let fin = |v: f32| if relu { crate::simd::relu(v + bias) } else { v + bias };
    let pixels = nrows * g.ow;
    if pixels == 0 {
        return;
    }
    check_segment(g, xs, nrows);
    let (rs, kh, span) = (g.row_step(), g.kh, g.kw * g.c);
    assert!(w.len() >= kh * span && out.len() >= pixels);
    let mut walk = PixelWalk::new(g);
    let mut q = 0;
    while q + M1 <= pixels {
        let offs = walk.next::<M1>();
        // SAFETY: as in `seg_kernel`.
        let s = unsafe { depth_1::<M1>(xs.as_ptr(), &offs, rs, kh, span, w.as_ptr()) };
        for (d, v) in out[q..q + M1].iter_mut().zip(s) {
            *d = fin(v);
        }
        q += M1;
    }
    while q < pixels {
        let offs = walk.next::<1>();
        // SAFETY: as above.
        let s = unsafe { depth_1::<1>(xs.as_ptr(), &offs, rs, kh, span, w.as_ptr()) };
        out[q] = fin(s[0]);
        q += 1;
    }
}

/// # Safety
/// As for [`depth_n`], with `w[..kh·span]`.
#[inline(always)]
unsafe fn depth_1<const M: usize>(xs: *const f32, offs: &[usize; M], rs: usize, kh: usize, span: usize, w: *const f32) -> [f32; M] {
    let mut acc = [F32x4::zero(); M];
    let mut tail = [0.0f32; M];
    let nv = span / 4;
    let mut rows: [*const f32; M] = core::array::from_fn(|i| xs.add(offs[i]));
    let mut wr = w;
    for _ in 0..kh {
        for v in 0..nv {
            let wv = F32x4::load_ptr(wr.add(v * 4));
            for (a, r) in acc.iter_mut().zip(&rows) {
                *a = a.mul_add(F32x4::load_ptr(r.add(v * 4)), wv);
            }
        }
        for j in nv * 4..span {
            let wj = *wr.add(j);
            for (t, r) in tail.iter_mut().zip(&rows) {
                *t += *r.add(j) * wj;
            }
        }
        wr = wr.add(span);
        for r in rows.iter_mut() {
            *r = r.add(rs);
        }
    }
    core::array::from_fn(|i| acc[i].hsum() + tail[i])
}

/// Filter-gradient tile: depth rows at offsets `offs` (within a receptive
/// field) × `4·NV` channels of `dy` (`dy[p·no..]` for segment pixel `p`),
/// summed over all `nrows·ow` pixels of the segment.
#[inline(never)]
fn dw_tile<const M: usize, const NV: usize>(
    g: &Direct,
    xs: &[f32],
    offs: &[usize; M],
    nrows: usize,
    dy: &[f32],
    no: usize,
) -> [[F32x4; NV]; M] {
    let mut acc = [[F32x4::zero(); NV]; M];
    let (ow, rs) = (g.ow, g.row_step());
    let (ps, ys) = (g.sw * g.c, g.sh * rs);
    let pixels = nrows * ow;
    if pixels == 0 {
        return acc;
    }
    // Largest reads: pixel (nrows-1, ow-1) at offs[i], and dy's last vector.
    let last = (nrows - 1) * ys + (ow - 1) * ps;
    assert!(offs.iter().all(|&o| last + o < xs.len()));
    assert!((pixels - 1) * no + 4 * NV <= dy.len());
    let bases: [*const f32; M] = core::array::from_fn(|i| xs[offs[i]..].as_ptr());
    let mut dp = dy.as_ptr();
    for r in 0..nrows {
        let mut pofs = r * ys;
        for _ in 0..ow {
            // SAFETY: pofs ≤ last and dp stays within dy (asserts above).
            unsafe {
                let dv: [F32x4; NV] = core::array::from_fn(|v| F32x4::load_ptr(dp.add(v * 4)));
                for (row, b) in acc.iter_mut().zip(&bases) {
                    let a = F32x4::splat(*b.add(pofs));
                    for (x, &d) in row.iter_mut().zip(&dv) {
                        *x = x.mul_add(a, d);
                    }
                }
            }
            pofs += ps;
            dp = (dp as usize + no * 4) as *const f32;
        }
    }
    acc
}
