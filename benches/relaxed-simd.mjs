#!/usr/bin/env node
// What relaxed SIMD (fused multiply-add, the *-relaxed builds) is worth in
// training: `model.fit` ms per step with the `threads` build and with
// `threads-relaxed`, each in its own Node process, the two alternated for
// --reps rounds. Node 20 has relaxed SIMD only behind
// --experimental-wasm-relaxed-simd, which this bench passes to the relaxed
// runs when the host lacks it by default (Chromium and newer Node have it).
// Workloads are bench:threads' (benches/lib/threads-probe.mjs): 2 s of
// warm-up, then the median of 15 one-epoch runs.
//
//   node benches/relaxed-simd.mjs [--reps 4]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { relaxedSimdNodeFlags } from '../dist/engine/detect.js';
import { fmtSpread, summarize } from './lib/stats.mjs';
import { table } from './lib/timing.mjs';

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

if (args[0] === '--child') {
  const [, build, workload, threads] = args;
  const sinew = await import('../dist/index.js');
  const info = await sinew.init({ backend: build });
  if (info.build !== build) throw new Error(`asked for the ${build} build, got ${info.build}`);
  const { fitStepMs } = await import('./lib/threads-probe.mjs');
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) await fitStepMs(sinew, workload, Number(threads));
  const ms = [];
  for (let i = 0; i < 15; i++) ms.push(await fitStepMs(sinew, workload, Number(threads)));
  console.log(JSON.stringify({ build: info.build, ms: summarize(ms).median }));
  process.exit(0); // the pool keeps handles open
}

const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 4;
const flag = relaxedSimdNodeFlags();
const RUNS = [['mlp-b128', 1], ['mlp-b128', 2], ['mlp-b32', 2], ['cnn-b64', 2]];
const child = (nodeFlags, build, workload, threads) =>
  JSON.parse(execFileSync(process.execPath, [...nodeFlags, self, '--child', build, workload, String(threads)], { encoding: 'utf8' })).ms;

const rows = [];
for (const [workload, threads] of RUNS) {
  const plain = [], relaxed = [];
  for (let r = 0; r < reps; r++) {
    // Alternate which goes first, so a drift in the host's speed hits both.
    const order = r % 2 ? ['relaxed', 'plain'] : ['plain', 'relaxed'];
    for (const which of order) {
      if (which === 'plain') plain.push(child([], 'threads', workload, threads));
      else relaxed.push(child(flag, 'threads-relaxed', workload, threads));
    }
    process.stderr.write('.');
  }
  const speedUp = summarize(plain.map((p, i) => p / relaxed[i]));
  rows.push([workload, threads, fmtSpread(summarize(plain), { digits: 3 }), fmtSpread(summarize(relaxed), { digits: 3 }), `${fmtSpread(speedUp, { digits: 2 })}×`]);
}
process.stderr.write('\n');
console.log(`Node ${process.version}${flag.length ? ` (relaxed runs with ${flag.join(' ')})` : ''}, ${reps} alternated process pairs per row; ms per training step, median (min–max)`);
console.log(table(['workload', 'threads', 'threads build', 'threads-relaxed build', 'speed-up'], rows));
