// The "pure JavaScript" contender: Float32Array kernels written the way a
// competent JS developer would (i-k-j loop order, cache blocking, no
// allocation in the hot loop). Row-major, same semantics as Sinew's kernels.

const BLOCK = 64;

/**
 * c[m×n] = op(a)·op(b), op = transpose when the flag is set (a stored k×m,
 * b stored n×k). Transposed operands are copied once into row-major form:
 * that is what a JS developer does, and it keeps the inner loop contiguous.
 */
export function jsMatmul(a, b, m, k, n, transA = false, transB = false, c = new Float32Array(m * n)) {
  const A = transA ? transpose(a, k, m) : a;
  const B = transB ? transpose(b, n, k) : b;
  c.fill(0);
  for (let i0 = 0; i0 < m; i0 += BLOCK) {
    const i1 = Math.min(i0 + BLOCK, m);
    for (let p0 = 0; p0 < k; p0 += BLOCK) {
      const p1 = Math.min(p0 + BLOCK, k);
      for (let j0 = 0; j0 < n; j0 += 256) {
        const j1 = Math.min(j0 + 256, n);
        for (let i = i0; i < i1; i++) {
          const ci = i * n;
          for (let p = p0; p < p1; p++) {
            const aip = A[i * k + p];
            const bp = p * n;
            for (let j = j0; j < j1; j++) c[ci + j] += aip * B[bp + j];
          }
        }
      }
    }
  }
  return c;
}

function transpose(x, rows, cols) {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) t[q * rows + r] = x[r * cols + q];
  return t;
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
