//! The tensor store: handles (`TensorId`) to owned f32 buffers.
//!
//! Ids are never reused, so a stale handle is always reported as disposed
//! rather than silently aliasing a newer tensor.

use std::collections::HashMap;

use crate::error::{EngineError, ErrorKind, Result};
use crate::shape::{fmt_shape, size_of};

pub type TensorId = u32;

#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Tensor {
    pub fn new(op: &str, shape: Vec<usize>, data: Vec<f32>) -> Result<Self> {
        let n = size_of(op, &shape)?;
        if n != data.len() {
            return Err(EngineError::invalid(
                op,
                format!("shape {} needs {} values but {} were given", fmt_shape(&shape), n, data.len()),
            ));
        }
        Ok(Tensor { shape, data })
    }
}

#[derive(Default)]
pub struct Store {
    tensors: HashMap<TensorId, Tensor>,
    next_id: TensorId,
    bytes: usize,
}

impl Store {
    pub fn new() -> Self {
        Store { tensors: HashMap::new(), next_id: 1, bytes: 0 }
    }

    pub fn insert(&mut self, t: Tensor) -> TensorId {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.bytes += t.data.len() * 4;
        self.tensors.insert(id, t);
        id
    }

    pub fn get(&self, op: &str, id: TensorId) -> Result<&Tensor> {
        self.tensors.get(&id).ok_or_else(|| {
            EngineError::new(ErrorKind::Disposed, op, format!("tensor #{id} was disposed or never existed"))
        })
    }

    /// Frees a tensor; returns false when it was already gone (dispose is idempotent).
    pub fn dispose(&mut self, id: TensorId) -> bool {
        match self.tensors.remove(&id) {
            Some(t) => {
                self.bytes -= t.data.len() * 4;
                true
            }
            None => false,
        }
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
