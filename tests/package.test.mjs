// The real npm tarball, installed into a scratch project outside the repo,
// imported from plain Node ESM and type-checked from TypeScript.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const npm = (args, cwd) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 1 << 24 });

test('npm pack → install in a scratch project → import, matmul, types', async (t) => {
  const scratch = await mkdtemp(join(tmpdir(), 'sinew-pkg-'));
  try {
    const { stdout } = await npm(['pack', '--json', '--pack-destination', scratch], repo);
    const [packed] = JSON.parse(stdout);
    const files = packed.files.map((f) => f.path);
    for (const b of ['threads', 'simd', 'baseline', 'threads-relaxed', 'simd-relaxed']) t.true(files.includes(`dist/wasm/${b}/sinew_wasm_bg.wasm`), `${b} wasm packed`);
    t.true(files.includes('dist/index.d.ts'));
    t.true(files.includes('dist/browser/index.js'));
    t.false(files.some((f) => f.startsWith('ts/') || f.startsWith('tests/') || f.startsWith('crates/')), 'no sources or tests in the package');

    await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    await npm(['install', join(scratch, packed.filename)], scratch);
    t.deepEqual(await readdir(join(scratch, 'node_modules')).then((d) => d.filter((x) => !x.startsWith('.'))), ['sinew']);

    await writeFile(
      join(scratch, 'main.mjs'),
      `import * as sinew from 'sinew';
const info = await sinew.init();
const c = sinew.matmul(sinew.tensor([[1, 2], [3, 4]]), sinew.tensor([[5, 6], [7, 8]]));
console.log(JSON.stringify({ build: info.build, threads: info.threads, c: c.arraySync() }));`,
    );
    const out = JSON.parse((await run(process.execPath, ['main.mjs'], { cwd: scratch })).stdout);
    t.deepEqual(out.c, [[19, 22], [43, 50]]);
    t.is(out.build, 'threads');

    // The published types work for a TypeScript user (NodeNext resolution).
    await writeFile(
      join(scratch, 'main.ts'),
      `import { init, tensor, matmul, ShapeError, Layer, registerLayer, mul, layers, sequential, type BackendInfo, type Tensor, type SymbolicShape, type Variable } from 'sinew';
import { createEngine, type RemoteTensor } from 'sinew/browser';
const info: BackendInfo = await init({ backend: 'simd' });
const c: Tensor = matmul(tensor([[1]]), tensor([[2]]));
const n: number = c.dataSync()[0]!;
const e: typeof ShapeError = ShapeError;
// The README's custom layer.
class Scale extends Layer {
  static override readonly className = 'Scale';
  private s!: Variable;
  override build(inputShape: SymbolicShape) {
    this.s = this.addWeight('scale', [inputShape.at(-1) as number], 'ones');
    super.build(inputShape);
  }
  override call(x: Tensor) { return mul(x, this.s); }
}
registerLayer(Scale);
const model = sequential({ layers: [layers.dense({ units: 3, inputShape: [4] }), new Scale()] });
model.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['mae'] });
const h = await model.fit(tensor(new Float32Array(8), [2, 4]), tensor(new Float32Array(6), [2, 3]), { epochs: 1, verbose: 0 });
const losses: number[] = h.history.loss!;
export const all = [info, n, e, createEngine, null as unknown as RemoteTensor, losses];
// @ts-expect-error: an unknown build name is a type error
await init({ backend: 'gpu' });`,
    );
    const tsc = join(repo, 'node_modules/.bin/tsc');
    await run(tsc, ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2022,dom', '--types', 'node', '--typeRoots', join(repo, 'node_modules/@types'), 'main.ts'], { cwd: scratch }).catch((e) => {
      throw new Error(`tsc failed:\n${e.stdout}${e.stderr}`);
    });
    t.pass();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});
