// The engine suite on the 'threads-relaxed' build. Node 20 runs relaxed SIMD only behind
// --experimental-wasm-relaxed-simd; ava starts every test file without it, so
// the flag is switched on in this process before the build is loaded.
import test from 'ava';
import { enableRelaxedSimd } from './_relaxed.mjs';
import { engineSuite, convSuite } from './_engine-suite.mjs';

if (enableRelaxedSimd()) {
  engineSuite('threads-relaxed');
  convSuite('threads-relaxed');
} else {
  test('threads-relaxed: skipped, this Node has no WebAssembly relaxed SIMD', (t) => t.pass());
}

test.serial('threads-relaxed: every pool thread takes part in a job', async (t) => {
  if (!enableRelaxedSimd()) return t.pass();
  const sinew = await import('../../dist/index.js');
  const os = await import('node:os');
  t.is(sinew.probeThreadPool(), os.availableParallelism());
});
