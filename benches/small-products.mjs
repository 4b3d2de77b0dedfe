#!/usr/bin/env node
// The products of a 1-unit output layer (every binary classifier's head), on
// one thread: forward [64×64]·[64×1], the kernel's gradient [64×64]ᵀ·[64×1]
// and the input's [64×1]·[64×1]ᵀ, next to an engine call that does almost
// nothing (an add of 64 values), i.e. the fixed cost of one call. Prints µs
// per call, best of 5 runs of --calls calls.
//
//   node benches/small-products.mjs [--calls 3000]
import * as s from '../dist/index.js';

const arg = (name, def) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const CALLS = arg('--calls', 3000);
const info = await s.init();
s.setNumThreads(1);
const x = s.randomNormal([64, 64], 0, 1, 'float32', 1), w = s.randomNormal([64, 1], 0, 1, 'float32', 2), dz = s.randomNormal([64, 1], 0, 1, 'float32', 3);
const cases = [
  ['forward [64×64]·[64×1]', () => s.matMul(x, w).dispose()],
  ["kernel's gradient [64×64]ᵀ·[64×1]", () => s.matMul(x, dz, true, false).dispose()],
  ["input's gradient [64×1]·[64×1]ᵀ", () => s.matMul(dz, w, false, true).dispose()],
  ['one engine call: add of 64 values', () => s.add(dz, dz).dispose()],
];
console.log(`${info.build} build, 1 thread, best of 5 × ${CALLS} calls`);
for (const [name, f] of cases) {
  for (let i = 0; i < CALLS / 10; i++) f();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) f();
    best = Math.min(best, ((performance.now() - t0) / CALLS) * 1000);
  }
  console.log(`  ${name.padEnd(36)} ${best.toFixed(1)} µs`);
}
process.exit(0);
