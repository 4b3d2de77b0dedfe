// Issue 13, beyond the listed cases: bounded fuzzing of op arguments and of
// model files (≈ 30 s in all), and protections a user would expect when
// loading (an http URL answering with an HTML page). Every outcome must be a success or a typed SinewError: no
// trap, no hang (each run has a time limit), no untyped error.
import test from 'ava';
import * as sinew from '../../dist/index.js';
import { isolated } from './_isolated.mjs';

const fuzz = new URL('./_fuzz.mjs', import.meta.url).href;

test.before(async () => {
  await sinew.init();
});

for (const [backend, seed] of [['threads', 1301], ['simd', 1302]]) {
  test(`${backend}: random op arguments end in a result or a typed error, and the engine lives`, async (t) => {
    const r = await isolated(`const { fuzzOps } = await import(${JSON.stringify(fuzz)}); return fuzzOps(sinew, { seed: ${seed}, ms: 8000 });`, { backend, timeoutMs: 60_000 });
    t.false(r.timedOut, 'hung');
    t.truthy(r.value, `exit ${r.code}: ${r.error?.message ?? r.stderr.slice(-800)}`);
    t.deepEqual(r.value?.failures, []);
    t.true(r.value?.alive);
    t.true(r.value?.calls > 1000, `${r.value?.calls} calls`);
  });
}

test('threads: mutated model.json + weights.bin load, or fail with a typed error', async (t) => {
  const r = await isolated(`const { fuzzModelFiles } = await import(${JSON.stringify(fuzz)}); return fuzzModelFiles(sinew, { seed: 1303, ms: 10000 });`, { timeoutMs: 60_000 });
  t.false(r.timedOut, 'hung');
  t.truthy(r.value, `exit ${r.code}: ${r.error?.message ?? r.stderr.slice(-800)}`);
  t.deepEqual(r.value?.failures, []);
  t.true(r.value?.alive);
  t.true(r.value?.loads > 200, `${r.value?.loads} loads`);
  t.true(r.value?.loaded > 0 && r.value?.loaded < r.value?.loads, `${r.value?.loaded} of ${r.value?.loads} loaded`);
});

test('threads: every export, class and tensor method given null, undefined, a string, an object or a number: a result or a SinewError, never a TypeError', async (t) => {
  // 75 functions and 40 classes threw TypeErrors ('Cannot read properties of null') before.
  const r = await isolated(`const { sweepExports } = await import(${JSON.stringify(fuzz)}); return sweepExports(sinew);`, { timeoutMs: 120_000 });
  t.false(r.timedOut, 'hung');
  t.truthy(r.value, `exit ${r.code}: ${r.error?.message ?? r.stderr.slice(-800)}`);
  t.deepEqual(r.value?.untyped, []);
  t.true(r.value?.alive);
  t.true(r.value?.calls > 5000, `${r.value?.calls} calls`);
});

test('an http model URL that answers with an HTML page is named as such', async (t) => {
  const html = '<!doctype html><html><body>Sign in</body></html>';
  const withType = async () => new Response(html, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } });
  await t.throwsAsync(sinew.loadSequential(sinew.io.http('http://example.test/model.json', { fetchFunc: withType })), {
    instanceOf: sinew.InvalidArgumentError,
    message: /model\.json: expected model\.json but the server returned an HTML page \(content-type text\/html; charset=utf-8\); check the URL/,
  });
  const untyped = async () => new Response(html, { status: 200 });
  await t.throwsAsync(sinew.loadSequential(sinew.io.http('http://example.test/model.json', { fetchFunc: untyped })), {
    instanceOf: sinew.InvalidArgumentError,
    message: /not valid JSON: it is HTML or XML/,
  });
});
