/**
 * Weight binaries in TensorFlow.js's layout: the values of every weight, in
 * manifest order, concatenated without padding; float32 and int32 are 4-byte
 * little-endian. The manifest (`model.json`'s `weightsManifest`) is
 *
 *     [{ paths: ['weights.bin'], weights: [{ name, shape, dtype }, ...] }]
 *
 * `decodeWeights` also reads TF.js-converted models quantized to uint8, uint16
 * or float16 (`quantization: { dtype, scale, min }`), dequantizing to float32.
 */
import { InvalidArgumentError } from '../errors.js';

/** The dtypes Sinew reads and writes. */
export type WeightDType = 'float32' | 'int32';

/** One weight in a manifest, as TF.js writes it. */
export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  /** TF.js also knows 'bool', 'string' and 'complex64'; Sinew reads only float32 and int32. */
  dtype: WeightDType | 'bool' | 'string' | 'complex64';
  group?: 'model' | 'optimizer';
  quantization?: { scale?: number; min?: number; dtype: 'uint16' | 'uint8' | 'float16' };
}

/** A group of weights stored in one or more files (shards) that concatenate to its bytes. */
export interface WeightsManifestGroupConfig {
  paths: string[];
  weights: WeightsManifestEntry[];
}

export type WeightsManifestConfig = WeightsManifestGroupConfig[];

/** A weight's name, shape and values. */
export interface NamedWeight {
  name: string;
  shape: number[];
  dtype: WeightDType;
  values: Float32Array | Int32Array;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4 };
const QUANT_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

const fmt = (shape: readonly number[]) => `[${shape.join(',')}]`;

function elements(where: string, name: string, shape: unknown): number {
  if (!Array.isArray(shape)) throw new InvalidArgumentError(`${where}: weight '${name}': shape must be an array of integers, got ${JSON.stringify(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new InvalidArgumentError(`${where}: weight '${name}': invalid shape ${JSON.stringify(shape)}`);
    n *= d as number;
  }
  return n;
}

/**
 * The number of bytes `spec`'s values take in a weight binary. Throws
 * `InvalidArgumentError` for a bad shape or an unknown or unsupported dtype.
 */
export function weightByteLength(spec: WeightsManifestEntry, where = 'decodeWeights'): number {
  const name = typeof spec?.name === 'string' ? spec.name : '?';
  const n = elements(where, name, spec?.shape);
  if (spec.quantization !== undefined) {
    const q = spec.quantization;
    const qb = q && typeof q === 'object' ? QUANT_BYTES[q.dtype] : undefined;
    if (qb === undefined) {
      throw new InvalidArgumentError(
        `${where}: weight '${name}': unknown quantization dtype ${JSON.stringify(q?.dtype)}: expected 'uint8', 'uint16' or 'float16'`,
      );
    }
    checkDType(spec.dtype, name, where);
    return n * qb;
  }
  return n * checkDType(spec.dtype, name, where);
}

function checkDType(dtype: unknown, name: string, where: string): number {
  const b = typeof dtype === 'string' ? BYTES[dtype] : undefined;
  if (b === undefined) {
    const known = dtype === 'bool' || dtype === 'string' || dtype === 'complex64';
    throw new InvalidArgumentError(
      `${where}: weight '${name}': ${known ? 'unsupported' : 'unknown'} dtype ${JSON.stringify(dtype)}: Sinew reads 'float32' and 'int32' weights`,
    );
  }
  return b;
}

/** The bytes all of `specs` take: the size the weight binary must have. */
export function weightsByteLength(specs: readonly WeightsManifestEntry[], where = 'decodeWeights'): number {
  if (!Array.isArray(specs)) throw new InvalidArgumentError(`${where}: weight specs must be an array, got ${specs === null ? 'null' : typeof specs}`);
  let total = 0;
  for (const s of specs) total += weightByteLength(s, where);
  return total;
}

/**
 * Concatenates weights into one buffer in TF.js's layout (little-endian,
 * in the order given) and returns it with the manifest entries describing it.
 * Throws `InvalidArgumentError` when a weight's values do not match its shape
 * or dtype, or two weights share a name.
 */
export function encodeWeights(named: readonly NamedWeight[]): { data: ArrayBuffer; specs: WeightsManifestEntry[] } {
  if (!Array.isArray(named)) throw new InvalidArgumentError('encodeWeights: expected an array of { name, shape, dtype, values }');
  const specs: WeightsManifestEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const w of named) {
    if (typeof w?.name !== 'string' || w.name === '') throw new InvalidArgumentError(`encodeWeights: every weight needs a non-empty string name, got ${JSON.stringify(w?.name)}`);
    if (seen.has(w.name)) throw new InvalidArgumentError(`encodeWeights: two weights are named '${w.name}'`);
    seen.add(w.name);
    const n = elements('encodeWeights', w.name, w.shape);
    const bytes = checkDType(w.dtype, w.name, 'encodeWeights');
    const want = w.dtype === 'float32' ? Float32Array : Int32Array;
    if (!(w.values instanceof want)) {
      throw new InvalidArgumentError(
        `encodeWeights: weight '${w.name}' has dtype '${w.dtype}' but its values are a ${w.values?.constructor?.name ?? typeof w.values}; expected a ${want.name}`,
      );
    }
    if (w.values.length !== n) {
      throw new InvalidArgumentError(`encodeWeights: weight '${w.name}' has shape ${fmt(w.shape)} (${n} values) but ${w.values.length} values`);
    }
    specs.push({ name: w.name, shape: [...w.shape], dtype: w.dtype });
    total += n * bytes;
  }
  const data = new ArrayBuffer(total);
  const out = new Uint8Array(data);
  const view = new DataView(data);
  let offset = 0;
  for (const w of named) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), offset);
    } else {
      for (let i = 0; i < w.values.length; i++) {
        if (w.dtype === 'float32') view.setFloat32(offset + 4 * i, w.values[i]!, true);
        else view.setInt32(offset + 4 * i, w.values[i]!, true);
      }
    }
    offset += w.values.byteLength;
  }
  return { data, specs };
}

/**
 * Splits a weight binary into weights as `specs` describe them (the inverse of
 * `encodeWeights`). Values are copies, independent of `data`. Throws
 * `InvalidArgumentError` naming the weight and the byte counts when `data` is
 * shorter or longer than the specs say, and for unknown dtypes.
 */
export function decodeWeights(data: ArrayBuffer, specs: readonly WeightsManifestEntry[]): NamedWeight[] {
  if (!(data instanceof ArrayBuffer)) {
    throw new InvalidArgumentError(`decodeWeights: expected an ArrayBuffer, got ${(data as object)?.constructor?.name ?? typeof data}`);
  }
  if (!Array.isArray(specs)) throw new InvalidArgumentError('decodeWeights: specs must be an array of { name, shape, dtype }');
  const sizes = specs.map((s) => weightByteLength(s));
  const total = sizes.reduce((a, b) => a + b, 0);
  const view = new DataView(data);
  const out: NamedWeight[] = [];
  let offset = 0;
  specs.forEach((spec, i) => {
    const size = sizes[i]!;
    if (offset + size > data.byteLength) {
      throw new InvalidArgumentError(
        `decodeWeights: truncated data: weight '${spec.name}' (${fmt(spec.shape)} ${spec.dtype}) needs bytes ${offset}..${offset + size} ` +
          `but the data has ${data.byteLength} bytes; the specs describe ${total} bytes`,
      );
    }
    out.push({ name: spec.name, shape: [...spec.shape], dtype: spec.dtype as WeightDType, values: decodeOne(spec, view, offset, size) });
    offset += size;
  });
  if (offset !== data.byteLength) {
    const last = specs.length ? ` after the last weight '${specs[specs.length - 1]!.name}'` : '';
    throw new InvalidArgumentError(
      `decodeWeights: oversized data: the data has ${data.byteLength} bytes but the specs describe ${total} ` +
        `(${data.byteLength - total} bytes left over${last})`,
    );
  }
  return out;
}

function decodeOne(spec: WeightsManifestEntry, view: DataView, offset: number, size: number): Float32Array | Int32Array {
  const q = spec.quantization;
  if (!q) {
    const n = size / 4;
    if (LITTLE_ENDIAN) {
      const copy = view.buffer.slice(offset, offset + size) as ArrayBuffer;
      return spec.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    }
    const values = spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = spec.dtype === 'int32' ? view.getInt32(offset + 4 * i, true) : view.getFloat32(offset + 4 * i, true);
    return values;
  }
  const n = size / QUANT_BYTES[q.dtype]!;
  const values = spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  if (q.dtype === 'float16') {
    for (let i = 0; i < n; i++) values[i] = float16(view.getUint16(offset + 2 * i, true));
    return values;
  }
  if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
    throw new InvalidArgumentError(`decodeWeights: weight '${spec.name}' is quantized to ${q.dtype} but has no numeric 'scale' and 'min'`);
  }
  for (let i = 0; i < n; i++) {
    const v = q.dtype === 'uint8' ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true);
    const x = v * q.scale + q.min;
    values[i] = spec.dtype === 'int32' ? Math.round(x) : x;
  }
  return values;
}

function float16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
