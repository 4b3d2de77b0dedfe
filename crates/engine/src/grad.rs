//! Gradients of each op, given the gradient of its output: the backward half
//! of every op in `ops`, side by side in one match so the rules read as math.
//! Ops run here are not recorded (the tape is detached during backward).

use sinew_kernels::activation;
use sinew_kernels::broadcast::{broadcast_to, sum_to_shape};
use sinew_kernels::elementwise::{BinaryOp, UnaryOp};
use sinew_kernels::layout;
use sinew_kernels::softmax as sm;

use crate::autograd::Node;
use crate::error::{EngineError, Result};
use crate::memory;
use crate::ops::layout::transpose_raw;
use crate::ops::reduce::{reduce_raw, xent_raw, ReduceKind};
use crate::ops::{self, Op};
use crate::store::{DType, Store, Tensor, TensorId};

/// One gradient per input of `n` (`None` where `need` is false or the input
/// has no gradient). `dy` is borrowed; returned tensors are owned.
pub fn node_grads(store: &mut Store, n: &Node, dy: TensorId, need: &[bool]) -> Result<Vec<Option<TensorId>>> {
    let x = &n.inputs;
    let mut out: Vec<Option<TensorId>> = vec![None; x.len()];
    match &n.op {
        // C = op(A)·op(B):  d op(A) = dC·op(B)ᵀ,  d op(B) = op(A)ᵀ·dC,
        // transposed back when the operand was used transposed.
        &Op::MatMul { trans_a, trans_b } => {
            let (a, b) = (x[0], x[1]);
            if need[0] {
                out[0] = Some(match (trans_a, trans_b) {
                    (false, false) => ops::matmul(store, dy, b, false, true)?,
                    (false, true) => ops::matmul(store, dy, b, false, false)?,
                    (true, false) => ops::matmul(store, b, dy, false, true)?,
                    (true, true) => ops::matmul(store, b, dy, true, true)?,
                });
            }
            if need[1] {
                out[1] = Some(match (trans_a, trans_b) {
                    (false, false) => ops::matmul(store, a, dy, true, false)?,
                    (true, false) => ops::matmul(store, a, dy, false, false)?,
                    (false, true) => ops::matmul(store, dy, a, true, false)?,
                    (true, true) => ops::matmul(store, dy, a, true, true)?,
                });
            }
        }
        // Backward through time in the kernel gives d(xw) for xw = x·W + b
        // (every step), dU, dW = xᵀ·d(xw) and the initial states'; then dx = d(xw)·Wᵀ,
        // db = Σ_rows d(xw). The mask gets no gradient. A lookup node
        // (x = table[ids], see ops/rnn.rs) gives the table's instead of x's.
        Op::Rnn(args) => {
            use sinew_kernels::gemm::{gemm, Gemm};
            let (g, r, dx, to_table, shapes) = {
                let o = ops::rnn::operands(store, args, x)?;
                let (d, y) = (store.get("grad", dy)?, store.get("grad", n.output)?);
                let acts: &[f32] = match n.saved {
                    Some(id) => &store.get("grad", id)?.data,
                    None => &[],
                };
                if acts.len() != o.r.acts_len() {
                    return Err(EngineError::invalid("grad", "rnn: the forward's gate activations were not kept (recorded without a tape?)"));
                }
                // A lookup whose table takes the gradient (`need[0]` false,
                // see `route_lookup_grads`): d(xw) summed per table row, then
                // W's, the table's and the bias's gradients over table rows.
                let lookup = o.lookup.as_ref().filter(|_| args.table_index().is_some_and(|t| need[t]));
                // (a lookup node's `o.x` is empty: read `x` when W's gradient needs it)
                let xs = match (need[1] && lookup.is_none(), args.lookup) {
                    (false, _) => None,
                    (true, false) => Some(o.x),
                    (true, true) => Some(store.get_f32("grad", x[0])?.data.as_slice()),
                };
                memory::reserve("grad", 4 * sinew_kernels::rnn::backward_scratch(&o.r, xs.map_or(0, |_| o.input_dim)))?;
                let mut g = sinew_kernels::rnn::backward(&o.r, xs, o.u, o.rb, o.h0, o.c0, o.mask, &y.data, acts, &d.data);
                let (gu, din) = (args.cell.gates() * o.r.units, o.input_dim);
                let mut dx = Vec::new();
                if let Some((table, ids)) = lookup {
                    let rows = table.len() / din.max(1);
                    let mut per_row = memory::zeros("grad", rows * gu)?;
                    layout::scatter_add(&g.dxw, 1, rows, gu, ids, &mut per_row);
                    g.dxw = per_row;
                    if need[1] {
                        g.dw = memory::zeros("grad", din * gu)?;
                        gemm(&Gemm { trans_a: true, ..Gemm::new(din, gu, rows) }, table, &g.dxw, &mut g.dw);
                    }
                    dx = memory::zeros("grad", rows * din)?;
                    gemm(&Gemm { trans_b: true, ..Gemm::new(rows, din, gu) }, &g.dxw, o.w, &mut dx);
                } else if need[0] {
                    dx = memory::zeros("grad", o.r.batch * o.r.steps * din)?;
                    gemm(&Gemm { trans_b: true, ..Gemm::new(o.r.batch * o.r.steps, din, gu) }, &g.dxw, o.w, &mut dx);
                }
                let to_table = lookup.is_some();
                let shapes: Vec<Vec<usize>> = x.iter().map(|&id| store.meta("grad", id).map(|t| t.0.to_vec())).collect::<Result<_>>()?;
                (g, o.r, dx, to_table, shapes)
            };
            let gu = args.cell.gates() * r.units;
            // (a reset-after GRU's second bias row: the kernel's `drb`)
            let db = args.bias_index().filter(|&i| need[i]).map(|_| bias_grad(&Tensor::f32(vec![g.dxw.len() / gu.max(1), gu], g.dxw))).transpose()?;
            let db = db.map(|t| [t.data, g.drb].concat());
            let mut put = |i: usize, data: Vec<f32>| out[i] = Some(store.insert(Tensor::f32(shapes[i].clone(), data)));
            match args.table_index() {
                Some(t) if to_table => put(t, dx),
                _ if need[0] => put(0, dx),
                _ => {}
            }
            if need[1] {
                put(1, g.dw);
            }
            if need[2] {
                put(2, g.du);
            }
            if need[3] {
                put(3, g.dh0);
            }
            if let Some(i) = args.c0_index().filter(|&i| need[i]) {
                put(i, g.dc0);
            }
            if let (Some(i), Some(db)) = (args.bias_index(), db) {
                put(i, db);
            }
        }
        // y = act(x·W + b): dz = dy·act'(y), dx = dz·Wᵀ, dW = xᵀ·dz, db = Σ_rows dz.
        &Op::Dense { act } => {
            let (dz, db) = fused_dz_id(store, act, n.output, dy, x.len() == 3 && need[2])?;
            if need[0] {
                out[0] = Some(ops::matmul(store, dz, x[1], false, true)?);
            }
            if need[1] {
                out[1] = Some(ops::matmul(store, x[0], dz, true, false)?);
            }
            if let Some(db) = db {
                out[2] = Some(store.insert(db));
            }
            store.release(dz);
        }
        &Op::Binary(op) => {
            let (a, b, d) = (store.get("grad", x[0])?, store.get("grad", x[1])?, store.get("grad", dy)?);
            let y = store.get("grad", n.output)?;
            // Gradients in the broadcast output shape, then summed back to each input's shape.
            let (ga, gb) = binary_grads(op, a, b, y, d)?;
            let (sa, sb) = (a.shape.clone(), b.shape.clone());
            if need[0] {
                out[0] = Some(sum_to(store, ga, &sa)?);
            }
            if need[1] {
                out[1] = Some(sum_to(store, gb, &sb)?);
            }
        }
        &Op::Unary(op) => {
            let (xt, y, d) = (store.get("grad", x[0])?, store.get("grad", n.output)?, store.get("grad", dy)?);
            let g = unary_grad(op, xt, y, d)?;
            out[0] = Some(store.insert(g));
        }
        &Op::Act(act) => {
            let (xt, y, d) = (store.get("grad", x[0])?, store.get("grad", n.output)?, store.get("grad", dy)?);
            let mut dx = memory::for_overwrite("grad", xt.data.len())?;
            activation::backward(act, &xt.data, &y.data, &d.data, &mut dx);
            let shape = xt.shape.clone();
            out[0] = Some(store.insert(Tensor::f32(shape, dx)));
        }
        Op::Reduce { kind, axes } => {
            let (xt, y, d) = (store.get("grad", x[0])?, store.get("grad", n.output)?, store.get("grad", dy)?);
            if let (ReduceKind::Max | ReduceKind::Min, Some((outer, len, inner))) = (kind, axis_block(&xt.shape, axes)) {
                // One pass, no broadcast copies (global max pooling's backward).
                let mut g = memory::for_overwrite("grad", xt.data.len())?;
                sinew_kernels::reduce::extreme_axis_backward(&xt.data, &y.data, &d.data, outer, len, inner, &mut g);
                out[0] = Some(store.insert(Tensor::f32(xt.shape.clone(), g)));
                return Ok(out);
            }
            // The reduced axes kept as size 1, so dy and y broadcast back over them.
            let keep: Vec<usize> = xt.shape.iter().enumerate().map(|(i, &s)| if axes.contains(&i) { 1 } else { s }).collect();
            let mut g = broadcast(&d.data, &keep, &xt.shape)?;
            match kind {
                // d Σx / dx = 1.
                ReduceKind::Sum => {}
                // d mean / dx = 1/count.
                ReduceKind::Mean => {
                    let count: usize = axes.iter().map(|&a| xt.shape[a]).product();
                    let inv = 1.0 / count.max(1) as f32;
                    sinew_kernels::elementwise::scale_inplace(&mut g.data, inv);
                }
                ReduceKind::Max | ReduceKind::Min => {
                    // Axes that are not one contiguous run (else handled above
                    // by the kernel, same rule): dy is shared evenly by the
                    // positions equal to the extreme value (as TensorFlow
                    // does; at a tie this is also what a central difference
                    // gives). Giving all of dy to each of k tied positions
                    // would scale the gradient by k.
                    let yb = broadcast(&y.data, &keep, &xt.shape)?;
                    let mut hit = memory::for_overwrite("grad", xt.data.len())?;
                    sinew_kernels::elementwise::ties_mask(&xt.data, &yb.data, &mut hit);
                    let hit = Tensor::f32(xt.shape.clone(), hit);
                    let counts = broadcast(&reduce_raw(ReduceKind::Sum, &hit, axes)?.data, &keep, &xt.shape)?;
                    let mut shared = memory::for_overwrite("grad", xt.data.len())?;
                    sinew_kernels::elementwise::share_among_ties(&g.data, &hit.data, &counts.data, &mut shared);
                    g.data = shared;
                }
            }
            out[0] = Some(store.insert(g));
        }
        &Op::Softmax { log } => {
            let (y, d) = (store.get("grad", n.output)?, store.get("grad", dy)?);
            let c = *y.shape.last().expect("checked in forward");
            let mut dx = memory::for_overwrite("grad", y.data.len())?;
            if log {
                sm::log_softmax_backward(&y.data, &d.data, c, &mut dx);
            } else {
                sm::softmax_backward(&y.data, &d.data, c, &mut dx);
            }
            let shape = y.shape.clone();
            out[0] = Some(store.insert(Tensor::f32(shape, dx)));
        }
        Op::SoftmaxXent => {
            let (logits, labels, d) = (store.get("grad", x[0])?, store.get("grad", x[1])?, store.get("grad", dy)?);
            let scale = d.data[0];
            let shape = logits.shape.clone();
            // Float32 (one-hot or soft) labels: L = −mean_i Σ_j labels_ij·logSoftmax(logits)_ij,
            // so dL/dlabels = −logSoftmax(logits)/n. Int32 class indices have no gradient.
            let g_labels = if need[1] && labels.dtype == DType::F32 {
                let c = *shape.last().expect("2-D, checked in forward");
                let mut ls = memory::zeros("grad", logits.data.len())?;
                sm::log_softmax(&logits.data, c, &mut ls);
                let k = -scale / shape[0].max(1) as f32;
                sinew_kernels::elementwise::scale_inplace(&mut ls, k);
                Some(Tensor::f32(shape.clone(), ls))
            } else {
                None
            };
            let g_logits = if need[0] {
                let (_, g) = xent_raw("softmaxCrossEntropy", logits, labels, true)?;
                let mut g = g.expect("requested");
                sinew_kernels::elementwise::scale_inplace(&mut g, scale);
                Some(Tensor::f32(shape, g))
            } else {
                None
            };
            out[0] = g_logits.map(|g| store.insert(g));
            out[1] = g_labels.map(|g| store.insert(g));
        }
        Op::Reshape => {
            // (the shape only: a lazy `x` is not gathered, see `Store::insert_rows`)
            let (xs, d) = (store.meta("grad", x[0])?.0, store.get("grad", dy)?);
            let g = Tensor::f32(xs.to_vec(), memory::copy("grad", &d.data)?);
            out[0] = Some(store.insert(g));
        }
        Op::Transpose { perm } => {
            let mut inverse = vec![0; perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                inverse[p] = i;
            }
            let g = transpose_raw(store.get("grad", dy)?, &inverse)?;
            out[0] = Some(store.insert(g));
        }
        // Slice: dy written into zeros at the block; concat: each input's columns of dy;
        // gather: dy rows added into the rows they were read from.
        Op::Slice { begin } => {
            let (xt, d) = (store.get("grad", x[0])?, store.get("grad", dy)?);
            let mut g = memory::zeros("grad", xt.data.len())?;
            layout::unslice(&d.data, &xt.shape, begin, &d.shape, &mut g);
            let shape = xt.shape.clone();
            out[0] = Some(store.insert(Tensor::f32(shape, g)));
        }
        &Op::Concat { axis } => {
            let d = store.get("grad", dy)?;
            let outer: usize = d.shape[..axis].iter().product();
            let total: usize = d.shape[axis..].iter().product();
            let mut parts = Vec::with_capacity(x.len());
            let mut start = 0;
            for (i, &xi) in x.iter().enumerate() {
                let shape = store.get("grad", xi)?.shape.clone();
                let width: usize = shape[axis..].iter().product();
                if need[i] {
                    let mut g = memory::zeros("grad", outer * width)?;
                    layout::split(&d.data, outer, total, start, width, &mut g);
                    parts.push((i, Tensor::f32(shape, g)));
                }
                start += width;
            }
            for (i, g) in parts {
                out[i] = Some(store.insert(g));
            }
        }
        &Op::Gather { axis } => {
            if need[0] {
                // (the shape only: a lazy `x` is not gathered, see `Store::insert_rows`)
                let (xs, idx, d) = (store.meta("grad", x[0])?.0, store.get("grad", x[1])?, store.get("grad", dy)?);
                let (outer, len, inner): (usize, usize, usize) = (xs[..axis].iter().product(), xs[axis], xs[axis + 1..].iter().product());
                let idx: Vec<usize> = idx.data.iter().map(|&i| i as usize).collect();
                let mut g = memory::zeros("grad", xs.iter().product())?;
                layout::scatter_add(&d.data, outer, len, inner, &idx, &mut g);
                let shape = xs.to_vec();
                out[0] = Some(store.insert(Tensor::f32(shape, g)));
            }
        }
        // y = act(conv(x, w) + b): dz = dy·act'(y), then the convolution's gradients of dz.
        // A lookup node (x = table[ids], see ops/conv.rs) gives the table's
        // gradient instead of x's, unless x's is asked for.
        &Op::Conv2d { args, act, lookup } => {
            // (bias at index 2 when the node has one: 3 inputs, or 5 with a lookup)
            let has_bias = x.len() - 2 * usize::from(lookup) == 3;
            let (dz, db) = fused_dz_id(store, act, n.output, dy, has_bias && need[2])?;
            let table = lookup.then(|| x.len() - 2).filter(|&t| need[t]);
            if let Some(t) = table {
                let (dt, dw) = ops::conv::lookup_backward(store, x, dz, args, need[1])?;
                out[t] = Some(dt);
                out[1] = dw;
            }
            if need[0] {
                let shape = store.meta("conv2d", x[0])?.0.to_vec();
                out[0] = Some(ops::conv2d_backprop_input(store, dz, x[1], &shape, args)?);
            }
            if need[1] && table.is_none() {
                let shape = store.get("conv2d", x[1])?.shape.clone();
                out[1] = Some(ops::conv2d_backprop_filter(store, x[0], dz, &shape, args)?);
            }
            if let Some(db) = db {
                out[2] = Some(store.insert(db));
            }
            store.release(dz);
        }
        &Op::DepthwiseConv2d { args, act } => {
            let (dz, db) = fused_dz_id(store, act, n.output, dy, x.len() == 3 && need[2])?;
            if need[0] {
                let shape = store.get("depthwiseConv2d", x[0])?.shape.clone();
                out[0] = Some(ops::depthwise_conv2d_backprop_input(store, dz, x[1], &shape, args)?);
            }
            if need[1] {
                let shape = store.get("depthwiseConv2d", x[1])?.shape.clone();
                out[1] = Some(ops::depthwise_conv2d_backprop_filter(store, x[0], dz, &shape, args)?);
            }
            if let Some(db) = db {
                out[2] = Some(store.insert(db));
            }
            store.release(dz);
        }
        &Op::Pool { kind, args } => {
            out[0] = Some(ops::pool_backward(store, kind, x[0], dy, args)?);
        }
    }
    for (o, &nd) in out.iter_mut().zip(need) {
        if !nd {
            if let Some(g) = o.take() {
                store.release(g);
            }
        }
    }
    Ok(out)
}

/// `dz = dy·act'(y)` of a fused op with output `y` (owned; `dy` itself,
/// retained, when linear) and, with `bias`, the bias gradient (summed in the
/// same pass as `dz`).
fn fused_dz_id(store: &mut Store, act: activation::Activation, y: TensorId, dy: TensorId, bias: bool) -> Result<(TensorId, Option<Tensor>)> {
    if act == activation::Activation::Linear {
        store.retain(dy);
        let db = if bias { Some(bias_grad(store.get("grad", dy)?)?) } else { None };
        return Ok((dy, db));
    }
    let (dz, db) = ops::nn::fused_dz("grad", act, store.get("grad", y)?, store.get("grad", dy)?, bias)?;
    Ok((store.insert(dz), db))
}

/// Gradient of a per-channel bias: `dz` summed over every axis but the last
/// (batch for dense; batch, height and width for conv), by the reduction kernel.
fn bias_grad(dz: &Tensor) -> Result<Tensor> {
    let c = *dz.shape.last().expect("dense/conv outputs have a channel axis");
    let rows = dz.data.len().checked_div(c).unwrap_or(0);
    let mut db = memory::zeros("grad", c)?;
    sinew_kernels::reduce::sum_axis(&dz.data, 1, rows, c, &mut db);
    Ok(Tensor::f32(vec![c], db))
}

/// `(outer, len, inner)` when `axes` are one contiguous run of `shape`'s axes
/// (the reduction then acts on the middle axis of `[outer, len, inner]`).
fn axis_block(shape: &[usize], axes: &[usize]) -> Option<(usize, usize, usize)> {
    let (lo, hi) = (*axes.iter().min()?, *axes.iter().max()?);
    if hi >= shape.len() || (lo..=hi).any(|a| !axes.contains(&a)) {
        return None;
    }
    Some((shape[..lo].iter().product(), shape[lo..=hi].iter().product(), shape[hi + 1..].iter().product()))
}

/// `data` (of `from`) broadcast to `shape`.
fn broadcast(data: &[f32], from: &[usize], shape: &[usize]) -> Result<Tensor> {
    let mut out = memory::zeros("grad", shape.iter().product())?;
    broadcast_to(data, from, shape, &mut out);
    Ok(Tensor::f32(shape.to_vec(), out))
}

/// Sums a gradient in the broadcast output shape back to `shape`.
fn sum_to(store: &mut Store, g: Tensor, shape: &[usize]) -> Result<TensorId> {
    if g.shape == shape {
        return Ok(store.insert(g));
    }
    let mut dst = memory::zeros("grad", shape.iter().product())?;
    // The kernel's partial sums are at most the size of `g`.
    memory::reserve("grad", g.data.len() * 4)?;
    sum_to_shape(&g.data, &g.shape, shape, &mut dst);
    Ok(store.insert(Tensor::f32(shape.to_vec(), dst)))
}

/// Gradients of `y = a op b` w.r.t. a and b, in the output (broadcast) shape.
fn binary_grads(op: BinaryOp, a: &Tensor, b: &Tensor, y: &Tensor, d: &Tensor) -> Result<(Tensor, Tensor)> {
    // Add and Sub do not read the operands: no broadcast copies for them (bias adds).
    match op {
        BinaryOp::Add => return Ok((d.try_clone("grad")?, d.try_clone("grad")?)),
        BinaryOp::Sub => {
            let mut neg = memory::for_overwrite("grad", d.data.len())?;
            sinew_kernels::elementwise::unary(UnaryOp::Neg, &d.data, &mut neg);
            return Ok((d.try_clone("grad")?, Tensor::f32(d.shape.clone(), neg)));
        }
        _ => {}
    }
    // Operands broadcast to the output shape (a plain copy when already there).
    let (ab, bb) = (broadcast(&a.data, &a.shape, &d.shape)?, broadcast(&b.data, &b.shape, &d.shape)?);
    let (mut da, mut db) = (memory::for_overwrite("grad", d.data.len())?, memory::for_overwrite("grad", d.data.len())?);
    sinew_kernels::elementwise::binary_backward(op, &ab.data, &bb.data, &y.data, &d.data, &mut da, &mut db);
    Ok((Tensor::f32(d.shape.clone(), da), Tensor::f32(d.shape.clone(), db)))
}

/// Gradient of `y = op(x)` given `d` = dL/dy.
fn unary_grad(op: UnaryOp, x: &Tensor, y: &Tensor, d: &Tensor) -> Result<Tensor> {
    let mut dx = memory::for_overwrite("grad", x.data.len())?;
    sinew_kernels::elementwise::unary_backward(op, &x.data, &y.data, &d.data, &mut dx);
    Ok(Tensor::f32(x.shape.clone(), dx))
}
