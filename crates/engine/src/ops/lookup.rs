//! Ops whose input is a row lookup `x = table[ids]` recorded on the tape (an
//! Embedding layer's gather, maybe reshaped): the recurrent op and the 1-D
//! convolution then compute their input-side products over the table's rows
//! (see `rnn.rs` and `conv.rs`). This module finds such a lookup on the tape
//! and decides which of the node's inputs get gradients.

use crate::autograd::{Node, Tape};
use crate::store::{Store, TensorId};

use super::Op;

/// The table and ids of a lookup `x = table[ids]` an op may read instead of
/// `x`: while a tape records, the gather recorded on it (so the table gets
/// its gradient through the op, see [`route_lookup_grads`]); otherwise
/// (inference) the store's fact that `x` is rows of the table
/// ([`Store::rows_of`], kept while neither is written), so `predict` takes
/// the same path as training.
pub(crate) fn lookup_of(store: &Store, x: TensorId) -> Option<(TensorId, TensorId)> {
    let Some(tape) = store.tape.as_ref() else { return store.rows_of(x).map(|r| (r.table, r.ids)) };
    let (chain, gather) = lookup_chain(tape, x)?;
    let table = gather.inputs[0];
    match store.rows_of(x) {
        Some(r) if r.table == table => Some((table, r.ids)),
        // Without the fact, only reshapes keep `x` the gather's rows in order.
        _ => chain.iter().all(|&id| id == gather.output || tape.producer(id).is_some_and(|n| n.op == Op::Reshape)).then_some((table, gather.inputs[1])),
    }
}

/// When `x` is `table[ids]` on the tape (a gather of rows of a 2-D table by
/// 1-D ids, maybe reshaped, maybe with its rows gathered along another axis:
/// what an Embedding layer does, then `reverse` for a `goBackwards` layer):
/// `x` and the tensors between it and the table's gather, and that node.
pub(crate) fn lookup_chain(tape: &Tape, x: TensorId) -> Option<(Vec<TensorId>, &Node)> {
    let mut chain = vec![x];
    loop {
        let n = tape.producer(*chain.last()?)?;
        match n.op {
            Op::Reshape => chain.push(n.inputs[0]),
            Op::Gather { axis } if axis > 0 => chain.push(n.inputs[0]),
            Op::Gather { axis: 0 } => return Some((chain, n)),
            _ => return None,
        }
    }
}

/// Which inputs of a lookup node get gradients (`need`, as the tape walk
/// computed it, is changed in place): the table directly, and `x` none (so
/// its gather does not add the table's gradient a second time), unless a
/// gradient of `x` or of a tensor between it and the gather is asked for
/// (`wrt`); then `x` gets its gradient and passes it on to the table.
/// (`table`: the node's input index of the table, when it took a lookup.)
pub fn route_lookup_grads(tape: &Tape, table: Option<usize>, n: &Node, wrt: &[TensorId], need: &mut [bool]) {
    let Some(t) = table else { return };
    let asked = lookup_chain(tape, n.inputs[0]).is_some_and(|(chain, _)| chain.iter().any(|id| wrt.contains(id)));
    need[t] &= !asked;
    need[0] = asked;
}

#[cfg(test)]
mod tests {
    use crate::autograd::{backward, tape_end, tape_start};
    use crate::ops::conv::{conv2d, Conv2dArgs};
    use crate::ops::rnn::rnn;
    use crate::ops::{binary, gather, reduce, reshape, ReduceKind};
    use sinew_kernels::conv::Padding;
    use crate::store::{DType, Rows, Store, Tensor, TensorId};
    use crate::testing::{assert_close as close, put};
    use sinew_kernels::activation::Activation;
    use sinew_kernels::elementwise::BinaryOp;
    use sinew_kernels::rnn::{Cell, Gate};

    const B: usize = 2;
    const STEPS: usize = 9;
    const DIM: usize = 3;
    const ROWS: usize = 5;
    const UNITS: usize = 4;
    const CONV: Conv2dArgs = Conv2dArgs { stride_h: 1, stride_w: 1, pad: Padding::Same };

    /// A table, its ids (`B·STEPS` rows) and `x = reshape(table[ids])` `[B, STEPS, DIM]`.
    fn lookup(s: &mut Store) -> (TensorId, TensorId, TensorId) {
        let table = put(s, &[ROWS, DIM], 1);
        let ids = s.insert(Tensor { shape: vec![B * STEPS], dtype: DType::I32, data: (0..B * STEPS).map(|i| ((i * 3 + i / 4) % ROWS) as f32).collect() });
        let g = gather(s, table, ids, 0).unwrap();
        let x = reshape(s, g, &[B as i64, STEPS as i64, DIM as i64]).unwrap();
        (table, ids, x)
    }

    /// Which consumer of `x`: an LSTM's every-step output, or a ReLU Conv1D's.
    #[derive(Clone, Copy, Debug)]
    enum Consumer {
        Lstm,
        Conv,
    }

    fn consume(s: &mut Store, c: Consumer, x: TensorId) -> TensorId {
        match c {
            Consumer::Lstm => {
                let gu = 4 * UNITS;
                let (w, u, b) = (put(s, &[DIM, gu], 2), put(s, &[UNITS, gu], 3), put(s, &[gu], 4));
                let (h0, c0) = (put(s, &[B, UNITS], 5), put(s, &[B, UNITS], 6));
                rnn(s, Cell::Lstm, Gate::Sigmoid, x, w, u, h0, Some(c0), Some(b), None).unwrap()
            }
            Consumer::Conv => {
                let (w, b) = (put(s, &[3, DIM, UNITS], 2), put(s, &[UNITS], 4));
                conv2d(s, x, w, Some(b), CONV, Activation::Relu).unwrap()
            }
        }
    }

    #[test]
    fn a_training_step_through_a_lookup_never_gathers_the_embedding() {
        for c in [Consumer::Lstm, Consumer::Conv] {
            let mut s = Store::new();
            tape_start(&mut s).unwrap();
            let (table, _, x) = lookup(&mut s);
            let g = s.tape.as_ref().unwrap().producer(x).unwrap().inputs[0];
            let y = consume(&mut s, c, x);
            let loss = reduce(&mut s, ReduceKind::Sum, y, &[0, 1, 2], false).unwrap();
            let grads = backward(&mut s, loss, &[table], None).unwrap();
            assert!(s.get("t", grads[0]).unwrap().data.iter().any(|&v| v != 0.0), "{c:?}: the table gets its gradient");
            assert!(!s.is_materialized(x) && !s.is_materialized(g), "{c:?}: the gather and its reshape were never computed");
            tape_end(&mut s);
        }
    }

    /// The table's gradient when `x` also feeds `Σ x ⊙ Q` (so is read):
    /// through `x` directly (lazy, read by the product) or through `x · 1`
    /// (the plain path: the op cannot see the lookup).
    fn shared_run(c: Consumer, direct: bool) -> Vec<f32> {
        let mut s = Store::new();
        let one = s.insert(Tensor::f32(vec![1], vec![1.0]));
        let q = put(&mut s, &[B, STEPS, DIM], 7);
        tape_start(&mut s).unwrap();
        let (table, _, mut x) = lookup(&mut s);
        if !direct {
            x = binary(&mut s, BinaryOp::Mul, x, one).unwrap();
        }
        let y = consume(&mut s, c, x);
        let l1 = reduce(&mut s, ReduceKind::Sum, y, &[0, 1, 2], false).unwrap();
        let xq = binary(&mut s, BinaryOp::Mul, x, q).unwrap();
        let l2 = reduce(&mut s, ReduceKind::Sum, xq, &[0, 1, 2], false).unwrap();
        let loss = binary(&mut s, BinaryOp::Add, l1, l2).unwrap();
        let grads = backward(&mut s, loss, &[table], None).unwrap();
        let out = s.get("t", grads[0]).unwrap().data.clone();
        tape_end(&mut s);
        out
    }

    #[test]
    fn an_embedding_read_by_another_op_too_gives_the_same_gradient() {
        for c in [Consumer::Lstm, Consumer::Conv] {
            close(&shared_run(c, true), &shared_run(c, false), &format!("{c:?} table gradient"));
        }
    }

    #[test]
    fn inference_takes_the_lookup_with_the_plain_paths_values() {
        for c in [Consumer::Lstm, Consumer::Conv] {
            let mut s = Store::new();
            let (_, _, x) = lookup(&mut s);
            let y = consume(&mut s, c, x);
            assert!(!s.is_materialized(x), "{c:?}: the op read the table, not x");
            let want = {
                let mut p = Store::new();
                let (_, _, x) = lookup(&mut p);
                let one = p.insert(Tensor::f32(vec![1], vec![1.0]));
                let x1 = binary(&mut p, BinaryOp::Mul, x, one).unwrap();
                let y = consume(&mut p, c, x1);
                p.get("t", y).unwrap().data.clone()
            };
            close(&s.get("t", y).unwrap().data, &want, &format!("{c:?} output"));
        }
    }

    #[test]
    fn writing_the_table_first_gathers_the_rows_with_the_old_values() {
        let mut s = Store::new();
        let (table, ids, x) = lookup(&mut s);
        let old: Vec<f32> = (0..B * STEPS).flat_map(|i| {
            let r = ((i * 3 + i / 4) % ROWS) * DIM;
            s.get("t", table).unwrap().data[r..r + DIM].to_vec()
        }).collect();
        assert_eq!(s.rows_of(x), Some(Rows { table, ids }));
        assert!(!s.is_materialized(x));
        s.get_mut("t", table).unwrap().data.iter_mut().for_each(|v| *v += 1.0);
        assert!(s.is_materialized(x), "gathered before the write");
        assert_eq!(s.rows_of(x), None, "no longer rows of the (changed) table");
        assert_eq!(s.get("t", x).unwrap().data, old);
        assert_eq!(s.get("t", x).unwrap().shape, vec![B, STEPS, DIM]);
    }

    #[test]
    fn a_lazy_tensor_holds_its_table_and_ids_until_freed() {
        let mut s = Store::new();
        let (table, ids, x) = lookup(&mut s);
        let g = x - 1; // the gather's output (ids are never reused: the one before x)
        assert_eq!(s.rows_of(g), Some(Rows { table, ids }));
        assert_eq!(s.bytes(), (ROWS * DIM + B * STEPS) * 4, "the gather and its reshape hold no values yet");
        // The user lets go of all but x: x keeps its table and ids.
        for id in [ids, table, g] {
            s.dispose(id);
        }
        assert_eq!(s.len(), 3);
        let want: Vec<f32> = (0..B * STEPS)
            .flat_map(|i| {
                let r = ((i * 3 + i / 4) % ROWS) * DIM;
                (0..DIM).map(move |j| ((((r + j) * 7 + 13) % 17) as f32 - 8.0) / 10.0)
            })
            .collect();
        assert_eq!(s.get("t", x).unwrap().data, want);
        assert_eq!(s.bytes(), (ROWS * DIM + B * STEPS + B * STEPS * DIM) * 4);
        s.dispose(x);
        assert_eq!((s.len(), s.bytes()), (0, 0), "x freed its table and ids");
    }

    /// `x` with its steps reversed, as `reverse(x, 1)` does (a gather along axis 1).
    fn reversed(s: &mut Store, x: TensorId) -> TensorId {
        let idx = s.insert(Tensor { shape: vec![STEPS], dtype: DType::I32, data: (0..STEPS).rev().map(|i| i as f32).collect() });
        gather(s, x, idx, 1).unwrap()
    }

    /// The output and the table's gradient of `Σ R ⊙ op(reverse(x))`, with
    /// `x` the lookup itself (`direct`) or `x · 1` (the plain path); and
    /// whether the reversed input was never gathered.
    fn reversed_run(c: Consumer, direct: bool, tape: bool) -> (Vec<f32>, Vec<f32>, bool) {
        let mut s = Store::new();
        let one = s.insert(Tensor::f32(vec![1], vec![1.0]));
        if tape {
            tape_start(&mut s).unwrap();
        }
        let (table, _, mut x) = lookup(&mut s);
        if !direct {
            x = binary(&mut s, BinaryOp::Mul, x, one).unwrap();
        }
        let xr = reversed(&mut s, x);
        let y = consume(&mut s, c, xr);
        let out = s.get("t", y).unwrap().data.clone();
        let mut grad = vec![];
        if tape {
            let shape = s.get("t", y).unwrap().shape.clone();
            let r = put(&mut s, &shape, 8);
            let yr = binary(&mut s, BinaryOp::Mul, y, r).unwrap();
            let loss = reduce(&mut s, ReduceKind::Sum, yr, &[0, 1, 2], false).unwrap();
            let g = backward(&mut s, loss, &[table], None).unwrap();
            grad = s.get("t", g[0]).unwrap().data.clone();
            tape_end(&mut s);
        }
        (out, grad, !s.is_materialized(xr))
    }

    #[test]
    fn a_reversed_lookup_goes_backwards_through_the_table() {
        for c in [Consumer::Lstm, Consumer::Conv] {
            for tape in [false, true] {
                let (want, want_g, _) = reversed_run(c, false, tape);
                let (got, got_g, lazy) = reversed_run(c, true, tape);
                assert!(lazy, "{c:?} tape {tape}: the op read the table by reversed ids");
                close(&got, &want, &format!("{c:?} tape {tape}: output"));
                if tape {
                    close(&got_g, &want_g, &format!("{c:?}: table gradient"));
                }
            }
        }
    }
}
