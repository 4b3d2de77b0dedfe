// Plain-JS references for the engine tests.

/** Deterministic values in [-1, 1) (xorshift32), so failures reproduce. */
export function randomMatrix(rows, cols, seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** Textbook triple loop in float64. */
export function naiveMatmul(a, b, m, k, n) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  return c;
}

/** max |x - ref| / max(1, max |ref|). */
export function maxRelError(x, ref) {
  if (x.length !== ref.length) return Infinity;
  let err = 0, scale = 1;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(x[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return err / scale;
}
