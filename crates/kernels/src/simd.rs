//! A minimal 4-lane f32 vector used by the kernels.
//!
//! On wasm32 with `simd128` enabled it is a `v128`; everywhere else (native
//! tests, the baseline wasm build) it is a plain `[f32; 4]` that the compiler
//! may or may not vectorise. Kernels are written once against this type.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    #[repr(transparent)]
    pub struct F32x4(pub v128);

    impl F32x4 {
        #[inline(always)]
        pub fn splat(x: f32) -> Self {
            F32x4(f32x4_splat(x))
        }
        #[inline(always)]
        pub fn zero() -> Self {
            F32x4(f32x4_splat(0.0))
        }
        /// Loads 4 lanes from `s[0..4]`; panics in debug if `s` is shorter.
        #[inline(always)]
        pub fn load(s: &[f32]) -> Self {
            debug_assert!(s.len() >= 4);
            // SAFETY: length checked above (debug) and by callers' loop bounds.
            F32x4(unsafe { v128_load(s.as_ptr() as *const v128) })
        }
        #[inline(always)]
        pub fn store(self, s: &mut [f32]) {
            debug_assert!(s.len() >= 4);
            // SAFETY: as in `load`.
            unsafe { v128_store(s.as_mut_ptr() as *mut v128, self.0) }
        }
        #[inline(always)]
        pub fn add(self, o: Self) -> Self {
            F32x4(f32x4_add(self.0, o.0))
        }
        #[inline(always)]
        pub fn mul(self, o: Self) -> Self {
            F32x4(f32x4_mul(self.0, o.0))
        }
        /// `self + a * b` (two roundings: plain SIMD128 has no FMA).
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            F32x4(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
        }
        /// `max(self, 0)` lane-wise; NaN lanes stay NaN (`pmax` maps to one
        /// `maxps` on x86, unlike `f32x4_max` with its full IEEE NaN handling).
        #[inline(always)]
        pub fn relu(self) -> Self {
            F32x4(f32x4_pmax(self.0, f32x4_splat(0.0)))
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct F32x4(pub [f32; 4]);

    impl F32x4 {
        #[inline(always)]
        pub fn splat(x: f32) -> Self {
            F32x4([x; 4])
        }
        #[inline(always)]
        pub fn zero() -> Self {
            F32x4([0.0; 4])
        }
        #[inline(always)]
        pub fn load(s: &[f32]) -> Self {
            F32x4([s[0], s[1], s[2], s[3]])
        }
        #[inline(always)]
        pub fn store(self, s: &mut [f32]) {
            s[..4].copy_from_slice(&self.0);
        }
        #[inline(always)]
        pub fn add(self, o: Self) -> Self {
            let (a, b) = (self.0, o.0);
            F32x4([a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]])
        }
        #[inline(always)]
        pub fn mul(self, o: Self) -> Self {
            let (a, b) = (self.0, o.0);
            F32x4([a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]])
        }
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            self.add(a.mul(b))
        }
        /// `max(self, 0)` lane-wise; NaN lanes stay NaN (matches the SIMD path).
        #[inline(always)]
        pub fn relu(self) -> Self {
            F32x4(self.0.map(super::relu))
        }
    }
}

pub use imp::F32x4;

/// True when this build uses WebAssembly SIMD128 instructions.
pub const SIMD128: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// Scalar twin of `F32x4::relu`: `x < 0 ? 0 : x`, NaN passes through.
#[inline(always)]
pub fn relu(x: f32) -> f32 {
    if x < 0.0 { 0.0 } else { x }
}
