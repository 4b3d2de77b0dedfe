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
