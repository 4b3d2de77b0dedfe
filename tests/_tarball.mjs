// The real npm tarball (`npm pack`), installed into a fresh scratch project
// outside the repo: what a user's `npm install sinew-nn` gives them.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const repo = fileURLToPath(new URL('..', import.meta.url));
export const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8'));
const npm = (args, cwd) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 1 << 24 });

/** Packs the repo and installs the tarball into a fresh project; returns the project dir and the packed file list. */
export async function installTarball(prefix = 'sinew-pkg-') {
  const scratch = await mkdtemp(join(tmpdir(), prefix));
  const { stdout } = await npm(['pack', '--json', '--pack-destination', scratch], repo);
  const [packed] = JSON.parse(stdout);
  await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  await npm(['install', join(scratch, packed.filename)], scratch);
  return { scratch, files: packed.files.map((f) => f.path) };
}
