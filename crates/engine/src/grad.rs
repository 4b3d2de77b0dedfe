//! Gradients of each op, given the gradient of its output: the backward half
//! of every op in `ops`, side by side in one match so the rules read as math.

use crate::autograd::Node;
use crate::error::Result;
use crate::ops::{self, Op};
use crate::store::{Store, Tensor, TensorId};

/// One gradient per input of `n` (`None` where `need` is false or the input
/// has no gradient). `dy` is borrowed; returned tensors are owned.
pub fn node_grads(store: &mut Store, n: &Node, dy: TensorId, need: &[bool]) -> Result<Vec<Option<TensorId>>> {
    let x = &n.inputs;
    let mut out: Vec<Option<TensorId>> = vec![None; x.len()];
    match n.op {
        // C = op(A)·op(B):  d op(A) = dC·op(B)ᵀ,  d op(B) = op(A)ᵀ·dC,
        // transposed back when the operand was used transposed.
        Op::MatMul { trans_a, trans_b } => {
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
        Op::Add => {
            for (o, &nd) in out.iter_mut().zip(need) {
                if nd {
                    store.retain(dy);
                    *o = Some(dy);
                }
            }
        }
        Op::Conv2d { args } => {
            let (xi, w) = (x[0], x[1]);
            if need[0] {
                let shape = store.get("conv2d", xi)?.shape.clone();
                out[0] = Some(ops::conv2d_backprop_input(store, dy, w, &shape, args)?);
            }
            if need[1] {
                let shape = store.get("conv2d", w)?.shape.clone();
                out[1] = Some(ops::conv2d_backprop_filter(store, xi, dy, &shape, args)?);
            }
            if x.len() == 3 && need[2] {
                // Bias gradient: dy summed over batch, height and width.
                let t = store.get("conv2d", dy)?;
                let c = *t.shape.last().expect("4-D");
                let mut db = vec![0.0f32; c];
                for row in t.data.chunks_exact(c) {
                    for (d, v) in db.iter_mut().zip(row) {
                        *d += v;
                    }
                }
                out[2] = Some(store.insert(Tensor::f32(vec![c], db)));
            }
        }
        Op::Pool { kind, args } => {
            if need[0] {
                out[0] = Some(ops::pool_backward(store, kind, x[0], dy, args)?);
            }
        }
    }
    Ok(out)
}
