//! The machine's SIMD ceiling: a register-only multiply-add loop with no
//! memory traffic. Benchmarks report GEMM GFLOPS as a fraction of this.
//! In the relaxed-SIMD builds `mul_add` is a fused multiply-add, so the same
//! loop measures the FMA ceiling.

use crate::simd::F32x4;

/// Independent accumulators: enough to hide the add latency, few enough to
/// stay in registers (V8 has 16 xmm registers on x86-64).
const ACCUMULATORS: usize = 12;

/// Runs `iters` rounds of `ACCUMULATORS` 4-lane `acc = acc * y + x` and
/// returns a value that depends on every lane (so nothing is optimised away).
/// Floating-point operations done: `iters * ACCUMULATORS * 4 * 2`.
#[inline(never)]
pub fn simd_mul_add_loop(iters: u32, x: f32, y: f32) -> f32 {
    let (xv, yv) = (F32x4::splat(x), F32x4::splat(y));
    let mut acc = [F32x4::zero(); ACCUMULATORS];
    for (i, a) in acc.iter_mut().enumerate() {
        *a = F32x4::splat(i as f32);
    }
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = xv.mul_add(*a, yv);
        }
    }
    let mut s = F32x4::zero();
    for a in acc {
        s = s.add(a);
    }
    let mut out = [0.0f32; 4];
    s.store(&mut out);
    out.iter().sum()
}

/// Flops done by `simd_mul_add_loop(iters, ..)`.
pub fn simd_mul_add_flops(iters: u32) -> f64 {
    iters as f64 * (ACCUMULATORS * 4 * 2) as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn loop_computes_the_recurrence() {
        // acc_i(t+1) = 0.5 + acc_i(t) * 1 → acc_i = i + 0.5 t ; sum over 4 lanes.
        let got = super::simd_mul_add_loop(10, 0.5, 1.0);
        let want: f32 = (0..12).map(|i| 4.0 * (i as f32 + 5.0)).sum();
        assert_eq!(got, want);
    }
}
