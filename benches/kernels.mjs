#!/usr/bin/env node
// Kernel benchmark (`npm run bench:kernels`): GEMM and LeNet-sized conv2d for
// every contender in one run, each in its own process, one after the other.
// Prints a table and the target ratios; writes JSON and an SVG chart to
// benches/results/.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CONVS, GEMMS, convFlops, gemmFlops } from './lib/kernel-workloads.mjs';
import { barChart } from './lib/svg.mjs';
import { table } from './lib/timing.mjs';

const run = promisify(execFile);
const CONTENDERS = [
  ['sinew-threads', 'Sinew threads+SIMD (all threads)'],
  ['sinew-1t', 'Sinew SIMD, 1 thread'],
  ['sinew-relaxed-threads', 'Sinew threads+relaxed SIMD (FMA, all threads)'],
  ['sinew-relaxed-1t', 'Sinew relaxed SIMD (FMA), 1 thread'],
  ['sinew-baseline', 'Sinew baseline (no SIMD)'],
  ['js', 'plain JS'],
  ['tfjs-cpu', 'TF.js cpu'],
  ['tfjs-wasm', 'TF.js wasm (XNNPACK)'],
];
const only = process.argv.slice(2);
const here = fileURLToPath(new URL('.', import.meta.url));
// Node 20 runs relaxed SIMD only behind a V8 flag (later versions: on by default).
const relaxedProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11]);
const RELAXED_ARGS = WebAssembly.validate(relaxedProbe) ? [] : ['--experimental-wasm-relaxed-simd'];

const results = {};
for (const [id, label] of CONTENDERS) {
  if (only.length && !only.includes(id)) continue;
  process.stderr.write(`running ${label}...\n`);
  const nodeArgs = id.startsWith('sinew-relaxed') ? RELAXED_ARGS : [];
  const { stdout } = await run(process.execPath, [...nodeArgs, `${here}kernels-contender.mjs`, id], { maxBuffer: 1 << 24, timeout: 15 * 60_000 });
  results[id] = JSON.parse(stdout.trim().split('\n').pop());
}
const ids = Object.keys(results);
const gf = (id, kind, w) => {
  const v = results[id]?.[kind]?.[w.label];
  return typeof v === 'number' ? (kind === 'gemm' ? gemmFlops(w) : convFlops(w)) / (v * 1e6) : null;
};
const cell = (v) => (v === null ? 'n/a' : v.toFixed(v < 10 ? 2 : 1));

const rows = [
  ...GEMMS.map((g) => [g.label, ...ids.map((id) => cell(gf(id, 'gemm', g)))]),
  ...CONVS.map((c) => [c.label, ...ids.map((id) => cell(gf(id, 'conv', c)))]),
];
const peak = results['sinew-1t']?.peakGflops;
console.log(`\nGFLOPS (higher is better), Node ${process.version}, ${new Date().toISOString()}`);
console.log(table(['workload', ...ids], rows));
if (peak) console.log(`\nregister-only WASM SIMD128 mul+add peak (1 thread): ${peak.toFixed(1)} GFLOPS`);
const fmaPeak = results['sinew-relaxed-1t']?.peakGflops;
if (fmaPeak) console.log(`register-only WASM relaxed-SIMD FMA peak (1 thread): ${fmaPeak.toFixed(1)} GFLOPS`);
for (const c of CONVS) {
  const errs = ids.filter((id) => results[id].conv[c.label]?.error).map((id) => `${id}: ${results[id].conv[c.label].error}`);
  for (const e of new Set(errs)) console.log(`${c.label}: ${e}`);
}

// Target ratios (issue: compute kernels).
const ratio = (a, b) => (a && b ? a / b : null);
const fmt = (r) => (r === null ? 'n/a' : `${r.toFixed(2)}x`);
const lines = [];
for (const g of GEMMS) {
  const t1 = gf('sinew-1t', 'gemm', g), tn = gf('sinew-threads', 'gemm', g);
  const r1 = gf('sinew-relaxed-1t', 'gemm', g);
  lines.push([g.label, peak && t1 ? `${((100 * t1) / peak).toFixed(0)}%` : 'n/a', fmt(ratio(tn, t1)), fmt(ratio(t1, gf('tfjs-wasm', 'gemm', g))), fmt(ratio(t1, gf('js', 'gemm', g))), fmt(ratio(t1, gf('tfjs-cpu', 'gemm', g))), fmt(ratio(r1, t1)), fmaPeak && r1 ? `${((100 * r1) / fmaPeak).toFixed(0)}%` : 'n/a']);
}
for (const c of CONVS) {
  const t1 = gf('sinew-1t', 'conv', c), tn = gf('sinew-threads', 'conv', c);
  const gemmRate = gf('sinew-1t', 'gemm', GEMMS[4]);
  lines.push([c.label, gemmRate && t1 ? `${((100 * t1) / gemmRate).toFixed(0)}% of GEMM` : 'n/a', fmt(ratio(tn, t1)), fmt(ratio(t1, gf('tfjs-wasm', 'conv', c))), fmt(ratio(t1, gf('js', 'conv', c))), fmt(ratio(tn, gf('tfjs-cpu', 'conv', c))), fmt(ratio(gf('sinew-relaxed-1t', 'conv', c), t1)), 'n/a']);
}
console.log('\nRatios (Sinew 1 thread unless noted)');
console.log(table(['workload', '1t % of peak', 'threads/1t', 'vs TF.js wasm', 'vs plain JS', 'vs TF.js cpu (conv: threads)', 'relaxed/plain (1t)', 'relaxed 1t % of FMA peak'], lines));

const day = new Date().toISOString().slice(0, 10);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
const json = { date: new Date().toISOString(), node: process.version, peakGflops: peak, fmaPeakGflops: fmaPeak, contenders: results };
await writeFile(new URL(`./results/kernels-${day}.json`, import.meta.url), JSON.stringify(json, null, 2));
const svg = barChart({
  title: `Sinew kernels vs pure JS and TF.js — GFLOPS (log scale), ${day}`,
  unit: 'GFLOPS',
  groups: [...GEMMS, ...CONVS].map((w) => w.label),
  series: ids.map((id) => ({ name: CONTENDERS.find(([c]) => c === id)[1], values: [...GEMMS.map((g) => gf(id, 'gemm', g)), ...CONVS.map((c) => gf(id, 'conv', c))] })),
});
await writeFile(new URL(`./results/kernels-${day}.svg`, import.meta.url), svg);
console.log(`\nwrote benches/results/kernels-${day}.json and .svg`);
