/**
 * `data.csv(source, config)`: TF.js's `tf.data.csv`, a dataset of the rows of
 * a CSV file (Node: a path or `file:` URL, through `engine/node.ts`, so
 * browser bundles carry no `node:` import) or URL (fetched; Node and
 * browsers), read as a stream: records are parsed as chunks arrive, so the
 * file is never held whole. Values and elements follow TF.js: a number where
 * the field parses as one (unless `dtype` says otherwise), else the string;
 * with any `isLabel` column each element is `{ xs: {...}, ys: {...} }`.
 */
import { environment } from '../engine/detect.js';
import * as node from '../engine/node.js';
import { InvalidArgumentError } from '../errors.js';
import { tokenize, type Record_ } from './csv.js';
import { Dataset } from './dataset.js';

/** One column's settings (TF.js `ColumnConfig`). */
export interface ColumnConfig {
  /** An empty field is an error (default false). */
  required?: boolean;
  /** The value of an empty field. */
  default?: number | string | boolean;
  /** The column goes into `ys` (a label) rather than `xs`. */
  isLabel?: boolean;
  /** 'float32' (default for numbers), 'int32' (floored), 'bool' (1 for '1'/'true', else 0) or 'string'. */
  dtype?: 'float32' | 'int32' | 'bool' | 'string';
}

/** `data.csv`'s options (TF.js `CSVConfig`). */
export interface CSVConfig {
  /** The first line names the columns (default true). */
  hasHeader?: boolean;
  /** Column names; required without a header, and override the header when given. */
  columnNames?: string[];
  columnConfigs?: Record<string, ColumnConfig>;
  /** Keep only the columns named in `columnConfigs` (default false). */
  configuredColumnsOnly?: boolean;
  /** One character (default ','). */
  delimiter?: string;
  /** Fields are separated by runs of spaces and tabs instead of `delimiter`. */
  delimWhitespace?: boolean;
}

type Value = number | string | undefined;
export type CsvRow = Record<string, Value> | { xs: Record<string, Value>; ys: Record<string, Value> };

/** Node only: the UTF-8 file at `source` (a path or a `file:` URL) in 64 KiB chunks, never held whole. */
async function* fileChunks(source: string): AsyncGenerator<string, void, undefined> {
  const fs = await node.fs();
  const path = /^file:/i.test(source) ? (await node.url()).fileURLToPath(source) : source;
  let file;
  try {
    file = await fs.open(path, 'r');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InvalidArgumentError(`data.csv: cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    const buf = new Uint8Array(1 << 16);
    const decoder = new TextDecoder();
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      yield decoder.decode(buf.subarray(0, bytesRead), { stream: true });
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    await file.close();
  }
}

/** Chunks of text from a file (Node) or a URL (fetch; Node and browsers). */
async function* chunksOf(source: string): AsyncGenerator<string, void, undefined> {
  if (environment() === 'node' && !/^(https?|blob|data):/i.test(source)) {
    yield* fileChunks(source);
    return;
  }
  let res: Response;
  try {
    res = await fetch(source);
  } catch (e) {
    throw new InvalidArgumentError(`data.csv: cannot fetch ${source}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new InvalidArgumentError(`data.csv: cannot fetch ${source}: HTTP ${res.status} ${res.statusText}`);
  if (!res.body) {
    yield await res.text();
    return;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield decoder.decode(value, { stream: true });
    }
    finished = true;
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    // A consumer that stops early (take(), columnNames()) ends the download.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Whole records of the stream: text is cut after the last line end outside quotes and tokenized by `parseCsv`'s tokenizer. */
async function* records(chunks: AsyncIterable<string>, delimiter: string): AsyncGenerator<Record_, void, undefined> {
  let pending = '';
  let scanned = 0;
  let inQuotes = false;
  let lineBase = 0;
  const emit = function* (text: string) {
    for (const r of tokenize(text, delimiter, undefined)) yield { line: r.line + lineBase, fields: r.fields };
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineBase++;
  };
  for await (const chunk of chunks) {
    pending += chunk;
    let cut = -1;
    for (let i = scanned; i < pending.length; i++) {
      const c = pending.charCodeAt(i);
      if (c === 34) inQuotes = !inQuotes;
      else if (c === 10 && !inQuotes) cut = i;
    }
    if (cut >= 0) {
      yield* emit(pending.slice(0, cut + 1));
      pending = pending.slice(cut + 1);
    }
    scanned = pending.length;
  }
  if (pending.length > 0) yield* emit(pending);
}

function convert(value: string, config: ColumnConfig | undefined, column: string, line: number): Value {
  if (value === '') {
    if (config?.default !== undefined) return typeof config.default === 'boolean' ? Number(config.default) : config.default;
    if (config?.required || config?.isLabel) throw new InvalidArgumentError(`data.csv: line ${line}: required column '${column}' is empty`);
    return undefined;
  }
  const bool = () => (value === '1' || value.toLowerCase() === 'true' ? 1 : 0);
  if (config?.dtype === 'string') return value;
  if (config?.dtype === 'bool') return bool();
  const n = Number(value);
  if (Number.isNaN(n)) return value;
  return config?.dtype === 'int32' ? Math.floor(n) : n;
}

/** A dataset of a CSV file's rows (see the module comment); `columnNames()` gives the columns. */
export class CSVDataset extends Dataset<CsvRow> {
  readonly source: string;
  #names: Promise<string[]> | null = null;
  readonly #config: CSVConfig;

  constructor(source: string, config: CSVConfig = {}) {
    const cfg = { hasHeader: true, delimiter: ',', ...config };
    // The source reads rows through this instance, which exists only after super().
    const self: { ds?: CSVDataset } = {};
    super(() => self.ds!.#rows(), null);
    self.ds = this;
    this.source = source;
    this.#config = cfg;
    if (typeof cfg.delimiter !== 'string' || cfg.delimiter.length !== 1 || cfg.delimiter === '"' || cfg.delimiter === '\n') {
      throw new InvalidArgumentError(`data.csv: delimiter must be one character other than '"' and a line end, got ${JSON.stringify(cfg.delimiter)}`);
    }
    if (!cfg.hasHeader && !cfg.columnNames) throw new InvalidArgumentError('data.csv: columnNames must be given when the file has no header line (hasHeader: false)');
  }

  /** The column names: `columnNames`, or the header line (read from the source). */
  async columnNames(): Promise<string[]> {
    this.#names ??= (async () => {
      if (this.#config.columnNames && !this.#config.hasHeader) return this.#checkNames([...this.#config.columnNames]);
      const it = this.#records();
      const first = await it.next();
      await it.return(undefined);
      if (first.done) throw new InvalidArgumentError(`data.csv: ${this.source} is empty (no header line)`);
      return this.#checkNames(this.#config.columnNames ? [...this.#config.columnNames] : first.value.fields.map((f) => f.value));
    })();
    return this.#names;
  }

  #checkNames(names: string[]): string[] {
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new InvalidArgumentError(`data.csv: column name '${dup}' appears twice`);
    for (const key of Object.keys(this.#config.columnConfigs ?? {})) {
      if (!names.includes(key)) throw new InvalidArgumentError(`data.csv: columnConfigs names '${key}', which is not a column (columns: ${names.join(', ')})`);
    }
    return names;
  }

  #records(): AsyncGenerator<Record_, void, undefined> {
    const { delimWhitespace, delimiter } = this.#config;
    if (!delimWhitespace) return records(chunksOf(this.source), delimiter!);
    // Runs of spaces/tabs as one delimiter: lines are re-joined with tabs (no quoting in this mode, as TF.js).
    return (async function* (src: AsyncGenerator<Record_>) {
      for await (const r of src) yield { line: r.line, fields: r.fields[0]!.value.trim().split(/[ \t]+/).map((value) => ({ value, quoted: false })) };
    })(records(chunksOf(this.source), '\n'));
  }

  async *#rows(): AsyncGenerator<CsvRow, void, undefined> {
    const names = await this.columnNames();
    const configs = this.#config.columnConfigs ?? {};
    const only = this.#config.configuredColumnsOnly;
    const hasLabel = Object.values(configs).some((c) => c.isLabel);
    let skipHeader = this.#config.hasHeader;
    for await (const r of this.#records()) {
      if (skipHeader) {
        skipHeader = false;
        continue;
      }
      if (r.fields.length !== names.length) {
        throw new InvalidArgumentError(`data.csv: line ${r.line}: ${r.fields.length} fields, expected ${names.length} (${names.join(', ')})`);
      }
      const xs: Record<string, Value> = {};
      const ys: Record<string, Value> = {};
      names.forEach((name, i) => {
        const config = configs[name];
        if (only && !config) return;
        (config?.isLabel ? ys : xs)[name] = convert(r.fields[i]!.value, config, name, r.line);
      });
      yield hasLabel ? { xs, ys } : xs;
    }
  }
}

/** TF.js's `tf.data.csv(source, config)`. */
export function csv(source: string | URL, config: CSVConfig = {}): CSVDataset {
  return new CSVDataset(String(source), config);
}
