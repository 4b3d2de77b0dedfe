//! 2-D convolution (NHWC input, `[kh, kw, c_in, c_out]` filters, as in
//! TensorFlow) and its two gradients.

use sinew_kernels::activation::Activation;
use sinew_kernels::conv::{self as k, Conv2d, Padding};
use sinew_kernels::window::Window2d;

use super::pool::{self as pool_op, Pool2dArgs, PoolKind};
use super::{emit, expect_rank, Op};
use crate::error::{EngineError, Result};
use crate::shape::{fmt_shape, size_of};
use crate::store::{Store, Tensor, TensorId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dArgs {
    pub stride_h: usize,
    pub stride_w: usize,
    pub pad: Padding,
}

/// The NHWC input and HWIO-style filter checks every 2-D convolution shares:
/// both rank 4, and the filter's third axis matching the input's channels.
pub(crate) fn expect_input_and_filter(op: &str, x_shape: &[usize], w_shape: &[usize]) -> Result<()> {
    expect_rank(op, "input", x_shape, 4)?;
    expect_rank(op, "filter", w_shape, 4)?;
    if x_shape[3] != w_shape[2] {
        return Err(EngineError::shape(
            op,
            format!(
                "input {} and filter {}: input channels {} and {} differ",
                fmt_shape(x_shape),
                fmt_shape(w_shape),
                x_shape[3],
                w_shape[2]
            ),
        ));
    }
    Ok(())
}

/// The step checks every sliding-window op shares: strides and dilations
/// >= 1, and TensorFlow's rule that a dilated window moves with stride 1.
pub(crate) fn check_strides(op: &str, win: &Window2d) -> Result<()> {
    let (s, d) = ([win.stride_h, win.stride_w], [win.dil_h, win.dil_w]);
    if s.contains(&0) {
        return Err(EngineError::invalid(op, format!("strides must be >= 1, got [{},{}]", s[0], s[1])));
    }
    if d.contains(&0) {
        return Err(EngineError::invalid(op, format!("dilations must be >= 1, got [{},{}]", d[0], d[1])));
    }
    if win.strided_and_dilated() {
        return Err(EngineError::invalid(op, format!("either strides or dilations must be 1, got strides [{},{}] and dilations [{},{}]", s[0], s[1], d[0], d[1])));
    }
    Ok(())
}

/// The window leaves at least one output position (VALID padding does not
/// when it is larger than the input); `describe` names the window and the
/// input for the error.
pub(crate) fn check_fits(op: &str, win: &Window2d, describe: impl FnOnce() -> (String, String)) -> Result<()> {
    if win.fits() {
        return Ok(());
    }
    let (window, input) = describe();
    Err(EngineError::shape(op, format!("{window} does not fit input {input} with 'valid' padding")))
}

/// A rank-3 input `[n, steps, c_in]` with a rank-3 filter `[k, c_in, c_out]`
/// is a 1-D convolution, computed as the 1-pixel-high image
/// `[n, 1, steps, c_in]` with filter `[1, k, c_in, c_out]` (the same memory),
/// so `conv1d` needs no reshape copies of its input, output or their
/// gradients. (TF.js's `conv2d` has no 3-D filter, so this adds a case and
/// changes none.)
fn as_image(x_shape: &[usize], w_shape: &[usize]) -> Option<([usize; 4], [usize; 4])> {
    match (x_shape, w_shape) {
        (&[n, steps, c], &[k, wc, f]) => Some(([n, 1, steps, c], [1, k, wc, f])),
        _ => None,
    }
}

/// The output shape of `p` in the rank of the input (see [`as_image`]).
fn out_shape(p: &Conv2d, x_rank: usize) -> Vec<usize> {
    if x_rank == 3 { vec![p.n, p.out_w(), p.c_out] } else { vec![p.n, p.out_h(), p.out_w(), p.c_out] }
}

/// Builds and checks the geometry shared by the forward op and both gradients.
fn geometry(op: &str, x_shape: &[usize], w_shape: &[usize], a: Conv2dArgs) -> Result<Conv2d> {
    let image = as_image(x_shape, w_shape);
    let (x_shape, w_shape) = match &image {
        Some((x4, w4)) => (&x4[..], &w4[..]),
        None => (x_shape, w_shape),
    };
    expect_input_and_filter(op, x_shape, w_shape)?;
    let p = Conv2d {
        n: x_shape[0],
        h: x_shape[1],
        w: x_shape[2],
        c_in: x_shape[3],
        kh: w_shape[0],
        kw: w_shape[1],
        c_out: w_shape[3],
        stride_h: a.stride_h,
        stride_w: a.stride_w,
        pad: a.pad,
    };
    check_strides(op, &p.window())?;
    if p.kh == 0 || p.kw == 0 {
        return Err(EngineError::shape(op, format!("filter {} has an empty window", fmt_shape(w_shape))));
    }
    check_fits(op, &p.window(), || (format!("filter {}x{}", p.kh, p.kw), format!("{}x{}", p.h, p.w)))?;
    size_of(op, &[p.n, p.out_h(), p.out_w(), p.c_out])?;
    Ok(p)
}

/// `y = act(conv2d(x, w) + bias)`: `[n,h,w,c_in] * [kh,kw,c_in,c_out] -> [n,oh,ow,c_out]`.
/// The activation is fused as in `dense` (one pass and one tape node when its
/// derivative needs only the output, else a second node in the same call).
pub fn conv2d(store: &mut Store, x: TensorId, w: TensorId, bias: Option<TensorId>, a: Conv2dArgs, act: Activation) -> Result<TensorId> {
    if !act.derivative_from_output() {
        return super::nn::then_activate(store, act, |s| conv2d(s, x, w, bias, a, Activation::Linear));
    }
    const OP: &str = "conv2d";
    let (x_shape, tw) = (store.meta(OP, x)?.0, store.get_f32(OP, w)?);
    let p = geometry(OP, x_shape, &tw.shape, a)?;
    let tb = bias_of(store, OP, bias, p.c_out, &tw.shape)?;
    let lookup = lookup_of(store, x, &p, x_shape.len());
    // A lookup's `x` is not read (nor gathered, when lazy: `Store::insert_rows`).
    let tx = if lookup.is_some() { None } else { Some(store.get_f32(OP, x)?) };
    // The lookup kernel writes every output (bias or 0, then its taps); the
    // others add their tiles into zeros.
    let mut y = if lookup.is_some() { crate::memory::for_overwrite(OP, p.y_len())? } else { crate::memory::zeros(OP, p.y_len())? };
    // ReLU is applied as the kernel stores each tile (as `dense` does);
    // other activations take a pass over the output.
    let relu = act == Activation::Relu;
    if let Some((table, ids)) = lookup {
        let ids = lookup_ids(store, ids)?;
        k::lookup::forward(&p, &store.get_f32(OP, table)?.data, &ids, &tw.data, tb, relu, &mut y);
    } else if relu {
        k::conv2d_forward_act(&p, &tx.expect("read").data, &tw.data, &mut y, tb, sinew_kernels::gemm::Activation::Relu);
    } else {
        k::conv2d_forward(&p, &tx.expect("read").data, &tw.data, &mut y, tb);
    }
    if !relu {
        sinew_kernels::activation::forward_in_place(act, &mut y);
    }
    let out = Tensor::f32(out_shape(&p, x_shape.len()), y);
    let mut inputs = vec![x, w];
    inputs.extend(bias);
    if let Some((table, ids)) = lookup {
        inputs.extend([table, ids]);
    }
    Ok(emit(store, Op::Conv2d { args: a, act, lookup: lookup.is_some() }, &inputs, out))
}

/// When a 1-D convolution's input `x` is `table[ids]` (an Embedding's
/// gather, maybe reshaped or reversed: [`lookup_of`](super::lookup::lookup_of)) and the table has fewer rows than the
/// output has positions, the convolution runs over table rows
/// (`sinew_kernels::conv::lookup`: ~6× fewer flops for the text classifier's
/// 1,000-row table against 64 × 96 positions) and its node also takes the
/// table and ids: the table then gets its gradient from this node, and `x`
/// (so the gather) none unless asked for (`lookup::route_lookup_grads`, the
/// recurrent layers' rule).
fn lookup_of(store: &Store, x: TensorId, p: &Conv2d, x_rank: usize) -> Option<(TensorId, TensorId)> {
    if x_rank != 3 {
        return None;
    }
    let (table, ids) = super::lookup::lookup_of(store, x)?;
    let (t, n) = (store.get("conv2d", table).ok()?, store.get("conv2d", ids).ok()?.data.len());
    // (a gather's output has one table row per id, so `x` is `table[ids]`)
    (t.shape.len() == 2 && t.shape[1] == p.c_in && n == p.n * p.w && t.shape[0] < p.n * p.out_w()).then_some((table, ids))
}

/// The row indices of a lookup's `ids` (checked in range by the gather).
fn lookup_ids(store: &Store, ids: TensorId) -> Result<Vec<usize>> {
    Ok(store.get("conv2d", ids)?.data.iter().map(|&v| v as usize).collect())
}

/// Gradients of a lookup node (inputs `[x, w, (bias), table, ids]`) from
/// `dz`: the table's, and the filter's when `need_w`.
pub(crate) fn lookup_backward(store: &mut Store, inputs: &[TensorId], dz: TensorId, a: Conv2dArgs, need_w: bool) -> Result<(TensorId, Option<TensorId>)> {
    const OP: &str = "conv2dLookupBackprop";
    let (table, ids) = (inputs[inputs.len() - 2], inputs[inputs.len() - 1]);
    let (x_shape, tw, tt, tdz) = (store.meta(OP, inputs[0])?.0, store.get_f32(OP, inputs[1])?, store.get_f32(OP, table)?, store.get_f32(OP, dz)?);
    let p = geometry(OP, x_shape, &tw.shape, a)?;
    let ids = lookup_ids(store, ids)?;
    // (the kernel overwrites both)
    let mut dt = crate::memory::for_overwrite(OP, tt.data.len())?;
    let mut dw = crate::memory::for_overwrite(OP, if need_w { p.w_len() } else { 0 })?;
    k::lookup::backward(&p, &tt.data, &ids, &tw.data, &tdz.data, need_w.then_some(dw.as_mut_slice()), &mut dt);
    let (t_shape, w_shape) = (tt.shape.clone(), tw.shape.clone());
    let dt = store.insert(Tensor::f32(t_shape, dt));
    Ok((dt, need_w.then(|| store.insert(Tensor::f32(w_shape, dw)))))
}

/// `pool(act(conv2d(x, w) + bias))`, what a conv layer followed by a pooling
/// layer computes. With no tape recording and a linear or ReLU activation it
/// is one fused pass that never materialises the convolution's output
/// (`sinew_kernels::conv::conv2d_forward_pool`: the same values as the two
/// ops). Otherwise it runs the two ops, recorded as usual: the pooling's
/// gradient needs the convolution's output, and other activations take a
/// pass of their own.
#[allow(clippy::too_many_arguments)]
pub fn conv2d_pool(store: &mut Store, x: TensorId, w: TensorId, bias: Option<TensorId>, a: Conv2dArgs, act: Activation, kind: PoolKind, pa: Pool2dArgs) -> Result<TensorId> {
    let epilogue = match act {
        Activation::Linear => sinew_kernels::gemm::Activation::None,
        Activation::Relu => sinew_kernels::gemm::Activation::Relu,
        _ => return unfused_conv_pool(store, x, w, bias, a, act, kind, pa),
    };
    if store.tape.is_some() {
        return unfused_conv_pool(store, x, w, bias, a, act, kind, pa);
    }
    const OP: &str = "conv2d";
    let (tx, tw) = (store.get_f32(OP, x)?, store.get_f32(OP, w)?);
    // Pooling is 2-D: no rank-3 (conv1d) input here, as in conv2d then pool.
    expect_rank(OP, "input", &tx.shape, 4)?;
    let p = geometry(OP, &tx.shape, &tw.shape, a)?;
    let tb = bias_of(store, OP, bias, p.c_out, &tw.shape)?;
    let q = pool_op::geometry(pool_op::op_name(kind), &[p.n, p.out_h(), p.out_w(), p.c_out], pa)?;
    let mut y = crate::memory::zeros(OP, q.y_len())?;
    k::conv2d_forward_pool(&p, &tx.data, &tw.data, tb, epilogue, kind, &q, &mut y);
    Ok(store.insert(Tensor::f32(vec![q.n, q.out_h(), q.out_w(), q.c], y)))
}

#[allow(clippy::too_many_arguments)]
fn unfused_conv_pool(store: &mut Store, x: TensorId, w: TensorId, bias: Option<TensorId>, a: Conv2dArgs, act: Activation, kind: PoolKind, pa: Pool2dArgs) -> Result<TensorId> {
    let y = conv2d(store, x, w, bias, a, act)?;
    let out = pool_op::pool(store, kind, y, pa);
    store.release(y);
    out
}

/// The per-output-channel bias of a fused convolution, checked to be `[c_out]`.
pub(super) fn bias_of<'a>(store: &'a Store, op: &str, bias: Option<TensorId>, c_out: usize, w_shape: &[usize]) -> Result<Option<&'a [f32]>> {
    let Some(b) = bias else { return Ok(None) };
    let tb = store.get_f32(op, b)?;
    if tb.shape != [c_out] {
        return Err(EngineError::shape(op, format!("bias {} must have shape [{}] (filter {})", fmt_shape(&tb.shape), c_out, fmt_shape(w_shape))));
    }
    Ok(Some(tb.data.as_slice()))
}

/// Checks that a gradient `dy` has the op's output shape `want`.
pub(super) fn expect_dy(op: &str, dy: &[usize], want: &[usize]) -> Result<()> {
    if dy != want {
        return Err(EngineError::shape(op, format!("dy {} must have the output shape {}", fmt_shape(dy), fmt_shape(want))));
    }
    Ok(())
}

/// Gradient of `conv2d` with respect to its input, of shape `x_shape`.
pub fn conv2d_backprop_input(store: &mut Store, dy: TensorId, w: TensorId, x_shape: &[usize], a: Conv2dArgs) -> Result<TensorId> {
    const OP: &str = "conv2dBackpropInput";
    let (tdy, tw) = (store.get_f32(OP, dy)?, store.get_f32(OP, w)?);
    let p = geometry(OP, x_shape, &tw.shape, a)?;
    size_of(OP, x_shape)?;
    expect_dy(OP, &tdy.shape, &out_shape(&p, x_shape.len()))?;
    let mut dx = crate::memory::zeros(OP, p.x_len())?;
    k::conv2d_backward_input(&p, &tdy.data, &tw.data, &mut dx);
    Ok(store.insert(Tensor::f32(x_shape.to_vec(), dx)))
}

/// Gradient of `conv2d` with respect to its filter, of shape `w_shape`.
pub fn conv2d_backprop_filter(store: &mut Store, x: TensorId, dy: TensorId, w_shape: &[usize], a: Conv2dArgs) -> Result<TensorId> {
    const OP: &str = "conv2dBackpropFilter";
    let (tx, tdy) = (store.get_f32(OP, x)?, store.get_f32(OP, dy)?);
    let p = geometry(OP, &tx.shape, w_shape, a)?;
    size_of(OP, w_shape)?;
    expect_dy(OP, &tdy.shape, &out_shape(&p, tx.shape.len()))?;
    let mut dw = crate::memory::zeros(OP, p.w_len())?;
    k::conv2d_backward_filter(&p, &tx.data, &tdy.data, &mut dw);
    Ok(store.insert(Tensor::f32(w_shape.to_vec(), dw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(store: &mut Store, shape: &[usize]) -> TensorId {
        let n = shape.iter().product();
        store.insert(Tensor::new("test", shape.to_vec(), (0..n).map(|i| (i % 7) as f32 - 3.0).collect()).unwrap())
    }
    const SAME1: Conv2dArgs = Conv2dArgs { stride_h: 1, stride_w: 1, pad: Padding::Same };

    /// Gradients of `Σ R ⊙ relu(conv1d(table[ids], w) + b)` with respect to
    /// the table, w and b (then x itself when `wrt_x`), the lookup fed
    /// straight to the op (`direct`) or through a multiplication by 1 (which
    /// the op cannot see through); and whether the op took the lookup.
    fn lookup_run(direct: bool, wrt_x: bool, a: Conv2dArgs) -> (Vec<Vec<f32>>, bool) {
        use crate::autograd::{backward, tape_end, tape_start};
        use crate::ops::{binary, gather, reduce, reshape, ReduceKind};
        use crate::store::DType;
        use sinew_kernels::elementwise::BinaryOp;
        let (n, steps, cin, k, cout, rows) = (2, 9, 3, 3, 4, 5);
        let mut s = Store::new();
        let table = t(&mut s, &[rows, cin]);
        let ids = s.insert(Tensor { shape: vec![n * steps], dtype: DType::I32, data: (0..n * steps).map(|i| ((i * 3 + i / 4) % rows) as f32).collect() });
        let (w, b) = (t(&mut s, &[k, cin, cout]), t(&mut s, &[cout]));
        let one = s.insert(Tensor::f32(vec![1], vec![1.0]));
        tape_start(&mut s).unwrap();
        let g = gather(&mut s, table, ids, 0).unwrap();
        let mut x = reshape(&mut s, g, &[n as i64, steps as i64, cin as i64]).unwrap();
        if !direct {
            x = binary(&mut s, BinaryOp::Mul, x, one).unwrap();
        }
        let y = conv2d(&mut s, x, w, Some(b), a, Activation::Relu).unwrap();
        let took = matches!(s.tape.as_ref().unwrap().producer(y).unwrap().op, Op::Conv2d { lookup: true, .. });
        let shape = s.get("t", y).unwrap().shape.clone();
        let weights = t(&mut s, &shape);
        let weighted = binary(&mut s, BinaryOp::Mul, y, weights).unwrap();
        let loss = reduce(&mut s, ReduceKind::Sum, weighted, &[0, 1, 2], false).unwrap();
        let mut wrt = vec![table, w, b];
        if wrt_x {
            wrt.push(x);
        }
        let grads = backward(&mut s, loss, &wrt, None).unwrap();
        let out = grads.iter().map(|&id| s.get("t", id).unwrap().data.clone()).collect();
        tape_end(&mut s);
        (out, took)
    }

    #[test]
    fn a_lookup_input_gives_the_gradients_of_the_gathered_input() {
        for pad in [Padding::Valid, Padding::Same] {
            for stride in [1, 2] {
                let a = Conv2dArgs { stride_h: 1, stride_w: stride, pad };
                for wrt_x in [false, true] {
                    let (want, took_plain) = lookup_run(false, wrt_x, a);
                    let (got, took) = lookup_run(true, wrt_x, a);
                    assert!(took && !took_plain, "the lookup is taken exactly when the op sees the gather");
                    for (which, (g, w)) in got.iter().zip(&want).enumerate() {
                        crate::testing::assert_close(g, w, &format!("{a:?} wrt_x {wrt_x}: gradient {which}"));
                    }
                }
            }
        }
    }

    /// A rank-3 input and filter compute exactly what the same memory
    /// reshaped to a 1-pixel-high image does: forward (bias, ReLU) and both
    /// gradients, bitwise, in the input's rank.
    #[test]
    fn rank3_is_the_one_row_image() {
        let mut s = Store::new();
        let (x3, w3, b) = (t(&mut s, &[3, 11, 4]), t(&mut s, &[3, 4, 5]), t(&mut s, &[5]));
        let x4 = crate::ops::layout::reshape(&mut s, x3, &[3, 1, 11, 4]).unwrap();
        let w4 = crate::ops::layout::reshape(&mut s, w3, &[1, 3, 4, 5]).unwrap();
        for pad in [Padding::Same, Padding::Valid] {
            for stride in [1, 2] {
                let a = Conv2dArgs { stride_h: 1, stride_w: stride, pad };
                let y3 = conv2d(&mut s, x3, w3, Some(b), a, Activation::Relu).unwrap();
                let y4 = conv2d(&mut s, x4, w4, Some(b), a, Activation::Relu).unwrap();
                let (t3, t4) = (s.get("t", y3).unwrap(), s.get("t", y4).unwrap());
                assert_eq!(t3.shape, vec![3, t4.shape[2], 5]);
                assert_eq!(t3.data, t4.data);
                let shape = t3.shape.clone();
                let dy3 = t(&mut s, &shape);
                let dy4 = crate::ops::layout::reshape(&mut s, dy3, &[3, 1, -1, 5]).unwrap();
                let dx3 = conv2d_backprop_input(&mut s, dy3, w3, &[3, 11, 4], a).unwrap();
                let dx4 = conv2d_backprop_input(&mut s, dy4, w4, &[3, 1, 11, 4], a).unwrap();
                assert_eq!(s.get("t", dx3).unwrap().shape, vec![3, 11, 4]);
                assert_eq!(s.get("t", dx3).unwrap().data, s.get("t", dx4).unwrap().data);
                let dw3 = conv2d_backprop_filter(&mut s, x3, dy3, &[3, 4, 5], a).unwrap();
                let dw4 = conv2d_backprop_filter(&mut s, x4, dy4, &[1, 3, 4, 5], a).unwrap();
                assert_eq!(s.get("t", dw3).unwrap().shape, vec![3, 4, 5]);
                assert_eq!(s.get("t", dw3).unwrap().data, s.get("t", dw4).unwrap().data);
                assert!(s.get("t", dw3).unwrap().data.iter().any(|&v| v != 0.0));
            }
        }
        // A rank-3 input with a 4-D filter is still refused as before.
        let w = t(&mut s, &[1, 3, 4, 5]);
        assert_eq!(
            conv2d(&mut s, x3, w, None, SAME1, Activation::Linear).unwrap_err().to_string(),
            "conv2d: input must be 4-D, got shape [3,11,4]"
        );
    }

    /// Without a tape: the fused pass gives the two ops' values and frees
    /// nothing it should keep. With a tape: the two ops, recorded, so the
    /// gradient reaches the filter exactly as through conv2d then pool.
    #[test]
    fn conv2d_pool_equals_conv_then_pool_and_records_under_a_tape() {
        use crate::autograd::{backward, tape_end, tape_start};
        let mut s = Store::new();
        let x = t(&mut s, &[2, 6, 7, 3]);
        let w = t(&mut s, &[3, 3, 3, 4]);
        let b = t(&mut s, &[4]);
        let pa = Pool2dArgs { kh: 2, kw: 2, stride_h: 2, stride_w: 2, pad: Padding::Same };
        let two_ops = |s: &mut Store, act, kind| {
            let c = conv2d(s, x, w, Some(b), SAME1, act).unwrap();
            let y = pool_op::pool(s, kind, c, pa).unwrap();
            s.release(c);
            y
        };
        for act in [Activation::Linear, Activation::Relu, Activation::Sigmoid] {
            for kind in [PoolKind::Max, PoolKind::Avg] {
                let before = s.len();
                let fused = conv2d_pool(&mut s, x, w, Some(b), SAME1, act, kind, pa).unwrap();
                let want = two_ops(&mut s, act, kind);
                assert_eq!(s.get("t", fused).unwrap().shape, vec![2, 3, 4, 4]);
                assert_eq!(s.get("t", fused).unwrap().data, s.get("t", want).unwrap().data, "{act:?} {kind:?}");
                s.release(fused);
                s.release(want);
                assert_eq!(s.len(), before, "{act:?} {kind:?}: an intermediate was left in the store");
            }
        }
        let grad_of_sum = |s: &mut Store, fused: bool| {
            tape_start(s).unwrap();
            let y = if fused { conv2d_pool(s, x, w, Some(b), SAME1, Activation::Relu, PoolKind::Max, pa).unwrap() } else { two_ops(s, Activation::Relu, PoolKind::Max) };
            let l = crate::ops::reduce(s, crate::ops::ReduceKind::Sum, y, &[], false).unwrap();
            let g = backward(s, l, &[w], None).unwrap();
            let dw = s.get("t", g[0]).unwrap().data.clone();
            tape_end(s);
            dw
        };
        let (fused, unfused) = (grad_of_sum(&mut s, true), grad_of_sum(&mut s, false));
        assert!(fused.iter().any(|&v| v != 0.0));
        assert_eq!(fused, unfused);
        let e = conv2d_pool(&mut s, x, w, None, SAME1, Activation::Relu, PoolKind::Max, Pool2dArgs { kh: 9, kw: 9, pad: Padding::Valid, ..pa }).unwrap_err();
        assert_eq!(e.to_string(), "maxPool: pool window 9x9 does not fit input [2,6,7,4] with 'valid' padding");
    }

    #[test]
    fn shapes_and_errors() {
        let mut s = Store::new();
        let x = t(&mut s, &[2, 5, 5, 3]);
        let w = t(&mut s, &[3, 3, 3, 4]);
        let y = conv2d(&mut s, x, w, None, Conv2dArgs { stride_h: 2, stride_w: 2, pad: Padding::Same }, Activation::Linear).unwrap();
        assert_eq!(s.get("t", y).unwrap().shape, vec![2, 3, 3, 4]);
        let w2 = t(&mut s, &[3, 3, 2, 4]);
        assert_eq!(
            conv2d(&mut s, x, w2, None, SAME1, Activation::Linear).unwrap_err().to_string(),
            "conv2d: input [2,5,5,3] and filter [3,3,2,4]: input channels 3 and 2 differ"
        );
        let big = t(&mut s, &[7, 7, 3, 1]);
        let valid = Conv2dArgs { pad: Padding::Valid, ..SAME1 };
        assert_eq!(
            conv2d(&mut s, x, big, None, valid, Activation::Linear).unwrap_err().to_string(),
            "conv2d: filter 7x7 does not fit input 5x5 with 'valid' padding"
        );
        let flat = t(&mut s, &[5, 3]);
        assert_eq!(conv2d(&mut s, flat, w, None, SAME1, Activation::Linear).unwrap_err().to_string(), "conv2d: input must be 4-D, got shape [5,3]");
        let bad_dy = t(&mut s, &[2, 5, 5, 3]);
        assert_eq!(
            conv2d_backprop_filter(&mut s, x, bad_dy, &[3, 3, 3, 4], SAME1).unwrap_err().to_string(),
            "conv2dBackpropFilter: dy [2,5,5,3] must have the output shape [2,5,5,4]"
        );
    }
}
