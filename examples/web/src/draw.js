// The drawing pad: white strokes on black like Fashion-MNIST, downscaled to
// 28×28 the way the data set was made (the garment's longer side fills the
// frame, centred).

export class DrawingPad {
  constructor(canvas, preview, onChange) {
    this.canvas = canvas;
    this.preview = preview;
    this.onChange = onChange;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.brush = 18;
    this.clear(false);
    let last = null;
    const at = (ev) => {
      const r = canvas.getBoundingClientRect();
      return [((ev.clientX - r.left) * canvas.width) / r.width, ((ev.clientY - r.top) * canvas.height) / r.height];
    };
    canvas.addEventListener('pointerdown', (ev) => {
      canvas.setPointerCapture(ev.pointerId);
      last = at(ev);
      this.stroke(last, last);
    });
    canvas.addEventListener('pointermove', (ev) => {
      if (!last) return;
      const p = at(ev);
      this.stroke(last, p);
      last = p;
      this.changed(false);
    });
    const end = () => {
      if (!last) return;
      last = null;
      this.changed(true);
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  stroke([x0, y0], [x1, y1]) {
    const c = this.ctx;
    c.strokeStyle = '#fff';
    c.lineWidth = this.brush;
    c.lineCap = c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(x0, y0);
    c.lineTo(x1, y1);
    c.stroke();
  }

  clear(notify = true) {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.preview.getContext('2d').clearRect(0, 0, 28, 28);
    if (notify) this.onChange(null, true);
  }

  /** Shows a 28×28 uint8 image (a test sample) on the pad. */
  showImage(pixels) {
    const small = new ImageData(28, 28);
    for (let i = 0; i < 784; i++) small.data.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
    const tmp = new OffscreenCanvas(28, 28);
    tmp.getContext('2d').putImageData(small, 0, 0);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(tmp, 0, 0, this.canvas.width, this.canvas.height);
    this.changed(true);
  }

  #throttle = 0;
  changed(final) {
    const now = performance.now();
    if (!final && now - this.#throttle < 60) return;
    this.#throttle = now;
    this.onChange(this.pixels(), final);
  }

  /** The drawing as 784 floats in [0, 1], or null when the pad is empty. */
  pixels() {
    const { width: w, height: h } = this.canvas;
    const img = this.ctx.getImageData(0, 0, w, h).data;
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        if (img[(y * w + x) * 4] > 16) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
    if (x1 < 0) return null;
    const side = Math.max(x1 - x0 + 1, y1 - y0 + 1);
    const cx = (x0 + x1 + 1) / 2, cy = (y0 + y1 + 1) / 2;
    const p = this.preview.getContext('2d', { willReadFrequently: true });
    p.fillStyle = '#000';
    p.fillRect(0, 0, 28, 28);
    p.imageSmoothingEnabled = true;
    p.imageSmoothingQuality = 'high';
    p.drawImage(this.canvas, cx - side / 2, cy - side / 2, side, side, 0, 0, 28, 28);
    const small = p.getImageData(0, 0, 28, 28).data;
    const out = new Float32Array(784);
    for (let i = 0; i < 784; i++) out[i] = small[i * 4] / 255;
    return out;
  }
}
