//! Optimizer steps: one call updates every parameter of a model in place,
//! with gradient clipping folded in (no extra calls, no temporaries).
//!
//! Everything is validated before anything is written: a bad step returns an
//! `EngineError` and leaves parameters and slots exactly as they were.
//!
//! Hyperparameters cross by name (`(name, value)` pairs, see [`Hyper::parse`],
//! the one place that validates them). Every optimizer takes
//!
//! | name | value |
//! |---|---|
//! | `learningRate` | ≥ 0 (required) |
//! | `clipnorm` | clip each gradient to this L2 norm (0 or absent = off) |
//! | `globalClipnorm` | clip all gradients together to this global L2 norm (0 or absent = off) |
//! | `clipvalue` | clamp each gradient element to ±this (0 or absent = off) |
//!
//! and its own, all required:
//!
//! | kind | own hyperparameters | slots per parameter |
//! |---|---|---|
//! | `sgd` | — | 0 |
//! | `momentum` | `momentum`, `nesterov` (0/1) | 1: velocity |
//! | `adagrad` | `epsilon` | 1: accumulator |
//! | `rmsprop` | `rho`, `momentum`, `epsilon`, `centered` (0/1) | 1 + (momentum > 0) + centered: `[ms, mom?, mg?]` |
//! | `adam` | `beta1`, `beta2`, `epsilon` | 2: `[m, v]` |
//! | `adamw` | `beta1`, `beta2`, `epsilon`, `weightDecay` | 2: `[m, v]` |
//! | `adamax` | `beta1`, `beta2`, `epsilon` | 2: `[m, u]` |
//!
//! `slots` lists parameter 0's slots, then parameter 1's, and so on. Clipping
//! is applied in the order clipnorm (per tensor), globalClipnorm (on the
//! per-tensor-clipped gradients), clipvalue.

use rustc_hash::FxHashSet as HashSet;

use sinew_kernels::optim::{self as k, Clip, Rule};

use crate::error::{EngineError, Result};
use crate::names::Named;
use crate::shape::fmt_shape;
use crate::store::{Store, TensorId};

/// Hyperparameters every optimizer takes (the clips default to off).
const COMMON: [&str; 4] = ["learningRate", "clipnorm", "globalClipnorm", "clipvalue"];

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
    /// Names of the optimizer's own hyperparameters (all required).
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

/// The hyperparameters of one step, validated; fields an optimizer does not
/// take stay 0 / false.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Hyper {
    pub learning_rate: f32,
    pub clipnorm: f32,
    pub global_clipnorm: f32,
    pub clipvalue: f32,
    pub momentum: f32,
    pub nesterov: bool,
    pub epsilon: f32,
    pub rho: f32,
    pub centered: bool,
    pub beta1: f32,
    pub beta2: f32,
    pub weight_decay: f32,
}

impl Hyper {
    /// Reads `(name, value)` pairs for `kind`: every name must be one `kind`
    /// takes, given once, finite and in its range; `learningRate` and the
    /// optimizer's own ones are required.
    pub fn parse(kind: OptimizerKind, pairs: &[(&str, f32)]) -> Result<Hyper> {
        let op = kind.name();
        let own = kind.own_hyper();
        let known: Vec<&str> = COMMON.iter().chain(own).copied().collect();
        let mut h = Hyper::default();
        let mut seen: Vec<&str> = Vec::with_capacity(pairs.len());
        for &(name, v) in pairs {
            if !known.contains(&name) {
                return Err(EngineError::invalid(op, format!("unknown hyperparameter '{name}' (expected {})", known.join(", "))));
            }
            if seen.contains(&name) {
                return Err(EngineError::invalid(op, format!("hyperparameter '{name}' is given twice")));
            }
            seen.push(name);
            if !v.is_finite() {
                return Err(EngineError::invalid(op, format!("{name} must be a finite number, got {v}")));
            }
            let (ok, want) = match name {
                "nesterov" | "centered" => (v == 0.0 || v == 1.0, "0 or 1"),
                "momentum" | "rho" => ((0.0..=1.0).contains(&v), "in [0, 1]"),
                "beta1" | "beta2" => ((0.0..1.0).contains(&v), "in [0, 1)"),
                _ => (v >= 0.0, ">= 0"),
            };
            if !ok {
                return Err(EngineError::invalid(op, format!("{name} must be {want}, got {v}")));
            }
            match name {
                "learningRate" => h.learning_rate = v,
                "clipnorm" => h.clipnorm = v,
                "globalClipnorm" => h.global_clipnorm = v,
                "clipvalue" => h.clipvalue = v,
                "momentum" => h.momentum = v,
                "nesterov" => h.nesterov = v != 0.0,
                "epsilon" => h.epsilon = v,
                "rho" => h.rho = v,
                "centered" => h.centered = v != 0.0,
                "beta1" => h.beta1 = v,
                "beta2" => h.beta2 = v,
                "weightDecay" => h.weight_decay = v,
                _ => unreachable!("every known name is stored above"),
            }
        }
        let missing: Vec<&str> = std::iter::once(&"learningRate").chain(own).filter(|n| !seen.contains(n)).copied().collect();
        if !missing.is_empty() {
            return Err(EngineError::invalid(op, format!("missing hyperparameter(s) {}", missing.join(", "))));
        }
        Ok(h)
    }
}

fn slots_per_param(kind: OptimizerKind, h: &Hyper) -> usize {
    match kind {
        OptimizerKind::Sgd => 0,
        OptimizerKind::Momentum | OptimizerKind::Adagrad => 1,
        OptimizerKind::RmsProp => 1 + usize::from(h.momentum > 0.0) + usize::from(h.centered),
        OptimizerKind::Adam | OptimizerKind::AdamW | OptimizerKind::Adamax => 2,
    }
}

/// One optimizer step over all `params` (see the module docs for `slots`;
/// `hyper` from [`Hyper::parse`]). `step` is the 1-based iteration (bias correction of the Adam
/// family). Validates everything first; on error nothing is modified.
pub fn optimizer_step(
    store: &mut Store,
    kind: OptimizerKind,
    params: &[TensorId],
    grads: &[TensorId],
    slots: &[TensorId],
    h: &Hyper,
    step: u32,
) -> Result<()> {
    let op = kind.name();
    let per = slots_per_param(kind, h);

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
    let mut written = HashSet::with_capacity_and_hasher(params.len() + slots.len(), Default::default());
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
    let (clipnorm, global_clip, clipvalue) = (h.clipnorm as f64, h.global_clipnorm as f64, h.clipvalue);
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

    let lr = h.learning_rate;
    let t = step as f64;
    let clips: Vec<Clip> = scales.iter().map(|&scale| Clip { scale: scale as f32, value }).collect();
    let (c, p, g, s) = (&clips[..], params, grads, slots);
    match kind {
        OptimizerKind::Sgd => update(store, op, &k::Sgd { lr }, c, p, g, s)?,
        OptimizerKind::Momentum => {
            let rule = k::Momentum { lr, momentum: h.momentum, nesterov: h.nesterov };
            update(store, op, &rule, c, p, g, s)?
        }
        OptimizerKind::Adagrad => update(store, op, &k::Adagrad { lr, epsilon: h.epsilon }, c, p, g, s)?,
        OptimizerKind::RmsProp => {
            let r = k::RmsProp { lr, rho: h.rho, momentum: h.momentum, epsilon: h.epsilon };
            match (h.momentum > 0.0, h.centered) {
                (false, false) => update(store, op, &k::RmsPropPlain(r), c, p, g, s)?,
                (true, false) => update(store, op, &k::RmsPropMomentum(r), c, p, g, s)?,
                (false, true) => update(store, op, &k::RmsPropCentered(r), c, p, g, s)?,
                (true, true) => update(store, op, &k::RmsPropCenteredMomentum(r), c, p, g, s)?,
            }
        }
        OptimizerKind::Adam | OptimizerKind::AdamW => {
            let (b1, b2) = (h.beta1 as f64, h.beta2 as f64);
            let lr_t = lr as f64 * (1.0 - b2.powf(t)).sqrt() / (1.0 - b1.powf(t));
            let decay = if kind == OptimizerKind::AdamW { lr as f64 * h.weight_decay as f64 } else { 0.0 };
            let rule = k::Adam { lr_t: lr_t as f32, beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon, decay: decay as f32 };
            update(store, op, &rule, c, p, g, s)?
        }
        OptimizerKind::Adamax => {
            let lr_t = lr as f64 / (1.0 - (h.beta1 as f64).powf(t));
            let rule = k::Adamax { lr_t: lr_t as f32, beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon };
            update(store, op, &rule, c, p, g, s)?
        }
    }
    Ok(())
}

/// Runs `rule` on every parameter in place, as one kernel call (one parallel
/// job for the whole step). The parameters' and slots' buffers are moved out
/// of the store for the duration (they are distinct from each other and from
/// the gradients, checked above) and moved back.
fn update<R: Rule<K>, const K: usize>(
    store: &mut Store,
    op: &str,
    rule: &R,
    clips: &[Clip],
    params: &[TensorId],
    grads: &[TensorId],
    slots: &[TensorId],
) -> Result<()> {
    debug_assert_eq!(slots.len(), K * params.len());
    let mut taken = Vec::with_capacity(params.len());
    for (i, &p) in params.iter().enumerate() {
        let pd = std::mem::take(&mut store.get_mut(op, p)?.data);
        let mut sd: [Vec<f32>; K] = std::array::from_fn(|_| Vec::new());
        for (k, &s) in slots[i * K..(i + 1) * K].iter().enumerate() {
            sd[k] = std::mem::take(&mut store.get_mut(op, s)?.data);
        }
        taken.push((pd, sd));
    }
    let mut gds = Vec::with_capacity(grads.len());
    for &g in grads {
        gds.push(store.get(op, g)?.data.as_slice());
    }
    let updates = taken
        .iter_mut()
        .zip(gds)
        .zip(clips)
        .map(|(((pd, sd), g), &clip)| k::Update { clip, p: pd.as_mut_slice(), g, slots: sd.each_mut().map(|v| v.as_mut_slice()) })
        .collect();
    k::run(rule, updates);
    for (i, (pd, mut sd)) in taken.into_iter().enumerate() {
        store.get_mut(op, params[i])?.data = pd;
        for (k, &s) in slots[i * K..(i + 1) * K].iter().enumerate() {
            store.get_mut(op, s)?.data = std::mem::take(&mut sd[k]);
        }
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

    /// Named hyperparameters: the learning rate, the three clips, then `own` in the kind's order.
    fn hyper(kind: OptimizerKind, lr: f32, clips: [f32; 3], own: &[f32]) -> Hyper {
        let mut pairs: Vec<(&str, f32)> = COMMON.iter().copied().zip([lr, clips[0], clips[1], clips[2]]).collect();
        pairs.extend(kind.own_hyper().iter().copied().zip(own.iter().copied()));
        Hyper::parse(kind, &pairs).unwrap()
    }

    #[test]
    fn sgd_updates_all_params_in_one_call() {
        let mut s = Store::new();
        let p1 = t(&mut s, vec![2], vec![1.0, 2.0]);
        let p2 = t(&mut s, vec![1, 1], vec![3.0]);
        let g1 = t(&mut s, vec![2], vec![10.0, -10.0]);
        let g2 = t(&mut s, vec![1, 1], vec![1.0]);
        optimizer_step(&mut s, OptimizerKind::Sgd, &[p1, p2], &[g1, g2], &[], &hyper(OptimizerKind::Sgd, 0.1, [0.0; 3], &[]), 1).unwrap();
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
        optimizer_step(&mut s, OptimizerKind::Adam, &[p], &[g], &[m, v], &hyper(OptimizerKind::Adam, 0.01, [0.0; 3], &[0.9, 0.999, 1e-7]), 1).unwrap();
        let d = &s.get("t", p).unwrap().data;
        assert!((d[0] - 0.99).abs() < 1e-5 && (d[1] - 1.01).abs() < 1e-5 && d[2] == 1.0, "{d:?}");
    }

    #[test]
    fn clipnorm_global_and_value() {
        // One gradient of norm 5 clipped to norm 1: sgd with lr 1 moves by g/5.
        let mut s = Store::new();
        let p = t(&mut s, vec![2], vec![0.0, 0.0]);
        let g = t(&mut s, vec![2], vec![3.0, 4.0]);
        optimizer_step(&mut s, OptimizerKind::Sgd, &[p], &[g], &[], &hyper(OptimizerKind::Sgd, 1.0, [1.0, 0.0, 0.0], &[]), 1).unwrap();
        let d = s.get("t", p).unwrap().data.clone();
        assert!((d[0] + 0.6).abs() < 1e-6 && (d[1] + 0.8).abs() < 1e-6);

        // Global: two gradients [3] and [4] (global norm 5) clipped to 2.5 → halved.
        let mut s = Store::new();
        let (p1, p2) = (t(&mut s, vec![1], vec![0.0]), t(&mut s, vec![1], vec![0.0]));
        let (g1, g2) = (t(&mut s, vec![1], vec![3.0]), t(&mut s, vec![1], vec![4.0]));
        optimizer_step(&mut s, OptimizerKind::Sgd, &[p1, p2], &[g1, g2], &[], &hyper(OptimizerKind::Sgd, 1.0, [0.0, 2.5, 0.0], &[]), 1).unwrap();
        assert_eq!(s.get("t", p1).unwrap().data, vec![-1.5]);
        assert_eq!(s.get("t", p2).unwrap().data, vec![-2.0]);

        // Value.
        let mut s = Store::new();
        let p = t(&mut s, vec![3], vec![0.0; 3]);
        let g = t(&mut s, vec![3], vec![3.0, -0.5, -4.0]);
        optimizer_step(&mut s, OptimizerKind::Sgd, &[p], &[g], &[], &hyper(OptimizerKind::Sgd, 1.0, [0.0, 0.0, 1.0], &[]), 1).unwrap();
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
        let good = hyper(OptimizerKind::Adam, 0.1, [0.0; 3], &[0.9, 0.999, 1e-7]);
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

        // Hyperparameters: each checked by name, in one place.
        let adam = |pairs: &[(&str, f32)]| Hyper::parse(OptimizerKind::Adam, pairs).unwrap_err();
        let e = adam(&[("learningRate", f32::NAN), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-7)]);
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert_eq!(e.to_string(), "adam: learningRate must be a finite number, got NaN");
        let e = adam(&[("learningRate", 0.1), ("beta1", 1.0), ("beta2", 0.999), ("epsilon", 1e-7)]);
        assert_eq!(e.to_string(), "adam: beta1 must be in [0, 1), got 1");
        let e = adam(&[("learningRate", 0.1), ("beta1", 0.9), ("epsilon", 1e-7)]);
        assert_eq!(e.to_string(), "adam: missing hyperparameter(s) beta2");
        let e = adam(&[("learningRate", 0.1), ("rho", 0.9), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-7)]);
        assert!(e.to_string().starts_with("adam: unknown hyperparameter 'rho' (expected learningRate, clipnorm, globalClipnorm, clipvalue, beta1, beta2, epsilon)"), "{e}");
        let e = adam(&[("learningRate", 0.1), ("learningRate", 0.2), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-7)]);
        assert!(e.to_string().contains("given twice"), "{e}");
        let e = Hyper::parse(OptimizerKind::RmsProp, &[("learningRate", 0.1), ("rho", 0.9), ("momentum", 0.0), ("epsilon", 1e-7), ("centered", 0.5)]).unwrap_err();
        assert_eq!(e.to_string(), "rmsprop: centered must be 0 or 1, got 0.5");
        // The clips are optional (off); the fields say what each value is.
        let h = Hyper::parse(OptimizerKind::AdamW, &[("weightDecay", 0.01), ("learningRate", 0.1), ("beta1", 0.8), ("beta2", 0.99), ("epsilon", 1e-6)]).unwrap();
        assert_eq!(h, Hyper { learning_rate: 0.1, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weight_decay: 0.01, ..Hyper::default() });

        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[g1], &slots[..1], &good, 1).unwrap_err();
        assert!(e.to_string().contains("slot"), "{e}");
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[g1], &slots[..2], &good, 0).unwrap_err();
        assert!(e.to_string().contains("step"), "{e}");
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[p1], &slots[..2], &good, 1).unwrap_err();
        assert!(e.to_string().contains("also a parameter"), "{e}");
        let e = optimizer_step(&mut s, OptimizerKind::Adam, &[p1], &[g1], &[slots[0], slots[0]], &good, 1).unwrap_err();
        assert!(e.to_string().contains("more than once"), "{e}");
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
            let h = hyper(OptimizerKind::RmsProp, 0.01, [0.0; 3], &[0.9, mom, 1e-7, cen]);
            optimizer_step(&mut s, OptimizerKind::RmsProp, &[p], &[g], &sl[..n], &h, 1).unwrap();
            assert!(optimizer_step(&mut s, OptimizerKind::RmsProp, &[p], &[g], &sl[..n - 1], &h, 1).is_err());
        }
    }
}
