//! Name tables: the one place each enum that crosses the boundary by name
//! (activations, binary and unary ops, reductions, pooling kinds, accuracy
//! kinds, optimizers, recurrent cells and their gate activations, padding
//! modes) gets its names.
//!
//! Each set implements [`Named`]: an exhaustive `name()` match (so a new
//! variant does not compile until it has a name) and `ALL`, every member in
//! the order the lists are exported. The wasm crate parses through [`parse`]
//! and exports [`tables`]; the TypeScript unions in `ts/ops/names.ts` are
//! checked against that export by `tests/node/names.test.mjs`.

use sinew_kernels::activation::Activation;
use sinew_kernels::elementwise::{BinaryOp, UnaryOp};
use sinew_kernels::rnn::{Cell, Gate};
use sinew_kernels::window::Padding;

use crate::error::{EngineError, Result};
use crate::ops::{AccuracyKind, PoolKind, ReduceKind};
use crate::optim::OptimizerKind;

/// A set of names that crosses the boundary.
pub trait Named: Copy + 'static {
    /// The set's key in [`tables`] and in "unknown …" errors (`"activation"`).
    const SET: &'static str;
    /// Every member, in export order. Members that carry parameters hold
    /// their defaults, or placeholders the parser fills in (see [`activation`], [`unary`]).
    const ALL: &'static [Self];
    fn name(self) -> &'static str;
}

/// Every name of a set.
pub fn names<T: Named>() -> Vec<&'static str> {
    T::ALL.iter().map(|k| k.name()).collect()
}

/// The member called `name`, or an error listing the choices.
pub fn parse<T: Named>(name: &str) -> Result<T> {
    T::ALL.iter().copied().find(|k| k.name() == name).ok_or_else(|| {
        EngineError::invalid(T::SET, format!("unknown {} '{name}' (expected one of {})", T::SET, names::<T>().join(", ")))
    })
}

/// Every table as `(set, names)`, for export.
pub fn tables() -> Vec<(&'static str, Vec<&'static str>)> {
    fn entry<T: Named>() -> (&'static str, Vec<&'static str>) {
        (T::SET, names::<T>())
    }
    vec![
        entry::<Activation>(),
        entry::<BinaryOp>(),
        entry::<UnaryOp>(),
        entry::<ReduceKind>(),
        entry::<PoolKind>(),
        entry::<AccuracyKind>(),
        entry::<OptimizerKind>(),
        entry::<Cell>(),
        entry::<Gate>(),
        entry::<Padding>(),
    ]
}

/// An activation by name; `alpha` parameterises leakyRelu and elu (default:
/// the table's 0.2 and 1, as in TensorFlow.js).
pub fn activation(name: &str, alpha: Option<f32>) -> Result<Activation> {
    Ok(match (parse::<Activation>(name)?, alpha) {
        (Activation::LeakyRelu(_), Some(a)) => Activation::LeakyRelu(a),
        (Activation::Elu(_), Some(a)) => Activation::Elu(a),
        (act, _) => act,
    })
}

/// A unary op by name; `p`, `q` parameterise clipByValue (min, max) and pow (exponent).
pub fn unary(name: &str, p: f32, q: f32) -> Result<UnaryOp> {
    Ok(match parse::<UnaryOp>(name)? {
        UnaryOp::Clip(..) => UnaryOp::Clip(p, q),
        UnaryOp::PowScalar(_) => UnaryOp::PowScalar(p),
        other => other,
    })
}

impl Named for Activation {
    const SET: &'static str = "activation";
    const ALL: &'static [Self] = &[
        Activation::Linear,
        Activation::Relu,
        Activation::LeakyRelu(0.2),
        Activation::Elu(1.0),
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Softplus,
        Activation::Gelu,
        Activation::Silu,
        Activation::Selu,
        Activation::Relu6,
        Activation::HardSigmoid,
    ];
    fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::LeakyRelu(_) => "leakyRelu",
            Activation::Elu(_) => "elu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softplus => "softplus",
            Activation::Gelu => "gelu",
            // TensorFlow.js's (and Keras's) name, so saved models load there.
            Activation::Silu => "swish",
            Activation::Selu => "selu",
            Activation::Relu6 => "relu6",
            Activation::HardSigmoid => "hardSigmoid",
        }
    }
}

impl Named for BinaryOp {
    const SET: &'static str = "binaryOp";
    const ALL: &'static [Self] =
        &[BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Pow, BinaryOp::Maximum, BinaryOp::Minimum];
    fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Pow => "pow",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
        }
    }
}

impl Named for UnaryOp {
    const SET: &'static str = "unaryOp";
    const ALL: &'static [Self] = &[
        UnaryOp::Neg,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Sqrt,
        UnaryOp::Abs,
        UnaryOp::Square,
        UnaryOp::Clip(0.0, 0.0),
        UnaryOp::Step,
        UnaryOp::PowScalar(1.0),
        UnaryOp::Expm1,
        UnaryOp::Reciprocal,
    ];
    /// The TypeScript function's name: `pow` with a number exponent is
    /// `PowScalar`, with a tensor exponent `BinaryOp::Pow`.
    fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Abs => "abs",
            UnaryOp::Square => "square",
            UnaryOp::Clip(..) => "clipByValue",
            UnaryOp::Step => "step",
            UnaryOp::PowScalar(_) => "pow",
            UnaryOp::Expm1 => "expm1",
            UnaryOp::Reciprocal => "reciprocal",
        }
    }
}

impl Named for ReduceKind {
    const SET: &'static str = "reduction";
    const ALL: &'static [Self] = &[ReduceKind::Sum, ReduceKind::Mean, ReduceKind::Max, ReduceKind::Min];
    fn name(self) -> &'static str {
        match self {
            ReduceKind::Sum => "sum",
            ReduceKind::Mean => "mean",
            ReduceKind::Max => "max",
            ReduceKind::Min => "min",
        }
    }
}

impl Named for PoolKind {
    const SET: &'static str = "pool";
    const ALL: &'static [Self] = &[PoolKind::Max, PoolKind::Avg];
    fn name(self) -> &'static str {
        match self {
            PoolKind::Max => "max",
            PoolKind::Avg => "avg",
        }
    }
}

impl Named for AccuracyKind {
    const SET: &'static str = "accuracy";
    const ALL: &'static [Self] = &[AccuracyKind::Categorical, AccuracyKind::Sparse, AccuracyKind::Binary];
    fn name(self) -> &'static str {
        match self {
            AccuracyKind::Categorical => "categorical",
            AccuracyKind::Sparse => "sparse",
            AccuracyKind::Binary => "binary",
        }
    }
}

impl Named for OptimizerKind {
    const SET: &'static str = "optimizer";
    const ALL: &'static [Self] = &[
        OptimizerKind::Sgd,
        OptimizerKind::Momentum,
        OptimizerKind::Adagrad,
        OptimizerKind::RmsProp,
        OptimizerKind::Adam,
        OptimizerKind::AdamW,
        OptimizerKind::Adamax,
    ];
    fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Momentum => "momentum",
            OptimizerKind::Adagrad => "adagrad",
            OptimizerKind::RmsProp => "rmsprop",
            OptimizerKind::Adam => "adam",
            OptimizerKind::AdamW => "adamw",
            OptimizerKind::Adamax => "adamax",
        }
    }
}

/// Recurrent cells (TF.js layer names, camelCased as its factories).
impl Named for Cell {
    const SET: &'static str = "rnnCell";
    const ALL: &'static [Self] = &[Cell::SimpleRnn, Cell::Lstm, Cell::Gru, Cell::GruResetAfter];
    fn name(self) -> &'static str {
        match self {
            Cell::SimpleRnn => "simpleRNN",
            Cell::Lstm => "lstm",
            Cell::Gru => "gru",
            Cell::GruResetAfter => "gruResetAfter",
        }
    }
}

/// Gate activations of recurrent cells (Keras `recurrent_activation`, TF.js spelling).
impl Named for Gate {
    const SET: &'static str = "rnnGate";
    const ALL: &'static [Self] = &[Gate::Sigmoid, Gate::HardSigmoid];
    fn name(self) -> &'static str {
        match self {
            Gate::Sigmoid => "sigmoid",
            Gate::HardSigmoid => "hardSigmoid",
        }
    }
}

/// Padding modes of the windowed ops (convolutions and pooling; TensorFlow's names).
impl Named for Padding {
    const SET: &'static str = "padding";
    const ALL: &'static [Self] = &[Padding::Same, Padding::Valid];
    fn name(self) -> &'static str {
        match self {
            Padding::Same => "same",
            Padding::Valid => "valid",
        }
    }
}

/// A padding mode by name, for `op`; unknown names get the message the
/// TypeScript side gives too (`padding must be 'same' or 'valid', got 'x'`).
pub fn padding(op: &str, name: &str) -> Result<Padding> {
    parse::<Padding>(name).map_err(|_| {
        let choices: Vec<String> = names::<Padding>().iter().map(|n| format!("'{n}'")).collect();
        EngineError::invalid(op, format!("padding must be {}, got '{name}'", choices.join(" or ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::discriminant;

    fn round_trips<T: Named + std::fmt::Debug>() {
        let all = names::<T>();
        for (i, &k) in T::ALL.iter().enumerate() {
            assert!(!all[..i].contains(&k.name()), "{} '{}' is listed twice", T::SET, k.name());
            let back: T = parse(k.name()).unwrap();
            assert_eq!(back.name(), k.name());
        }
        let e = parse::<T>("nope").unwrap_err();
        assert_eq!(e.to_string(), format!("{}: unknown {} 'nope' (expected one of {})", T::SET, T::SET, all.join(", ")));
    }

    #[test]
    fn every_table_round_trips_and_rejects_unknown_names() {
        round_trips::<Activation>();
        round_trips::<BinaryOp>();
        round_trips::<UnaryOp>();
        round_trips::<ReduceKind>();
        round_trips::<PoolKind>();
        round_trips::<AccuracyKind>();
        round_trips::<OptimizerKind>();
        round_trips::<Cell>();
        round_trips::<Gate>();
        round_trips::<Padding>();
        assert_eq!(tables().len(), 10);
    }

    #[test]
    fn parameters_are_filled_in() {
        assert_eq!(activation("leakyRelu", Some(0.3)).unwrap(), Activation::LeakyRelu(0.3));
        assert_eq!(activation("leakyRelu", None).unwrap(), Activation::LeakyRelu(0.2));
        assert_eq!(activation("elu", Some(2.0)).unwrap(), Activation::Elu(2.0));
        assert_eq!(activation("elu", None).unwrap(), Activation::Elu(1.0));
        assert_eq!(activation("relu", Some(9.0)).unwrap(), Activation::Relu);
        assert_eq!(unary("clipByValue", -1.0, 2.0).unwrap(), UnaryOp::Clip(-1.0, 2.0));
        assert_eq!(discriminant(&unary("pow", 3.0, 0.0).unwrap()), discriminant(&UnaryOp::PowScalar(0.0)));
        assert_eq!(unary("pow", 3.0, 0.0).unwrap(), UnaryOp::PowScalar(3.0));
        // The old wasm-only spellings are gone.
        assert!(unary("clip", 0.0, 1.0).is_err() && unary("powScalar", 2.0, 0.0).is_err());
    }

    #[test]
    fn padding_errors_name_the_op_and_the_choices() {
        assert_eq!(padding("conv2d", "same").unwrap(), Padding::Same);
        assert_eq!(padding("pool", "valid").unwrap(), Padding::Valid);
        let e = padding("conv2d", "causal").unwrap_err();
        assert_eq!(e.to_string(), "conv2d: padding must be 'same' or 'valid', got 'causal'");
    }
}
