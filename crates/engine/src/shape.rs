//! Shape helpers shared by ops.

use crate::error::{EngineError, Result};

/// `[2,3]` — the form used in error messages.
pub fn fmt_shape(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(","))
}

/// Largest element count the engine accepts for one tensor: keeps byte sizes
/// within a 32-bit address space (wasm32) so size arithmetic cannot overflow.
pub const MAX_ELEMENTS: usize = (u32::MAX as usize) / 4;

/// Number of elements of `shape`, or an error when it overflows the address space.
pub fn size_of(op: &str, shape: &[usize]) -> Result<usize> {
    let mut n: usize = 1;
    for &d in shape {
        n = n
            .checked_mul(d)
            .filter(|&n| n <= MAX_ELEMENTS)
            .ok_or_else(|| {
                EngineError::new(
                    crate::ErrorKind::OutOfMemory,
                    op,
                    format!("shape {} has too many elements", fmt_shape(shape)),
                )
            })?;
    }
    Ok(n)
}
