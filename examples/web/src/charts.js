// Small canvas charts: line series over batches, epoch markers, a confusion matrix.

const DPR = () => Math.min(2, globalThis.devicePixelRatio || 1);

function setup(canvas) {
  const w = canvas.width, h = canvas.height;
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, w, h };
}

/**
 * A line chart over a shared x axis (batches seen). Each series is
 * { label, color, points: [[x, y]...], dots? }; `yRange` fixes the axis.
 */
export class LineChart {
  constructor(canvas, { yRange = null, format = (v) => v.toFixed(2) } = {}) {
    this.canvas = canvas;
    this.yRange = yRange;
    this.format = format;
    this.series = [];
    this.xMax = 1;
  }
  reset(xMax = 1) {
    for (const s of this.series) s.points.length = 0;
    this.xMax = xMax;
  }
  add(label, color, { dots = false, smooth = 0 } = {}) {
    const s = { label, color, dots, smooth, points: [], ema: null };
    this.series.push(s);
    return (x, y) => {
      if (!Number.isFinite(y)) return;
      s.ema = s.smooth && s.ema !== null ? s.smooth * s.ema + (1 - s.smooth) * y : y;
      s.points.push([x, s.ema]);
      this.xMax = Math.max(this.xMax, x);
    };
  }
  draw() {
    const { ctx, w, h } = setup(this.canvas);
    const pad = { l: 40, r: 8, t: 16, b: 14 };
    const all = this.series.flatMap((s) => s.points.map((p) => p[1]));
    let [lo, hi] = this.yRange ?? [Math.min(0, ...all), Math.max(1e-6, ...all)];
    if (!this.yRange && all.length) hi *= 1.05;
    const X = (x) => pad.l + (x / this.xMax) * (w - pad.l - pad.r);
    const Y = (y) => h - pad.b - ((y - lo) / (hi - lo || 1)) * (h - pad.t - pad.b);
    ctx.strokeStyle = '#e4e7ec';
    ctx.fillStyle = '#6b7483';
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4;
      ctx.beginPath();
      ctx.moveTo(pad.l, Y(v));
      ctx.lineTo(w - pad.r, Y(v));
      ctx.stroke();
      ctx.fillText(this.format(v), 2, Y(v) + 4);
    }
    let lx = pad.l + 4;
    for (const s of this.series) {
      ctx.strokeStyle = ctx.fillStyle = s.color;
      ctx.lineWidth = 1.5;
      if (s.dots) {
        for (const [x, y] of s.points) {
          ctx.beginPath();
          ctx.arc(X(x), Y(y), 3.5, 0, 2 * Math.PI);
          ctx.fill();
        }
      } else if (s.points.length) {
        ctx.beginPath();
        s.points.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
        ctx.stroke();
      }
      const last = s.points.at(-1);
      const text = `${s.label}${last ? ' ' + this.format(last[1]) : ''}`;
      ctx.fillRect(lx, 5, 8, 8);
      ctx.fillStyle = '#1d2430';
      ctx.fillText(text, lx + 11, 12);
      lx += ctx.measureText(text).width + 24;
    }
  }
}

/** Draws a k×k confusion matrix (counts; k = classNames.length) with class names. */
export function drawConfusion(canvas, matrix, classNames) {
  const { ctx, w, h } = setup(canvas);
  const left = 78, top = 8, size = Math.min(w - left - 4, h - top - 70);
  const k = classNames.length;
  const cell = size / k;
  if (!matrix) {
    ctx.fillStyle = '#6b7483';
    ctx.fillText('appears when training ends', left + 10, top + 20);
    return;
  }
  const rowSums = matrix.map((r) => r.reduce((a, b) => a + b, 0) || 1);
  ctx.textBaseline = 'middle';
  for (let i = 0; i < k; i++) {
    ctx.fillStyle = '#1d2430';
    ctx.textAlign = 'right';
    ctx.fillText(classNames[i], left - 4, top + (i + 0.5) * cell);
    for (let j = 0; j < k; j++) {
      const f = matrix[i][j] / rowSums[i];
      ctx.fillStyle = i === j ? `rgba(47,111,222,${0.08 + 0.92 * f})` : `rgba(224,121,58,${f === 0 ? 0.03 : 0.15 + 0.85 * Math.min(1, f * 3)})`;
      ctx.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
      if (matrix[i][j]) {
        ctx.fillStyle = f > 0.5 ? '#fff' : '#1d2430';
        ctx.textAlign = 'center';
        ctx.fillText(String(matrix[i][j]), left + (j + 0.5) * cell, top + (i + 0.5) * cell);
      }
    }
  }
  ctx.save();
  ctx.textAlign = 'right';
  ctx.fillStyle = '#1d2430';
  for (let j = 0; j < k; j++) {
    ctx.setTransform(1, 0, 0, 1, left + (j + 0.5) * cell, top + size + 4);
    ctx.rotate(-Math.PI / 3);
    ctx.fillText(classNames[j], 0, 0);
  }
  ctx.restore();
  void DPR;
}
