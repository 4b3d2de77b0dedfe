// The "plain JavaScript" training contender: the same MLP and CNN training
// steps as the Keras models, written the way a competent JS developer would —
// Float32Array buffers reused across steps, i-k-j blocked GEMM (jsMatmul from
// js-kernels.mjs), fused softmax-cross-entropy, direct NHWC convolution
// forward/backward loops, 2×2 max-pool with stored argmax, Adam.
// No dependencies: runs in Node and in browsers.
import { convGeometry, jsMatmul } from './js-kernels.mjs';

/** Deterministic PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function glorot(len, fanIn, fanOut, rand) {
  const lim = Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(len);
  for (let i = 0; i < len; i++) w[i] = (rand() * 2 - 1) * lim;
  return w;
}

/** Adam over a list of Float32Array parameters (Keras defaults: β1 .9, β2 .999, ε 1e-7). */
class Adam {
  constructor(params, lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-7) {
    Object.assign(this, { params, lr, b1, b2, eps, t: 0 });
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }
  step(grads) {
    const { b1, b2, eps } = this;
    this.t++;
    const lrT = (this.lr * Math.sqrt(1 - b2 ** this.t)) / (1 - b1 ** this.t);
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i], g = grads[i], m = this.m[i], v = this.v[i];
      for (let j = 0; j < p.length; j++) {
        const gj = g[j];
        const mj = (m[j] = b1 * m[j] + (1 - b1) * gj);
        const vj = (v[j] = b2 * v[j] + (1 - b2) * gj * gj);
        p[j] -= (lrT * mj) / (Math.sqrt(vj) + eps);
      }
    }
  }
}

/** In place: rows of z → softmax probabilities; returns mean CE and writes dz = (p - onehot)/bs. */
function softmaxCrossEntropy(z, labels, bs, k, dz) {
  let loss = 0;
  for (let i = 0; i < bs; i++) {
    const o = i * k;
    let mx = -Infinity;
    for (let j = 0; j < k; j++) if (z[o + j] > mx) mx = z[o + j];
    let s = 0;
    for (let j = 0; j < k; j++) s += (z[o + j] = Math.exp(z[o + j] - mx));
    for (let j = 0; j < k; j++) z[o + j] /= s;
    const y = labels[i];
    loss -= Math.log(Math.max(z[o + y], 1e-12));
    if (dz) for (let j = 0; j < k; j++) dz[o + j] = (z[o + j] - (j === y ? 1 : 0)) / bs;
  }
  return loss / bs;
}

function softmaxRows(z, rows, k) {
  for (let i = 0; i < rows; i++) {
    const o = i * k;
    let mx = -Infinity;
    for (let j = 0; j < k; j++) if (z[o + j] > mx) mx = z[o + j];
    let s = 0;
    for (let j = 0; j < k; j++) s += (z[o + j] = Math.exp(z[o + j] - mx));
    for (let j = 0; j < k; j++) z[o + j] /= s;
  }
}

const addBias = (z, b, rows, n, relu) => {
  for (let i = 0; i < rows; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) {
      const v = z[o + j] + b[j];
      z[o + j] = relu && v < 0 ? 0 : v;
    }
  }
};
const colSums = (dz, rows, n, db) => {
  db.fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) db[j] += dz[i * n + j];
};
const reluMask = (d, h) => {
  for (let i = 0; i < d.length; i++) if (h[i] <= 0) d[i] = 0;
};

/** Dense stack with relu hidden layers and a softmax output, trained with softmax-CE + Adam. */
export class JsMlp {
  constructor(sizes = [784, 256, 128, 10], { seed = 1, lr = 1e-3 } = {}) {
    const rand = rng(seed);
    this.sizes = sizes;
    this.W = [];
    this.b = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      this.W.push(glorot(sizes[l] * sizes[l + 1], sizes[l], sizes[l + 1], rand));
      this.b.push(new Float32Array(sizes[l + 1]));
    }
    this.dW = this.W.map((w) => new Float32Array(w.length));
    this.db = this.b.map((b) => new Float32Array(b.length));
    this.opt = new Adam([...this.W, ...this.b], lr);
    this.bufs = new Map();
  }
  #buffers(bs) {
    let B = this.bufs.get(bs);
    if (!B) {
      const s = this.sizes;
      B = { h: s.slice(1).map((n) => new Float32Array(bs * n)), d: s.slice(1).map((n) => new Float32Array(bs * n)) };
      this.bufs.set(bs, B);
    }
    return B;
  }
  /** Forward pass; returns the output rows (probabilities). */
  forward(x, bs) {
    const { sizes, W, b } = this, { h } = this.#buffers(bs);
    const L = W.length;
    let inp = x;
    for (let l = 0; l < L; l++) {
      jsMatmul(inp, W[l], bs, sizes[l], sizes[l + 1], false, false, h[l]);
      addBias(h[l], b[l], bs, sizes[l + 1], l < L - 1);
      inp = h[l];
    }
    return h[L - 1];
  }
  /** One Adam step on a batch: x [bs×784], labels Int32Array [bs]. Returns the loss. */
  trainBatch(x, labels, bs) {
    const { sizes, W } = this, { h, d } = this.#buffers(bs);
    const L = W.length;
    let inp = x;
    for (let l = 0; l < L; l++) {
      jsMatmul(inp, W[l], bs, sizes[l], sizes[l + 1], false, false, h[l]);
      if (l < L - 1) addBias(h[l], this.b[l], bs, sizes[l + 1], true);
      else addBias(h[l], this.b[l], bs, sizes[l + 1], false);
      inp = h[l];
    }
    const loss = softmaxCrossEntropy(h[L - 1], labels, bs, sizes[L], d[L - 1]);
    for (let l = L - 1; l >= 0; l--) {
      const hin = l === 0 ? x : h[l - 1];
      jsMatmul(hin, d[l], sizes[l], bs, sizes[l + 1], true, false, this.dW[l]); // dW = hᵀ·dz
      colSums(d[l], bs, sizes[l + 1], this.db[l]);
      if (l > 0) {
        jsMatmul(d[l], W[l], bs, sizes[l + 1], sizes[l], false, true, d[l - 1]); // dh = dz·Wᵀ
        reluMask(d[l - 1], h[l - 1]);
      }
    }
    this.opt.step([...this.dW, ...this.db]);
    return loss;
  }
  /** Probabilities for n rows (a copy). */
  predict(x, n) {
    const out = Float32Array.from(this.forward(x, n));
    softmaxRows(out, n, this.sizes[this.sizes.length - 1]);
    return out;
  }
}

// --- convolution, NHWC, stride 1, 'same' (what the CNN uses) ---

function convForward(x, w, bias, y, n, h, wd, cin, k, cout) {
  const g = convGeometry(h, k, 1, 'same');
  const pad = g.pad;
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < h; oy++)
      for (let ox = 0; ox < wd; ox++) {
        const yo = ((b * h + oy) * wd + ox) * cout;
        for (let co = 0; co < cout; co++) y[yo + co] = bias[co];
        for (let ky = 0; ky < k; ky++) {
          const iy = oy + ky - pad;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < k; kx++) {
            const ix = ox + kx - pad;
            if (ix < 0 || ix >= wd) continue;
            const xo = ((b * h + iy) * wd + ix) * cin;
            const wk = (ky * k + kx) * cin;
            for (let ci = 0; ci < cin; ci++) {
              const xv = x[xo + ci];
              const wo = (wk + ci) * cout;
              for (let co = 0; co < cout; co++) y[yo + co] += xv * w[wo + co];
            }
          }
        }
        for (let co = 0; co < cout; co++) if (y[yo + co] < 0) y[yo + co] = 0;
      }
}

/** dw, db (and dx unless null) from dy (already masked by the relu). */
function convBackward(x, w, dy, dx, dw, db, n, h, wd, cin, k, cout) {
  const pad = convGeometry(h, k, 1, 'same').pad;
  dw.fill(0);
  db.fill(0);
  if (dx) dx.fill(0);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < h; oy++)
      for (let ox = 0; ox < wd; ox++) {
        const yo = ((b * h + oy) * wd + ox) * cout;
        for (let co = 0; co < cout; co++) db[co] += dy[yo + co];
        for (let ky = 0; ky < k; ky++) {
          const iy = oy + ky - pad;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < k; kx++) {
            const ix = ox + kx - pad;
            if (ix < 0 || ix >= wd) continue;
            const xo = ((b * h + iy) * wd + ix) * cin;
            const wk = (ky * k + kx) * cin;
            for (let ci = 0; ci < cin; ci++) {
              const xv = x[xo + ci];
              const wo = (wk + ci) * cout;
              let acc = 0;
              for (let co = 0; co < cout; co++) {
                dw[wo + co] += xv * dy[yo + co];
                acc += dy[yo + co] * w[wo + co];
              }
              if (dx) dx[xo + ci] += acc;
            }
          }
        }
      }
}

/** 2×2 stride-2 max-pool; stores the argmax flat index per output. */
function poolForward(x, y, arg, n, h, wd, c) {
  const oh = h >> 1, ow = wd >> 1;
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity, bi = 0;
          for (let dy = 0; dy < 2; dy++)
            for (let dx = 0; dx < 2; dx++) {
              const i = ((b * h + oy * 2 + dy) * wd + ox * 2 + dx) * c + ch;
              if (x[i] > best) (best = x[i]), (bi = i);
            }
          const o = ((b * oh + oy) * ow + ox) * c + ch;
          y[o] = best;
          arg[o] = bi;
        }
}

/** LeNet-style CNN: conv 8@3×3 relu – pool 2 – conv 16@3×3 relu – pool 2 – dense 10 softmax (28×28×1 input). */
export class JsCnn {
  constructor({ seed = 1, lr = 1e-3, c1 = 8, c2 = 16, classes = 10 } = {}) {
    const rand = rng(seed);
    Object.assign(this, { c1, c2, classes });
    this.w1 = glorot(9 * c1, 9, 9 * c1, rand);
    this.b1 = new Float32Array(c1);
    this.w2 = glorot(9 * c1 * c2, 9 * c1, 9 * c2, rand);
    this.b2 = new Float32Array(c2);
    this.flat = 7 * 7 * c2;
    this.w3 = glorot(this.flat * classes, this.flat, classes, rand);
    this.b3 = new Float32Array(classes);
    this.params = [this.w1, this.b1, this.w2, this.b2, this.w3, this.b3];
    this.grads = this.params.map((p) => new Float32Array(p.length));
    this.opt = new Adam(this.params, lr);
    this.bufs = new Map();
  }
  #buffers(bs) {
    let B = this.bufs.get(bs);
    if (!B) {
      const { c1, c2, classes } = this;
      const f = (len) => new Float32Array(bs * len);
      B = {
        a1: f(784 * c1), p1: f(196 * c1), i1: new Int32Array(bs * 196 * c1), a2: f(196 * c2), p2: f(49 * c2), i2: new Int32Array(bs * 49 * c2), z: f(classes),
        dz: f(classes), dp2: f(49 * c2), da2: f(196 * c2), dp1: f(196 * c1), da1: f(784 * c1),
      };
      this.bufs.set(bs, B);
    }
    return B;
  }
  forward(x, bs) {
    const { c1, c2, classes } = this, B = this.#buffers(bs);
    convForward(x, this.w1, this.b1, B.a1, bs, 28, 28, 1, 3, c1);
    poolForward(B.a1, B.p1, B.i1, bs, 28, 28, c1);
    convForward(B.p1, this.w2, this.b2, B.a2, bs, 14, 14, c1, 3, c2);
    poolForward(B.a2, B.p2, B.i2, bs, 14, 14, c2);
    jsMatmul(B.p2, this.w3, bs, this.flat, classes, false, false, B.z);
    addBias(B.z, this.b3, bs, classes, false);
    return B;
  }
  trainBatch(x, labels, bs) {
    const { c1, c2, classes, grads: [gw1, gb1, gw2, gb2, gw3, gb3] } = this;
    const B = this.forward(x, bs);
    const loss = softmaxCrossEntropy(B.z, labels, bs, classes, B.dz);
    jsMatmul(B.p2, B.dz, this.flat, bs, classes, true, false, gw3);
    colSums(B.dz, bs, classes, gb3);
    jsMatmul(B.dz, this.w3, bs, classes, this.flat, false, true, B.dp2);
    B.da2.fill(0);
    for (let i = 0; i < B.dp2.length; i++) B.da2[B.i2[i]] += B.dp2[i];
    reluMask(B.da2, B.a2);
    convBackward(B.p1, this.w2, B.da2, B.dp1, gw2, gb2, bs, 14, 14, c1, 3, c2);
    B.da1.fill(0);
    for (let i = 0; i < B.dp1.length; i++) B.da1[B.i1[i]] += B.dp1[i];
    reluMask(B.da1, B.a1);
    convBackward(x, this.w1, B.da1, null, gw1, gb1, bs, 28, 28, 1, 3, c1); // no dx for the input
    this.opt.step(this.grads);
    return loss;
  }
  predict(x, n) {
    const B = this.forward(x, n);
    const out = Float32Array.from(B.z);
    softmaxRows(out, n, this.classes);
    return out;
  }
}
