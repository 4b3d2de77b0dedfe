/** Sequences of ids → one int32 matrix `[n, maxLen]`, padded and truncated as Keras's `pad_sequences`. */
import { InvalidArgumentError } from '../errors.js';
import { tensor } from '../ops/create.js';
import type { Tensor } from '../tensor.js';
import { optionsArg } from '../options.js';

export interface PadSequencesArgs {
  /** Length of every row; default the longest sequence. */
  maxLen?: number;
  /** Where padding goes: `'pre'` (default, as Keras) or `'post'`. */
  padding?: 'pre' | 'post';
  /** Which end a longer sequence loses: `'pre'` (default, keeps the end) or `'post'`. */
  truncating?: 'pre' | 'post';
  /** Padding id (default 0, what `maskZero` masks). */
  value?: number;
}

/** The padded rows as a flat Int32Array (row-major) and their length. */
export function padSequencesArray(seqs: readonly (readonly number[])[], args: PadSequencesArgs = {}): { data: Int32Array; maxLen: number } {
  if (!Array.isArray(seqs)) throw new InvalidArgumentError(`padSequences: sequences must be an array of arrays of integers, got ${seqs === null ? 'null' : typeof seqs}`);
  const { padding = 'pre', truncating = 'pre', value = 0 } = optionsArg('padSequences', args);
  if (padding !== 'pre' && padding !== 'post') throw new InvalidArgumentError(`padSequences: padding must be 'pre' or 'post', got '${String(padding)}'`);
  if (truncating !== 'pre' && truncating !== 'post') throw new InvalidArgumentError(`padSequences: truncating must be 'pre' or 'post', got '${String(truncating)}'`);
  if (!Number.isInteger(value)) throw new InvalidArgumentError(`padSequences: value must be an integer, got ${value}`);
  const maxLen = args.maxLen ?? seqs.reduce((m, s) => Math.max(m, s.length), 0);
  if (!(Number.isInteger(maxLen) && maxLen >= 1)) throw new InvalidArgumentError(`padSequences: maxLen must be a positive integer, got ${maxLen}`);
  const data = new Int32Array(seqs.length * maxLen).fill(value);
  seqs.forEach((s, r) => {
    const kept = s.length <= maxLen ? s : truncating === 'pre' ? s.slice(s.length - maxLen) : s.slice(0, maxLen);
    const at = r * maxLen + (padding === 'pre' ? maxLen - kept.length : 0);
    for (let i = 0; i < kept.length; i++) {
      const v = kept[i]!;
      if (!Number.isInteger(v)) throw new InvalidArgumentError(`padSequences: sequence ${r} has a non-integer id ${v}`);
      data[at + i] = v;
    }
  });
  return { data, maxLen };
}

/** `padSequencesArray` as an int32 tensor `[n, maxLen]`, ready for an embedding. */
export function padSequences(seqs: readonly (readonly number[])[], args: PadSequencesArgs = {}): Tensor {
  const { data, maxLen } = padSequencesArray(seqs, args);
  return tensor(data, [seqs.length, maxLen], 'int32');
}
