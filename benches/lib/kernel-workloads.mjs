// The kernel benchmark's workloads: the same list for every contender.

/** GEMMs: squares and the MLP training shapes (forward, dW = xᵀ·dy, dX = dy·Wᵀ). */
export const GEMMS = [
  { label: '128² · 128²', m: 128, k: 128, n: 128 },
  { label: '256² · 256²', m: 256, k: 256, n: 256 },
  { label: '512² · 512²', m: 512, k: 512, n: 512 },
  { label: '1024² · 1024²', m: 1024, k: 1024, n: 1024 },
  { label: 'fwd 128×784 · 784×256', m: 128, k: 784, n: 256 },
  { label: 'dW (128×784)ᵀ · 128×256', m: 784, k: 128, n: 256, ta: true },
  { label: 'dX 128×256 · (784×256)ᵀ', m: 128, k: 256, n: 784, tb: true },
  { label: 'fwd 128×256 · 256×10', m: 128, k: 256, n: 10 },
  { label: 'dW (128×256)ᵀ · 128×10', m: 256, k: 128, n: 10, ta: true },
  { label: 'dX 128×10 · (256×10)ᵀ', m: 128, k: 10, n: 256, tb: true },
];

/** LeNet-sized convolutions, 3×3 'same', stride 1: forward + input grad + filter grad. */
export const CONVS = [
  { label: 'conv 64×28×28×1 → 8 (fwd+bwd)', n: 64, h: 28, w: 28, ci: 1, co: 8, k: 3 },
  { label: 'conv 64×14×14×8 → 16 (fwd+bwd)', n: 64, h: 14, w: 14, ci: 8, co: 16, k: 3 },
];

export const gemmFlops = (g) => 2 * g.m * g.n * g.k;
/** Forward, input gradient and filter gradient: three products of the same size. */
export const convFlops = (c) => 3 * 2 * c.n * c.h * c.w * c.k * c.k * c.ci * c.co;

/** Deterministic operand data. */
export function fill(len, seed = 1) {
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = Math.sin(i * 0.37 + seed) * 0.5;
  return a;
}
