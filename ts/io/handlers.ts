/**
 * Saving and loading models in the TensorFlow.js layers-model format: a
 * `model.json` (topology + weights manifest) and a binary of the weights.
 *
 * `getHandler(url)` picks the storage from the URL scheme:
 *
 * | URL                           | where                    | save | load |
 * |-------------------------------|--------------------------|------|------|
 * | `file://dir`, `dir` (Node)    | `dir/model.json` + `dir/weights.bin` | ✓ | ✓ |
 * | `file://dir/name.json`        | `name.json` + `name.weights.bin`     | ✓ | ✓ |
 * | `indexeddb://name`            | the browser's IndexedDB  | ✓ | ✓ |
 * | `downloads://name`            | `name.json` + `name.weights.bin` downloads | ✓ | |
 * | `http(s)://host/model.json`   | GET (load), multipart POST (save) | ✓ | ✓ |
 * | `browserFiles([json, bin])`   | `<input type=file>` Files |     | ✓ |
 *
 * Everything read is validated: a malformed `model.json` or a weight file of
 * the wrong size is an `InvalidArgumentError` that names the file and says
 * what is wrong.
 */
import { backendInfo, isInitialized } from '../engine/backend.js';
import { environment } from '../engine/detect.js';
import { InvalidArgumentError, UnsupportedError } from '../errors.js';
import { weightByteLength, type WeightsManifestConfig, type WeightsManifestEntry } from './weights.js';
import { saveAtomically, serialised, type SaveFs } from './atomic-save.js';
import * as node from '../engine/node.js';

/** Keras-style training configuration, as TF.js stores it. */
export interface TrainingConfig {
  optimizer_config: object;
  loss: string | string[] | Record<string, string>;
  metrics?: unknown[] | Record<string, unknown>;
  weighted_metrics?: string[] | null;
  sample_weight_mode?: string;
  loss_weights?: number[] | Record<string, number> | null;
}

/** A model in memory, as handlers save and load it (TF.js's `ModelArtifacts`). */
export interface ModelArtifacts {
  /** The Keras-style topology JSON (`{ class_name, config, ... }`). */
  modelTopology: object;
  /** The weights in `weightData`, in order. */
  weightSpecs: WeightsManifestEntry[];
  /** All weight values, concatenated as `encodeWeights` does. */
  weightData: ArrayBuffer;
  format?: 'layers-model';
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: TrainingConfig;
  userDefinedMetadata?: Record<string, object>;
}

/** The on-disk `model.json` (TF.js's `ModelJSON`). */
export interface ModelJSON {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: object;
  weightsManifest: WeightsManifestConfig;
  trainingConfig?: TrainingConfig;
  userDefinedMetadata?: Record<string, object>;
}

export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON';
  modelTopologyBytes: number;
  weightSpecsBytes: number;
  weightDataBytes: number;
}

export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  /** HTTP responses, for handlers that send requests. */
  responses?: Response[];
}

/**
 * Where a model is saved to and loaded from. Handlers that can do only one
 * (downloads, browserFiles) throw `UnsupportedError` from the other.
 */
export interface IOHandler {
  save(artifacts: ModelArtifacts): Promise<SaveResult>;
  load(): Promise<ModelArtifacts>;
}

/** Options for http(s) handlers. */
export interface HttpOptions {
  /** Passed to `fetch` (headers, credentials...). For saving, `method` defaults to POST. */
  requestInit?: RequestInit;
  /** Replaces the global `fetch`. */
  fetchFunc?: typeof fetch;
  /** Where weight files are, instead of beside model.json (a URL or path ending in '/'). */
  weightPathPrefix?: string;
}

/** The Sinew version written to `generatedBy`. */
const FALLBACK_VERSION = '0.1.0';

function generatedBy(): string {
  let version = FALLBACK_VERSION;
  try {
    if (isInitialized()) version = backendInfo().version;
  } catch {
    /* keep the fallback */
  }
  return `sinew ${version}`;
}

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** Sizes and date of `artifacts`, as `SaveResult.modelArtifactsInfo`. */
export function artifactsInfo(artifacts: ModelArtifacts): ModelArtifactsInfo {
  if (!artifacts || typeof artifacts !== 'object' || !(artifacts.weightData instanceof ArrayBuffer)) throw new InvalidArgumentError(`artifactsInfo: expected model artifacts with weightData an ArrayBuffer, got ${describe(artifacts)}`);
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: utf8Length(JSON.stringify(artifacts.modelTopology)),
    weightSpecsBytes: utf8Length(JSON.stringify(artifacts.weightSpecs)),
    weightDataBytes: artifacts.weightData.byteLength,
  };
}

/** Checks artifacts before saving; throws `InvalidArgumentError` saying what is wrong. */
export function validateArtifacts(artifacts: ModelArtifacts, where = 'save'): void {
  if (!artifacts || typeof artifacts !== 'object') throw new InvalidArgumentError(`${where}: expected model artifacts, got ${String(artifacts)}`);
  if (!isObject(artifacts.modelTopology)) throw new InvalidArgumentError(`${where}: modelTopology must be a JSON object`);
  if (!Array.isArray(artifacts.weightSpecs)) throw new InvalidArgumentError(`${where}: weightSpecs must be an array`);
  if (!(artifacts.weightData instanceof ArrayBuffer)) {
    throw new InvalidArgumentError(`${where}: weightData must be an ArrayBuffer, got ${describe(artifacts.weightData)}`);
  }
  const specs = artifacts.weightSpecs.map((s, i) => validateEntry(s, `${where}: weightSpecs[${i}]`));
  let need = 0;
  for (const s of specs) need += weightByteLength(s, where);
  if (need !== artifacts.weightData.byteLength) {
    throw new InvalidArgumentError(`${where}: weightData has ${artifacts.weightData.byteLength} bytes but weightSpecs describe ${need}`);
  }
}

/** The `model.json` object for `artifacts`, its weights stored at `weightPaths`. */
export function toModelJson(artifacts: ModelArtifacts, weightPaths: string[]): ModelJSON {
  if (!artifacts || typeof artifacts !== 'object') throw new InvalidArgumentError(`toModelJson: expected model artifacts, got ${String(artifacts)}`);
  const json: ModelJSON = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? generatedBy(),
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: weightPaths, weights: artifacts.weightSpecs }],
  };
  if (artifacts.trainingConfig !== undefined) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata !== undefined) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  return json;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') {
    const name = (v as object).constructor?.name;
    return !name || name === 'Object' ? 'an object' : name;
  }
  return typeof v;
}

function validateEntry(e: unknown, where: string): WeightsManifestEntry {
  if (!isObject(e)) throw new InvalidArgumentError(`${where} must be an object { name, shape, dtype }, got ${describe(e)}`);
  if (typeof e.name !== 'string') throw new InvalidArgumentError(`${where}: 'name' must be a string, got ${describe(e.name)}`);
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw new InvalidArgumentError(`${where} ('${e.name}'): 'shape' must be an array of non-negative integers, got ${JSON.stringify(e.shape)}`);
  }
  if (typeof e.dtype !== 'string') throw new InvalidArgumentError(`${where} ('${e.name}'): 'dtype' must be a string, got ${describe(e.dtype)}`);
  if (e.quantization !== undefined && !isObject(e.quantization)) {
    throw new InvalidArgumentError(`${where} ('${e.name}'): 'quantization' must be an object`);
  }
  return e as unknown as WeightsManifestEntry;
}

/**
 * Parses and validates the text of a `model.json`. `file` names it in errors.
 * Throws `InvalidArgumentError` for invalid JSON (e.g. a truncated file), a
 * missing or malformed `modelTopology` or `weightsManifest`, a format other
 * than 'layers-model', or a weight with an unknown dtype.
 */
export function parseModelJson(text: string, file = 'model.json'): ModelJSON {
  if (typeof text !== 'string') throw new InvalidArgumentError(`${file}: parseModelJson expects the file's text (a string), got ${text === null ? 'null' : typeof text}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const hint =
      text.trim() === ''
        ? 'the file is empty'
        : /^\s*</.test(text)
          ? 'it is HTML or XML (a web page where model.json was expected?)'
          : `${(e as Error).message} (${utf8Length(text)} bytes; truncated or not JSON?)`;
    throw new InvalidArgumentError(`${file}: not valid JSON: ${hint}`);
  }
  if (!isObject(json)) throw new InvalidArgumentError(`${file}: expected a JSON object, got ${describe(json)}`);
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new InvalidArgumentError(`${file}: format is ${JSON.stringify(json.format)}; Sinew loads 'layers-model' models`);
  }
  if (!('modelTopology' in json)) throw new InvalidArgumentError(`${file}: missing 'modelTopology'`);
  if (!isObject(json.modelTopology)) throw new InvalidArgumentError(`${file}: 'modelTopology' must be an object, got ${describe(json.modelTopology)}`);
  if (!('weightsManifest' in json)) throw new InvalidArgumentError(`${file}: missing 'weightsManifest'`);
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new InvalidArgumentError(`${file}: 'weightsManifest' must be an array of { paths, weights }, got ${describe(manifest)}`);
  }
  const seen = new Set<string>();
  manifest.forEach((g: unknown, gi: number) => {
    const at = `${file}: weightsManifest[${gi}]`;
    if (!isObject(g)) throw new InvalidArgumentError(`${at} must be an object { paths, weights }, got ${describe(g)}`);
    if (!Array.isArray(g.paths) || !g.paths.every((p) => typeof p === 'string' && p !== '')) {
      throw new InvalidArgumentError(`${at}.paths must be an array of file names, got ${JSON.stringify(g.paths)}`);
    }
    if (!Array.isArray(g.weights)) throw new InvalidArgumentError(`${at}.weights must be an array, got ${describe(g.weights)}`);
    if (g.paths.length === 0 && g.weights.length > 0) throw new InvalidArgumentError(`${at} has weights but no paths`);
    g.weights.forEach((e: unknown, wi: number) => {
      const entry = validateEntry(e, `${at}.weights[${wi}]`);
      weightByteLength(entry, file);
      // A second copy would silently win over the first when weights are matched by name.
      if (seen.has(entry.name)) throw new InvalidArgumentError(`${at}.weights[${wi}]: weight name '${entry.name}' appears twice in the manifest`);
      seen.add(entry.name);
    });
  });
  if (json.trainingConfig !== undefined && json.trainingConfig !== null && !isObject(json.trainingConfig)) {
    throw new InvalidArgumentError(`${file}: 'trainingConfig' must be an object`);
  }
  return json as unknown as ModelJSON;
}

/**
 * Assembles artifacts from a parsed model.json and the bytes of each group's
 * files (`groupBytes[g][p]` for `weightsManifest[g].paths[p]`), checking every
 * group's size. `names[g][p]` names the files in errors.
 */
export function artifactsFromModelJson(json: ModelJSON, groupBytes: Uint8Array[][], names: string[][], jsonFile = 'model.json'): ModelArtifacts {
  if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest)) throw new InvalidArgumentError(`${jsonFile}: artifactsFromModelJson expects a parsed model.json (see parseModelJson)`);
  if (!Array.isArray(groupBytes) || groupBytes.length !== json.weightsManifest.length || !groupBytes.every((g) => Array.isArray(g))) {
    throw new InvalidArgumentError(`${jsonFile}: artifactsFromModelJson expects the bytes of each weightsManifest group's files (${json.weightsManifest.length} groups)`);
  }
  const specs: WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  json.weightsManifest.forEach((g, gi) => {
    const files = groupBytes[gi]!;
    const have = files.reduce((a, b) => a + b.length, 0);
    let need = 0;
    let cut: string | null = null;
    for (const w of g.weights) {
      const size = weightByteLength(w, jsonFile);
      if (cut === null && need + size > have) cut = `weight '${w.name}' ${JSON.stringify(w.shape)} ${w.dtype} at bytes ${need}..${need + size} is cut off`;
      need += size;
    }
    if (have !== need) {
      const fileNames = names[gi]!.join(' + ');
      throw new InvalidArgumentError(
        have < need
          ? `${fileNames}: truncated: ${have} bytes, but ${jsonFile}'s weightsManifest describes ${need} bytes (${cut})`
          : `${fileNames}: ${have} bytes, but ${jsonFile}'s weightsManifest describes only ${need} bytes (${have - need} extra bytes): the weights file does not belong to this model.json`,
      );
    }
    specs.push(...g.weights);
    parts.push(...files);
  });
  const total = parts.reduce((a, b) => a + b.length, 0);
  const data = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    data.set(p, off);
    off += p.length;
  }
  const artifacts: ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: data.buffer,
    format: 'layers-model',
  };
  if (json.generatedBy !== undefined) artifacts.generatedBy = json.generatedBy;
  if (json.convertedBy !== undefined) artifacts.convertedBy = json.convertedBy;
  if (json.trainingConfig !== undefined && json.trainingConfig !== null) artifacts.trainingConfig = json.trainingConfig;
  if (json.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = json.userDefinedMetadata;
  return artifacts;
}

// ---------------------------------------------------------------------------
// file system (Node)

const FILE_SCHEME = 'file://';

/** Options of the file-system handler. */
export interface FileSystemOptions {
  /** Replaces `node:fs/promises` for saving (tests use it to inject disk failures). */
  fs?: SaveFs;
}

/**
 * Node file-system handler. `path` is a directory (model.json + weights.bin)
 * or a `.json` file (its weights beside it as `<name>.weights.bin`). Saving
 * creates the directory and is atomic: see `atomic-save.ts`.
 */
export function fileSystem(path: string | URL, options: FileSystemOptions = {}): IOHandler {
  const raw = String(path);
  if (environment() !== 'node') throw new UnsupportedError(`file system handler: ${raw}: only available in Node; in browsers use indexeddb://, downloads:// or http(s)://`);
  const where = async () => {
    const p = await node.path();
    const url = await node.url();
    const local = raw.startsWith(FILE_SCHEME) ? decodeFileUrl(raw, url.fileURLToPath) : raw;
    if (/\.json$/i.test(local)) {
      const dir = p.dirname(local);
      const stem = p.basename(local).replace(/\.json$/i, '');
      return { dir, json: local, weightsName: `${stem}.weights.bin`, join: p.join };
    }
    return { dir: local, json: p.join(local, 'model.json'), weightsName: 'weights.bin', join: p.join };
  };
  return {
    async save(artifacts) {
      validateArtifacts(artifacts, `save to ${raw}`);
      const fs = options.fs ?? ((await node.fs()) as unknown as SaveFs);
      const target = await where();
      const { resolve } = await node.path();
      const weights = new Uint8Array(artifacts.weightData);
      await serialised(resolve(target.json), () => saveAtomically(fs, target, weights, (name) => JSON.stringify(toModelJson(artifacts, [name]))));
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
    async load() {
      const fs = await node.fs();
      const { dir, json: jsonPath, join } = await where();
      const readFile = async (file: string, what: string) => {
        try {
          return await fs.readFile(file);
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'ENOENT') throw new InvalidArgumentError(`${file}: ${what} does not exist`);
          if (code === 'EISDIR') throw new InvalidArgumentError(`${file}: ${what} is a directory`);
          throw new InvalidArgumentError(`${file}: cannot read ${what}: ${(e as Error).message}`);
        }
      };
      const text = (await readFile(jsonPath, 'model.json')).toString('utf8');
      const json = parseModelJson(text, jsonPath);
      const bytes: Uint8Array[][] = [];
      const names: string[][] = [];
      for (const g of json.weightsManifest) {
        const files = g.paths.map((rel) => join(dir, rel));
        names.push(files);
        const group: Uint8Array[] = [];
        for (const f of files) group.push(await readFile(f, `a weights file named in ${jsonPath}`));
        bytes.push(group);
      }
      return artifactsFromModelJson(json, bytes, names, jsonPath);
    },
  };
}

function decodeFileUrl(raw: string, fileURLToPath: (u: string) => string): string {
  // file:///abs/path is a URL; file://relative/path (TF.js's convention) is a relative path.
  if (raw.startsWith('file:///')) return fileURLToPath(raw);
  return decodeURIComponent(raw.slice(FILE_SCHEME.length));
}

// ---------------------------------------------------------------------------
// http(s)

/**
 * Loads `model.json` and its weight files with fetch (weight paths resolve
 * against the model.json URL); saves with a multipart POST of `model.json` and
 * `model.weights.bin`, as TF.js's `http` handler does.
 */
export function http(url: string | URL, options: HttpOptions = {}): IOHandler {
  const modelUrl = String(url);
  const doFetch = (input: string, init?: RequestInit) => {
    const f = options.fetchFunc ?? (globalThis as { fetch?: typeof fetch }).fetch;
    if (!f) throw new UnsupportedError('http handler: no fetch() in this environment; pass { fetchFunc }');
    return f(input, init);
  };
  const get = async (u: string, what: string): Promise<Response> => {
    let res: Response;
    try {
      res = await doFetch(u, options.requestInit);
    } catch (e) {
      throw new InvalidArgumentError(`${u}: cannot fetch ${what}: ${(e as Error).message}`);
    }
    if (!res.ok) throw new InvalidArgumentError(`${u}: cannot fetch ${what}: HTTP ${res.status} ${res.statusText}`);
    // A wrong URL often answers 200 with an HTML page (an SPA's index, a login page).
    if (/text\/html/i.test(res.headers?.get?.('content-type') ?? '')) {
      throw new InvalidArgumentError(`${u}: expected ${what} but the server returned an HTML page (content-type ${res.headers.get('content-type')}); check the URL`);
    }
    return res;
  };
  return {
    async load() {
      const base = absoluteUrl(modelUrl);
      const text = await (await get(base, 'model.json')).text();
      const json = parseModelJson(text, base);
      const prefix = options.weightPathPrefix === undefined ? base : absoluteUrl(options.weightPathPrefix.endsWith('/') ? options.weightPathPrefix : options.weightPathPrefix + '/');
      const names = json.weightsManifest.map((g) => g.paths.map((p) => new URL(p, prefix).href));
      const bytes = await Promise.all(
        names.map((group) => Promise.all(group.map(async (u) => new Uint8Array(await (await get(u, `a weights file named in ${base}`)).arrayBuffer())))),
      );
      return artifactsFromModelJson(json, bytes, names, base);
    },
    async save(artifacts) {
      validateArtifacts(artifacts, `save to ${modelUrl}`);
      const form = new FormData();
      const json = toModelJson(artifacts, ['./model.weights.bin']);
      form.append('model.json', new Blob([JSON.stringify(json)], { type: 'application/json' }), 'model.json');
      form.append('model.weights.bin', new Blob([artifacts.weightData], { type: 'application/octet-stream' }), 'model.weights.bin');
      const init: RequestInit = { method: 'POST', ...options.requestInit, body: form };
      let res: Response;
      try {
        res = await doFetch(modelUrl, init);
      } catch (e) {
        throw new InvalidArgumentError(`save to ${modelUrl}: request failed: ${(e as Error).message}`);
      }
      if (!res.ok) throw new InvalidArgumentError(`save to ${modelUrl}: HTTP ${res.status} ${res.statusText}`);
      return { modelArtifactsInfo: artifactsInfo(artifacts), responses: [res] };
    },
  };
}

function absoluteUrl(u: string): string {
  const loc = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(u, loc).href;
  } catch {
    throw new InvalidArgumentError(`http handler: '${u}' is not a valid URL${loc ? '' : ' (relative URLs need a page to resolve against)'}`);
  }
}

// ---------------------------------------------------------------------------
// IndexedDB (browsers)

const DB_NAME = 'sinew';
const MODELS = 'models';
const INFOS = 'model_info';

interface StoredModel {
  modelPath: string;
  modelArtifacts: ModelArtifacts;
}
interface StoredInfo {
  modelPath: string;
  modelArtifactsInfo: ModelArtifactsInfo;
}

function idbFactory(): IDBFactory {
  const f = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!f) throw new UnsupportedError('indexeddb://: this environment has no IndexedDB (it is a browser feature); in Node save to a directory');
  return f;
}

function openDb(): Promise<IDBDatabase> {
  const factory = idbFactory();
  return new Promise((resolve, reject) => {
    const req = factory.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(MODELS)) db.createObjectStore(MODELS, { keyPath: 'modelPath' });
      if (!db.objectStoreNames.contains(INFOS)) db.createObjectStore(INFOS, { keyPath: 'modelPath' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

async function withDb<T>(fn: (db: IDBDatabase) => Promise<T>): Promise<T> {
  const db = await openDb();
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

const IDB_SCHEME = 'indexeddb://';
const stripIdb = (name: string) => (name.startsWith(IDB_SCHEME) ? name.slice(IDB_SCHEME.length) : name);

/** Stores models in the browser's IndexedDB (database 'sinew') under `name`. */
export function indexedDB(name: string): IOHandler {
  if (typeof name !== 'string') throw new InvalidArgumentError(`indexedDB: the name must be a string, got ${name === null ? 'null' : typeof name}`);
  const modelPath = stripIdb(name);
  if (!modelPath) throw new InvalidArgumentError('indexeddb://: the model needs a name, e.g. indexeddb://my-model');
  return {
    save: (artifacts) =>
      withDb(async (db) => {
        validateArtifacts(artifacts, `save to ${IDB_SCHEME}${modelPath}`);
        const info = artifactsInfo(artifacts);
        const stored: ModelArtifacts = { ...artifacts, format: 'layers-model', generatedBy: artifacts.generatedBy ?? generatedBy(), convertedBy: artifacts.convertedBy ?? null };
        const tx = db.transaction([MODELS, INFOS], 'readwrite');
        tx.objectStore(MODELS).put({ modelPath, modelArtifacts: stored } satisfies StoredModel);
        tx.objectStore(INFOS).put({ modelPath, modelArtifactsInfo: info } satisfies StoredInfo);
        await done(tx);
        return { modelArtifactsInfo: info };
      }),
    load: () =>
      withDb(async (db) => {
        const tx = db.transaction(MODELS, 'readonly');
        const stored = (await request(tx.objectStore(MODELS).get(modelPath))) as StoredModel | undefined;
        if (!stored) throw new InvalidArgumentError(`${IDB_SCHEME}${modelPath}: no model saved under this name`);
        return stored.modelArtifacts;
      }),
  };
}

/** The models in IndexedDB: `{ 'indexeddb://name': info }`. */
export async function listModels(): Promise<Record<string, ModelArtifactsInfo>> {
  return withDb(async (db) => {
    const tx = db.transaction(INFOS, 'readonly');
    const all = (await request(tx.objectStore(INFOS).getAll())) as StoredInfo[];
    const out: Record<string, ModelArtifactsInfo> = {};
    for (const s of all) out[IDB_SCHEME + s.modelPath] = s.modelArtifactsInfo;
    return out;
  });
}

/** Deletes a model from IndexedDB (`'indexeddb://name'` or `'name'`) and returns its info. */
export async function removeModel(name: string): Promise<ModelArtifactsInfo> {
  if (typeof name !== 'string') throw new InvalidArgumentError(`removeModel: the name must be a string, got ${name === null ? 'null' : typeof name}`);
  const modelPath = stripIdb(name);
  return withDb(async (db) => {
    const tx = db.transaction([MODELS, INFOS], 'readwrite');
    const info = (await request(tx.objectStore(INFOS).get(modelPath))) as StoredInfo | undefined;
    if (!info) {
      tx.abort();
      throw new InvalidArgumentError(`${IDB_SCHEME}${modelPath}: no model saved under this name`);
    }
    tx.objectStore(MODELS).delete(modelPath);
    tx.objectStore(INFOS).delete(modelPath);
    await done(tx);
    return info.modelArtifactsInfo;
  });
}

// ---------------------------------------------------------------------------
// downloads (browser main thread)

/**
 * Saves by downloading `<name>.json` and `<name>.weights.bin` (an `<a download>`
 * click each) in a browser page. Load them back with `browserFiles`.
 */
export function downloads(name = 'model'): IOHandler {
  if (typeof name !== 'string') throw new InvalidArgumentError(`downloads: the name must be a string, got ${name === null ? 'null' : typeof name}`);
  const stem = name.startsWith('downloads://') ? name.slice('downloads://'.length) || 'model' : name;
  return {
    async save(artifacts) {
      validateArtifacts(artifacts, `save to downloads://${stem}`);
      const doc = (globalThis as { document?: Document }).document;
      if (environment() !== 'browser-main' || !doc) {
        throw new UnsupportedError('downloads://: only in a browser page (it clicks <a download> links); in Node save to a directory');
      }
      const weightsName = `${stem}.weights.bin`;
      const jsonBlob = new Blob([JSON.stringify(toModelJson(artifacts, [`./${weightsName}`]))], { type: 'application/json' });
      const weightsBlob = new Blob([artifacts.weightData], { type: 'application/octet-stream' });
      for (const [blob, file] of [[jsonBlob, `${stem}.json`], [weightsBlob, weightsName]] as const) {
        const href = URL.createObjectURL(blob);
        const a = doc.createElement('a');
        a.download = file;
        a.href = href;
        a.style.display = 'none';
        doc.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(href), 60_000);
      }
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
    async load() {
      throw new UnsupportedError('downloads:// can only save; load the downloaded files with io.browserFiles([jsonFile, weightsFile])');
    },
  };
}

// ---------------------------------------------------------------------------
// browser files

/** The parts of a `File` (or `Blob` with a name) that `browserFiles` uses. */
export interface FileLike {
  name: string;
  size: number;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Loads from user-selected files (`<input type=file multiple>`): the
 * model.json first, then its weight files, matched to the manifest's paths by
 * file name (a single weights file is used whatever its name).
 */
export function browserFiles(files: ArrayLike<FileLike>): IOHandler {
  const list = Array.from(files ?? []);
  return {
    async load() {
      if (list.length < 1) throw new InvalidArgumentError('browserFiles: expected [jsonFile, ...weightFiles], got no files');
      const [jsonFile, ...weightFiles] = list as [FileLike, ...FileLike[]];
      const json = parseModelJson(await jsonFile.text(), jsonFile.name);
      const paths = json.weightsManifest.flatMap((g) => g.paths);
      const byName = new Map(weightFiles.map((f) => [f.name, f]));
      const pick = (path: string): FileLike => {
        const base = path.split('/').pop()!;
        const f = byName.get(base);
        if (f) return f;
        if (paths.length === 1 && weightFiles.length === 1) return weightFiles[0]!;
        throw new InvalidArgumentError(
          `browserFiles: ${jsonFile.name} needs a weights file named '${base}', but the files given are ${weightFiles.map((w) => `'${w.name}'`).join(', ') || 'none'}`,
        );
      };
      const names = json.weightsManifest.map((g) => g.paths.map((p) => pick(p).name));
      const bytes = await Promise.all(
        json.weightsManifest.map((g) => Promise.all(g.paths.map(async (p) => new Uint8Array(await pick(p).arrayBuffer())))),
      );
      return artifactsFromModelJson(json, bytes, names, jsonFile.name);
    },
    async save() {
      throw new UnsupportedError('browserFiles can only load; save with downloads://name');
    },
  };
}

// ---------------------------------------------------------------------------
// routing

function isHandler(v: unknown): v is IOHandler {
  return isObject(v) && (typeof v.save === 'function' || typeof v.load === 'function');
}

/**
 * The handler for a URL (see the table at the top of this module), or the
 * handler itself when given one. A string with no scheme is a directory in
 * Node and a URL relative to the page in browsers.
 */
export function getHandler(urlOrHandler: string | URL | IOHandler, options: HttpOptions = {}): IOHandler {
  if (isHandler(urlOrHandler)) {
    const h = urlOrHandler as Partial<IOHandler>;
    return {
      save: h.save ? h.save.bind(h) : async () => { throw new UnsupportedError('this handler cannot save'); },
      load: h.load ? h.load.bind(h) : async () => { throw new UnsupportedError('this handler cannot load'); },
    };
  }
  if (typeof urlOrHandler !== 'string' && !(urlOrHandler instanceof URL)) {
    throw new InvalidArgumentError(`getHandler: expected a URL, a path or an IOHandler, got ${describe(urlOrHandler)}`);
  }
  const url = String(urlOrHandler);
  if (url === '') throw new InvalidArgumentError('getHandler: empty URL');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'file':
      return fileSystem(url);
    case 'indexeddb':
      return indexedDB(url);
    case 'downloads':
      return downloads(url);
    case 'http':
    case 'https':
      return http(url, options);
    case undefined:
      return environment() === 'node' ? fileSystem(url) : http(url, options);
    default:
      throw new InvalidArgumentError(
        `getHandler: unknown URL scheme '${scheme}://' in '${url}': expected file://, indexeddb://, downloads://, http:// or https:// (or a path in Node)`,
      );
  }
}
