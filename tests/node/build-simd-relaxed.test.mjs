// The engine suite on the 'simd-relaxed' build. Node 20 runs relaxed SIMD only behind
// --experimental-wasm-relaxed-simd; ava starts every test file without it, so
// the flag is switched on in this process before the build is loaded.
import test from 'ava';
import { enableRelaxedSimd } from './_relaxed.mjs';
import { engineSuite, convSuite } from './_engine-suite.mjs';

if (enableRelaxedSimd()) {
  engineSuite('simd-relaxed');
  convSuite('simd-relaxed');
} else {
  test('simd-relaxed: skipped, this Node has no WebAssembly relaxed SIMD', (t) => t.pass());
}
