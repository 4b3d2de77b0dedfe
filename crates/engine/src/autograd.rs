//! Reverse-mode autograd.
//!
//! While a tape records, every op appends a `Node` (what it was, which
//! tensors went in, which came out) and the tape retains those tensors.
//! `backward` walks the nodes in reverse, asks each op for the gradients of
//! its inputs (`grad::node_grads`, defined next to nothing but the math) and
//! sums contributions per tensor. Ops run during backward are not recorded.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::error::{EngineError, Result};
use crate::grad::node_grads;
use crate::ops::Op;
use crate::shape::fmt_shape;
use crate::store::{Store, Tensor, TensorId};

pub struct Node {
    pub op: Op,
    pub inputs: Vec<TensorId>,
    pub output: TensorId,
    /// Intermediate values the op's gradient reads, kept only while a tape
    /// records (a recurrent layer's gate activations); owned by the tape.
    pub saved: Option<TensorId>,
}

#[derive(Default)]
pub struct Tape {
    nodes: Vec<Node>,
}

impl Tape {
    /// The recorded node that produced `id`, if any.
    pub fn producer(&self, id: TensorId) -> Option<&Node> {
        self.nodes.iter().rev().find(|n| n.output == id)
    }
}

impl Store {
    /// Appends an op to the tape, if one records. Called by every
    /// differentiable op after it stored its output.
    pub fn record(&mut self, op: Op, inputs: &[TensorId], output: TensorId) {
        self.record_saving(op, inputs, output, None);
    }

    /// [`record`](Self::record) that also keeps `saved` for the op's gradient.
    pub fn record_saving(&mut self, op: Op, inputs: &[TensorId], output: TensorId, saved: Option<Tensor>) {
        if self.tape.is_none() {
            return;
        }
        for &id in inputs.iter().chain(std::iter::once(&output)) {
            self.retain(id);
        }
        let saved = saved.map(|t| self.insert(t));
        if let Some(tape) = self.tape.as_mut() {
            tape.nodes.push(Node { op, inputs: inputs.to_vec(), output, saved });
        }
    }
}

/// Starts recording. Nested tapes (gradients of gradients) are not supported.
pub fn tape_start(store: &mut Store) -> Result<()> {
    if store.tape.is_some() {
        return Err(EngineError::invalid("grad", "a gradient tape is already recording (nested gradients are not supported)"));
    }
    store.tape = Some(Tape::default());
    Ok(())
}

/// Stops recording and drops the tape's references.
pub fn tape_end(store: &mut Store) {
    if let Some(tape) = store.tape.take() {
        for n in tape.nodes {
            for id in n.inputs.into_iter().chain(std::iter::once(n.output)).chain(n.saved) {
                store.release(id);
            }
        }
    }
}

/// Gradients of `y` with respect to each of `wrt`, seeded with `dy` (default:
/// ones, which requires `y` to be a scalar). Returns one id per `wrt`, or 0
/// where `y` does not depend on that tensor. The caller owns the returned
/// tensors. The tape keeps recording afterwards (ended by `tape_end`).
pub fn backward(store: &mut Store, y: TensorId, wrt: &[TensorId], dy: Option<TensorId>) -> Result<Vec<TensorId>> {
    const OP: &str = "backward";
    let Some(tape) = store.tape.take() else {
        return Err(EngineError::invalid(OP, "no gradient tape is recording"));
    };
    let result = walk(store, &tape, y, wrt, dy);
    store.tape = Some(tape);
    result
}

fn walk(store: &mut Store, tape: &Tape, y: TensorId, wrt: &[TensorId], dy: Option<TensorId>) -> Result<Vec<TensorId>> {
    const OP: &str = "backward";
    let y_shape = store.get(OP, y)?.shape.clone();
    let seed = match dy {
        Some(d) => {
            let t = store.get_f32(OP, d)?;
            if t.shape != y_shape {
                return Err(EngineError::shape(OP, format!("dy {} must have the shape of y {}", fmt_shape(&t.shape), fmt_shape(&y_shape))));
            }
            store.retain(d);
            d
        }
        None => {
            if y_shape.iter().product::<usize>() != 1 {
                return Err(EngineError::shape(
                    OP,
                    format!("y {} is not a scalar: reduce it (e.g. mean) or pass dy", fmt_shape(&y_shape)),
                ));
            }
            store.insert(Tensor::f32(y_shape.clone(), vec![1.0]))
        }
    };

    // Tensors that depend on some `wrt`: only their gradients are worth computing
    // (this skips e.g. the input gradient of a network's first layer).
    let mut needed: HashSet<TensorId> = wrt.iter().copied().collect();
    for n in &tape.nodes {
        if n.inputs.iter().any(|i| needed.contains(i)) {
            needed.insert(n.output);
        }
    }

    let mut grads: HashMap<TensorId, TensorId> = HashMap::default();
    grads.insert(y, seed);
    let outcome = (|| -> Result<()> {
        for n in tape.nodes.iter().rev() {
            let Some(&g_out) = grads.get(&n.output) else { continue };
            let mut need: Vec<bool> = n.inputs.iter().map(|i| needed.contains(i)).collect();
            let table = match &n.op {
                crate::ops::Op::Rnn(args) => args.table_index(),
                crate::ops::Op::Conv2d { lookup, .. } => lookup.then(|| n.inputs.len() - 2),
                _ => None,
            };
            crate::ops::lookup::route_lookup_grads(tape, table, n, wrt, &mut need);
            if !need.iter().any(|&b| b) {
                continue;
            }
            // (a rule that fails, e.g. out of memory, frees what it made so far)
            let g_in = store.undo_on_error(|s| node_grads(s, n, g_out, &need))?;
            let mut pending = n.inputs.iter().zip(g_in).zip(&need);
            for ((&input, g), &wanted) in pending.by_ref() {
                let Some(g) = g else { continue };
                if !wanted {
                    store.release(g);
                    continue;
                }
                if let Err(e) = accumulate(store, &mut grads, input, g) {
                    for g in pending.filter_map(|((_, g), _)| g) {
                        store.release(g);
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    })();
    let result = outcome.map(|()| {
        wrt.iter()
            .map(|w| match grads.get(w) {
                Some(&g) => {
                    store.retain(g);
                    g
                }
                None => 0,
            })
            .collect()
    });
    for (_, g) in grads {
        store.release(g);
    }
    result
}

/// grads[t] += g (taking ownership of `g`).
fn accumulate(store: &mut Store, grads: &mut HashMap<TensorId, TensorId>, t: TensorId, g: TensorId) -> Result<()> {
    match grads.get(&t).copied() {
        None => {
            grads.insert(t, g);
        }
        Some(prev) => {
            let sum = crate::ops::add_same_shape(store, prev, g).inspect_err(|_| {
                store.release(g);
            })?;
            store.release(prev);
            store.release(g);
            grads.insert(t, sum);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops;

    fn t(s: &mut Store, shape: &[usize], data: &[f32]) -> TensorId {
        s.insert(Tensor::new("t", shape.to_vec(), data.to_vec()).unwrap())
    }

    #[test]
    fn matmul_chain_with_reuse_matches_hand_derivation() {
        // y = sum((x·w) + (x·w)) over a 1×1 output: dy/dw = 2·xᵀ, dy/dx = 2·wᵀ.
        let mut s = Store::new();
        let x = t(&mut s, &[1, 2], &[3.0, 5.0]);
        let w = t(&mut s, &[2, 1], &[7.0, 11.0]);
        tape_start(&mut s).unwrap();
        let h = ops::matmul(&mut s, x, w, false, false).unwrap();
        let y = ops::add(&mut s, h, h).unwrap();
        // JS may drop its handle on h before backward: the tape keeps it.
        s.dispose(h);
        let g = backward(&mut s, y, &[x, w], None).unwrap();
        assert_eq!(s.get("t", g[0]).unwrap().data, vec![14.0, 22.0]);
        assert_eq!(s.get("t", g[1]).unwrap().data, vec![6.0, 10.0]);
        s.dispose(y);
        s.dispose(g[0]);
        s.dispose(g[1]);
        tape_end(&mut s);
        // Only x and w remain: the tape released everything it held.
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn unreached_inputs_get_no_gradient_and_errors_are_clear() {
        let mut s = Store::new();
        let x = t(&mut s, &[1, 1], &[2.0]);
        let z = t(&mut s, &[1, 1], &[4.0]);
        let v = t(&mut s, &[2], &[1.0, 2.0]);
        tape_start(&mut s).unwrap();
        assert!(tape_start(&mut s).is_err());
        let y = ops::matmul(&mut s, x, x, false, false).unwrap();
        assert_eq!(backward(&mut s, y, &[z], None).unwrap(), vec![0]);
        let e = backward(&mut s, v, &[x], None).unwrap_err();
        assert_eq!(e.to_string(), "backward: y [2] is not a scalar: reduce it (e.g. mean) or pass dy");
        tape_end(&mut s);
    }
}
