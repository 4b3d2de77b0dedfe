//! A 1-D convolution whose input is a row lookup, `x[b, s] = table[ids[b, s]]`
//! (an Embedding feeding a Conv1D), computed over table rows instead of
//! sequence positions. With `w_t` the filter's tap `t` (`[Cin × Cout]`):
//! - forward: `P_t = table · w_t` for every table row, then
//!   `y[b, o] = bias + Σ_t P_t[ids[b, o·s + t - pad]]` (a gather-sum);
//! - backward: `S_t[r] = Σ dz[b, o]` over the positions whose tap `t` reads
//!   row `r` (a scatter-add), then `dw_t = tableᵀ · S_t` and
//!   `dtable = Σ_t S_t · w_tᵀ`.
//!
//! The products run over `rows` table rows instead of `N·OW` output
//! positions: the text classifier's 1,000-token table against 64 × 96
//! positions is ~6× fewer flops. Each result is computed in a fixed order
//! (scatter: per tap, positions in order; GEMMs thread-count independent),
//! so it does not depend on the thread count.
//!
//! Threads: the table's rows are cut into [`ROW_BLOCKS`] blocks fixed by the
//! shape. The forward's `P_t` run as one parallel job of (tap, block)
//! products. The backward runs as one job of blocks: each zeroes and
//! scatter-adds its rows of every `S_t` (its input positions bucketed
//! beforehand, so each is read by one block), multiplies them out into its
//! rows of `dtable` and into a partial `dw` (`table[rows]ᵀ · S_t[rows]`);
//! the partials are then summed in block order. So the work splits evenly
//! whatever the number of taps (one task per tap left a thread with 3 of
//! the text model's 5), the backward takes one fork-join instead of ~26
//! (the forward two instead of six), and `S_t`
//! only ever exists a block at a time. `P` and the partials live in a
//! per-thread scratch buffer reused across calls: no allocation or serial
//! zero-fill per step.

use super::Conv2d;
use crate::gemm::{gemm, gemm_packed, Gemm, PackedB};
use crate::par;
use crate::simd::F32x4;
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::LocalKey;

/// Row blocks the table is cut into (fewer when it has fewer rows than
/// [`MIN_BLOCK_ROWS`] per block): enough tasks for a late thread to find
/// work; few, since every block repeats the per-call overhead of its GEMMs.
const ROW_BLOCKS: usize = 8;
/// Fewest table rows of a block (below this its GEMMs are mostly overhead).
const MIN_BLOCK_ROWS: usize = 16;

thread_local! {
    /// `P` (forward) or the blocks' partial `dw` (backward), reused across
    /// calls on the calling thread.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    /// A row block's `S_t` (backward), reused on each thread that runs blocks.
    static BLOCK: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on `len` floats of this thread's buffer `key` (a fresh buffer if
/// it is in use). The contents are whatever the last call left: `f` overwrites.
fn with_scratch<R>(key: &'static LocalKey<RefCell<Vec<f32>>>, len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let mut f = Some(f);
    let mut run = |v: &mut Vec<f32>| {
        if v.len() < len {
            v.resize(len, 0.0);
        }
        (f.take().expect("f runs once"))(&mut v[..len])
    };
    match key.try_with(|cell| cell.try_borrow_mut().ok().map(|mut v| run(&mut v))).ok().flatten() {
        Some(r) => r,
        None => run(&mut Vec::new()),
    }
}

/// Rows per block of a `rows`-row table (see [`ROW_BLOCKS`]).
fn block_rows(rows: usize) -> usize {
    rows.div_ceil(ROW_BLOCKS).max(MIN_BLOCK_ROWS)
}

/// Whether a pass over `work` values (positions × channels × taps) is split
/// over the pool.
fn parallel(work: usize) -> bool {
    par::threads() > 1 && work >= super::CONV_PAR_MIN_FLOPS / 4
}

/// Numbers the parallel passes, so each thread streams a pass's input once.
static CALLS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The last pass whose input this thread streamed.
    static SHARED_FOR: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Reads one value per cache line of `p`, the first time this thread runs a
/// task of pass `call`. The forward's gather-sum reads rows of `P` at random
/// and every thread reads all of it, but each thread wrote only the blocks
/// it projected; the backward's scatter reads `dz` rows at random, written
/// in pieces by the pass before. A row another core wrote comes over one
/// line at a time (text Conv1D, native, 2 threads: the gather took 0.70 ms
/// against 0.86 ms on one thread). Streamed in order first, the lines arrive
/// at the prefetcher's pace and the random reads hit this core's cache
/// (0.42-0.51 ms; in WASM the forward went from 1.22-1.37 to 1.00-1.05 ms).
fn share_once(call: u64, p: &[f32]) {
    if SHARED_FOR.with(|c| c.replace(call)) != call {
        let mut acc = 0.0f32;
        for &v in p.iter().step_by(16) {
            acc += v;
        }
        std::hint::black_box(acc);
    }
}

/// `dst += src` (equal lengths).
#[inline(always)]
fn add_row(dst: &mut [f32], src: &[f32]) {
    let v = dst.len() / 4 * 4;
    for i in (0..v).step_by(4) {
        F32x4::load(&dst[i..]).add(F32x4::load(&src[i..])).store(&mut dst[i..]);
    }
    for i in v..dst.len() {
        dst[i] += src[i];
    }
}

/// The table rows `p` (a 1-D convolution: `h == kh == 1`) can take.
fn rows(p: &Conv2d, table: &[f32], ids: &[usize]) -> usize {
    assert!(p.h == 1 && p.kh == 1, "conv lookup: a 1-D convolution (h = kh = 1) expected, got {p:?}");
    assert_eq!(ids.len(), p.n * p.w, "conv lookup: one id per input position");
    let rows = table.len() / p.c_in.max(1);
    assert_eq!(table.len(), rows * p.c_in, "conv lookup: table length");
    assert!(ids.iter().all(|&r| r < rows), "conv lookup: id out of range");
    rows
}

/// Calls `f(b, o, t, row)` for every output position `(b, o)` and tap `t`
/// whose input position lies inside the sequence (the rest is padding).
#[inline(always)]
fn taps(p: &Conv2d, ids: &[usize], b: usize, o: usize, mut f: impl FnMut(usize, usize)) {
    let pl = p.window().pad_left() as isize;
    for t in 0..p.kw {
        let s = (o * p.stride_w + t) as isize - pl;
        if s >= 0 && (s as usize) < p.w {
            f(t, ids[b * p.w + s as usize]);
        }
    }
}

/// `y = act(conv1d(table[ids], w) + bias)` (`relu`: ReLU, else none).
pub fn forward(p: &Conv2d, table: &[f32], ids: &[usize], w: &[f32], bias: Option<&[f32]>, relu: bool, y: &mut [f32]) {
    let rows = rows(p, table, ids);
    let (cin, cout, ow) = (p.c_in, p.c_out, p.out_w());
    assert!(w.len() == p.w_len() && y.len() == p.y_len(), "conv lookup: w / y length");
    if y.is_empty() {
        return;
    }
    let par = parallel(p.y_len() * p.kw);
    let br = block_rows(rows);
    with_scratch(&SCRATCH, p.kw * rows * cout, |proj| {
        // P_t's row block `j` for every tap t: one task each.
        let blocks: Vec<&mut [f32]> = proj.chunks_mut((rows * cout).max(1)).flat_map(|pt| pt.chunks_mut(br * cout)).collect();
        let per_tap = rows.div_ceil(br);
        let wp: Vec<PackedB> = w.chunks_exact((cin * cout).max(1)).map(|wt| PackedB::new(&Gemm::new(br, cout, cin), wt)).collect();
        let project = |i: usize, pb: &mut [f32]| {
            let (t, r0) = (i / per_tap, i % per_tap * br);
            gemm_packed(&Gemm::new(pb.len() / cout, cout, cin), &table[r0 * cin..], &wp[t], pb);
        };
        if par {
            par::for_each(blocks, project);
        } else {
            blocks.into_iter().enumerate().for_each(|(i, pb)| project(i, pb));
        }
        let proj = &*proj;
        let call = CALLS.fetch_add(1, Ordering::Relaxed);
        let image = |b: usize, yb: &mut [f32]| {
            if par {
                share_once(call, proj);
            }
            for (o, out) in yb.chunks_exact_mut(cout).enumerate() {
                match bias {
                    Some(bs) => out.copy_from_slice(bs),
                    None => out.fill(0.0),
                }
                taps(p, ids, b, o, |t, r| add_row(out, &proj[(t * rows + r) * cout..][..cout]));
                if relu {
                    out.iter_mut().for_each(|v| *v = crate::simd::relu(*v));
                }
            }
        };
        if par && p.n > 1 {
            par::chunks_mut(y, ow * cout, image);
        } else {
            y.chunks_exact_mut(ow * cout).enumerate().for_each(|(b, yb)| image(b, yb));
        }
    })
}

/// Gradients of [`forward`] given `dz` (the gradient of the convolution's
/// output before the activation): the table's into `dtable` (overwritten),
/// and the filter's into `dw` when given (overwritten).
pub fn backward(p: &Conv2d, table: &[f32], ids: &[usize], w: &[f32], dz: &[f32], dw: Option<&mut [f32]>, dtable: &mut [f32]) {
    let rows = rows(p, table, ids);
    let (cin, cout, ow) = (p.c_in, p.c_out, p.out_w());
    assert!(w.len() == p.w_len() && dz.len() == p.y_len() && dtable.len() == table.len(), "conv lookup: w / dz / dtable length");
    if p.kw == 0 || cout == 0 {
        // No taps or no filters: nothing reaches the table or the filter.
        dtable.fill(0.0);
        if let Some(dw) = dw {
            assert_eq!(dw.len(), p.w_len(), "conv lookup: dw length");
            dw.fill(0.0);
        }
        return;
    }
    let br = block_rows(rows);
    let nblocks = rows.div_ceil(br).max(1);
    // The input positions whose id lies in each row block, in order (a
    // counting sort): `order[start[j]..start[j + 1]]` for block j.
    let mut start = vec![0usize; nblocks + 1];
    ids.iter().for_each(|&r| start[r / br + 1] += 1);
    for j in 0..nblocks {
        start[j + 1] += start[j];
    }
    let mut order = vec![0u32; ids.len()];
    let mut next = start.clone();
    for (s, &r) in ids.iter().enumerate() {
        order[next[r / br]] = s as u32;
        next[r / br] += 1;
    }
    let wlen = p.kw * cin * cout;
    let parts_len = if dw.is_some() { nblocks * wlen } else { 0 };
    with_scratch(&SCRATCH, parts_len, |parts| {
        // Block j: its rows of dtable and its partial dw (Σ over its rows).
        let mut part = parts.chunks_mut(wlen.max(1));
        let items: Vec<(&mut [f32], Option<&mut [f32]>)> = dtable.chunks_mut((br * cin).max(1)).map(|dt| (dt, part.next())).collect();
        let pl = p.window().pad_left();
        let dt_mm = |nr: usize| Gemm { trans_b: true, ..Gemm::new(nr, cin, cout) };
        let wp: Vec<PackedB> = w.chunks_exact((cin * cout).max(1)).map(|wt| PackedB::new(&dt_mm(br), wt)).collect();
        let par = parallel(dz.len() * p.kw);
        let call = CALLS.fetch_add(1, Ordering::Relaxed);
        let block = |j: usize, (dt, mut part): (&mut [f32], Option<&mut [f32]>)| {
            if par {
                share_once(call, dz);
            }
            let (r0, nr) = (j * br, dt.len() / cin);
            with_scratch(&BLOCK, p.kw * nr * cout, |sb| {
                // The block's rows of every S_t: Σ dz[b, o] over the positions
                // (b, o) whose tap t reads the row. Input position i feeds
                // output o = (i + pad - t) / stride, so ascending input
                // positions add in ascending (b, o) order for every tap.
                sb.fill(0.0);
                for &s in &order[start[j]..start[j + 1]] {
                    let (b, i) = (s as usize / p.w, s as usize % p.w);
                    let r = ids[s as usize] - r0;
                    for t in 0..p.kw {
                        let Some(d) = (i + pl).checked_sub(t) else { break };
                        let o = match p.stride_w {
                            1 => d,
                            sw if d % sw == 0 => d / sw,
                            _ => continue,
                        };
                        if o < ow {
                            add_row(&mut sb[(t * nr + r) * cout..][..cout], &dz[(b * ow + o) * cout..][..cout]);
                        }
                    }
                }
                for (t, st) in sb.chunks_exact(nr * cout).enumerate() {
                    gemm_packed(&Gemm { accumulate: t > 0, ..dt_mm(nr) }, st, &wp[t], dt);
                    if let Some(part) = part.as_deref_mut() {
                        let mm = Gemm { trans_a: true, ..Gemm::new(cin, cout, nr) };
                        gemm(&mm, &table[r0 * cin..][..nr * cin], st, &mut part[t * cin * cout..][..cin * cout]);
                    }
                }
            })
        };
        if par {
            par::for_each(items, block);
        } else {
            items.into_iter().enumerate().for_each(|(j, item)| block(j, item));
        }
        if let Some(dw) = dw {
            assert_eq!(dw.len(), wlen, "conv lookup: dw length");
            dw.fill(0.0);
            for pj in parts.chunks_exact(wlen) {
                add_row(dw, pj);
            }
        }
    })
}
