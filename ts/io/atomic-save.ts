/**
 * Saving a model's two files (model.json + weights) so that after any failure
 * — a full disk, a crash, a killed process — the directory holds either the
 * complete old model or the complete new one, never a mix.
 *
 * model.json is the only commit point, and at every moment it names a weights
 * file holding exactly its weights:
 *   1. the new weights go to a unique temporary file, then a model.json
 *      naming that file goes to another; both are fsynced;
 *   2. rename → model.json                  (commit: new model, temp weights)
 *   3. link the temp weights → <weights>.tmp, rename → <weights>
 *      (the committed model.json still names the temp file)
 *   4. model.json naming <weights> is written and renamed the same way
 *   5. the temp weights file is removed.
 * A crash after step 2 leaves a complete new model whose manifest names the
 * temporary file; the next save tidies it away. Saves to one path from this
 * process run one at a time; a save from another process is refused while the
 * lock file exists (a lock left by a dead process is taken over).
 */
import { IOError } from '../errors.js';

/** The parts of `node:fs/promises` used here (tests inject failures through it). */
export interface SaveFs {
  open(path: string, flags: string): Promise<{ writeFile(data: Uint8Array | string): Promise<void>; sync(): Promise<void>; close(): Promise<void> }>;
  rename(from: string, to: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
}

export interface SaveTarget {
  dir: string;
  /** Full path of the model.json. */
  json: string;
  /** File name (in `dir`) of the weights. */
  weightsName: string;
  join(...parts: string[]): string;
}

const inProcess = new Map<string, Promise<unknown>>();

/** Runs saves to one model.json one after the other within this process. */
export function serialised<T>(key: string, run: () => Promise<T>): Promise<T> {
  const prev = inProcess.get(key) ?? Promise.resolve();
  const next = prev.then(run, run);
  const settled = next.then(
    () => {},
    () => {},
  );
  inProcess.set(key, settled);
  void settled.then(() => {
    if (inProcess.get(key) === settled) inProcess.delete(key);
  });
  return next;
}

/** Wraps a Node fs error as an IOError naming what was being done and the path. */
function fail(what: string, path: string, e: unknown): IOError {
  if (e instanceof IOError) return e;
  const code = (e as { code?: string }).code;
  const hint =
    code === 'ENOSPC' ? ' (the disk is full)' : code === 'EACCES' || code === 'EPERM' ? ' (permission denied)' : code === 'EFBIG' ? ' (file size limit)' : code === 'EROFS' ? ' (read-only file system)' : '';
  return new IOError(`${what} ${path}: ${(e as Error).message ?? String(e)}${hint}`, { path, code, cause: e });
}

async function step<T>(what: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fail(what, path, e);
  }
}

async function writeSynced(fs: SaveFs, path: string, data: Uint8Array | string): Promise<void> {
  await step('cannot write', path, async () => {
    const f = await fs.open(path, 'wx');
    try {
      await f.writeFile(data);
      await f.sync();
    } finally {
      await f.close();
    }
  });
}

function pidAlive(pid: number): boolean {
  try {
    (globalThis as unknown as { process: { kill(pid: number, sig: 0): void } }).process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** How long an empty lock file is read again before it counts as left by a crash. */
const LOCK_WRITE_GRACE_MS = 1000;

/**
 * The pid in the lock file at `path`, 0 if there is none. Its owner creates
 * the file and then writes its pid, so an empty file is read again for up to
 * LOCK_WRITE_GRACE_MS: taking it over at once let two processes save at the
 * same time, and the first to finish deleted the other's files as leftovers.
 */
async function lockOwner(fs: SaveFs, path: string): Promise<number> {
  for (let waited = 0; ; waited += 20) {
    const text = await fs.readFile(path, 'utf8').catch(() => null);
    if (text === null) return 0; // released meanwhile
    const owner = Number(text.trim());
    if (text.trim() !== '' || waited >= LOCK_WRITE_GRACE_MS) return Number.isInteger(owner) && owner > 0 ? owner : 0;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function lock(fs: SaveFs, path: string): Promise<void> {
  const pid = (globalThis as unknown as { process: { pid: number } }).process.pid;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeSynced(fs, path, String(pid));
      return;
    } catch (e) {
      if ((e as IOError).code !== 'EEXIST') throw e;
      const owner = await lockOwner(fs, path);
      const live = (p: number) => p > 0 && p !== pid && pidAlive(p);
      const busy = (p: number) => new IOError(`cannot save: another process (pid ${p}) is saving to the same model; lock file ${path}`, { path, code: 'ELOCKED' });
      if (live(owner)) throw busy(owner);
      // Left by a process that died mid-save: take it over. It is moved aside
      // (atomic) and what was moved is checked: another process that found the
      // same dead lock may have replaced it with its own since it was read, and
      // unlinking that one would let two processes save at once.
      const aside = `${path}.stale-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      if (!(await fs.rename(path, aside).then(() => true, () => false))) continue; // gone meanwhile
      const moved = Number((await fs.readFile(aside, 'utf8').catch(() => '')).trim());
      if (moved !== owner && live(moved)) {
        await fs.link(aside, path).catch(() => {}); // give it back (unless yet another lock is there)
        await fs.unlink(aside).catch(() => {});
        throw busy(moved);
      }
      await fs.unlink(aside).catch(() => {});
    }
  }
  throw new IOError(`cannot save: could not take the lock ${path}`, { path, code: 'ELOCKED' });
}

/** Writes `weights` and the model.json text `jsonFor(weightsFileName)` atomically (see above). */
export async function saveAtomically(fs: SaveFs, t: SaveTarget, weights: Uint8Array, jsonFor: (weightsName: string) => string): Promise<void> {
  await step('cannot create the directory', t.dir, () => fs.mkdir(t.dir, { recursive: true }));
  const lockPath = `${t.json}.lock`;
  await lock(fs, lockPath);
  try {
    const unique = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const tmpWeightsName = `${t.weightsName}.tmp-${unique}`;
    const tmpWeights = t.join(t.dir, tmpWeightsName);
    const finalWeights = t.join(t.dir, t.weightsName);
    const tmpJson = `${t.json}.tmp-${unique}`;
    const committed = new Set<string>();
    try {
      await writeSynced(fs, tmpWeights, weights);
      await writeSynced(fs, tmpJson, jsonFor(tmpWeightsName));
      await step('cannot replace', t.json, () => fs.rename(tmpJson, t.json));
      committed.add(tmpWeights);
    } catch (e) {
      // Not committed: the old model is untouched; remove what was written.
      await fs.unlink(tmpJson).catch(() => {});
      await fs.unlink(tmpWeights).catch(() => {});
      throw e;
    }
    // Committed. Now move to the conventional weights name, keeping model.json
    // pointing at a complete copy at every moment.
    const staged = `${finalWeights}.tmp-${unique}-final`;
    await step('cannot write', staged, () => fs.link(tmpWeights, staged).catch(() => fs.copyFile(tmpWeights, staged)));
    await step('cannot replace', finalWeights, () => fs.rename(staged, finalWeights));
    await writeSynced(fs, tmpJson, jsonFor(t.weightsName));
    await step('cannot replace', t.json, () => fs.rename(tmpJson, t.json));
    await fs.unlink(tmpWeights).catch(() => {});
    await removeLeftovers(fs, t);
  } finally {
    await fs.unlink(lockPath).catch(() => {});
  }
}

/** Temporary files of earlier saves that crashed (none is named by model.json now). */
async function removeLeftovers(fs: SaveFs, t: SaveTarget): Promise<void> {
  const base = t.json.slice(t.dir.length).replace(/^[\\/]/, '');
  const names = await fs.readdir(t.dir).catch(() => [] as string[]);
  for (const n of names) {
    if (n.startsWith(`${t.weightsName}.tmp-`) || n.startsWith(`${base}.tmp-`)) await fs.unlink(t.join(t.dir, n)).catch(() => {});
  }
}
