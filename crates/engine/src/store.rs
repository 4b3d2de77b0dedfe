//! The tensor store: handles (`TensorId`) to owned buffers, reference counted.
//!
//! A handle held by JavaScript is one reference; the autograd tape takes its
//! own references to the tensors a backward pass needs, so disposing an
//! intermediate inside a gradient function cannot free what `backward` reads.
//! Ids are never reused, so a stale handle is always reported as disposed
//! rather than silently aliasing a newer tensor.

use std::cell::{Cell, OnceCell};
use rustc_hash::FxHashMap as HashMap;

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

/// A tensor that is rows of a 2-D float32 table, `table[ids]` (maybe
/// reshaped): what an Embedding layer's gather makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rows {
    pub table: TensorId,
    pub ids: TensorId,
}

/// A tensor made of [`Rows`], kept as that fact (its shape and the rows):
/// its values are gathered on first read, so a consumer that reads the table
/// and the ids instead (the recurrent op and the 1-D convolution, see
/// `ops::lookup`) leaves them never gathered. The fact holds references to
/// the table and the ids, and is dropped (the values gathered first) before
/// either is written in place, so it never describes other values.
struct Lazy {
    shape: Vec<usize>,
    rows: Rows,
}

struct Slot {
    /// The values; empty until first read for a lazy tensor.
    tensor: OnceCell<Tensor>,
    lazy: Option<Lazy>,
    refs: u32,
}

pub struct Store {
    tensors: HashMap<TensorId, Slot>,
    next_id: TensorId,
    bytes: Cell<usize>,
    /// Tensors with a [`Rows`] fact (a few: one per Embedding call alive).
    lazies: Vec<TensorId>,
    /// The gradient tape, while one records (see `autograd`).
    pub tape: Option<Tape>,
    /// Generator for unseeded random ops (see `random`).
    pub rng: crate::random::Generator,
    /// While a `journal` is open: each tensor's change in references since it
    /// opened (an insert or retain adds one, a release takes one away).
    journal: Option<HashMap<TensorId, i64>>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    pub fn new() -> Self {
        Store { tensors: HashMap::default(), next_id: 1, bytes: Cell::new(0), lazies: Vec::new(), tape: None, rng: crate::random::generator(0x5eed), journal: None }
    }

    /// A new tensor's id, with one reference noted. Ids wrap after 2^32
    /// tensors (days of training at ~20k tensors/s); an id still in use (a
    /// model's weights, made first) is skipped.
    fn next(&mut self) -> TensorId {
        let mut id = self.next_id;
        while self.tensors.contains_key(&id) {
            id = id.wrapping_add(1).max(1);
        }
        self.next_id = id.wrapping_add(1).max(1);
        self.note(id, 1);
        id
    }

    /// Runs `f` without noting its reference changes in the journal: a
    /// tensor's own hold on others, taken and given back with it.
    fn unnoted(&mut self, f: impl FnOnce(&mut Store)) {
        let journal = self.journal.take();
        f(self);
        self.journal = journal;
    }

    fn note(&mut self, id: TensorId, delta: i64) {
        if let Some(j) = &mut self.journal {
            *j.entry(id).or_insert(0) += delta;
        }
    }

    /// Runs `f` and, when it fails, drops every reference it took (tensors it
    /// made, retains it did not give back), so a failing step (say, out of
    /// memory halfway through a gradient) frees its partial results instead
    /// of leaking them. Not nested: an inner call runs without a journal of its own.
    pub fn undo_on_error<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if self.journal.is_some() {
            return f(self);
        }
        self.journal = Some(HashMap::default());
        let r = f(self);
        let journal = self.journal.take().expect("opened above");
        if r.is_err() {
            for (id, delta) in journal {
                for _ in 0..delta.max(0) {
                    self.release(id);
                }
            }
        }
        r
    }

    /// Stores a tensor with one reference (the caller's).
    pub fn insert(&mut self, t: Tensor) -> TensorId {
        let id = self.next();
        self.bytes.set(self.bytes.get() + t.data.len() * 4);
        self.tensors.insert(id, Slot { tensor: OnceCell::from(t), lazy: None, refs: 1 });
        id
    }

    /// Stores `table[ids]` with shape `shape` (one reference, the caller's)
    /// without gathering it: the values are gathered on first read. The
    /// caller has checked that `table` is a 2-D float32 tensor, `ids` 1-D
    /// rows of it, and `shape` holds `ids.len() · columns` values.
    pub fn insert_rows(&mut self, shape: Vec<usize>, rows: Rows) -> TensorId {
        // (references the new tensor holds and gives back when freed)
        self.unnoted(|s| {
            s.retain(rows.table);
            s.retain(rows.ids);
        });
        let id = self.next();
        self.tensors.insert(id, Slot { tensor: OnceCell::new(), lazy: Some(Lazy { shape, rows }), refs: 1 });
        self.lazies.push(id);
        id
    }

    /// The table and ids `id` is made of, while that holds (see [`Rows`]).
    pub fn rows_of(&self, id: TensorId) -> Option<Rows> {
        self.tensors.get(&id)?.lazy.as_ref().map(|l| l.rows)
    }

    /// Whether `id`'s values exist yet (false for a lazy tensor not yet read).
    pub fn is_materialized(&self, id: TensorId) -> bool {
        self.tensors.get(&id).is_some_and(|s| s.tensor.get().is_some())
    }

    /// Shape and element type, without gathering a lazy tensor's values.
    pub fn meta(&self, op: &str, id: TensorId) -> Result<(&[usize], DType)> {
        let s = self.tensors.get(&id).ok_or_else(|| disposed(op, id))?;
        Ok(match (s.tensor.get(), &s.lazy) {
            (Some(t), _) => (&t.shape, t.dtype),
            (None, Some(l)) => (&l.shape, DType::F32),
            (None, None) => unreachable!("a slot holds values or rows"),
        })
    }

    pub fn get(&self, op: &str, id: TensorId) -> Result<&Tensor> {
        let s = self.tensors.get(&id).ok_or_else(|| disposed(op, id))?;
        if let Some(t) = s.tensor.get() {
            return Ok(t);
        }
        let l = s.lazy.as_ref().expect("a slot holds values or rows");
        let (table, ids) = (self.get(op, l.rows.table)?, self.get(op, l.rows.ids)?);
        let cols = table.shape[1];
        let idx: Vec<usize> = ids.data.iter().map(|&v| v as usize).collect();
        let mut data = crate::memory::zeros(op, idx.len() * cols)?;
        sinew_kernels::layout::gather(&table.data, 1, table.shape[0], cols, &idx, &mut data);
        self.bytes.set(self.bytes.get() + data.len() * 4);
        Ok(s.tensor.get_or_init(|| Tensor { shape: l.shape.clone(), dtype: DType::F32, data }))
    }

    /// For writing in place: the values are gathered first if lazy, and every
    /// [`Rows`] fact that involves `id` (as the tensor, its table or its ids)
    /// is dropped first, its tensor gathered while the fact still holds.
    pub fn get_mut(&mut self, op: &str, id: TensorId) -> Result<&mut Tensor> {
        if !self.lazies.is_empty() {
            let hit: Vec<TensorId> = self.lazies.iter().copied().filter(|&l| l == id || self.rows_of(l).is_some_and(|r| r.table == id || r.ids == id)).collect();
            for l in hit {
                self.get(op, l)?;
                self.forget_rows(l);
            }
        }
        self.tensors.get_mut(&id).and_then(|s| s.tensor.get_mut()).ok_or_else(|| disposed(op, id))
    }

    /// Drops `id`'s [`Rows`] fact (its values must exist or it must be freed).
    fn forget_rows(&mut self, id: TensorId) {
        let rows = self.tensors.get_mut(&id).and_then(|s| s.lazy.take()).map(|l| l.rows);
        self.lazies.retain(|&l| l != id);
        if let Some(r) = rows {
            self.unnoted(|s| {
                s.release(r.table);
                s.release(r.ids);
            });
        }
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
            self.note(id, 1);
        }
    }

    /// Drops a reference; frees the tensor at zero. Returns false when the
    /// tensor was already gone (so JS `dispose` is idempotent).
    pub fn release(&mut self, id: TensorId) -> bool {
        let Some(s) = self.tensors.get_mut(&id) else { return false };
        s.refs -= 1;
        if s.refs == 0 {
            if s.lazy.is_some() {
                self.forget_rows(id);
            }
            let s = self.tensors.remove(&id).expect("present");
            if let Some(t) = s.tensor.get() {
                self.bytes.set(self.bytes.get() - t.data.len() * 4);
            }
        }
        self.note(id, -1);
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

    /// Bytes held by live tensors (a lazy tensor's once gathered).
    pub fn bytes(&self) -> usize {
        self.bytes.get()
    }
}

fn disposed(op: &str, id: TensorId) -> EngineError {
    EngineError::new(ErrorKind::Disposed, op, format!("tensor #{id} was disposed or never existed"))
}
#[cfg(test)]
mod tests {
    use super::*;

    fn t(store: &mut Store, v: f32) -> TensorId {
        store.insert(Tensor::f32(vec![1], vec![v]))
    }

    #[test]
    fn a_failed_step_drops_the_references_it_took_and_only_those() {
        let mut s = Store::new();
        let (kept, lent) = (t(&mut s, 1.0), t(&mut s, 2.0));
        let r: Result<()> = s.undo_on_error(|s| {
            t(s, 3.0); // made, then the step fails
            let done = t(s, 4.0);
            s.release(done); // made and freed before the failure
            s.retain(kept); // taken and not given back
            s.retain(lent);
            s.release(lent); // taken and given back
            Err(EngineError::invalid("test", "fails"))
        });
        assert!(r.is_err());
        assert_eq!(s.len(), 2);
        assert_eq!(s.bytes(), 8);
        // `kept` and `lent` have one reference each again: one release frees them.
        assert!(s.release(kept) && s.release(lent));
        assert!(s.is_empty());
    }

    #[test]
    fn a_failed_step_frees_an_ungathered_lookup_and_its_hold_on_table_and_ids() {
        let mut s = Store::new();
        let table = s.insert(Tensor::f32(vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]));
        let ids = s.insert(Tensor::f32(vec![1], vec![1.0]));
        let r: Result<()> = s.undo_on_error(|s| {
            s.insert_rows(vec![1, 2], Rows { table, ids });
            Err(EngineError::invalid("test", "fails"))
        });
        assert!(r.is_err());
        assert_eq!(s.len(), 2);
        assert!(s.release(table) && s.release(ids));
        assert!(s.is_empty());
    }

    #[test]
    fn a_successful_step_keeps_what_it_made() {
        let mut s = Store::new();
        let made = s.undo_on_error(|s| Ok(t(s, 5.0))).unwrap();
        assert_eq!(s.get("test", made).unwrap().data, vec![5.0]);
    }

    #[test]
    fn wrapped_ids_skip_tensors_still_alive() {
        let mut s = Store::new();
        let first = t(&mut s, 1.0);
        s.next_id = TensorId::MAX;
        let last = t(&mut s, 2.0);
        let after = t(&mut s, 3.0);
        assert_eq!(last, TensorId::MAX);
        assert_ne!(after, first, "id 1 is still in use");
        assert_eq!(s.get("test", first).unwrap().data, vec![1.0]);
        assert_eq!(s.get("test", after).unwrap().data, vec![3.0]);
    }
}
