//! Ops whose input is a row lookup `x = table[ids]` recorded on the tape (an
//! Embedding layer's gather, maybe reshaped): the recurrent op and the 1-D
//! convolution then compute their input-side products over the table's rows
//! (see `rnn.rs` and `conv.rs`). This module finds such a lookup on the tape
//! and decides which of the node's inputs get gradients.

use crate::autograd::{Node, Tape};
use crate::store::TensorId;

use super::Op;

/// When `x` is `table[ids]` on the tape (a gather of rows of a 2-D table by
/// 1-D ids, maybe reshaped: what an Embedding layer does): `x` and the
/// tensors between it and the gather, and the gather's node.
pub(crate) fn lookup_chain(tape: &Tape, x: TensorId) -> Option<(Vec<TensorId>, &Node)> {
    let mut chain = vec![x];
    loop {
        let n = tape.producer(*chain.last()?)?;
        match n.op {
            Op::Reshape => chain.push(n.inputs[0]),
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
