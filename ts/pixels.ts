/**
 * Images to tensors and back (TF.js's `browser.fromPixels` / `toPixels`).
 * Typed structurally, so the typings compile without the DOM library: an
 * `ImageData` is a `PixelData`, an `HTMLCanvasElement` or `OffscreenCanvas`
 * a `CanvasLike`.
 */
import { InvalidArgumentError, UnsupportedError } from './errors.js';
import { slice } from './ops/layout.js';
import { tensor } from './ops/create.js';
import { Tensor, fmtShape } from './tensor.js';

/** RGBA bytes, row by row (an `ImageData` is one). */
export interface PixelData {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** What `fromPixels`/`toPixels` need of a canvas (HTMLCanvasElement, OffscreenCanvas). */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(contextId: '2d'): {
    getImageData(sx: number, sy: number, sw: number, sh: number): PixelData;
    putImageData(data: never, dx: number, dy: number): void;
    drawImage?(image: never, dx: number, dy: number): void;
  } | null;
}

/** An image, video or bitmap the 2-D canvas can draw (read through an OffscreenCanvas). */
interface Drawable {
  readonly width?: number;
  readonly height?: number;
  readonly videoWidth?: number;
  readonly videoHeight?: number;
  readonly naturalWidth?: number;
  readonly naturalHeight?: number;
}

function rgba(pixels: PixelData | CanvasLike | Drawable): PixelData {
  if ('data' in pixels && pixels.data) return pixels;
  if ('getContext' in pixels && typeof pixels.getContext === 'function') {
    const ctx = pixels.getContext('2d');
    if (!ctx) throw new UnsupportedError('browser.fromPixels: the canvas has no 2d context (is it already used for WebGL?)');
    return ctx.getImageData(0, 0, pixels.width, pixels.height);
  }
  const d = pixels as Drawable;
  const width = d.videoWidth || d.naturalWidth || d.width || 0;
  const height = d.videoHeight || d.naturalHeight || d.height || 0;
  const Offscreen = (globalThis as { OffscreenCanvas?: new (w: number, h: number) => CanvasLike }).OffscreenCanvas;
  if (!Offscreen) throw new UnsupportedError('browser.fromPixels: reading an image element needs OffscreenCanvas; pass ImageData or {data, width, height} here');
  if (!(width > 0 && height > 0)) throw new InvalidArgumentError('browser.fromPixels: the image has no size yet (not loaded?)');
  const canvas = new Offscreen(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage!(pixels as never, 0, 0);
  return ctx.getImageData(0, 0, width, height);
}

/**
 * An int32 tensor `[height, width, numChannels]` of 0..255 values from
 * RGBA pixels: `ImageData`, a canvas, an image/video/bitmap (browsers), or
 * `{ data, width, height }` (anywhere). `numChannels` 1 (red), 3 (RGB,
 * default) or 4 (RGBA), as TF.js.
 */
export function fromPixels(pixels: PixelData | CanvasLike | Drawable, numChannels = 3): Tensor {
  if (pixels === null || typeof pixels !== 'object') throw new InvalidArgumentError(`browser.fromPixels: expected ImageData, a canvas, an image or {data, width, height}, got ${String(pixels)}`);
  if (![1, 3, 4].includes(numChannels)) throw new InvalidArgumentError(`browser.fromPixels: numChannels must be 1, 3 or 4, got ${numChannels}`);
  const { data, width, height } = rgba(pixels);
  if (!(Number.isInteger(width) && Number.isInteger(height) && data.length === width * height * 4)) {
    throw new InvalidArgumentError(`browser.fromPixels: ${width}x${height} RGBA needs ${width * height * 4} bytes, got ${data.length}`);
  }
  const all = tensor(data, [height, width, 4], 'int32');
  if (numChannels === 4) return all;
  try {
    return slice(all, [0, 0, 0], [height, width, numChannels]);
  } finally {
    all.dispose();
  }
}

/**
 * RGBA bytes of an image tensor `[height, width]` or `[height, width, 1|3|4]`
 * (float32 in [0, 1], or int32 in [0, 255], as TF.js), drawn on `canvas`
 * when one is given.
 */
export async function toPixels(img: Tensor, canvas?: CanvasLike): Promise<Uint8ClampedArray> {
  if (!(img instanceof Tensor)) throw new InvalidArgumentError('browser.toPixels: expected a tensor');
  const [height, width, depth = 1] = img.shape;
  if ((img.rank !== 2 && img.rank !== 3) || ![1, 3, 4].includes(depth)) {
    throw new InvalidArgumentError(`browser.toPixels: expected shape [height, width] or [height, width, 1|3|4], got ${fmtShape(img.shape)}`);
  }
  const values = await img.data();
  const [scale, top] = img.dtype === 'int32' ? [1, 255] : [255, 1];
  const bad = values.find((v) => !(v >= 0 && v <= top));
  if (bad !== undefined) throw new InvalidArgumentError(`browser.toPixels: ${img.dtype} values must be in [0, ${top}], got ${bad}`);
  const out = new Uint8ClampedArray(height! * width! * 4);
  for (let p = 0; p < height! * width!; p++) {
    const v = (c: number) => Math.round(values[p * depth + c]! * scale);
    const [r, g, b] = depth >= 3 ? [v(0), v(1), v(2)] : [v(0), v(0), v(0)];
    out.set([r, g, b, depth === 4 ? v(3) : 255], p * 4);
  }
  if (canvas) {
    canvas.width = width!;
    canvas.height = height!;
    const ImageDataCtor = (globalThis as { ImageData?: new (d: Uint8ClampedArray, w: number, h: number) => unknown }).ImageData;
    const ctx = canvas.getContext('2d');
    if (!ctx || !ImageDataCtor) throw new UnsupportedError('browser.toPixels: drawing needs a 2d canvas context and ImageData (a browser)');
    ctx.putImageData(new ImageDataCtor(out, width!, height!) as never, 0, 0);
  }
  return out;
}
