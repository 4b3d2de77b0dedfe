//! The tensor store: handles (`TensorId`) to owned buffers, reference counted.
//!
//! A handle held by JavaScript is one reference; the autograd tape takes its
//! own references to the tensors a backward pass needs, so disposing an
//! intermediate inside a gradient function cannot free what `backward` reads.
//! Ids are never reused, so a stale handle is always reported as disposed
//! rather than silently aliasing a newer tensor.

use std::collections::HashMap;

use crate::autograd::Tape;
use crate::error::{EngineError, ErrorKind, Result};
use crate::shape::{fmt_shape, size_of};

pub type TensorId = u32;

/// Element type. Values are stored as f32 either way; `I32` marks tensors of
/// integers (labels, indices), exact up to 2^24, that math ops refuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    F32,
    I32,
}

/// Integers up to 2^24 are exact in f32, the store's element type, so int32
/// tensors hold values in [-2^24, 2^24].
pub const MAX_EXACT_INT: f32 = (1u32 << f32::MANTISSA_DIGITS) as f32;

impl DType {
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::I32 => "int32",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub data: Vec<f32>,
}

impl Tensor {
    /// A float32 tensor; checks that `data` fills `shape`.
    pub fn new(op: &str, shape: Vec<usize>, data: Vec<f32>) -> Result<Self> {
        let n = size_of(op, &shape)?;
        if n != data.len() {
            return Err(EngineError::invalid(
                op,
                format!("shape {} needs {} values but {} were given", fmt_shape(&shape), n, data.len()),
            ));
        }
        Ok(Tensor { shape, dtype: DType::F32, data })
    }

    /// A float32 tensor whose data length is known to match (op outputs).
    pub fn f32(shape: Vec<usize>, data: Vec<f32>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Tensor { shape, dtype: DType::F32, data }
    }

    pub fn size(&self) -> usize {
        self.data.len()
    }

    /// A copy, or an out-of-memory error (see `memory`).
    pub fn try_clone(&self, op: &str) -> Result<Tensor> {
        Ok(Tensor { shape: self.shape.clone(), dtype: self.dtype, data: crate::memory::copy(op, &self.data)? })
    }
}

struct Slot {
    tensor: Tensor,
    refs: u32,
}

pub struct Store {
    tensors: HashMap<TensorId, Slot>,
    next_id: TensorId,
    bytes: usize,
    /// The gradient tape, while one records (see `autograd`).
    pub tape: Option<Tape>,
    /// Generator for unseeded random ops (see `random`).
    pub rng: crate::random::Generator,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    pub fn new() -> Self {
        Store { tensors: HashMap::new(), next_id: 1, bytes: 0, tape: None, rng: crate::random::generator(0x5eed) }
    }

    /// Stores a tensor with one reference (the caller's).
    pub fn insert(&mut self, t: Tensor) -> TensorId {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.bytes += t.data.len() * 4;
        self.tensors.insert(id, Slot { tensor: t, refs: 1 });
        id
    }

    pub fn get(&self, op: &str, id: TensorId) -> Result<&Tensor> {
        self.tensors.get(&id).map(|s| &s.tensor).ok_or_else(|| disposed(op, id))
    }

    pub fn get_mut(&mut self, op: &str, id: TensorId) -> Result<&mut Tensor> {
        self.tensors.get_mut(&id).map(|s| &mut s.tensor).ok_or_else(|| disposed(op, id))
    }

    /// Like `get`, but refuses int32 tensors (for math ops).
    pub fn get_f32(&self, op: &str, id: TensorId) -> Result<&Tensor> {
        let t = self.get(op, id)?;
        if t.dtype != DType::F32 {
            return Err(EngineError::new(
                ErrorKind::DType,
                op,
                format!("expected a float32 tensor but got {} {}", t.dtype.name(), fmt_shape(&t.shape)),
            ));
        }
        Ok(t)
    }

    /// Adds a reference (the tape keeping a tensor for backward).
    pub fn retain(&mut self, id: TensorId) {
        if let Some(s) = self.tensors.get_mut(&id) {
            s.refs += 1;
        }
    }

    /// Drops a reference; frees the tensor at zero. Returns false when the
    /// tensor was already gone (so JS `dispose` is idempotent).
    pub fn release(&mut self, id: TensorId) -> bool {
        let Some(s) = self.tensors.get_mut(&id) else { return false };
        s.refs -= 1;
        if s.refs == 0 {
            let s = self.tensors.remove(&id).expect("present");
            self.bytes -= s.tensor.data.len() * 4;
        }
        true
    }

    /// The JS handle's release.
    pub fn dispose(&mut self, id: TensorId) -> bool {
        self.release(id)
    }

    /// Live tensor count.
    pub fn len(&self) -> usize {
        self.tensors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tensors.is_empty()
    }

    /// Bytes held by live tensors.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

fn disposed(op: &str, id: TensorId) -> EngineError {
    EngineError::new(ErrorKind::Disposed, op, format!("tensor #{id} was disposed or never existed"))
}
