/**
 * The IDX file format of MNIST and Fashion-MNIST, and gzip.
 *
 * An IDX file is a 4-byte magic `0x00 0x00 <type> <ndims>`, then `ndims`
 * big-endian uint32 dimensions, then the values in row-major order, big-endian
 * when they are wider than a byte. Type codes:
 *
 * | code | type          | array         |
 * |------|---------------|---------------|
 * | 0x08 | unsigned byte | Uint8Array    |
 * | 0x09 | signed byte   | Int8Array     |
 * | 0x0B | int16         | Int16Array    |
 * | 0x0C | int32         | Int32Array    |
 * | 0x0D | float32       | Float32Array  |
 * | 0x0E | float64       | Float64Array  |
 *
 *     const { shape, data } = await loadIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
 *     // shape [10000], data Uint8Array
 */
import { environment } from '../engine/detect.js';
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import * as node from '../engine/node.js';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxTensor {
  /** Dimensions from the header, e.g. `[60000, 28, 28]`. */
  shape: number[];
  /** Values in row-major order, in native byte order. */
  data: IdxData;
}

interface IdxType {
  name: string;
  size: number;
  make(n: number): IdxData;
  read(view: DataView, offset: number): number;
}

const TYPES: Record<number, IdxType> = {
  0x08: { name: 'ubyte', size: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  0x09: { name: 'sbyte', size: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  0x0b: { name: 'int16', size: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o, false) },
  0x0c: { name: 'int32', size: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o, false) },
  0x0d: { name: 'float32', size: 4, make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o, false) },
  0x0e: { name: 'float64', size: 8, make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o, false) },
};

const hex = (b: number) => '0x' + b.toString(16).padStart(2, '0');

/** True when `bytes` start with the gzip magic `0x1f 0x8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  if (!ArrayBuffer.isView(bytes)) throw new InvalidArgumentError(`isGzip: expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an uncompressed IDX file. Throws `InvalidArgumentError` for a bad
 * magic, an unknown type code, or a byte count that does not match the header
 * (the message gives the expected and the actual count). Gzipped bytes are
 * rejected with a hint to use `gunzip` or `loadIdx`.
 *
 * One-byte types return a view on `bytes` (no copy); wider types are decoded
 * into a new array in the host's byte order.
 */
export function parseIdx(bytes: Uint8Array): IdxTensor {
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`parseIdx: expected a Uint8Array, got ${describe(bytes)}`);
  if (isGzip(bytes)) {
    throw new InvalidArgumentError('parseIdx: the bytes are gzip-compressed (they start with 0x1f 0x8b); decompress them with `await gunzip(bytes)` or use `loadIdx`');
  }
  if (bytes.length < 4) throw new InvalidArgumentError(`parseIdx: truncated: ${bytes.length} bytes, an IDX header needs at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InvalidArgumentError(
      `parseIdx: bad magic ${[...bytes.subarray(0, 4)].map(hex).join(' ')}: an IDX file starts with 0x00 0x00 <type> <ndims>`,
    );
  }
  const code = bytes[2]!;
  const type = TYPES[code];
  if (!type) {
    throw new InvalidArgumentError(
      `parseIdx: unknown type code ${hex(code)}: expected 0x08 (ubyte), 0x09 (sbyte), 0x0b (int16), 0x0c (int32), 0x0d (float32) or 0x0e (float64)`,
    );
  }
  const ndims = bytes[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new InvalidArgumentError(`parseIdx: truncated header: ${ndims} dimensions need ${headerBytes} header bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const dataBytes = count * type.size;
  const expected = headerBytes + dataBytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'trailing bytes';
    throw new InvalidArgumentError(
      `parseIdx: ${what}: the header says shape [${shape.join(',')}] of ${type.name}, which is ${expected} bytes ` +
        `(${headerBytes} header + ${dataBytes} data), but got ${bytes.length} bytes`,
    );
  }
  if (type.size === 1) {
    const sub = bytes.subarray(headerBytes, expected);
    return { shape, data: code === 0x08 ? sub : new Int8Array(sub.buffer, sub.byteOffset, sub.length) };
  }
  const data = type.make(count);
  for (let i = 0, o = headerBytes; i < count; i++, o += type.size) data[i] = type.read(view, o);
  return { shape, data };
}

/**
 * Writes an IDX file (the inverse of `parseIdx`). The type code follows the
 * array type: Uint8Array 0x08, Int8Array 0x09, Int16Array 0x0B, Int32Array
 * 0x0C, Float32Array 0x0D, Float64Array 0x0E.
 */
export function encodeIdx(shape: readonly number[], data: IdxData): Uint8Array {
  const code =
    data instanceof Uint8Array ? 0x08
    : data instanceof Int8Array ? 0x09
    : data instanceof Int16Array ? 0x0b
    : data instanceof Int32Array ? 0x0c
    : data instanceof Float32Array ? 0x0d
    : data instanceof Float64Array ? 0x0e
    : -1;
  if (code < 0) throw new InvalidArgumentError(`encodeIdx: unsupported array type ${describe(data)}`);
  if (shape.length > 255) throw new InvalidArgumentError(`encodeIdx: at most 255 dimensions, got ${shape.length}`);
  let count = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new InvalidArgumentError(`encodeIdx: invalid shape [${shape.join(',')}]`);
    count *= d;
  }
  if (count !== data.length) throw new InvalidArgumentError(`encodeIdx: shape [${shape.join(',')}] has ${count} elements but data has ${data.length}`);
  const type = TYPES[code]!;
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + count * type.size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0, o = headerBytes; i < count; i++, o += type.size) {
    const v = data[i]!;
    switch (code) {
      case 0x08: view.setUint8(o, v); break;
      case 0x09: view.setInt8(o, v); break;
      case 0x0b: view.setInt16(o, v, false); break;
      case 0x0c: view.setInt32(o, v, false); break;
      case 0x0d: view.setFloat32(o, v, false); break;
      default: view.setFloat64(o, v, false);
    }
  }
  return out;
}

/**
 * Decompresses gzip bytes: `node:zlib` in Node, `DecompressionStream('gzip')`
 * in browsers. Throws `InvalidArgumentError` if the bytes are not valid gzip.
 */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (!isGzip(bytes)) throw new InvalidArgumentError('gunzip: not gzip data (it does not start with 0x1f 0x8b)');
  if (environment() === 'node') {
    const zlib = await node.zlib();
    try {
      const out = zlib.gunzipSync(bytes);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      throw new InvalidArgumentError(`gunzip: corrupt or truncated gzip data (${bytes.length} bytes): ${(e as Error).message}`);
    }
  }
  const DS = (globalThis as { DecompressionStream?: new (format: string) => TransformStream<Uint8Array, Uint8Array> }).DecompressionStream;
  if (!DS) throw new UnsupportedError('gunzip: this browser has no DecompressionStream; decompress the file beforehand');
  try {
    const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DS('gzip')).getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  } catch (e) {
    throw new InvalidArgumentError(`gunzip: corrupt or truncated gzip data (${bytes.length} bytes): ${(e as Error).message}`);
  }
}

/**
 * Reads bytes from a file path (Node), a `file:` URL (Node) or an http(s) URL
 * (fetch; in browsers every string is fetched, relative to the page).
 * Throws `InvalidArgumentError` naming the source when it cannot be read.
 */
export async function readBytes(source: string | URL): Promise<Uint8Array> {
  const str = String(source);
  const isHttp = /^https?:/i.test(str);
  if (environment() === 'node' && !isHttp) {
    const fs = await node.fs();
    const path = /^file:/i.test(str) ? (await node.url()).fileURLToPath(str) : str;
    try {
      const buf = await fs.readFile(path);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new InvalidArgumentError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  let res: Response;
  try {
    res = await fetch(source);
  } catch (e) {
    throw new InvalidArgumentError(`cannot fetch ${str}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new InvalidArgumentError(`cannot fetch ${str}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Loads an IDX file from a path, URL or bytes, gunzipping it first when it is
 * gzip-compressed (detected from the bytes, not the name).
 */
export async function loadIdx(source: string | URL | Uint8Array): Promise<IdxTensor> {
  let bytes = source instanceof Uint8Array ? source : await readBytes(source);
  const name = source instanceof Uint8Array ? 'bytes' : String(source);
  try {
    if (isGzip(bytes)) bytes = await gunzip(bytes);
    return parseIdx(bytes);
  } catch (e) {
    if (e instanceof InvalidArgumentError && name !== 'bytes') throw new InvalidArgumentError(`${name}: ${e.message}`);
    throw e;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
