// The "pure JavaScript" contender: Float32Array kernels written the way a
// competent JS developer would (i-k-j loop order, cache blocking, no
// allocation in the hot loop). Row-major, same semantics as Sinew's kernels.

/**
 * c[m×n] = op(a)·op(b), op = transpose when the flag is set (a stored k×m,
 * b stored n×k). The best pure-JS GEMM we know how to write: both operands
 * packed into 4-wide panels (transposes folded into the packing), then a 4×4
 * register-tiled micro-kernel with 16 local accumulators, so the inner loop is
 * 8 loads and 16 multiply-adds with no array writes.
 */
export function jsMatmul(a, b, m, k, n, transA = false, transB = false, c = new Float32Array(m * n)) {
  const mp = Math.ceil(m / 4) * 4, np = Math.ceil(n / 4) * 4;
  // Packed A: for each 4-row panel, k groups of 4 values (rows i..i+3 at depth p).
  const pa = new Float32Array(mp * k);
  for (let i = 0; i < m; i++) {
    const base = (i >> 2) * 4 * k + (i & 3);
    for (let p = 0; p < k; p++) pa[base + 4 * p] = transA ? a[p * m + i] : a[i * k + p];
  }
  // Packed B: for each 4-column panel, k groups of 4 values (columns j..j+3 at depth p).
  const pb = new Float32Array(np * k);
  for (let j = 0; j < n; j++) {
    const base = (j >> 2) * 4 * k + (j & 3);
    for (let p = 0; p < k; p++) pb[base + 4 * p] = transB ? b[j * k + p] : b[p * n + j];
  }
  for (let i0 = 0; i0 < m; i0 += 4) {
    const ao = (i0 >> 2) * 4 * k;
    for (let j0 = 0; j0 < n; j0 += 4) {
      const bo = (j0 >> 2) * 4 * k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0, pa4 = ao, pb4 = bo; p < k; p++, pa4 += 4, pb4 += 4) {
        const a0 = pa[pa4], a1 = pa[pa4 + 1], a2 = pa[pa4 + 2], a3 = pa[pa4 + 3];
        const b0 = pb[pb4], b1 = pb[pb4 + 1], b2 = pb[pb4 + 2], b3 = pb[pb4 + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
      for (let r = 0; r < 4 && i0 + r < m; r++) {
        for (let q = 0; q < 4 && j0 + q < n; q++) c[(i0 + r) * n + j0 + q] = tile[r * 4 + q];
      }
    }
  }
  return c;
}

/** SAME/VALID output size and leading pad, as TensorFlow computes them. */
export function convGeometry(inSize, k, stride, padding) {
  if (padding === 'valid') return { out: Math.ceil((inSize - k + 1) / stride), pad: 0 };
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  return { out, pad: Math.floor(total / 2) };
}

/**
 * NHWC conv2d forward + both gradients by direct loops (the shape of code a JS
 * developer writes; im2col in JS gains little without a fast GEMM).
 * Returns { y, dx, dw } for dy = ones-like upstream gradient `dy`.
 */
export function jsConv2dForwardBackward(x, w, dy, [n, h, wd, cin], [kh, kw, cout], stride, padding) {
  const gh = convGeometry(h, kh, stride, padding), gw = convGeometry(wd, kw, stride, padding);
  const oh = gh.out, ow = gw.out;
  const y = new Float32Array(n * oh * ow * cout);
  const dx = new Float32Array(x.length);
  const dwt = new Float32Array(w.length);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const yo = ((b * oh + oy) * ow + ox) * cout;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride + ky - gh.pad;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * stride + kx - gw.pad;
            if (ix < 0 || ix >= wd) continue;
            const xo = ((b * h + iy) * wd + ix) * cin;
            for (let ci = 0; ci < cin; ci++) {
              const xv = x[xo + ci];
              const wo = ((ky * kw + kx) * cin + ci) * cout;
              let acc = 0;
              for (let co = 0; co < cout; co++) {
                y[yo + co] += xv * w[wo + co];
                acc += dy[yo + co] * w[wo + co];
                dwt[wo + co] += xv * dy[yo + co];
              }
              dx[xo + ci] += acc;
            }
          }
        }
      }
  return { y, dx, dw: dwt };
}
