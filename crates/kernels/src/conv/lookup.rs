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

use super::Conv2d;
use crate::gemm::{gemm, Gemm};
use crate::par;
use crate::simd::F32x4;

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
    let mut proj = vec![0.0f32; p.kw * rows * cout];
    for (t, pt) in proj.chunks_exact_mut(rows * cout).enumerate() {
        gemm(&Gemm::new(rows, cout, cin), table, &w[t * cin * cout..][..cin * cout], pt);
    }
    let image = |b: usize, yb: &mut [f32]| {
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
    if y.is_empty() {
        return;
    }
    if par::threads() > 1 && p.n > 1 && p.y_len() * p.kw >= super::CONV_PAR_MIN_FLOPS / 4 {
        par::chunks_mut(y, ow * cout, image);
    } else {
        y.chunks_exact_mut(ow * cout).enumerate().for_each(|(b, yb)| image(b, yb));
    }
}

/// Gradients of [`forward`] given `dz` (the gradient of the convolution's
/// output before the activation): the table's into `dtable` (overwritten),
/// and the filter's into `dw` when given (overwritten).
pub fn backward(p: &Conv2d, table: &[f32], ids: &[usize], w: &[f32], dz: &[f32], dw: Option<&mut [f32]>, dtable: &mut [f32]) {
    let rows = rows(p, table, ids);
    let (cin, cout, ow) = (p.c_in, p.c_out, p.out_w());
    assert!(w.len() == p.w_len() && dz.len() == p.y_len() && dtable.len() == table.len(), "conv lookup: w / dz / dtable length");
    // S_t per tap, each summed serially in position order (one task per tap).
    let mut sums = vec![0.0f32; p.kw * rows * cout];
    let tap_sum = |t: usize, st: &mut [f32]| {
        let pl = p.window().pad_left() as isize;
        for b in 0..p.n {
            for o in 0..ow {
                let s = (o * p.stride_w + t) as isize - pl;
                if s >= 0 && (s as usize) < p.w {
                    let r = ids[b * p.w + s as usize];
                    add_row(&mut st[r * cout..][..cout], &dz[(b * ow + o) * cout..][..cout]);
                }
            }
        }
    };
    if par::threads() > 1 && p.kw > 1 && dz.len() * p.kw >= super::CONV_PAR_MIN_FLOPS / 4 {
        par::chunks_mut(&mut sums, rows * cout, tap_sum);
    } else {
        sums.chunks_exact_mut(rows * cout).enumerate().for_each(|(t, st)| tap_sum(t, st));
    }
    if let Some(dw) = dw {
        assert_eq!(dw.len(), p.w_len(), "conv lookup: dw length");
        for (t, st) in sums.chunks_exact(rows * cout).enumerate() {
            let mm = Gemm { trans_a: true, ..Gemm::new(cin, cout, rows) };
            gemm(&mm, table, st, &mut dw[t * cin * cout..][..cin * cout]);
        }
    }
    if p.kw == 0 {
        dtable.fill(0.0);
    }
    for (t, st) in sums.chunks_exact(rows * cout).enumerate() {
        let mm = Gemm { trans_b: true, accumulate: t > 0, ..Gemm::new(rows, cin, cout) };
        gemm(&mm, st, &w[t * cin * cout..][..cin * cout], dtable);
    }
}
