// init({ wasmPaths }): the .wasm files can live elsewhere than beside the JS
// (as TF.js's setWasmPaths), and a missing or wrong file is an error naming
// the build and where it was looked for. Each case is its own process (one
// build per process).
import test from 'ava';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dist = new URL('../../dist/index.js', import.meta.url).href;
let dir;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sinew-wasm-paths-'));
  await mkdir(join(dir, 'served', 'threads'), { recursive: true });
  await cp(new URL('../../dist/wasm/threads/sinew_wasm_bg.wasm', import.meta.url), join(dir, 'served', 'threads', 'sinew_wasm_bg.wasm'));
  await mkdir(join(dir, 'broken', 'threads'), { recursive: true });
  await writeFile(join(dir, 'broken', 'threads', 'sinew_wasm_bg.wasm'), '<!doctype html>not found');
});
test.after.always(() => rm(dir, { recursive: true, force: true }));

/** Runs init({ backend: 'threads', wasmPaths }) and a matmul in a fresh process. */
async function initWith(wasmPaths) {
  const script = `const s = await import(${JSON.stringify(dist)});
    try {
      const i = await s.init({ backend: 'threads', wasmPaths: ${wasmPaths} });
      console.log(JSON.stringify({ build: i.build, c: s.matmul(s.tensor([[1, 2]]), s.tensor([[3], [4]])).arraySync() }));
    } catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
  return JSON.parse((await run(process.execPath, ['--input-type=module', '-e', script])).stdout);
}

test('a directory, a file: URL and a URL object all find <wasmPaths>/threads/sinew_wasm_bg.wasm', async (t) => {
  const served = join(dir, 'served');
  for (const arg of [JSON.stringify(served), JSON.stringify(pathToFileURL(served).href), `new URL(${JSON.stringify(pathToFileURL(served).href + '/')})`]) {
    t.deepEqual(await initWith(arg), { build: 'threads', c: [[11]] }, arg);
  }
});

test('a missing or corrupt file names the build and the path (and the option)', async (t) => {
  const missing = await initWith(JSON.stringify(join(dir, 'nowhere')));
  t.regex(missing.error, new RegExp(`loading the 'threads' build from ${join(dir, 'nowhere', 'threads', 'sinew_wasm_bg.wasm').replace(/[/.]/g, '\\$&')}: ENOENT.*\\(check the wasmPaths option\\)`));
  const broken = await initWith(JSON.stringify(join(dir, 'broken')));
  t.regex(broken.error, /loading the 'threads' build from .*broken\/threads\/sinew_wasm_bg\.wasm: WebAssembly\.compile\(\).*magic/);
});
