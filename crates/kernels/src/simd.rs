//! A minimal 4-lane f32 vector used by the kernels.
//!
//! On wasm32 with `simd128` enabled it is a `v128`; everywhere else (native
//! tests, the baseline wasm build) it is a plain `[f32; 4]` that the compiler
//! may or may not vectorise. Kernels are written once against this type.
//! Built with `+relaxed-simd` as well (the `threads-relaxed`/`simd-relaxed`
//! builds), `mul_add` becomes a fused multiply-add.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    #[repr(transparent)]
    pub struct F32x4(pub v128);

    // Lane-wise `add`, `mul`, `sub`, `div`, `neg` are named as the wasm SIMD
    // instructions; `std::ops` impls would only hide the intrinsic calls.
    #[allow(clippy::should_implement_trait)]
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
        /// Loads 4 lanes from `p[0..4]`.
        ///
        /// # Safety
        /// `p..p+4` must be in bounds of one live allocation of `f32`s.
        #[inline(always)]
        pub unsafe fn load_ptr(p: *const f32) -> Self {
            F32x4(v128_load(p as *const v128))
        }
        #[inline(always)]
        pub fn add(self, o: Self) -> Self {
            F32x4(f32x4_add(self.0, o.0))
        }
        #[inline(always)]
        pub fn mul(self, o: Self) -> Self {
            F32x4(f32x4_mul(self.0, o.0))
        }
        /// `self + a * b`. Plain SIMD128 has no FMA: two roundings. With
        /// relaxed SIMD (the `*-relaxed` builds) it is `f32x4.relaxed_madd`:
        /// one fused FMA where the CPU has it (x86 FMA3, Arm), else mul+add;
        /// the same host always gives the same result. Measured in V8
        /// (Node 20 and Chromium 156, Zen 4): ~+18 % on the register-only
        /// peak loop and +12-20 % on GEMM (see `gemm::kernel`).
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            #[cfg(target_feature = "relaxed-simd")]
            {
                F32x4(f32x4_relaxed_madd(a.0, b.0, self.0))
            }
            #[cfg(not(target_feature = "relaxed-simd"))]
            {
                F32x4(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
            }
        }
        /// `max(self, 0)` lane-wise; NaN lanes stay NaN (`pmax` maps to one
        /// `maxps` on x86, unlike `f32x4_max` with its full IEEE NaN handling).
        #[inline(always)]
        pub fn relu(self) -> Self {
            F32x4(f32x4_pmax(self.0, f32x4_splat(0.0)))
        }
        /// `self < o ? o : self` lane-wise (wasm `pmax`, one `maxps`): a NaN
        /// already in `self` stays, a NaN in `o` is ignored, and ties keep
        /// `self` — the scalar `if o > best { best = o }` of a running max.
        #[inline(always)]
        pub fn pmax(self, o: Self) -> Self {
            F32x4(f32x4_pmax(self.0, o.0))
        }
        /// `o < self ? o : self` lane-wise (wasm `pmin`, one `minps`): a NaN
        /// already in `self` stays, a NaN in `o` is ignored.
        #[inline(always)]
        pub fn pmin(self, o: Self) -> Self {
            F32x4(f32x4_pmin(self.0, o.0))
        }
        /// `self` limited to `lo..=hi`, for bounds that are neither NaN nor
        /// ±0 (e.g. an input range kept finite): a NaN stays NaN, and the
        /// result equals `self.max(lo).min(hi)` bit for bit. One `minps` and
        /// one `maxps` (`pmin`/`pmax`), where `min` and `max` each lower to
        /// ~20 x86 instructions in V8 for IEEE NaN and signed-zero rules that
        /// such bounds never meet.
        #[inline(always)]
        pub fn clamp(self, lo: Self, hi: Self) -> Self {
            self.pmin(hi).pmax(lo)
        }
    }

    // ---- Extensions for element-wise / activation / reduction kernels. ----
    // Lane-wise `add`, `mul`, `sub`, `div`, `neg` are named as the wasm SIMD
    // instructions; `std::ops` impls would only hide the intrinsic calls.
    #[allow(clippy::should_implement_trait)]
    impl F32x4 {
        #[inline(always)]
        pub fn from_array(a: [f32; 4]) -> Self {
            F32x4(f32x4(a[0], a[1], a[2], a[3]))
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            [
                f32x4_extract_lane::<0>(self.0),
                f32x4_extract_lane::<1>(self.0),
                f32x4_extract_lane::<2>(self.0),
                f32x4_extract_lane::<3>(self.0),
            ]
        }
        #[inline(always)]
        pub fn sub(self, o: Self) -> Self {
            F32x4(f32x4_sub(self.0, o.0))
        }
        #[inline(always)]
        pub fn div(self, o: Self) -> Self {
            F32x4(f32x4_div(self.0, o.0))
        }
        #[inline(always)]
        pub fn neg(self) -> Self {
            F32x4(f32x4_neg(self.0))
        }
        #[inline(always)]
        pub fn abs(self) -> Self {
            F32x4(f32x4_abs(self.0))
        }
        #[inline(always)]
        pub fn sqrt(self) -> Self {
            F32x4(f32x4_sqrt(self.0))
        }
        /// IEEE-style maximum: NaN in either lane gives NaN, `max(-0, +0) = +0`.
        #[inline(always)]
        pub fn max(self, o: Self) -> Self {
            F32x4(f32x4_max(self.0, o.0))
        }
        /// IEEE-style minimum: NaN in either lane gives NaN, `min(-0, +0) = -0`.
        #[inline(always)]
        pub fn min(self, o: Self) -> Self {
            F32x4(f32x4_min(self.0, o.0))
        }
        /// Round to nearest integer, ties to even.
        #[inline(always)]
        pub fn nearest(self) -> Self {
            F32x4(f32x4_nearest(self.0))
        }
        /// Lane mask (all bits set where true) of `self < o`.
        #[inline(always)]
        pub fn lt(self, o: Self) -> Self {
            F32x4(f32x4_lt(self.0, o.0))
        }
        #[inline(always)]
        pub fn le(self, o: Self) -> Self {
            F32x4(f32x4_le(self.0, o.0))
        }
        #[inline(always)]
        pub fn gt(self, o: Self) -> Self {
            F32x4(f32x4_gt(self.0, o.0))
        }
        #[inline(always)]
        pub fn eq(self, o: Self) -> Self {
            F32x4(f32x4_eq(self.0, o.0))
        }
        /// Mask of NaN lanes.
        #[inline(always)]
        pub fn is_nan(self) -> Self {
            F32x4(f32x4_ne(self.0, self.0))
        }
        /// Lane-wise `mask ? a : b` where `mask` comes from a comparison.
        #[inline(always)]
        pub fn select(mask: Self, a: Self, b: Self) -> Self {
            F32x4(v128_bitselect(a.0, b.0, mask.0))
        }
        /// Bitwise AND (e.g. `mask & 1.0` gives 1.0 or 0.0).
        #[inline(always)]
        pub fn and(self, o: Self) -> Self {
            F32x4(v128_and(self.0, o.0))
        }
        /// `2^self` for lanes holding integers in [-126, 127], built directly in
        /// the exponent bits. Other lanes give garbage (NaN lanes give 2^0).
        #[inline(always)]
        pub fn pow2i(self) -> Self {
            let n = i32x4_trunc_sat_f32x4(self.0);
            F32x4(i32x4_shl(i32x4_add(n, i32x4_splat(127)), 23))
        }
        /// `(l0 + l1) + (l2 + l3)` (same order as the fallback).
        #[inline(always)]
        pub fn hsum(self) -> f32 {
            let a = self.to_array();
            (a[0] + a[1]) + (a[2] + a[3])
        }
        /// Horizontal NaN-propagating maximum.
        #[inline(always)]
        pub fn hmax(self) -> f32 {
            let a = self.to_array();
            super::fmax(super::fmax(a[0], a[1]), super::fmax(a[2], a[3]))
        }
        /// Horizontal NaN-propagating minimum.
        #[inline(always)]
        pub fn hmin(self) -> f32 {
            let a = self.to_array();
            super::fmin(super::fmin(a[0], a[1]), super::fmin(a[2], a[3]))
        }

        /// 4×4 transpose: lane `j` of input `i` becomes lane `i` of output `j`.
        /// Four `unpck*` and four `mov*lhps` shuffles in V8.
        #[inline(always)]
        pub fn transpose4(m: [Self; 4]) -> [Self; 4] {
            let [a, b, c, d] = [m[0].0, m[1].0, m[2].0, m[3].0];
            let t0 = i32x4_shuffle::<0, 4, 1, 5>(a, b);
            let t1 = i32x4_shuffle::<0, 4, 1, 5>(c, d);
            let t2 = i32x4_shuffle::<2, 6, 3, 7>(a, b);
            let t3 = i32x4_shuffle::<2, 6, 3, 7>(c, d);
            [
                F32x4(i32x4_shuffle::<0, 1, 4, 5>(t0, t1)),
                F32x4(i32x4_shuffle::<2, 3, 6, 7>(t0, t1)),
                F32x4(i32x4_shuffle::<0, 1, 4, 5>(t2, t3)),
                F32x4(i32x4_shuffle::<2, 3, 6, 7>(t2, t3)),
            ]
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct F32x4(pub [f32; 4]);

    // Lane-wise `add`, `mul`, `sub`, `div`, `neg` are named as the wasm SIMD
    // instructions; `std::ops` impls would only hide the intrinsic calls.
    #[allow(clippy::should_implement_trait)]
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
        /// Loads 4 lanes from `p[0..4]`.
        ///
        /// # Safety
        /// `p..p+4` must be in bounds of one live allocation of `f32`s.
        #[inline(always)]
        pub unsafe fn load_ptr(p: *const f32) -> Self {
            F32x4(core::ptr::read_unaligned(p as *const [f32; 4]))
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
        #[inline(always)]
        pub fn pmax(self, o: Self) -> Self {
            F32x4(core::array::from_fn(|i| if self.0[i] < o.0[i] { o.0[i] } else { self.0[i] }))
        }
        #[inline(always)]
        pub fn pmin(self, o: Self) -> Self {
            F32x4(core::array::from_fn(|i| if o.0[i] < self.0[i] { o.0[i] } else { self.0[i] }))
        }
        #[inline(always)]
        pub fn clamp(self, lo: Self, hi: Self) -> Self {
            self.pmin(hi).pmax(lo)
        }
    }

    // ---- Extensions (see the wasm32 impl for documentation). ----
    #[inline(always)]
    fn lanes(a: [f32; 4], f: impl Fn(f32) -> f32) -> F32x4 {
        F32x4([f(a[0]), f(a[1]), f(a[2]), f(a[3])])
    }
    #[inline(always)]
    fn lanes2(a: [f32; 4], b: [f32; 4], f: impl Fn(f32, f32) -> f32) -> F32x4 {
        F32x4([f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3])])
    }
    #[inline(always)]
    fn mask(c: bool) -> f32 {
        f32::from_bits(if c { u32::MAX } else { 0 })
    }

    // Lane-wise `add`, `mul`, `sub`, `div`, `neg` are named as the wasm SIMD
    // instructions; `std::ops` impls would only hide the intrinsic calls.
    #[allow(clippy::should_implement_trait)]
    impl F32x4 {
        #[inline(always)]
        pub fn from_array(a: [f32; 4]) -> Self {
            F32x4(a)
        }
        #[inline(always)]
        pub fn to_array(self) -> [f32; 4] {
            self.0
        }
        #[inline(always)]
        pub fn sub(self, o: Self) -> Self {
            lanes2(self.0, o.0, |a, b| a - b)
        }
        #[inline(always)]
        pub fn div(self, o: Self) -> Self {
            lanes2(self.0, o.0, |a, b| a / b)
        }
        #[inline(always)]
        pub fn neg(self) -> Self {
            lanes(self.0, |a| -a)
        }
        #[inline(always)]
        pub fn abs(self) -> Self {
            lanes(self.0, f32::abs)
        }
        #[inline(always)]
        pub fn sqrt(self) -> Self {
            lanes(self.0, f32::sqrt)
        }
        #[inline(always)]
        pub fn max(self, o: Self) -> Self {
            lanes2(self.0, o.0, super::fmax)
        }
        #[inline(always)]
        pub fn min(self, o: Self) -> Self {
            lanes2(self.0, o.0, super::fmin)
        }
        #[inline(always)]
        pub fn nearest(self) -> Self {
            lanes(self.0, f32::round_ties_even)
        }
        #[inline(always)]
        pub fn lt(self, o: Self) -> Self {
            lanes2(self.0, o.0, |a, b| mask(a < b))
        }
        #[inline(always)]
        pub fn le(self, o: Self) -> Self {
            lanes2(self.0, o.0, |a, b| mask(a <= b))
        }
        #[inline(always)]
        pub fn gt(self, o: Self) -> Self {
            lanes2(self.0, o.0, |a, b| mask(a > b))
        }
        #[inline(always)]
        pub fn eq(self, o: Self) -> Self {
            lanes2(self.0, o.0, |a, b| mask(a == b))
        }
        #[inline(always)]
        pub fn is_nan(self) -> Self {
            lanes(self.0, |a| mask(a.is_nan()))
        }
        #[inline(always)]
        pub fn select(m: Self, a: Self, b: Self) -> Self {
            let f = |i: usize| {
                let m = m.0[i].to_bits();
                f32::from_bits((a.0[i].to_bits() & m) | (b.0[i].to_bits() & !m))
            };
            F32x4([f(0), f(1), f(2), f(3)])
        }
        #[inline(always)]
        pub fn and(self, o: Self) -> Self {
            lanes2(self.0, o.0, |a, b| f32::from_bits(a.to_bits() & b.to_bits()))
        }
        #[inline(always)]
        pub fn pow2i(self) -> Self {
            lanes(self.0, |n| f32::from_bits(((n as i32).wrapping_add(127) as u32) << 23))
        }
        #[inline(always)]
        pub fn hsum(self) -> f32 {
            let a = self.0;
            (a[0] + a[1]) + (a[2] + a[3])
        }
        #[inline(always)]
        pub fn hmax(self) -> f32 {
            let a = self.0;
            super::fmax(super::fmax(a[0], a[1]), super::fmax(a[2], a[3]))
        }
        #[inline(always)]
        pub fn hmin(self) -> f32 {
            let a = self.0;
            super::fmin(super::fmin(a[0], a[1]), super::fmin(a[2], a[3]))
        }

        #[inline(always)]
        pub fn transpose4(m: [Self; 4]) -> [Self; 4] {
            core::array::from_fn(|j| F32x4([m[0].0[j], m[1].0[j], m[2].0[j], m[3].0[j]]))
        }
    }
}

pub use imp::F32x4;

/// True when this build uses WebAssembly SIMD128 instructions.
pub const SIMD128: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// True when this build also uses relaxed-SIMD instructions (`F32x4::mul_add`
/// is a fused multiply-add where the CPU has one).
pub const RELAXED_SIMD: bool =
    cfg!(all(target_arch = "wasm32", target_feature = "simd128", target_feature = "relaxed-simd"));

/// Scalar twin of `F32x4::relu`: `x < 0 ? 0 : x`, NaN passes through.
#[inline(always)]
pub fn relu(x: f32) -> f32 {
    if x < 0.0 { 0.0 } else { x }
}

/// NaN-propagating scalar maximum (matches `F32x4::max`): NaN if either is
/// NaN, and `max(-0, +0) = +0`.
#[inline(always)]
pub fn fmax(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else if b > a {
        b
    } else if a == b {
        // Equal (possibly ±0): +0 wins, i.e. AND of the sign bits.
        f32::from_bits(a.to_bits() & b.to_bits())
    } else {
        f32::NAN
    }
}

/// NaN-propagating scalar minimum (matches `F32x4::min`): NaN if either is
/// NaN, and `min(-0, +0) = -0`.
#[inline(always)]
pub fn fmin(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else if b < a {
        b
    } else if a == b {
        f32::from_bits(a.to_bits() | b.to_bits())
    } else {
        f32::NAN
    }
}
