//! Typed engine errors. The wasm layer sends them to JavaScript as
//! `"<Kind>: <message>"`, which the TypeScript layer turns into error classes.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Shapes that do not fit the op (wrong rank, mismatched dimensions).
    Shape,
    /// A handle that was disposed (or never existed).
    Disposed,
    /// A tensor of the wrong element type (e.g. int32 labels into a matmul).
    DType,
    /// Anything else the caller got wrong: sizes that do not match data, bad arguments.
    InvalidArgument,
    /// A tensor too large for the engine's address space.
    OutOfMemory,
}

impl ErrorKind {
    /// Name of the matching TypeScript error class.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Shape => "ShapeError",
            ErrorKind::Disposed => "DisposedError",
            ErrorKind::DType => "DTypeError",
            ErrorKind::InvalidArgument => "InvalidArgumentError",
            ErrorKind::OutOfMemory => "OutOfMemoryError",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineError {
    pub kind: ErrorKind,
    /// Op that failed, e.g. `matmul`.
    pub op: String,
    pub message: String,
}

impl EngineError {
    pub fn new(kind: ErrorKind, op: &str, message: impl Into<String>) -> Self {
        EngineError { kind, op: op.to_string(), message: message.into() }
    }
    pub fn shape(op: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Shape, op, message)
    }
    pub fn invalid(op: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, op, message)
    }
}

impl fmt::Display for EngineError {
    /// `matmul: [32,784] x [128,10]: inner dimensions 784 and 128 differ`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.op, self.message)
    }
}

impl std::error::Error for EngineError {}

pub type Result<T> = std::result::Result<T, EngineError>;
