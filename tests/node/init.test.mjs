// Engine selection and errors before/at init (one process, no build loaded
// until the last tests).
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as sinew from '../../dist/index.js';

const run = promisify(execFile);
const dist = new URL('../../dist/index.js', import.meta.url).href;

test.serial('ops before init() raise NotInitializedError', (t) => {
  t.false(sinew.isInitialized());
  t.throws(() => sinew.tensor([1]), { instanceOf: sinew.NotInitializedError, message: /await sinew.init\(\)/ });
  t.throws(() => sinew.backendInfo(), { instanceOf: sinew.NotInitializedError });
});

test.serial('init() rejects unknown builds and thread counts', async (t) => {
  await t.throwsAsync(sinew.init({ backend: 'gpu' }), { instanceOf: sinew.InvalidArgumentError, message: /unknown backend 'gpu'/ });
  await t.throwsAsync(sinew.init({ threads: 0 }), { instanceOf: sinew.InvalidArgumentError, message: /threads must be/ });
  t.false(sinew.isInitialized());
});

test.serial('Node picks threads+SIMD by default, one build per process', async (t) => {
  const info = await sinew.init();
  t.is(info.build, 'threads');
  t.true(info.simd);
  t.is(info.reason, 'SIMD + shared memory available');
  t.is((await sinew.init()).build, 'threads');
  await t.throwsAsync(sinew.init({ backend: 'simd' }), { instanceOf: sinew.UnsupportedError });
});

for (const [env, build, threads] of [
  [{ SINEW_BACKEND: 'simd' }, 'simd', 1],
  [{ SINEW_BACKEND: 'baseline' }, 'baseline', 1],
  [{ SINEW_THREADS: '1', SINEW_BACKEND: 'threads' }, 'threads', 1],
]) {
  test(`environment ${JSON.stringify(env)} selects ${build} with ${threads} thread(s)`, async (t) => {
    const script = `const s = await import(${JSON.stringify(dist)}); const i = await s.init(); console.log(JSON.stringify(i));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env } });
    const info = JSON.parse(stdout);
    t.is(info.build, build);
    t.is(info.poolSize, threads);
  });
}

// Relaxed SIMD (fused multiply-add builds): Node 20 has it only behind a V8 flag.
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const relaxedProbe = `WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,123,3,2,1,0,10,15,1,13,0,65,1,253,15,65,2,253,15,253,128,2,11]))`;
const initScript = (opts) =>
  `const s = await import(${JSON.stringify(dist)}); try { const i = await s.init(${JSON.stringify(opts)}); console.log(JSON.stringify(i)); } catch (e) { console.log(JSON.stringify({ error: e.name, message: e.message })); }`;

test('without relaxed SIMD the plain threads build is picked and forcing a relaxed build is an UnsupportedError', async (t) => {
  const { stdout: has } = await run(process.execPath, ['-p', relaxedProbe]);
  if (has.trim() === 'true') return t.pass('this Node has relaxed SIMD on by default');
  const auto = JSON.parse((await run(process.execPath, ['--input-type=module', '-e', initScript({})])).stdout);
  t.is(auto.build, 'threads');
  t.false(auto.relaxedSimd);
  for (const backend of ['threads-relaxed', 'simd-relaxed']) {
    const r = JSON.parse((await run(process.execPath, ['--input-type=module', '-e', initScript({ backend })])).stdout);
    t.is(r.error, 'UnsupportedError');
    t.regex(r.message, new RegExp(`the '${backend}' build needs WebAssembly relaxed SIMD`));
  }
});

test(`with ${RELAXED_FLAG} Node picks threads-relaxed; the plain builds can still be forced`, async (t) => {
  const auto = JSON.parse((await run(process.execPath, [RELAXED_FLAG, '--input-type=module', '-e', initScript({})])).stdout);
  t.is(auto.build, 'threads-relaxed');
  t.true(auto.relaxedSimd);
  t.true(auto.simd);
  t.is(auto.reason, 'SIMD + relaxed SIMD + shared memory available');
  const one = JSON.parse((await run(process.execPath, [RELAXED_FLAG, '--input-type=module', '-e', initScript({ threads: 1 })])).stdout);
  t.is(one.build, 'simd-relaxed');
  const forced = JSON.parse((await run(process.execPath, [RELAXED_FLAG, '--input-type=module', '-e', initScript({ backend: 'simd' })])).stdout);
  t.is(forced.build, 'simd');
  t.false(forced.relaxedSimd);
});
