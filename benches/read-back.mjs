#!/usr/bin/env node
// What `tensor.dataSync()` costs: an n×n tensor's values copied into a fresh
// Float32Array, next to the floor for that copy in JavaScript (`slice` of a
// plain Float32Array of the same size, with the same garbage to collect).
// Interleaved rounds in one process; µs per read, median (min–max).
//
//   node benches/read-back.mjs [--rounds 15] [--sizes 64,256,512,1024] [--backend threads]
import * as s from '../dist/index.js';
import { fmtSpread, summarize } from './lib/stats.mjs';
import { table } from './lib/timing.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const ROUNDS = Number(opt('--rounds', 15));
const sizes = opt('--sizes', '64,256,512,1024').split(',').map(Number);
const info = await s.init({ backend: opt('--backend', 'threads') });
const rows = [];
for (const n of sizes) {
  const t = s.fill([n, n], 0.5);
  const plain = new Float32Array(n * n).fill(0.5);
  const reps = Math.max(5, Math.round(2e6 / (n * n)));
  const time = (f) => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    return ((performance.now() - t0) / reps) * 1000;
  };
  const cases = { dataSync: () => t.dataSync(), 'slice (floor)': () => plain.slice() };
  const us = { dataSync: [], 'slice (floor)': [] };
  for (const f of Object.values(cases)) time(f); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of r % 2 ? ['slice (floor)', 'dataSync'] : ['dataSync', 'slice (floor)']) us[k].push(time(cases[k]));
  }
  const d = summarize(us.dataSync), f = summarize(us['slice (floor)']);
  rows.push([`${n}² (${((n * n * 4) / 1024).toLocaleString('en-US')} KiB)`, fmtSpread(d, { digits: 3 }), fmtSpread(f, { digits: 3 }), `${(d.median / f.median).toFixed(2)}×`]);
  t.dispose();
}
console.log(`${info.build} build, ${ROUNDS} interleaved rounds; µs per read`);
console.log(table(['tensor', 'dataSync', 'slice (floor)', 'dataSync ÷ floor'], rows));
process.exit(0);
