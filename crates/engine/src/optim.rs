//! Optimizer steps: one call updates every parameter of a model in place,
//! with gradient clipping folded in (no extra calls, no temporaries).
//!
//! Everything is validated before anything is written: a bad step returns an
//! `EngineError` and leaves parameters and slots exactly as they were.
//!
//! `hyper` is flat `f32`s: a common prefix, then the optimizer's own values.
//!
//! | index | value |
//! |---|---|
//! | 0 | learning rate (≥ 0) |
//! | 1 | `clipnorm`: clip each gradient to this L2 norm (0 = off) |
//! | 2 | `globalClipnorm`: clip all gradients together to this global L2 norm (0 = off) |
//! | 3 | `clipvalue`: clamp each gradient element to ±this (0 = off) |
//!
//! | kind | own values (from index 4) | slots per parameter |
//! |---|---|---|
//! | `sgd` | — | 0 |
//! | `momentum` | momentum, nesterov (0/1) | 1: velocity |
//! | `adagrad` | epsilon | 1: accumulator |
//! | `rmsprop` | rho, momentum, epsilon, centered (0/1) | 1 + (momentum > 0) + centered: `[ms, mom?, mg?]` |
//! | `adam` | beta1, beta2, epsilon | 2: `[m, v]` |
//! | `adamw` | beta1, beta2, epsilon, weight decay | 2: `[m, v]` |
//! | `adamax` | beta1, beta2, epsilon | 2: `[m, u]` |
//!
//! `slots` lists parameter 0's slots, then parameter 1's, and so on. Clipping
//! is applied in the order clipnorm (per tensor), globalClipnorm (on the
//! per-tensor-clipped gradients), clipvalue.

use std::collections::HashSet;

use sinew_kernels::optim::{self as k, Clip, Rule};

use crate::error::{EngineError, Result};
use crate::names::Named;
use crate::shape::fmt_shape;
use crate::store::{Store, TensorId};

/// Number of hyperparameters every optimizer starts with (lr and the clips).
pub const COMMON_HYPER: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptimizerKind {
    Sgd,
    Momentum,
    Adagrad,
    RmsProp,
    Adam,
    AdamW,
    Adamax,
}

impl OptimizerKind {
    /// Names of the optimizer's own hyperparameters (after the common four).
    fn own_hyper(self) -> &'static [&'static str] {
        match self {
            OptimizerKind::Sgd => &[],
            OptimizerKind::Momentum => &["momentum", "nesterov"],
            OptimizerKind::Adagrad => &["epsilon"],
            OptimizerKind::RmsProp => &["rho", "momentum", "epsilon", "centered"],
            OptimizerKind::Adam | OptimizerKind::Adamax => &["beta1", "beta2", "epsilon"],
            OptimizerKind::AdamW => &["beta1", "beta2", "epsilon", "weightDecay"],
        }
    }
}

/// Validated hyperparameters.
struct Hyper<'a> {
    op: &'static str,
    all: &'a [f32],
}

impl Hyper<'_> {
    fn get(&self, i: usize) -> f32 {
        self.all[i]
    }
    fn own(&self, i: usize) -> f32 {
        self.all[COMMON_HYPER + i]
    }
    fn lr(&self) -> f32 {
        self.all[0]
    }
}

fn check_hyper(kind: OptimizerKind, hyper: &[f32]) -> Result<Hyper<'_>> {
    let op = kind.name();
    let own = kind.own_hyper();
    let names: Vec<&str> = ["learningRate", "clipnorm", "globalClipnorm", "clipvalue"].iter().chain(own).copied().collect();
    if hyper.len() != names.len() {
        return Err(EngineError::invalid(
            op,
            format!("expected {} hyperparameters ({}) but got {}", names.len(), names.join(", "), hyper.len()),
        ));
    }
    for (name, &v) in names.iter().zip(hyper) {
        if !v.is_finite() {
            return Err(EngineError::invalid(op, format!("{name} must be a finite number, got {v}")));
        }
        let ok = match *name {
            "nesterov" | "centered" => v == 0.0 || v == 1.0,
            "momentum" | "rho" => (0.0..=1.0).contains(&v),
            "beta1" | "beta2" => (0.0..1.0).contains(&v),
            _ => v >= 0.0,
        };
        if !ok {
            let want = match *name {
                "nesterov" | "centered" => "0 or 1",
                "momentum" | "rho" => "in [0, 1]",
                "beta1" | "beta2" => "in [0, 1)",
                _ => ">= 0",
            };
            return Err(EngineError::invalid(op, format!("{name} must be {want}, got {v}")));
        }
    }
    Ok(Hyper { op, all: hyper })
}

fn slots_per_param(kind: OptimizerKind, h: &Hyper) -> usize {
    match kind {
        OptimizerKind::Sgd => 0,
        OptimizerKind::Momentum | OptimizerKind::Adagrad => 1,
        OptimizerKind::RmsProp => 1 + usize::from(h.own(1) > 0.0) + usize::from(h.own(3) != 0.0),
        OptimizerKind::Adam | OptimizerKind::AdamW | OptimizerKind::Adamax => 2,
    }
}

/// `sqrt(Σ g²)` over all of `ids` (f64 accumulation), for clip-by-global-norm.
pub fn global_norm(store: &Store, ids: &[TensorId]) -> Result<f32> {
    let mut sum = 0.0f64;
    for &id in ids {
        sum += k::sum_squares(&store.get_f32("globalNorm", id)?.data);
    }
    Ok(sum.sqrt() as f32)
}

/// One optimizer step over all `params` (see the module docs for `hyper` and
/// `slots`). `step` is the 1-based iteration (bias correction of the Adam
/// family). Validates everything first; on error nothing is modified.
pub fn optimizer_step(
    store: &mut Store,
    kind: OptimizerKind,
    params: &[TensorId],
    grads: &[TensorId],
    slots: &[TensorId],
    hyper: &[f32],
    step: u32,
) -> Result<()> {
    let h = check_hyper(kind, hyper)?;
    let op = h.op;
    let per = slots_per_param(kind, &h);

    if store.tape.is_some() {
        return Err(EngineError::invalid(op, "cannot update parameters while a gradient tape is recording; apply gradients after computing them"));
    }
    if grads.len() != params.len() {
        return Err(EngineError::invalid(op, format!("got {} parameters but {} gradients", params.len(), grads.len())));
    }
    if slots.len() != params.len() * per {
        return Err(EngineError::invalid(
            op,
            format!("{} parameters need {} slot tensors ({per} each) but {} were given", params.len(), params.len() * per, slots.len()),
        ));
    }
    if matches!(kind, OptimizerKind::Adam | OptimizerKind::AdamW | OptimizerKind::Adamax) && step == 0 {
        return Err(EngineError::invalid(op, "step must be >= 1 (bias correction divides by 1 - beta1^step)"));
    }

    // Written tensors must be distinct, and no gradient may be one of them:
    // each is updated in place exactly once.
    let mut written = HashSet::with_capacity(params.len() + slots.len());
    for (what, &id) in params.iter().map(|id| ("parameter", id)).chain(slots.iter().map(|id| ("slot", id))) {
        if !written.insert(id) {
            return Err(EngineError::invalid(op, format!("{what} tensor #{id} appears more than once among parameters and slots")));
        }
    }
    for (i, (&p, &g)) in params.iter().zip(grads).enumerate() {
        let pt = store.get_f32(op, p)?;
        let gt = store.get_f32(op, g)?;
        if written.contains(&g) {
            return Err(EngineError::invalid(op, format!("gradient {i} ({}) is also a parameter or slot being updated", fmt_shape(&gt.shape))));
        }
        if gt.shape != pt.shape {
            return Err(EngineError::shape(
                op,
                format!("gradient {i} has shape {} but its parameter has shape {}", fmt_shape(&gt.shape), fmt_shape(&pt.shape)),
            ));
        }
        for (j, &s) in slots[i * per..(i + 1) * per].iter().enumerate() {
            let st = store.get_f32(op, s)?;
            if st.shape != pt.shape {
                return Err(EngineError::shape(
                    op,
                    format!("slot {j} of parameter {i} has shape {} but the parameter has shape {}", fmt_shape(&st.shape), fmt_shape(&pt.shape)),
                ));
            }
        }
    }

    // Clipping: per-tensor scale factors from the gradients' norms.
    let (clipnorm, global_clip, clipvalue) = (h.get(1) as f64, h.get(2) as f64, h.get(3));
    let mut scales = vec![1.0f64; params.len()];
    if clipnorm > 0.0 || global_clip > 0.0 {
        let mut norms = Vec::with_capacity(grads.len());
        for &g in grads {
            norms.push(k::sum_squares(&store.get_f32(op, g)?.data).sqrt());
        }
        if clipnorm > 0.0 {
            for (s, &n) in scales.iter_mut().zip(&norms) {
                *s = k::norm_scale(n, clipnorm);
            }
        }
        if global_clip > 0.0 {
            let clipped: f64 = norms.iter().zip(&scales).map(|(&n, &s)| (n * s) * (n * s)).sum();
            let g = k::norm_scale(clipped.sqrt(), global_clip);
            for s in &mut scales {
                *s *= g;
            }
        }
    }
    let value = if clipvalue > 0.0 { clipvalue } else { f32::INFINITY };

    let lr = h.lr();
    let t = step as f64;
    for (i, (&p, &g)) in params.iter().zip(grads).enumerate() {
        let clip = Clip { scale: scales[i] as f32, value };
        let s = &slots[i * per..(i + 1) * per];
        match kind {
            OptimizerKind::Sgd => update(store, op, &k::Sgd { lr }, clip, p, g, s)?,
            OptimizerKind::Momentum => {
                let rule = k::Momentum { lr, momentum: h.own(0), nesterov: h.own(1) != 0.0 };
                update(store, op, &rule, clip, p, g, s)?
            }
            OptimizerKind::Adagrad => update(store, op, &k::Adagrad { lr, epsilon: h.own(0) }, clip, p, g, s)?,
            OptimizerKind::RmsProp => {
                let r = k::RmsProp { lr, rho: h.own(0), momentum: h.own(1), epsilon: h.own(2) };
                match (h.own(1) > 0.0, h.own(3) != 0.0) {
                    (false, false) => update(store, op, &k::RmsPropPlain(r), clip, p, g, s)?,
                    (true, false) => update(store, op, &k::RmsPropMomentum(r), clip, p, g, s)?,
                    (false, true) => update(store, op, &k::RmsPropCentered(r), clip, p, g, s)?,
                    (true, true) => update(store, op, &k::RmsPropCenteredMomentum(r), clip, p, g, s)?,
                }
            }
            OptimizerKind::Adam | OptimizerKind::AdamW => {
                let (b1, b2) = (h.own(0) as f64, h.own(1) as f64);
                let lr_t = lr as f64 * (1.0 - b2.powf(t)).sqrt() / (1.0 - b1.powf(t));
                let decay = if kind == OptimizerKind::AdamW { lr as f64 * h.own(3) as f64 } else { 0.0 };
                let rule = k::Adam { lr_t: lr_t as f32, beta1: h.own(0), beta2: h.own(1), epsilon: h.own(2), decay: decay as f32 };
                update(store, op, &rule, clip, p, g, s)?
            }
            OptimizerKind::Adamax => {
                let lr_t = lr as f64 / (1.0 - (h.own(0) as f64).powf(t));
                let rule = k::Adamax { lr_t: lr_t as f32, beta1: h.own(0), beta2: h.own(1), epsilon: h.own(2) };
                update(store, op, &rule, clip, p, g, s)?
            }
        }
    }
    Ok(())
}

/// Runs `rule` on one parameter in place. The parameter's and slots' buffers
/// are moved out of the store for the duration (they are distinct from each
/// other and from the gradient, checked above) and moved back.
fn update<R: Rule<K>, const K: usize>(
    store: &mut Store,
    op: &str,
    rule: &R,
    clip: Clip,
    p: TensorId,
    g: TensorId,
    slots: &[TensorId],
) -> Result<()> {
    debug_assert_eq!(slots.len(), K);
    let mut pd = std::mem::take(&mut store.get_mut(op, p)?.data);
    let mut sd: [Vec<f32>; K] = std::array::from_fn(|_| Vec::new());
    for (k, &s) in slots.iter().enumerate() {
        sd[k] = std::mem::take(&mut store.get_mut(op, s)?.data);
    }
    let gd = &store.get(op, g)?.data;
    k::run(rule, clip, &mut pd, gd, sd.each_mut().map(|v| v.as_mut_slice()));
    store.get_mut(op, p)?.data = pd;
    for (k, &s) in slots.iter().enumerate() {
        store.get_mut(op, s)?.data = std::mem::take(&mut sd[k]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::store::Tensor;

    fn t(store: &mut Store, shape: Vec<usize>, data: Vec<f32>) -> TensorId {
        store.insert(Tensor::new("test", shape, data).unwrap())
    }

    fn hyper(lr: f32, clips: [f32; 3], own: &[f32]) -> Vec<f32> {
        let mut h = vec![lr, clips[0], clips[1], clips[2]];
        h.extend_from_slice(own);
        h
    }

    #[test]
    fn sgd_updates_all_params_in_one_call() {
        let mut s = Store::new();
        let p1 = t(&mut s, vec![2], vec![1.0, 2.0]);
        let p2 = t(&mut s, vec![1, 1], vec![3.0]);
        let g1 = t(&mut s, vec![2], vec![10.0, -10.0]);
        let g2 = t(&mut s, vec![1, 1], vec![1.0]);
        optimizer_step(&mut s, OptimizerKind::Sgd, &[p1, p2], &[g1, g2], &[], &hyper(0.1, [0.0; 3], &[]), 1).unwrap();
        assert_eq!(s.get("t", p1).unwrap().data, vec![0.0, 3.0]);
        assert_eq!(s.get("t", p2).unwrap().data, vec![2.9]);
    }

    #[test]
    fn adam_first_step_moves_each_param_by_about_lr() {
        let mut s = Store::new();
        let p = t(&mut s, vec![3], vec![1.0, 1.0, 1.0]);
        let g = t(&mut s, vec![3], vec![0.5, -2.0, 0.0]);
        let m = t(&mut s, vec![3], vec![0.0; 3]);
        let v = t(&mut s, vec![3], vec![0.0; 3]);
        optimizer_step(&mut s, OptimizerKind::Adam, &[p], &[g], &[m, v], &hyper(0.01, [0.0; 3], &[0.9, 0.999, 1e-7]), 1).unwrap();
        let d = &s.get("t", p).unwrap().data;
        assert!((d[0] - 0.99).abs() < 1e-5 && (d[1] - 1.01).abs() < 1e-5 && d[2] == 1.0, "{d:?}");
    }

    #[test]
    fn clipnorm_global_and_value() {
        // One gradient of norm 5 clipped to norm 1: sgd with lr 1 moves by g/5.
        let mut s = Store::new();
        let p = t(&mut s, vec![2], vec![0.0, 0.0]);
        let g = t(&mut s, vec![2], vec![3.0, 4.0]);
        optimizer_step(&mut s, OptimizerKind::Sgd, &[p], &[g], &[], &hyper(1.0, [1.0, 0.0, 0.0], &[]), 1).unwrap();
        let d = s.get("t", p).unwrap().data.clone();
        assert!((d[0] + 0.6).abs() < 1e-6 && (d[1] + 0.8).abs() < 1e-6);

        // Global: two gradients [3] and [4] (global norm 5) clipped to 2.5 → halved.
        let mut s = Store::new();
        let (p1, p2) = (t(&mut s, vec![1], vec![0.0]), t(&mut s, vec![1], vec![0.0]));
        let (g1, g2) = (t(&mut s, vec![1], vec![3.0]), t(&mut s, vec![1], vec![4.0]));
        assert_eq!(global_norm(&s, &[g1, g2]).unwrap(), 5.0);
        optimizer_step(&mut s, OptimizerKind::Sgd, &[p1, p2], &[g1, g2], &[], &hyper(1.0, [0.0, 2.5, 0.0], &[]), 1).unwrap();
        assert_eq!(s.get("t", p1).unwrap().data, vec![-1.5]);
        assert_eq!(s.get("t", p2).unwrap().data, vec![-2.0]);

        // Value.
        let mut s = Store::new();
        let p = t(&mut s, vec![3], vec![0.0; 3]);
        let g = t(&mut s, vec![3], vec![3.0, -0.5, -4.0]);
        optimizer_step(&mut s, OptimizerKind::Sgd, &[p], &[g], &[], &hyper(1.0, [0.0, 0.0, 1.0], &[]), 1).unwrap();
        assert_eq!(s.get("t", p).unwrap().data, vec![-1.0, 0.5, 1.0]);
    }

    #[test]
    fn bad_input_is_an_error_and_changes_nothing() {
        let mut s = Store::new();
        let p1 = t(&mut s, vec![2], vec![1.0, 2.0]);
        let p2 = t(&mut s, vec![2, 2], vec![1.0; 4]);
        let g1 = t(&mut s, vec![2], vec![1.0, 1.0]);
        let g2 = t(&mut s, vec![4], vec![1.0; 4]);
        let slots: Vec<TensorId> = [vec![2], vec![2], vec![2, 2], vec![2, 2]].into_iter().map(|sh| {
            let n = sh.iter().product();
            t(&mut s, sh, vec![0.0; n])
        }).collect();
        let good = hyper(0.1, [0.0; 3], &[0.9, 0.999, 1e-7]);
        let before: Vec<Vec<f32>> = [p1, p2].iter().chain(&slots).map(|&id| s.get("t", id).unwrap().data.clone()).collect();
        let check = |s: &Store| {
            let now: Vec<Vec<f32>> = [p1, p2].iter().chain(&slots).map(|&id| s.get("t", id).unwrap().data.clone()).collect();
            assert_eq!(now, before);
        };

        // Second gradient has the wrong shape: the first param must not move either.
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1, p2], &[g1, g2], &slots, &good, 1).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Shape);
        assert!(e.to_string().contains("adam") && e.to_string().contains("[4]") && e.to_string().contains("[2,2]"), "{e}");
        check(&s);

        let mut nan = good.clone();
        nan[0] = f32::NAN;
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[g1], &slots[..2], &nan, 1).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(e.to_string().contains("learningRate"), "{e}");

        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[g1], &slots[..1], &good, 1).unwrap_err();
        assert!(e.to_string().contains("slot"), "{e}");
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[g1], &slots[..2], &good[..5], 1).unwrap_err();
        assert!(e.to_string().contains("hyperparameters"), "{e}");
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[g1], &slots[..2], &good, 0).unwrap_err();
        assert!(e.to_string().contains("step"), "{e}");
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[p1], &slots[..2], &good, 1).unwrap_err();
        assert!(e.to_string().contains("also a parameter"), "{e}");
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[g1], &[slots[0], slots[0]], &good, 1).unwrap_err();
        assert!(e.to_string().contains("more than once"), "{e}");
        let mut beta = good.clone();
        beta[4] = 1.0;
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[g1], &slots[..2], &beta, 1).unwrap_err();
        assert!(e.to_string().contains("beta1"), "{e}");
        s.tape = Some(Default::default());
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[g1], &slots[..2], &good, 1).unwrap_err();
        assert!(e.to_string().contains("tape"), "{e}");
        s.tape = None;
        check(&s);
        assert!(crate::names::parse::<OptimizerKind>("nope").is_err());
        assert_eq!(crate::names::parse::<OptimizerKind>("adamw").unwrap(), OptimizerKind::AdamW);
    }

    #[test]
    fn rmsprop_slot_count_follows_options() {
        let mut s = Store::new();
        let p = t(&mut s, vec![1], vec![1.0]);
        let g = t(&mut s, vec![1], vec![1.0]);
        let sl: Vec<TensorId> = (0..3).map(|_| t(&mut s, vec![1], vec![0.0])).collect();
        for (mom, cen, n) in [(0.0, 0.0, 1), (0.5, 0.0, 2), (0.0, 1.0, 2), (0.5, 1.0, 3)] {
            let h = hyper(0.01, [0.0; 3], &[0.9, mom, 1e-7, cen]);
            optimizer_step(&mut s, OptimizerKind::RmsProp, &[p], &[g], &sl[..n], &h, 1).unwrap();
            assert!(optimizer_step(&mut s, OptimizerKind::RmsProp, &[p], &[g], &sl[..n - 1], &h, 1).is_err());
        }
    }
}
