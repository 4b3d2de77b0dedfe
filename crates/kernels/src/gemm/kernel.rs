//! The register-tiled micro-kernel: one `MR×NR` tile of C from a packed A
//! panel (`kc` steps of `MR` pre-broadcast vectors) and a packed B panel
//! (`kc` steps of `NR` values).
//!
//! Per depth step: load `NV` B vectors, then for each of the `MR` rows load
//! its broadcast A vector and do `NV` mul+add pairs into accumulators that
//! stay in registers for the whole `kc` loop.
//!
//! Tile shape, measured in V8 (Node 20, x86-64): V8 keeps 15 xmm registers
//! allocatable and, SIMD128 having no FMA, each mul+add needs a temporary, so
//! `MR·NV` accumulators + `NV` B vectors + 1 A vector + 1 product must fit in
//! 15. 5×8 (14 registers) is the largest tile that does: ~43 GFLOPS at 512²
//! vs ~40 for 4×8; 6×8 (16 registers) spills and drops to ~27. A bigger tile
//! matters because V8 adds a fixed ~6 instructions per loop iteration
//! (interrupt check, pointer bumps, zero-extensions) and the x86 front end,
//! not the FP units, is the limit. Unrolling the depth loop does not help:
//! LLVM then interleaves the steps per accumulator and V8 spills.
//!
//! With relaxed SIMD (`f32x4.relaxed_madd`, a fused FMA on x86 FMA3) no
//! temporary is needed, so 6×8 (12 accumulators + 2 B + 1 A = 15) fits.
//! Measured at 512² (Node 20 `--experimental-wasm-relaxed-simd`, same run,
//! best of 12): plain 5×8 ~43-44 GFLOPS, relaxed 5×8 ~50-51, relaxed 6×8
//! ~50-52; on the MLP training shapes 6×8 is 0-4 % ahead of 5×8 (~+15-21 %
//! over plain). Chromium 156: plain 5×8 ~44, relaxed 6×8 ~50.

use super::Epilogue;
use crate::simd::F32x4;

/// Rows of a tile.
#[cfg(not(target_feature = "relaxed-simd"))]
pub(crate) const MR: usize = 5;
/// Rows of a tile: 6 with a fused multiply-add (no product temporary).
#[cfg(target_feature = "relaxed-simd")]
pub(crate) const MR: usize = 6;
/// `f32x4` vectors per tile row.
pub(crate) const NV: usize = 2;
/// Columns of a tile.
pub(crate) const NR: usize = NV * 4;

type Acc = [[F32x4; NV]; MR];

/// Where and how a tile is written back.
pub(super) struct TileOut<'c, 'r, 'e> {
    /// Rows of the C block; row `r0 + i`, column `c0 + j` is tile element `(i, j)`.
    pub c: &'c mut [&'r mut [f32]],
    pub r0: usize,
    pub c0: usize,
    /// Valid rows/columns of this tile (`< MR`/`NR` on ragged edges).
    pub mr: usize,
    pub nr: usize,
    /// Add to C's current values (false only for the first depth block of a
    /// non-accumulating call).
    pub load_c: bool,
    /// Fused epilogue, present only on the last depth block.
    pub ep: Option<Epilogue<'e>>,
    /// The tile belongs to Cᵀ: element `(i, j)` goes to row `c0 + j`,
    /// column `r0 + i`, and the epilogue's bias is indexed by `r0 + i`.
    pub transposed: bool,
}

/// Computes one tile over the whole packed depth and writes it out.
/// Not inlined: a small self-contained function gives V8's register allocator
/// the best chance to keep all accumulators in registers.
#[inline(never)]
pub(super) fn tile(pa: &[f32], pb: &[f32], out: TileOut) {
    let acc = multiply(pa, pb);
    store(acc, out);
}

/// Floats per depth step in a packed A panel: each A value is stored
/// pre-broadcast to 4 lanes (see `pack::pack_a`).
pub(crate) const A_STEP: usize = MR * 4;

#[inline(always)]
fn multiply(pa: &[f32], pb: &[f32]) -> Acc {
    let kc = (pa.len() / A_STEP).min(pb.len() / NR);
    let mut acc = [[F32x4::zero(); NV]; MR];
    let mut a = pa.as_ptr();
    let mut b = pb.as_ptr();
    for _ in 0..kc {
        // SAFETY: iteration `p < kc` reads `pa[p·A_STEP..][..A_STEP]` and
        // `pb[p·NR..][..NR]`, in bounds by the definition of `kc`.
        unsafe {
            let bv: [F32x4; NV] = core::array::from_fn(|v| F32x4::load_ptr(b.add(v * 4)));
            for (i, row) in acc.iter_mut().enumerate() {
                let av = F32x4::load_ptr(a.add(i * 4));
                for (x, &bw) in row.iter_mut().zip(&bv) {
                    *x = x.mul_add(av, bw);
                }
            }
        }
        // Advance through integers rather than `ptr.add`: LLVM's loop
        // strength reduction would otherwise rewrite the loads above as
        // `base + i` without the no-wrap flag wasm needs to fold `+ i` into
        // the load's offset immediate, costing an extra add per load in V8.
        a = (a as usize + A_STEP * 4) as *const f32;
        b = (b as usize + NR * 4) as *const f32;
    }
    acc
}

#[inline(always)]
fn store(acc: Acc, out: TileOut) {
    let TileOut { c, r0, c0, mr, nr, load_c, ep, transposed } = out;
    if transposed {
        // Scalar scatter: a few dozen stores per tile against `kc` steps of
        // arithmetic (narrow products only, see `narrow`).
        let tmp = spill(&acc);
        for (j, dst) in c[c0..c0 + nr].iter_mut().enumerate() {
            for (i, (d, t)) in dst[r0..r0 + mr].iter_mut().zip(&tmp).enumerate() {
                let x = if load_c { *d + t[j] } else { t[j] };
                *d = match ep {
                    Some(ep) => ep.scalar(x, r0 + i),
                    None => x,
                };
            }
        }
    } else if mr == MR && nr == NR {
        for (i, row) in acc.iter().enumerate() {
            let dst = &mut c[r0 + i][c0..c0 + NR];
            for (v, &x) in row.iter().enumerate() {
                let d = &mut dst[v * 4..v * 4 + 4];
                let mut x = x;
                if load_c {
                    x = F32x4::load(d).add(x);
                }
                if let Some(ep) = ep {
                    if let Some(bias) = ep.bias {
                        x = x.add(F32x4::load(&bias[c0 + v * 4..c0 + v * 4 + 4]));
                    }
                    if ep.relu {
                        x = x.relu();
                    }
                }
                x.store(d);
            }
        }
    } else {
        let tmp = spill(&acc);
        for (i, t) in tmp.iter().enumerate().take(mr) {
            let dst = &mut c[r0 + i][c0..c0 + nr];
            for (j, (d, &x)) in dst.iter_mut().zip(t).enumerate() {
                let x = if load_c { *d + x } else { x };
                *d = match ep {
                    Some(ep) => ep.scalar(x, c0 + j),
                    None => x,
                };
            }
        }
    }
}

/// The accumulators as plain values, for the element-wise (ragged or
/// transposed) stores.
#[inline(always)]
fn spill(acc: &Acc) -> [[f32; NR]; MR] {
    let mut tmp = [[0.0f32; NR]; MR];
    for (t, row) in tmp.iter_mut().zip(acc) {
        for (v, x) in row.iter().enumerate() {
            x.store(&mut t[v * 4..v * 4 + 4]);
        }
    }
    tmp
}

/// Runs the micro-kernel `reps` times on one packed A panel and one packed B
/// panel of depth `kc`, both resident in L1 (no packing, no cache misses, a
/// store per tile): the ceiling of the blocked GEMM, between the
/// register-only loop of `peak` and a whole product. Returns a value that
/// depends on the result.
pub(super) fn l1_resident(reps: u32, kc: usize) -> f32 {
    let pa: Vec<f32> = (0..A_STEP * kc).map(|i| 1.0 + (i % 7) as f32 * 1e-3).collect();
    let pb: Vec<f32> = (0..NR * kc).map(|i| 1e-3 * (i % 5) as f32).collect();
    let mut c = [[0.0f32; NR]; MR];
    let mut sum = 0.0;
    for _ in 0..reps {
        let mut rows: [&mut [f32]; MR] = c.each_mut().map(|r| r.as_mut_slice());
        let out = TileOut { c: &mut rows, r0: 0, c0: 0, mr: MR, nr: NR, load_c: false, ep: None, transposed: false };
        tile(core::hint::black_box(&pa), &pb, out);
        sum += c[0][0];
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l1_resident_computes_the_tile() {
        // c[0][0] = Σ_p a(p, row 0) · b(p, col 0), summed over the reps.
        let kc = 37;
        let want: f32 = (0..kc).map(|p| (1.0 + ((p * A_STEP) % 7) as f32 * 1e-3) * 1e-3 * ((p * NR) % 5) as f32).sum();
        let got = l1_resident(3, kc);
        assert!((got - 3.0 * want).abs() <= 1e-5 * want.abs().max(1.0), "{got} vs {}", 3.0 * want);
        assert!(want > 0.0);
    }
}
