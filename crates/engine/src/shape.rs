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
                // The bytes asked for, as every OutOfMemoryError says (f32 storage).
                let bytes = shape.iter().fold(4u128, |b, &d| b.saturating_mul(d as u128));
                EngineError::new(
                    crate::ErrorKind::OutOfMemory,
                    op,
                    format!(
                        "cannot allocate {} ({bytes} bytes): shape {} has more elements than one tensor can hold ({MAX_ELEMENTS})",
                        crate::memory::human(bytes),
                        fmt_shape(shape)
                    ),
                )
            })?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shape_beyond_one_tensor_names_the_bytes_asked_for() {
        let e = size_of("fill", &[1 << 30]).unwrap_err();
        assert_eq!(e.kind, crate::ErrorKind::OutOfMemory);
        assert_eq!(
            e.to_string(),
            "fill: cannot allocate 4.29 GB (4294967296 bytes): shape [1073741824] has more elements than one tensor can hold (1073741823)"
        );
        // A product that overflows even 64 bits is still named.
        let e = size_of("zeros", &[1 << 40, 1 << 40]).unwrap_err();
        assert!(e.to_string().contains(&format!("({} bytes)", 4u128 << 80)), "{e}");
        assert_eq!(size_of("fill", &[2, 3]).unwrap(), 6);
    }
}
