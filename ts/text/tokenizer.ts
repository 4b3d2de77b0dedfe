/**
 * Text → integer sequences, as Keras's `Tokenizer`: words (lower-cased,
 * punctuation filtered, split on spaces) or characters; ids by decreasing
 * frequency from 1 (0 is left for padding); `numWords` keeps the most
 * frequent; an out-of-vocabulary token (id 1) stands for the rest.
 *
 *     const tok = new Tokenizer({ numWords: 10000, oovToken: '<oov>' });
 *     tok.fitOnTexts(trainTexts);
 *     const x = padSequences(tok.textsToSequences(texts), { maxLen: 200 });
 *     await tok.save('./model');            // vocabulary.json next to model.json
 */
import { InvalidArgumentError } from '../errors.js';
import * as node from '../engine/node.js';
import { optionsArg } from '../options.js';

export interface TokenizerArgs {
  /** Keep the `numWords − 1` most frequent tokens (ids 1 .. numWords−1); all when omitted. */
  numWords?: number | null;
  /** Token for anything not in the vocabulary (id 1); without it such tokens are dropped. */
  oovToken?: string | null;
  /** `'word'` (default) or `'char'`. */
  level?: 'word' | 'char';
  /** Lower-case first (default true). */
  lower?: boolean;
  /** Characters replaced by the separator before splitting (Keras's default: punctuation, tab, newline). */
  filters?: string;
  /** Word separator (default ' '). */
  split?: string;
}

/** Keras's default `filters`. */
export const DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

/** What `toJSON` writes and `Tokenizer.fromJSON` reads (the vocabulary file). */
export interface TokenizerJSON {
  format: 'sinew-tokenizer';
  version: 1;
  config: Required<TokenizerArgs>;
  /** Tokens in id order: `wordIndex[token] = position + 1`. */
  vocabulary: string[];
  /** Occurrences of each token in `vocabulary` in the texts it was fitted on. */
  counts: number[];
}

export const VOCABULARY_FILE = 'vocabulary.json';

export class Tokenizer {
  readonly numWords: number | null;
  readonly oovToken: string | null;
  readonly level: 'word' | 'char';
  readonly lower: boolean;
  readonly filters: string;
  readonly split: string;
  /** token → id (1-based, by decreasing frequency; the OOV token is 1). */
  wordIndex = new Map<string, number>();
  /** id → token. */
  indexWord = new Map<number, string>();
  #counts = new Map<string, number>();
  #filter: Set<string>;

  constructor(args: TokenizerArgs = {}) {
    args = optionsArg('new Tokenizer', args);
    const nw = args.numWords ?? null;
    if (nw !== null && !(Number.isInteger(nw) && nw >= 1)) throw new InvalidArgumentError(`Tokenizer: numWords must be a positive integer, got ${nw}`);
    const level = args.level ?? 'word';
    if (level !== 'word' && level !== 'char') throw new InvalidArgumentError(`Tokenizer: level must be 'word' or 'char', got '${String(level)}'`);
    this.numWords = nw;
    this.oovToken = args.oovToken ?? null;
    this.level = level;
    this.lower = args.lower ?? true;
    this.filters = args.filters ?? DEFAULT_FILTERS;
    this.split = args.split ?? ' ';
    if (this.level === 'word' && this.split === '') throw new InvalidArgumentError(`Tokenizer: split must not be empty`);
    this.#filter = new Set(this.filters);
  }

  /** The tokens of one text, in order. */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new InvalidArgumentError(`Tokenizer: texts must be strings, got ${typeof text}`);
    const t = this.lower ? text.toLowerCase() : text;
    if (this.level === 'char') return [...t].filter((c) => !this.#filter.has(c));
    let s = '';
    for (const c of t) s += this.#filter.has(c) ? this.split : c;
    return s.split(this.split).filter((w) => w.length > 0);
  }

  /** Counts tokens and (re)builds the vocabulary; may be called again with more texts. */
  fitOnTexts(texts: readonly string[]): this {
    if (!Array.isArray(texts)) throw new InvalidArgumentError(`Tokenizer.fitOnTexts: expected an array of strings`);
    for (const text of texts) for (const w of this.tokenize(text)) this.#counts.set(w, (this.#counts.get(w) ?? 0) + 1);
    this.#index();
    return this;
  }

  #index(): void {
    // By decreasing count, ties in first-seen order (Map order), as Keras sorts stably.
    const sorted = [...this.#counts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
    const tokens = this.oovToken === null ? sorted : [this.oovToken, ...sorted.filter((w) => w !== this.oovToken)];
    this.wordIndex = new Map(tokens.map((w, i) => [w, i + 1]));
    this.indexWord = new Map(tokens.map((w, i) => [i + 1, w]));
  }

  /** Ids the sequences use: 1 .. this − 1 (0 is padding); the size an embedding's `inputDim` needs. */
  get vocabularySize(): number {
    const all = this.wordIndex.size + 1;
    return this.numWords === null ? all : Math.min(all, this.numWords);
  }

  /** Each text as token ids; tokens outside the kept vocabulary become the OOV id, or are dropped without an OOV token. */
  textsToSequences(texts: readonly string[]): number[][] {
    if (this.wordIndex.size === 0) throw new InvalidArgumentError('Tokenizer.textsToSequences: fit the tokenizer (fitOnTexts) or load a vocabulary first');
    const limit = this.vocabularySize;
    const oov = this.oovToken === null ? undefined : this.wordIndex.get(this.oovToken);
    return texts.map((text) => {
      const out: number[] = [];
      for (const w of this.tokenize(text)) {
        const i = this.wordIndex.get(w);
        if (i !== undefined && i < limit) out.push(i);
        else if (oov !== undefined) out.push(oov);
      }
      return out;
    });
  }

  /** Ids back to text (joined with the separator; characters joined directly). */
  sequencesToTexts(seqs: readonly (readonly number[])[]): string[] {
    return seqs.map((s) => s.filter((i) => i > 0).map((i) => this.indexWord.get(i) ?? this.oovToken ?? '').join(this.level === 'char' ? '' : ' '));
  }

  toJSON(): TokenizerJSON {
    const vocabulary = [...this.wordIndex.keys()];
    return {
      format: 'sinew-tokenizer',
      version: 1,
      config: { numWords: this.numWords, oovToken: this.oovToken, level: this.level, lower: this.lower, filters: this.filters, split: this.split } as Required<TokenizerArgs>,
      vocabulary,
      counts: vocabulary.map((w) => this.#counts.get(w) ?? 0),
    };
  }

  static fromJSON(json: unknown): Tokenizer {
    const j = json as Partial<TokenizerJSON> | null;
    if (!j || j.format !== 'sinew-tokenizer' || j.version !== 1 || !Array.isArray(j.vocabulary) || !j.config || !Array.isArray(j.counts) || j.counts.length !== j.vocabulary.length) {
      throw new InvalidArgumentError('Tokenizer.fromJSON: not a Sinew vocabulary (expected format "sinew-tokenizer", version 1, config, vocabulary and counts)');
    }
    const tok = new Tokenizer(j.config);
    j.vocabulary.forEach((w, i) => tok.#counts.set(w, j.counts![i]!));
    tok.wordIndex = new Map(j.vocabulary.map((w, i) => [w, i + 1]));
    tok.indexWord = new Map(j.vocabulary.map((w, i) => [i + 1, w]));
    return tok;
  }

  /** Writes `vocabulary.json` into directory `dir` (Node), e.g. the model's directory. */
  async save(dir: string): Promise<string> {
    const { mkdir, writeFile } = await node.fs();
    const { join } = await node.path();
    await mkdir(dir, { recursive: true });
    const path = join(dir, VOCABULARY_FILE);
    await writeFile(path, JSON.stringify(this.toJSON()));
    return path;
  }

  /** Reads `vocabulary.json` from directory `dir` (Node). */
  static async load(dir: string): Promise<Tokenizer> {
    const { readFile } = await node.fs();
    const { join } = await node.path();
    const path = join(dir, VOCABULARY_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new InvalidArgumentError(`Tokenizer.load: cannot read ${path}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new InvalidArgumentError(`Tokenizer.load: ${path} is not valid JSON`);
    }
    return Tokenizer.fromJSON(json);
  }
}
