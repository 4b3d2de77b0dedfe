//! General matrix multiply, f32, row-major.
//!
//! `c[m×n] (+)= op(a) · op(b)` where `op(a)` is `a` (`m×k`) or, with
//! `trans_a`, the transpose of a stored `k×m` matrix; likewise `op(b)` is
//! `k×n` or the transpose of a stored `n×k`. Transposes are never
//! materialised: packing reads either layout.
//!
//! Structure (GotoBLAS/BLIS style):
//! - `small`: direct register-strip loops for shapes too small to repay
//!   packing, and for `m < MR` (batch-1) or `n < 4`.
//! - `blocked`: cache blocking (NC columns × KC depth × MC rows) over packed
//!   panels (`pack`), each 5×8 (relaxed SIMD: 6×8) tile of C computed by
//!   `kernel`.
//! - `narrow`: when C has few columns (the classifier layer, N = 10), the same
//!   blocked path computes Cᵀ = op(B)ᵀ·op(A)ᵀ, so the wide side of C runs
//!   along the kernel's 8-wide vectors, and stores the tiles transposed.
//! - this file: dispatch and the optional fused epilogue (the thread split
//!   lives in `blocked`, and in `narrow` for narrow products).
//!
//! Single-thread SIMD128 in V8 (Node 20, Zen 4): ~42-44 GFLOPS from 256² up
//! and on the MLP training shapes, ~85-89 % of a register-only mul+add loop.
//! The relaxed-SIMD builds (fused multiply-add, 6×8 tiles): ~48-52 GFLOPS,
//! ~85 % of the FMA loop.
//! On an Intel Xeon (Sapphire Rapids class, KVM, 2026-12-02; `node
//! benches/gemm-efficiency.mjs`, CPU time, interleaved, shared machine):
//! 512² at ~94 % of the peak loop without the read-back into JavaScript and
//! ~86 % with it; the micro-kernel alone on L1-resident panels (`l1_kernel`)
//! at ~97-105 %. Both it and the peak loop are bound by the vector FP ports
//! (10 mul + 10 add per depth step, 7 loads, 35 instructions, no spills in
//! V8's code), so plain SIMD128 cannot go much past the peak loop. Sampled
//! with `perf` (512², no read-back): the depth loop is ~87 % of the time and
//! runs at the L1 rate; the tile's entry and store ~4 % (half of it waiting
//! for C's lines on the second depth block), packing ~3.5 % (`pack_b` waits
//! on B's rows, `n` floats apart). The read-back (~9 % at 512²) is mostly
//! page faults of the fresh `Float32Array`, paid by TF.js alike. Tried
//! there without a change beyond the noise: KC = 512 (one depth block at
//! 512²), starting the accumulators from C (its loads before the depth
//! loop), packing B 4 rows at a time across all panels. Swapping the two
//! innermost loops (B panel in L1, pre-broadcast A streamed) measured worse
//! (62 vs 73 %, earlier run).

mod blocked;
mod kernel;
mod narrow;
mod pack;
mod small;

use crate::par;
use blocked::BSource;

/// Rows of the micro-kernel's tile: callers that choose their own row blocks
/// (the recurrent kernels) make them multiples of it.
pub const TILE_ROWS: usize = kernel::MR;

/// Shape and layout of one GEMM call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gemm {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    /// `a` is stored `k×m` and used transposed.
    pub trans_a: bool,
    /// `b` is stored `n×k` and used transposed.
    pub trans_b: bool,
    /// Add into `c` instead of overwriting it.
    pub accumulate: bool,
}

impl Gemm {
    pub fn new(m: usize, n: usize, k: usize) -> Self {
        Gemm { m, n, k, trans_a: false, trans_b: false, accumulate: false }
    }

    #[inline(always)]
    fn a_at(&self, a: &[f32], i: usize, p: usize) -> f32 {
        if self.trans_a { a[p * self.m + i] } else { a[i * self.k + p] }
    }

    #[inline(always)]
    fn b_at(&self, b: &[f32], p: usize, j: usize) -> f32 {
        if self.trans_b { b[j * self.k + p] } else { b[p * self.n + j] }
    }

    fn flops(&self) -> usize {
        2usize.saturating_mul(self.m).saturating_mul(self.n).saturating_mul(self.k)
    }
}

/// Activation applied by the fused epilogue of [`gemm_bias_act`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Activation {
    #[default]
    None,
    /// `x < 0 ? 0 : x` (NaN passes through).
    Relu,
}

/// Below this many flops (`2·m·n·k`) a call stays on one thread. Handing a
/// job to a spinning pool worker costs ~1 µs (tens of µs if it has parked),
/// and each task repacks its share of A or B; 2e6 flops is ~50 µs
/// single-threaded at ~40 GFLOPS, so the split pays from about here.
/// Measured (benches/results/matmul-threads-2026-12-01.txt, idle machine):
/// 64² (0.5 MFLOP, one thread by this rule) 1.00×, 128² (4.2 MFLOP) 1.37×
/// (0.65–1.85), 256² 1.92×: the crossover lies between 0.5 and 4 MFLOP.
/// `node benches/thresholds.mjs` samples 0.5–8 MFLOP to place it closer (its
/// run on 2026-12-02 at load average 18 was noise: 0.03–2.4×).
pub const PAR_MIN_FLOPS: usize = 2_000_000;
/// Tasks per thread of a narrow product (see `narrow`; the blocked path
/// sizes its own tasks): more than one, so that a worker arriving late (woken
/// from a park, or descheduled on a busy machine) still finds work instead of
/// the caller doing it all; few, since each task repacks the small operand.
const TASKS_PER_THREAD: usize = 2;
/// ... and no task smaller than this many flops (~25 µs).
const MIN_TASK_FLOPS: usize = 1_000_000;

/// Runs `g` on `a`, `b` into `c`. Panics if a slice is shorter than the shape
/// requires (the engine validates shapes before calling).
pub fn gemm(g: &Gemm, a: &[f32], b: &[f32], c: &mut [f32]) {
    gemm_bias_act(g, a, b, c, None, Activation::None);
}

/// [`gemm`] followed by a fused epilogue: `c = act(c + bias)` where `bias` has
/// one value per column (length `n`). With `accumulate`, the bias and the
/// activation apply to the accumulated sum. Applied while each C tile is still
/// in registers, so it costs no extra pass over C.
pub fn gemm_bias_act(
    g: &Gemm,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    bias: Option<&[f32]>,
    act: Activation,
) {
    let (m, n, k) = (g.m, g.n, g.k);
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    let bias = bias.map(|bs| {
        assert!(bs.len() >= n, "bias needs one value per column");
        &bs[..n]
    });
    let ep = Epilogue { bias, relu: act == Activation::Relu };
    let c = &mut c[..m * n];
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !g.accumulate {
            c.fill(0.0);
        }
        ep.apply_rows(c, n);
        return;
    }
    if small::prefer(g) {
        small::gemm(g, a, b, c);
        ep.apply_rows(c, n);
        return;
    }
    let threads = par::threads();
    let threads = if g.flops() >= PAR_MIN_FLOPS { threads } else { 1 };
    if narrow::prefer(g) {
        narrow::gemm(g, a, b, c, ep, tasks(g, threads));
    } else {
        let mut rows: Vec<&mut [f32]> = c.chunks_mut(n).collect();
        blocked::gemm(g, a, BSource::Raw(b), 0..m, 0..n, &mut rows, ep, Store::Direct, threads);
    }
}

/// `op(B)` packed once for many products by the same B (a recurrent layer's
/// `U`, multiplied by the state at every time step): [`gemm_packed`] then
/// skips the per-call packing of B, which for short, wide products (16 rows
/// × 64 deep) costs a fifth as much as the arithmetic.
pub struct PackedB<'a> {
    /// The shape it was packed for (`m` is a hint: see [`PackedB::new`]).
    g: Gemm,
    b: &'a [f32],
    /// The blocked path's B blocks; empty when `g` takes another path.
    blocks: Vec<f32>,
}

impl<'a> PackedB<'a> {
    /// Packs `b` for products of shape `g` (its `n`, `k`, `trans_b` are
    /// fixed; `m` and `trans_a` say which path [`gemm`] would take, and B is
    /// only packed when that is the blocked one).
    pub fn new(g: &Gemm, b: &'a [f32]) -> Self {
        assert!(b.len() >= g.k * g.n);
        let blocks = if blocked_path(g) { blocked::pack_all_b(g, b) } else { Vec::new() };
        PackedB { g: *g, b, blocks }
    }
}

/// Whether [`gemm`] runs `g` (k > 0, m, n > 0) through the direct blocked path.
fn blocked_path(g: &Gemm) -> bool {
    g.m > 0 && g.n > 0 && g.k > 0 && !small::prefer(g) && !narrow::prefer(g)
}

/// [`gemm`] with a B packed beforehand, on the calling thread (meant for
/// products inside already-parallel work). `g` must agree with the
/// [`PackedB`] in `n`, `k` and `trans_b`. Results are bitwise those of
/// [`gemm`]: the same path and the same blocking, minus the packing.
pub fn gemm_packed(g: &Gemm, a: &[f32], b: &PackedB, c: &mut [f32]) {
    assert!(g.n == b.g.n && g.k == b.g.k && g.trans_b == b.g.trans_b, "gemm_packed: B was packed for another shape");
    if b.blocks.is_empty() || !blocked_path(g) {
        return gemm(g, a, b.b, c);
    }
    assert!(a.len() >= g.m * g.k && c.len() >= g.m * g.n);
    let mut rows: Vec<&mut [f32]> = c[..g.m * g.n].chunks_mut(g.n).collect();
    blocked::gemm(g, a, BSource::Packed(&b.blocks), 0..g.m, 0..g.n, &mut rows, Epilogue { bias: None, relu: false }, Store::Direct, 1);
}

/// How many independent blocks a narrow product is split into on `threads`
/// threads (1: run on the calling thread).
fn tasks(g: &Gemm, threads: usize) -> usize {
    if threads <= 1 {
        return 1;
    }
    (threads * TASKS_PER_THREAD).min(g.flops() / MIN_TASK_FLOPS).max(threads)
}

/// How the blocked path writes a finished tile.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Store {
    /// Tile `(i, j)` is `C[i][j]`.
    Direct,
    /// The blocked path computes Cᵀ: tile `(i, j)` is `C[j][i]`, and the bias
    /// is indexed by the tile row (see `narrow`).
    Transposed,
}

fn round_up(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}

/// `c = act(c + bias)` on finished values. `bias` is already restricted to the
/// column range the holder covers.
#[derive(Clone, Copy)]
struct Epilogue<'a> {
    bias: Option<&'a [f32]>,
    relu: bool,
}

impl<'a> Epilogue<'a> {
    fn is_noop(&self) -> bool {
        self.bias.is_none() && !self.relu
    }

    /// The same epilogue for a sub-range of the columns.
    fn cols(self, r: core::ops::Range<usize>) -> Self {
        Epilogue { bias: self.bias.map(|bs| &bs[r]), relu: self.relu }
    }

    #[inline(always)]
    fn scalar(&self, x: f32, j: usize) -> f32 {
        let x = match self.bias {
            Some(bs) => x + bs[j],
            None => x,
        };
        if self.relu { crate::simd::relu(x) } else { x }
    }

    /// Separate pass over C, for the paths that do not fuse it (k = 0, small).
    fn apply_rows(&self, c: &mut [f32], n: usize) {
        if self.is_noop() {
            return;
        }
        for row in c.chunks_mut(n) {
            for (j, x) in row.iter_mut().enumerate() {
                *x = self.scalar(*x, j);
            }
        }
    }
}

/// Benchmark hook: `reps` micro-kernel tiles on L1-resident packed panels of
/// depth `blocked::KC` (see `kernel::l1_resident`); returns a result-dependent
/// value. [`l1_kernel_flops`] gives the flops done.
pub fn l1_kernel(reps: u32) -> f32 {
    kernel::l1_resident(reps, blocked::KC)
}

/// Flops done by [`l1_kernel`]`(reps)`.
pub fn l1_kernel_flops(reps: u32) -> f64 {
    reps as f64 * (2 * kernel::MR * kernel::NR * blocked::KC) as f64
}

/// Reference triple loop, used by tests.
pub fn naive(g: &Gemm, a: &[f32], b: &[f32], c: &mut [f32]) {
    for i in 0..g.m {
        for j in 0..g.n {
            let mut s = 0.0f32;
            for p in 0..g.k {
                s += g.a_at(a, i, p) * g.b_at(b, p, j);
            }
            let out = &mut c[i * g.n + j];
            *out = if g.accumulate { *out + s } else { s };
        }
    }
}
