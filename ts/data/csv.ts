/**
 * CSV parsing (RFC 4180): quoted fields with `""` escapes and embedded
 * delimiters or newlines, LF or CRLF line ends, a UTF-8 BOM, blank lines
 * skipped. Numeric output (the default) names the line and column of any
 * value that is not a number.
 *
 *     const { columns, rows } = parseCsv('a,b\n1,2\n3,4\n');   // rows [[1,2],[3,4]]
 *     const m = parseCsvMatrix(text, { columns: ['x', 'y'] });  // { data: Float32Array, rows, cols }
 */
import { InvalidArgumentError } from '../errors.js';

export interface CsvOptions {
  /** The first record names the columns (default true). Without a header columns are named '0', '1', ... */
  header?: boolean;
  /** One character, default ','. */
  delimiter?: string;
  /** Keep only these columns, in this order (names, or 0-based indices). */
  columns?: (string | number)[];
  /** Convert values to numbers (default true); false keeps strings. */
  numeric?: boolean;
  /**
   * Numeric output: columns holding category names (e.g. 'species'), encoded
   * as 0, 1, 2... in order of first appearance; the names are returned in
   * `categories`. Give a column's names in advance with `{ species: ['setosa', ...] }`.
   */
  categorical?: (string | number)[] | Record<string, string[]>;
  /** Numeric output: the value of an empty field (e.g. NaN or 0); by default an empty field is an error. */
  emptyValue?: number;
  /** Lines starting with this string are skipped (e.g. '#'). */
  comment?: string;
  /**
   * Numeric output: accept 'NaN', 'Infinity' and numbers beyond float range
   * (e.g. '1e999'). Off by default: such values usually mean bad data and
   * would silently poison training.
   */
  allowNonFinite?: boolean;
}

export interface CsvTable<T> {
  columns: string[];
  rows: T[][];
  /** For `categorical` columns: the category names, index = code. */
  categories: Record<string, string[]>;
}

export interface Field {
  value: string;
  quoted: boolean;
}
export interface Record_ {
  line: number;
  fields: Field[];
}

/** Splits CSV text into records of fields, remembering each record's line number (`csv-dataset.ts` feeds it whole records of a stream). */
export function tokenize(text: string, delimiter: string, comment: string | undefined): Record_[] {
  const records: Record_[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    // comment and blank lines
    if (comment && text.startsWith(comment, i)) {
      while (i < n && text[i] !== '\n') i++;
      i++;
      line++;
      continue;
    }
    const fields: Field[] = [];
    let endOfRecord = false;
    while (!endOfRecord) {
      // leading spaces of an unquoted field are trimmed below; for quoted ones skip them
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t') && text[j] !== delimiter) j++;
      if (text[j] === '"') {
        const quoteLine = line;
        i = j + 1;
        let value = '';
        for (;;) {
          if (i >= n) throw new InvalidArgumentError(`parseCsv: line ${quoteLine}: unterminated quoted field (no closing '"')`);
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          value += ch;
          i++;
        }
        while (i < n && (text[i] === ' ' || text[i] === '\t') && text[i] !== delimiter) i++;
        if (i < n && text[i] === '\r' && (i + 1 >= n || text[i + 1] === '\n')) i++;
        if (i < n && text[i] !== delimiter && text[i] !== '\n') {
          throw new InvalidArgumentError(
            `parseCsv: line ${line}, column ${fields.length + 1}: unexpected ${JSON.stringify(text[i])} after a closing quote (expected ${JSON.stringify(delimiter)} or a line end)`,
          );
        }
        fields.push({ value, quoted: true });
      } else {
        let k = i;
        while (k < n && text[k] !== delimiter && text[k] !== '\n') k++;
        let value = text.slice(i, k);
        if (value.endsWith('\r')) value = value.slice(0, -1);
        fields.push({ value: value.trim(), quoted: false });
        i = k;
      }
      if (i >= n || text[i] === '\n') {
        endOfRecord = true;
        if (i < n) line++;
      }
      i++;
    }
    const blank = fields.length === 1 && !fields[0]!.quoted && fields[0]!.value === '';
    if (!blank) records.push({ line: start, fields });
  }
  return records;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?Infinity$|^NaN$/;

/** Parses CSV text; numeric by default (see `CsvOptions`). */
export function parseCsv(text: string, options?: CsvOptions & { numeric?: true }): CsvTable<number>;
export function parseCsv(text: string, options: CsvOptions & { numeric: false }): CsvTable<string>;
export function parseCsv(text: string, options?: CsvOptions): CsvTable<number> | CsvTable<string>;
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable<number> | CsvTable<string> {
  if (typeof text !== 'string') throw new InvalidArgumentError(`parseCsv: expected a string, got ${typeof text}`);
  const { header = true, delimiter = ',', numeric = true, comment } = options;
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new InvalidArgumentError(`parseCsv: delimiter must be one character other than '"' and line ends, got ${JSON.stringify(delimiter)}`);
  }
  const records = tokenize(text, delimiter, comment);
  let names: string[];
  let body = records;
  if (header) {
    if (records.length === 0) throw new InvalidArgumentError('parseCsv: no header line (the text is empty)');
    names = records[0]!.fields.map((f) => f.value);
    body = records.slice(1);
  } else {
    const width = records[0]?.fields.length ?? 0;
    names = Array.from({ length: width }, (_, i) => String(i));
  }
  const width = names.length;
  for (const r of body) {
    if (r.fields.length !== width) {
      throw new InvalidArgumentError(`parseCsv: line ${r.line}: ${r.fields.length} fields, expected ${width}${header ? ' (as in the header)' : ' (as in the first line)'}`);
    }
  }
  const resolve = (c: string | number, what: string): number => {
    if (typeof c === 'number') {
      if (!Number.isInteger(c) || c < 0 || c >= width) throw new InvalidArgumentError(`parseCsv: ${what} index ${c} out of range [0, ${width})`);
      return c;
    }
    const i = names.indexOf(c);
    if (i < 0) throw new InvalidArgumentError(`parseCsv: ${what} '${c}' not found; the columns are ${names.map((x) => `'${x}'`).join(', ')}`);
    return i;
  };
  const pick = options.columns ? options.columns.map((c) => resolve(c, 'column')) : names.map((_, i) => i);
  const columns = pick.map((i) => names[i]!);
  if (!numeric) {
    return { columns, rows: body.map((r) => pick.map((i) => r.fields[i]!.value)), categories: {} };
  }
  // categorical columns: index -> (name -> code)
  const cats = new Map<number, { names: string[]; codes: Map<string, number>; fixed: boolean }>();
  const catOpt = options.categorical;
  if (Array.isArray(catOpt)) {
    for (const c of catOpt) cats.set(resolve(c, 'categorical column'), { names: [], codes: new Map(), fixed: false });
  } else if (catOpt) {
    for (const [c, list] of Object.entries(catOpt)) {
      cats.set(resolve(c, 'categorical column'), { names: [...list], codes: new Map(list.map((v, k) => [v, k])), fixed: true });
    }
  }
  const rows = body.map((r) =>
    pick.map((i) => {
      const f = r.fields[i]!;
      const cat = cats.get(i);
      if (cat) {
        let code = cat.codes.get(f.value);
        if (code === undefined) {
          if (cat.fixed) {
            throw new InvalidArgumentError(
              `parseCsv: line ${r.line}, column ${i + 1} ('${names[i]}'): unknown category ${JSON.stringify(f.value)}; expected one of ${cat.names.map((v) => JSON.stringify(v)).join(', ')}`,
            );
          }
          code = cat.names.length;
          cat.names.push(f.value);
          cat.codes.set(f.value, code);
        }
        return code;
      }
      const v = f.value.trim();
      if (v === '') {
        if (options.emptyValue !== undefined) return options.emptyValue;
        throw new InvalidArgumentError(`parseCsv: line ${r.line}, column ${i + 1} ('${names[i]}'): empty value where a number is expected (set emptyValue to allow it)`);
      }
      if (!NUMBER.test(v)) {
        throw new InvalidArgumentError(
          `parseCsv: line ${r.line}, column ${i + 1} ('${names[i]}'): ${JSON.stringify(f.value)} is not a number` +
            (cats.size === 0 ? ' (use numeric: false for strings, or categorical: [column] for labels)' : ''),
        );
      }
      const n = Number(v);
      if (!Number.isFinite(n) && !options.allowNonFinite) {
        throw new InvalidArgumentError(`parseCsv: line ${r.line}, column ${i + 1} ('${names[i]}'): ${JSON.stringify(f.value)} is not a finite number (set allowNonFinite to accept it)`);
      }
      return n;
    }),
  );
  const categories: Record<string, string[]> = {};
  for (const [i, c] of cats) if (pick.includes(i)) categories[names[i]!] = c.names;
  return { columns, rows, categories };
}

/**
 * Parses numeric CSV into a row-major Float32Array (`rows` × `cols`), the
 * layout `tensor(data, [rows, cols])` takes.
 */
export function parseCsvMatrix(
  text: string,
  options: Omit<CsvOptions, 'numeric'> = {},
): { data: Float32Array; rows: number; cols: number; columns: string[]; categories: Record<string, string[]> } {
  const t = parseCsv(text, { ...options, numeric: true });
  const cols = t.columns.length;
  const data = new Float32Array(t.rows.length * cols);
  t.rows.forEach((r, i) => data.set(r, i * cols));
  return { data, rows: t.rows.length, cols, columns: t.columns, categories: t.categories };
}
