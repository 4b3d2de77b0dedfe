//! Convolution + bias + activation + pooling in one pass (inference).
//!
//! Why: a conv layer followed by a pooling layer writes its full output only
//! for the pooling to read it back once. On the LeNet-style first layer at
//! batch 1000 (28×28×8 outputs per image) that is a 25 MB tensor allocated,
//! zeroed, written and re-read for 113 MFLOP of convolution: memory traffic,
//! not arithmetic, set the time. Here each task computes a few convolution
//! rows at a time into a small per-thread buffer (≤ [`BLOCK_FLOATS`], cache
//! resident) and pools them straight into the pooled output.
//!
//! Same values as the two ops in sequence: each convolution value is computed
//! by the same code (direct kernels: the same depth loop whatever the rows;
//! GEMM path: the same im2col rows and product), and pooling takes the same
//! comparisons / sums in the same order. The task partition (pooled rows)
//! depends on the shape only, so results do not depend on the thread count.
//!
//! There is no gradient: the engine runs this only when no tape records
//! (a recording tape needs the convolution's output for the backward pass).

use super::direct::row_tasks;
use super::{run_tasks, split_lens, Conv2d};
use crate::gemm::Activation;
use crate::pool::{Pool2d, PoolKind};
use core::ops::Range;

/// Convolution floats a task holds at once (32 KiB): a block of convolution
/// rows stays in L1/L2 between the store and the pooling that reads it.
const BLOCK_FLOATS: usize = 8 * 1024;

/// `y = pool(act(conv2d(x, w) + bias))`. `q` is the pooling geometry over the
/// convolution's output (`q.n, q.h, q.w, q.c` = `p.n, p.out_h(), p.out_w(),
/// p.c_out`); `y` has `q.y_len()` values. Panics if a slice length or `q`
/// does not match `p`.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_forward_pool(p: &Conv2d, x: &[f32], w: &[f32], bias: Option<&[f32]>, act: Activation, kind: PoolKind, q: &Pool2d, y: &mut [f32]) {
    const WHAT: &str = "conv2d_forward_pool";
    p.check(WHAT, "x", x.len(), p.x_len());
    p.check(WHAT, "w", w.len(), p.w_len());
    if let Some(b) = bias {
        p.check(WHAT, "bias", b.len(), p.c_out);
    }
    let g = p.geom();
    assert!(
        (q.n, q.h, q.w, q.c) == (p.n, g.oh, g.ow, p.c_out),
        "{WHAT}: pooling {q:?} does not take the convolution's output [{}, {}, {}, {}]",
        p.n,
        g.oh,
        g.ow,
        p.c_out
    );
    p.check(WHAT, "y", y.len(), q.y_len());
    if y.is_empty() {
        return;
    }
    let (oh, crow) = (g.oh, g.ow * p.c_out);
    let (poh, prow) = (q.out_h(), q.out_w() * q.c);
    // Convolution rows one pooled row needs (at most).
    let span = q.kh.max(q.stride_h).min(oh).max(1);
    let block = (BLOCK_FLOATS / (span * crow).max(1)).max(1);
    let direct = g.direct_ok(p.c_out).then(|| g.direct_fwd_packed(w));
    let relu = act == Activation::Relu;
    // Pooled rows `rows` (global `b·POH + py`) into `out`.
    let run = |rows: Range<usize>, out: &mut [f32], (conv, cols): &mut (Vec<f32>, Vec<f32>)| {
        let mut r = rows.start;
        while r < rows.end {
            let (b, py) = (r / poh, r % poh);
            let py1 = poh.min(py + (rows.end - r)).min(py + block);
            let crows = q.input_rows(py).start..q.input_rows(py1 - 1).end;
            conv.resize(crows.len() * crow, 0.0);
            let global = b * oh + crows.start..b * oh + crows.end;
            match &direct {
                Some((d, wt)) => d.run(x, wt, global, conv, bias, relu),
                None => g.forward_rows_gemm(x, w, global.start * g.ow..global.end * g.ow, conv, bias, act, cols),
            }
            let dst = &mut out[(r - rows.start) * prow..][..(py1 - py) * prow];
            for (oy, yrow) in (py..py1).zip(dst.chunks_exact_mut(prow)) {
                q.pool_row(kind, conv, crows.start, oy, yrow);
            }
            r += py1 - py;
        }
    };
    let tasks = row_tasks(p.n * poh, 2 * span * crow * g.k, usize::MAX);
    let parts = split_lens(y, tasks.iter().map(|r| r.len() * prow));
    run_tasks(tasks.into_iter().zip(parts).collect(), g.parallel(), || (Vec::new(), Vec::new()), |s, (rows, out)| run(rows, out, s));
}
