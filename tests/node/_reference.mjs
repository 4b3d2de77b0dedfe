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

/** Worst element-wise max_i |x_i - ref_i| / max(1, |ref_i|) (absolute for small values, relative for large). */
export function worstElementError(x, ref) {
  if (x.length !== ref.length) return Infinity;
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
  return e;
}

export function transpose(x, rows, cols) {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c];
  return t;
}

/** TensorFlow's SAME/VALID geometry along one axis: output size and leading pad. */
function geometry(size, k, stride, pad) {
  if (pad === 'valid') return { out: Math.max(0, Math.ceil((size - k + 1) / stride)), before: 0 };
  const out = Math.ceil(size / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2) };
}

/** Direct-loop NHWC conv2d in float64: forward and both gradients for upstream `dy`. */
export function jsConv2d(x, f, dy, [n, h, w, ci], [kh, kw, co], stride, pad) {
  const gh = geometry(h, kh, stride, pad), gw = geometry(w, kw, stride, pad);
  const [oh, ow] = [gh.out, gw.out];
  const y = new Float64Array(n * oh * ow * co), dx = new Float64Array(x.length), dw = new Float64Array(f.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < co; o++) {
          const yi = ((b * oh + i) * ow + j) * co + o;
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const r = i * stride + p - gh.before, c = j * stride + q - gw.before;
              if (r < 0 || r >= h || c < 0 || c >= w) continue;
              for (let ch = 0; ch < ci; ch++) {
                const xi = ((b * h + r) * w + c) * ci + ch, fi = ((p * kw + q) * ci + ch) * co + o;
                y[yi] += x[xi] * f[fi];
                dx[xi] += dy[yi] * f[fi];
                dw[fi] += dy[yi] * x[xi];
              }
            }
        }
  return { y, dx, dw, yShape: [n, oh, ow, co] };
}

/** Direct-loop NHWC depthwise conv2d in float64 (filter [kh, kw, c, m], dilation d): forward and both gradients for upstream `dy`. */
export function jsDepthwise(x, f, dy, [n, h, w, c], [kh, kw, m], stride, pad, d = 1) {
  const gh = geometry(h, (kh - 1) * d + 1, stride, pad), gw = geometry(w, (kw - 1) * d + 1, stride, pad);
  const [oh, ow] = [gh.out, gw.out];
  const y = new Float64Array(n * oh * ow * c * m), dx = new Float64Array(x.length), dw = new Float64Array(f.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++)
          for (let o = 0; o < m; o++) {
            const yi = ((b * oh + i) * ow + j) * c * m + ch * m + o;
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const r = i * stride + p * d - gh.before, s = j * stride + q * d - gw.before;
                if (r < 0 || r >= h || s < 0 || s >= w) continue;
                const xi = ((b * h + r) * w + s) * c + ch, fi = ((p * kw + q) * c + ch) * m + o;
                y[yi] += x[xi] * f[fi];
                dx[xi] += dy[yi] * f[fi];
                dw[fi] += dy[yi] * x[xi];
              }
          }
  return { y, dx, dw, yShape: [n, oh, ow, c * m] };
}

/** Direct-loop pooling; average over in-bounds elements (TensorFlow semantics); max routes to the first maximum. */
export function jsPool(kind, x, dy, [n, h, w, c], k, stride, pad) {
  const gh = geometry(h, k, stride, pad), gw = geometry(w, k, stride, pad);
  const [oh, ow] = [gh.out, gw.out];
  const y = new Float64Array(n * oh * ow * c), dx = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          const cells = [];
          for (let p = 0; p < k; p++)
            for (let q = 0; q < k; q++) {
              const r = i * stride + p - gh.before, s = j * stride + q - gw.before;
              if (r >= 0 && r < h && s >= 0 && s < w) cells.push(((b * h + r) * w + s) * c + ch);
            }
          const yi = ((b * oh + i) * ow + j) * c + ch;
          if (kind === 'max') {
            let best = cells[0];
            for (const e of cells) if (x[e] > x[best]) best = e;
            y[yi] = x[best];
            dx[best] += dy[yi];
          } else {
            for (const e of cells) {
              y[yi] += x[e] / cells.length;
              dx[e] += dy[yi] / cells.length;
            }
          }
        }
  return { y, dx, yShape: [n, oh, ow, c] };
}
