// Issue 13, atomic saves: whatever fails while a model is saved over another
// (a full disk, a crash between any two file operations, two saves at once),
// the directory then loads as exactly the old model or exactly the new one.
// Failures are injected through the file-system handler's `fs` option.
import test from 'ava';
import * as fsp from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sinew from '../../dist/index.js';

const { layers, initializers, io } = sinew;

let root;
test.before(async () => {
  await sinew.init();
  root = await fsp.mkdtemp(join(tmpdir(), 'sinew-save-'));
});
test.after.always(async () => {
  if (root) await fsp.rm(root, { recursive: true, force: true });
});

const model = (seed) =>
  sinew.sequential({ layers: [layers.dense({ units: 3, inputShape: [4], kernelInitializer: initializers.glorotUniform(seed), biasInitializer: initializers.glorotNormal(seed + 100) })] });
const values = (m) => m.getWeights().map((w) => Array.from(w.dataSync()));
async function loadedValues(dir) {
  const m = await sinew.loadSequential(dir);
  const v = values(m);
  m.dispose();
  return v;
}

/**
 * node:fs/promises whose `n`-th mutating operation (0-based: a file write,
 * rename or link) fails with `code`. With `crash`, every operation after it
 * fails too, as if the process had died there (no clean-up can run).
 */
function faultyFs(n, code, crash) {
  let ops = 0;
  let dead = false;
  const boom = () => Object.assign(new Error(`${code}: injected failure`), { code });
  const gate = () => {
    if (dead) throw boom();
    if (ops++ === n) {
      if (crash) dead = true;
      throw boom();
    }
  };
  const guard = (f) => async (...a) => {
    if (dead) throw boom();
    return f(...a);
  };
  return {
    get ops() {
      return ops;
    },
    open: guard(async (path, flags) => {
      const h = await fsp.open(path, flags);
      return {
        writeFile: async (d) => {
          gate();
          return h.writeFile(d);
        },
        sync: guard(() => h.sync()),
        close: () => h.close(),
      };
    }),
    rename: async (a, b) => {
      gate();
      return fsp.rename(a, b);
    },
    link: async (a, b) => {
      gate();
      return fsp.link(a, b);
    },
    copyFile: guard(fsp.copyFile),
    unlink: guard(fsp.unlink),
    readFile: guard(fsp.readFile),
    readdir: guard(fsp.readdir),
    mkdir: guard(fsp.mkdir),
  };
}

async function saveWith(m, dir, fs) {
  const artifacts = await new Promise((resolve) => m.save({ save: async (a) => (resolve(a), { modelArtifactsInfo: io.artifactsInfo(a) }) }));
  return io.fileSystem(dir, { fs }).save(artifacts);
}

test('a crash between any two file operations leaves exactly the old or exactly the new model', async (t) => {
  const [a, b] = [model(1), model(2)];
  const [va, vb] = [values(a), values(b)];
  t.notDeepEqual(va, vb);
  const outcomes = [];
  for (let n = 0; n < 20; n++) {
    const dir = join(root, `crash-${n}`);
    await a.save(dir);
    const fs = faultyFs(n, 'EIO', true);
    const err = await saveWith(b, dir, fs).then(() => null, (e) => e);
    const got = await loadedValues(dir);
    if (err) t.true(err instanceof sinew.IOError, String(err));
    outcomes.push(got === null ? '?' : JSON.stringify(got) === JSON.stringify(va) ? 'old' : JSON.stringify(got) === JSON.stringify(vb) ? 'new' : 'MIX');
    if (!err) break; // a save that got through every operation
  }
  t.log(outcomes.join(' '));
  t.false(outcomes.includes('MIX'), outcomes.join(' '));
  t.is(outcomes[0], 'old');
  t.is(outcomes.at(-1), 'new');
  t.true(outcomes.length >= 5, `crash points tried: ${outcomes.length}`);
  // The next save tidies what the crashed ones left.
  const dir = join(root, 'crash-2');
  await b.save(dir);
  t.deepEqual((await fsp.readdir(dir)).sort(), ['model.json', 'weights.bin']);
  t.deepEqual(await loadedValues(dir), vb);
  a.dispose();
  b.dispose();
});

test('a full disk while writing: IOError with the path, the code and the cause; the old model is intact and nothing is left over', async (t) => {
  const [a, b] = [model(3), model(4)];
  const dir = join(root, 'full');
  await a.save(dir);
  const e = await t.throwsAsync(() => saveWith(b, dir, faultyFs(1, 'ENOSPC', false)), { instanceOf: sinew.IOError }); // op 0 takes the lock
  t.regex(e.message, /cannot write .*weights\.bin\.tmp-.*ENOSPC.*\(the disk is full\)/);
  t.is(e.code, 'ENOSPC');
  t.regex(e.path, /weights\.bin\.tmp-/);
  t.is(e.cause?.code, 'ENOSPC');
  t.deepEqual((await fsp.readdir(dir)).sort(), ['model.json', 'weights.bin']);
  t.deepEqual(await loadedValues(dir), values(a));
  // The same for the model.json write.
  await t.throwsAsync(() => saveWith(b, dir, faultyFs(2, 'ENOSPC', false)), { instanceOf: sinew.IOError, message: /model\.json\.tmp-/ });
  t.deepEqual((await fsp.readdir(dir)).sort(), ['model.json', 'weights.bin']);
  t.deepEqual(await loadedValues(dir), values(a));
  a.dispose();
  b.dispose();
});

test('real file-system errors are IOErrors naming the path (not raw Node errors)', async (t) => {
  const m = model(5);
  const file = join(root, 'a-file');
  await fsp.writeFile(file, 'x');
  const e = await t.throwsAsync(() => m.save(join(file, 'model')), { instanceOf: sinew.IOError });
  t.regex(e.message, /cannot create the directory .*a-file/);
  t.is(e.code, 'ENOTDIR');
  t.truthy(e.cause);
  m.dispose();
});

test('concurrent saves to one directory are serialised: the result is one complete model', async (t) => {
  const ms = [6, 7, 8, 9, 10, 11].map(model);
  const dir = join(root, 'concurrent');
  await Promise.all(ms.map((m) => m.save(dir)));
  t.deepEqual((await fsp.readdir(dir)).sort(), ['model.json', 'weights.bin']);
  t.deepEqual(await loadedValues(dir), values(ms.at(-1)), 'saves run in call order: the last one wins');
  for (const m of ms) m.dispose();
});

test('a save from another live process is refused clearly; a lock left by a dead process is taken over', async (t) => {
  const m = model(12);
  const dir = join(root, 'locked');
  await m.save(dir);
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  try {
    await fsp.writeFile(join(dir, 'model.json.lock'), String(other.pid));
    const e = await t.throwsAsync(() => m.save(dir), { instanceOf: sinew.IOError });
    t.regex(e.message, new RegExp(`another process \\(pid ${other.pid}\\) is saving to the same model`));
  } finally {
    other.kill();
  }
  await new Promise((r) => other.on('exit', r));
  await m.save(dir); // the lock's owner is dead now
  t.deepEqual((await fsp.readdir(dir)).sort(), ['model.json', 'weights.bin']);
  m.dispose();
});

// Another process creates its lock file and then writes its pid into it: a
// save that sees the file still empty must wait for the pid, not take the lock
// over (two processes then saved at once, and the first to finish deleted the
// other's temporary weights as leftovers: 1 save in 50 failed with ENOENT, and
// model.json could name a weights file that no longer existed).
test('a lock file another process has just created (still empty) is not taken over', async (t) => {
  const m = model(14);
  const dir = join(root, 'fresh-lock');
  await m.save(dir);
  const lockPath = join(dir, 'model.json.lock');
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  try {
    await fsp.writeFile(lockPath, '');
    setTimeout(() => void fsp.writeFile(lockPath, String(other.pid)), 150);
    const e = await t.throwsAsync(() => m.save(dir), { instanceOf: sinew.IOError });
    t.regex(e.message, new RegExp(`another process \\(pid ${other.pid}\\) is saving to the same model`));
    t.is(await fsp.readFile(lockPath, 'utf8'), String(other.pid), 'the other process keeps its lock');
  } finally {
    other.kill();
  }
  await new Promise((r) => other.on('exit', r));
  // An empty lock that stays empty (its owner died between creating and writing it) is taken over after a grace period.
  await fsp.writeFile(lockPath, '');
  await m.save(dir);
  t.deepEqual((await fsp.readdir(dir)).sort(), ['model.json', 'weights.bin']);
  m.dispose();
});

// Two processes find the same lock of a dead process: the first takes it over
// (its own lock replaces it), and the second, which read the dead pid before,
// must not remove the first's lock (both then saved at once).
test('a dead lock taken over by another process between reading and removing it is left to that process', async (t) => {
  const m = model(15);
  const dir = join(root, 'stale-race');
  await m.save(dir);
  const lockPath = join(dir, 'model.json.lock');
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => dead.on('exit', r));
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
  try {
    await fsp.writeFile(lockPath, String(dead.pid));
    let replaced = false;
    const fs = {
      open: fsp.open, rename: fsp.rename, link: fsp.link, copyFile: fsp.copyFile, unlink: fsp.unlink, readdir: fsp.readdir, mkdir: fsp.mkdir,
      readFile: async (path, enc) => {
        const text = await fsp.readFile(path, enc);
        if (path === lockPath && !replaced) {
          replaced = true; // right after this save read the dead pid, the other process takes the lock over
          await fsp.writeFile(lockPath, String(other.pid));
        }
        return text;
      },
    };
    const e = await t.throwsAsync(() => saveWith(model(16), dir, fs), { instanceOf: sinew.IOError });
    t.regex(e.message, new RegExp(`another process \\(pid ${other.pid}\\) is saving to the same model`));
    t.is(await fsp.readFile(lockPath, 'utf8'), String(other.pid), "the other process's lock is still there");
    t.deepEqual((await fsp.readdir(dir)).sort(), ['model.json', 'model.json.lock', 'weights.bin']);
  } finally {
    other.kill();
  }
  await new Promise((r) => other.on('exit', r));
  await m.save(dir);
  t.deepEqual((await fsp.readdir(dir)).sort(), ['model.json', 'weights.bin']);
  m.dispose();
});

test('a manifest naming one weight twice is refused (the second copy used to win silently)', async (t) => {
  const m = model(13);
  const dir = join(root, 'dup');
  await m.save(dir);
  const path = join(dir, 'model.json');
  const json = JSON.parse(await fsp.readFile(path, 'utf8'));
  const w = json.weightsManifest[0].weights;
  w[1] = { ...w[1], name: w[0].name, shape: w[0].shape };
  await fsp.writeFile(path, JSON.stringify(json));
  await t.throwsAsync(() => sinew.loadSequential(dir), { instanceOf: sinew.InvalidArgumentError, message: /weight name '.*kernel' appears twice in the manifest/ });
  m.dispose();
});
