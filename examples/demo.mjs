#!/usr/bin/env node
// The main demo (`npm run demo`): shows the backend Sinew picked on this
// machine and how fast its matmul runs, 1 thread vs the whole pool.
// (It grows into the Fashion-MNIST training demo as the Keras-style API lands.)
import * as sinew from '../dist/index.js';
import { timeMatmul } from '../benches/lib/matmul-probe.mjs';
import { gflops, table } from '../benches/lib/timing.mjs';

const info = await sinew.init();
console.log(`Sinew ${info.version}: ${info.build} build (${info.simd ? 'SIMD128' : 'no SIMD'}), ${info.poolSize} thread(s) — ${info.reason}`);

const rows = [];
for (const n of [128, 256, 512, 1024]) {
  const one = timeMatmul(sinew, n, 1);
  const all = timeMatmul(sinew, n, 0);
  rows.push([`${n}×${n}`, one.toFixed(2), gflops(n, n, n, one).toFixed(1), all.toFixed(2), gflops(n, n, n, all).toFixed(1), `${(one / all).toFixed(2)}x`]);
}
console.log(table(['matmul', '1 thread ms', 'GFLOPS', `${info.poolSize} threads ms`, 'GFLOPS', 'speedup'], rows));

// Typed errors name the op and the shapes, and the engine keeps working.
try {
  sinew.matmul(sinew.tensor(new Float32Array(32 * 784), [32, 784]), sinew.tensor(new Float32Array(1280), [128, 10]));
} catch (e) {
  console.log(`${e.name}: ${e.message}`);
}
