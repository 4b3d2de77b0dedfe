// The real npm tarball, installed into a scratch project outside the repo,
// imported from plain Node ESM and type-checked from TypeScript; and every
// js/ts snippet of the README run verbatim against it.
import test from 'ava';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installTarball, pkg, repo, run } from './_tarball.mjs';

const tsc = join(repo, 'node_modules/.bin/tsc');

const installed = installTarball();
test.after.always(async () => rm((await installed).scratch, { recursive: true, force: true }));

/** Type-checks TypeScript files the way a strict Node-only project would (no DOM lib, library typings checked too). */
async function typecheck(cwd, files, { dom = false, emit = false } = {}) {
  const args = ['--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', dom ? 'es2022,dom' : 'es2022', '--types', 'node', '--typeRoots', join(repo, 'node_modules/@types'), '--skipLibCheck', 'false'];
  await run(tsc, [...args, ...(emit ? ['--outDir', 'out'] : ['--noEmit']), ...files], { cwd }).catch((e) => {
    throw new Error(`tsc failed:\n${e.stdout}${e.stderr}`);
  });
}

test('package metadata: a free npm name, licences shipped, links', async (t) => {
  const { files } = await installed;
  t.is(pkg.name, 'sinew-nn', "the npm name 'sinew' belongs to an unrelated package");
  t.true(files.includes('LICENSE-MIT') && files.includes('LICENSE-APACHE'), `the texts of "${pkg.license}" are shipped`);
  t.is(pkg.license, 'MIT OR Apache-2.0');
  for (const f of ['repository', 'homepage', 'bugs']) t.truthy(pkg[f], `${f} is set`);
});

test('npm pack → install in a scratch project → import, matmul, types', async (t) => {
  const { scratch, files } = await installed;
  {
    for (const b of ['threads', 'simd', 'baseline', 'threads-relaxed', 'simd-relaxed']) t.true(files.includes(`dist/wasm/${b}/sinew_wasm_bg.wasm`), `${b} wasm packed`);
    t.true(files.includes('dist/index.d.ts'));
    t.true(files.includes('dist/browser/index.js'));
    t.false(files.some((f) => f.startsWith('ts/') || f.startsWith('tests/') || f.startsWith('crates/')), 'no sources or tests in the package');

    t.deepEqual(await readdir(join(scratch, 'node_modules')).then((d) => d.filter((x) => !x.startsWith('.'))), ['sinew-nn']);

    await writeFile(
      join(scratch, 'main.mjs'),
      `import * as sinew from 'sinew-nn';
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
      `import { init, tensor, matmul, ShapeError, Layer, registerLayer, mul, layers, sequential, type BackendInfo, type Tensor, type SymbolicShape, type Variable } from 'sinew-nn';
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
export const all = [info, n, e, losses];
// @ts-expect-error: an unknown build name is a type error
await init({ backend: 'gpu' });`,
    );
    // Under a Node-only configuration (no DOM lib) with the library's own typings checked.
    await typecheck(scratch, ['main.ts']);
    // The browser entry point, in a project with the DOM lib.
    await writeFile(
      join(scratch, 'page.ts'),
      `import { createEngine, type RemoteTensor } from 'sinew-nn/browser';
const engine = await createEngine();
const r: RemoteTensor = await engine.tensor([[1, 2]]);
export const all = [r];`,
    );
    await typecheck(scratch, ['page.ts'], { dom: true });
    t.pass();
  }
});

test('chainable tensor methods and the TF.js helpers type-check under strict TypeScript and run from the tarball', async (t) => {
  const { scratch } = await installed;
  await writeFile(
    join(scratch, 'methods.ts'),
    `import { init, tensor, tensor2d, scalar, stack, where, cast, dispose, util, browser, nextFrame, type Tensor } from 'sinew-nn';
await init();
const x: Tensor = tensor2d([[1, 2], [3, 4]]);
const m: Tensor = x.mean(0);
const z: Tensor = x.sub(m).div(x.sub(m).square().mean(0).sqrt().add(1e-6));
const idx: Tensor = z.argMax(-1);
const parts: Tensor[] = x.split([1, 1], 1);
const rows: Tensor[] = x.unstack();
const c: Tensor = x.concat([x, x], 0).reshape([3, 4]).transpose().matMul(tensor([[1], [2], [3]]));
const i: Tensor = x.cast('int32').cast('float32').relu().sum(undefined, true).expandDims(0).squeeze();
const w: Tensor = where(scalar(1, 'int32'), stack(rows), cast(x, 'float32'));
const px: Tensor = browser.fromPixels({ data: new Uint8Array(4), width: 1, height: 1 }, 4);
const bytes: Uint8ClampedArray = await browser.toPixels(px);
util.shuffle([1, 2, 3]);
await nextFrame();
console.log(JSON.stringify({ idx: idx.arraySync(), c: c.shape, i: i.arraySync(), w: w.shape, bytes: Array.from(bytes), n: parts.length }));
dispose([x, m, z, idx, parts, rows, c, i, w, px]);
// Type errors only (never called):
export function typeErrors(y: Tensor): unknown[] {
  // @ts-expect-error: reshape takes a shape array
  y.reshape('2x2');
  // @ts-expect-error: Sinew's dtypes are float32 and int32
  y.cast('float64');
  // @ts-expect-error: softmax's axis is a number
  y.softmax('last');
  // @ts-expect-error: a method's result is a Tensor, not a number
  const wrong: number = y.sum();
  return [wrong];
}`,
  );
  await typecheck(scratch, ['methods.ts'], { emit: true });
  const out = JSON.parse((await run(process.execPath, ['out/methods.js'], { cwd: scratch })).stdout);
  t.deepEqual(out, { idx: [0, 0], c: [4, 1], i: 10, w: [2, 2], bytes: [0, 0, 0, 0], n: 2 });
});

/** The README's ```js and ```ts blocks, with the line each starts on. */
function readmeSnippets(text) {
  const out = [];
  for (const m of text.matchAll(/^```(js|ts)\n([\s\S]*?)^```$/gm)) {
    out.push({ lang: m[1], code: m[2], line: text.slice(0, m.index).split('\n').length + 1 });
  }
  return out;
}

/** `console.log(...)  // → value` lines: the value each must print (JSON), by line number within the snippet. */
function expectedLogs(code) {
  const want = new Map();
  code.split('\n').forEach((l, i) => {
    const m = /console\.log\(.*\/\/ → (.+)$/.exec(l);
    if (m) want.set(i + 1, JSON.parse(m[1]));
  });
  return want;
}

// Preloaded with --import: records each console.log call's arguments and the snippet line it came from.
const RECORDER = `import { appendFileSync } from 'node:fs';
const log = console.log;
console.log = (...args) => {
  const line = /snippet-\\d+\\.m?js:(\\d+)/.exec(new Error().stack ?? '')?.[1];
  appendFileSync(process.env.SNIPPET_LOG, JSON.stringify({ line: Number(line), args }) + '\\n');
  log(...args);
};`;

test('every js/ts snippet of the README runs verbatim from the tarball', async (t) => {
  const { scratch } = await installed;
  const dir = join(scratch, 'readme');
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(join(dir, 'record.mjs'), RECORDER);
  const snippets = readmeSnippets(await readFile(join(repo, 'README.md'), 'utf8'));
  t.true(snippets.length >= 4, 'found the README snippets');
  t.true(snippets.reduce((n, s) => n + expectedLogs(s.code).size, 0) >= 2, 'found the // → values to check');
  for (const [i, s] of snippets.entries()) {
    const where = `README.md line ${s.line}`;
    if (/from 'sinew-nn\/browser'/.test(s.code)) {
      // Needs a page and a Worker: type-checked here (as TypeScript with the DOM lib); run by the browser tests.
      await writeFile(join(dir, `snippet-${i}.ts`), s.code);
      await typecheck(dir, [`snippet-${i}.ts`], { dom: true }).catch((e) => t.fail(`${where}: ${e.message}`));
      continue;
    }
    let file = `snippet-${i}.mjs`;
    await writeFile(join(dir, file), s.code);
    if (s.lang === 'ts') {
      await writeFile(join(dir, `snippet-${i}.ts`), s.code);
      await typecheck(dir, [`snippet-${i}.ts`], { emit: true }).catch((e) => t.fail(`${where}: ${e.message}`));
      file = `out/snippet-${i}.js`;
    }
    const logFile = join(dir, `snippet-${i}.log`);
    await writeFile(logFile, '');
    await run(process.execPath, ['--import', './record.mjs', file], { cwd: dir, env: { ...process.env, SNIPPET_LOG: logFile }, maxBuffer: 1 << 24 }).catch((e) =>
      t.fail(`${where}: exited with ${e.code}\n${e.stderr}`),
    );
    const logged = (await readFile(logFile, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    for (const [line, value] of expectedLogs(s.code)) {
      const got = logged.find((l) => l.line === line);
      t.deepEqual(got?.args[0], value, `${where}+${line - 1}: printed value`);
    }
  }
});
