#!/usr/bin/env node
// Kernel benchmark (`npm run bench:kernels`): GEMM and LeNet-sized conv2d for
// every contender, each in its own process, in interleaved rounds (round r
// runs every contender once, in an order rotated by r, so a noisy minute
// lands on all of them). Prints GFLOPS as median (min–max over every timed
// repetition of every round) and the ratios, each naming the threads of both
// sides; writes JSON and an SVG chart to benches/results/. Exits non-zero when
// a peer comes out implausibly slow (benches/lib/floors.mjs).
//
//   node benches/kernels.mjs [--quick] [--rounds N] [contender ...]
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { relaxedSimdNodeFlags } from '../dist/engine/detect.js';
import { KERNEL_FLOORS, failOnImplausible, floorViolations } from './lib/floors.mjs';
import { CONVS, GEMMS, convFlops, gemmFlops } from './lib/kernel-workloads.mjs';
import { fmtNum, fmtSpread, summarize } from './lib/stats.mjs';
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
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : quick ? 2 : 3;
const budgetMs = quick ? 150 : 600;
const only = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--rounds');
const here = fileURLToPath(new URL('.', import.meta.url));
// Node 20 runs relaxed SIMD only behind a V8 flag (later versions: on by default).
const RELAXED_ARGS = relaxedSimdNodeFlags();

const t0 = performance.now();
const load0 = loadavg();
const ids = CONTENDERS.map(([id]) => id).filter((id) => !only.length || only.includes(id));
// raw[id] = { info, gemm: {label: ms[]}, conv: {label: ms[] | {error}}, peakGflops: [] }, reps pooled over rounds
const raw = {};
for (let r = 0; r < rounds; r++) {
  const order = ids.map((_, i) => ids[(i + r) % ids.length]);
  for (const id of order) {
    process.stderr.write(`round ${r + 1}/${rounds}: ${id}...\n`);
    const nodeArgs = id.startsWith('sinew-relaxed') ? RELAXED_ARGS : [];
    const { stdout } = await run(process.execPath, [...nodeArgs, `${here}kernels-contender.mjs`, id, '--budget', String(budgetMs)], { maxBuffer: 1 << 24, timeout: 15 * 60_000 });
    const res = JSON.parse(stdout.trim().split('\n').pop());
    const acc = (raw[id] ??= { info: res.info, gemm: {}, conv: {}, peakGflops: [] });
    for (const kind of ['gemm', 'conv'])
      for (const [label, v] of Object.entries(res[kind])) acc[kind][label] = Array.isArray(v) ? [...(acc[kind][label] ?? []), ...v] : v;
    if (res.peakGflops) acc.peakGflops.push(...res.peakGflops);
    if (res.l1KernelGflops) (acc.l1KernelGflops ??= []).push(...res.l1KernelGflops);
  }
}

const flops = (kind, w) => (kind === 'gemm' ? gemmFlops(w) : convFlops(w));
/** GFLOPS summary of one contender on one workload, or null (not run / error). */
const stat = (id, kind, w) => {
  const v = raw[id]?.[kind]?.[w.label];
  return Array.isArray(v) ? summarize(v.map((ms) => flops(kind, w) / (ms * 1e6))) : null;
};
const gf = (id, kind, w) => stat(id, kind, w)?.median ?? null;
const threadsOf = (id) => raw[id]?.info?.threads ?? '?';
const short = { 'sinew-threads': 'Sinew', 'sinew-1t': 'Sinew', 'sinew-relaxed-threads': 'Sinew-relaxed', 'sinew-relaxed-1t': 'Sinew-relaxed', 'sinew-baseline': 'Sinew-baseline', js: 'JS', 'tfjs-cpu': 'TF.js-cpu', 'tfjs-wasm': 'TF.js-wasm' };
const who = (id) => `${short[id]}×${threadsOf(id)}`;
// TF.js-wasm 4.22 sends transposed products to a scalar loop instead of XNNPACK.
const slowPath = (id, w) => id === 'tfjs-wasm' && (w.ta || w.tb);

const present = ids.filter((id) => raw[id]);
const rows = [...GEMMS.map((g) => ['gemm', g]), ...CONVS.map((c) => ['conv', c])].map(([kind, w]) => [
  w.label,
  ...present.map((id) => {
    const s = stat(id, kind, w);
    return s ? `${fmtSpread(s)}${slowPath(id, w) ? ' †' : ''}` : 'n/a';
  }),
]);
const peak = summarize(raw['sinew-1t']?.peakGflops);
const fmaPeak = summarize(raw['sinew-relaxed-1t']?.peakGflops);
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`\nGFLOPS, median (min–max) over ${rounds} interleaved round(s); higher is better. ${cpu}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString()}`);
console.log(`load average at start ${load0.map((l) => l.toFixed(2)).join(' ')}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')} (a shared machine inflates every spread)`);
console.log(table(['workload', ...present.map((id) => `${id} ×${threadsOf(id)}`)], rows));
for (const id of present) {
  const i = raw[id].info;
  console.log(`  ${id}: ${i.library}${i.build ? `, build ${i.build}` : ''}${i.backend ? `, backend ${i.backend}` : ''}${i.wasmFile ? `, loaded ${i.wasmFile}` : ''}, ${i.threads} thread(s)`);
}
if (present.includes('tfjs-wasm')) console.log('  † TF.js-wasm 4.22 runs transposed products (transposeA/transposeB) as a scalar loop, not XNNPACK: its slow path, shown as measured.');
if (peak) console.log(`\nregister-only WASM SIMD128 mul+add peak (Sinew×1): ${fmtSpread(peak)} GFLOPS`);
if (fmaPeak) console.log(`register-only WASM relaxed-SIMD FMA peak (Sinew-relaxed×1): ${fmtSpread(fmaPeak)} GFLOPS`);
for (const [id, p] of [['sinew-1t', peak], ['sinew-relaxed-1t', fmaPeak]]) {
  const l1 = summarize(raw[id]?.l1KernelGflops);
  if (l1 && p) console.log(`GEMM micro-kernel alone, L1-resident panels (${who(id)}): ${fmtSpread(l1)} GFLOPS, ${((100 * l1.median) / p.median).toFixed(0)}% of that build's peak`);
}
for (const c of CONVS) {
  const errs = present.filter((id) => raw[id].conv[c.label]?.error).map((id) => `${id}: ${raw[id].conv[c.label].error}`);
  for (const e of new Set(errs)) console.log(`${c.label}: ${e}`);
}

// Ratios of medians; every header names both sides' threads.
const ratio = (a, b) => (a && b ? a / b : null);
const fmt = (r, mark = '') => (r === null ? 'n/a' : `${r.toFixed(2)}×${mark}`);
const lines = [];
for (const g of GEMMS) {
  const t1 = gf('sinew-1t', 'gemm', g), tn = gf('sinew-threads', 'gemm', g), r1 = gf('sinew-relaxed-1t', 'gemm', g);
  lines.push([g.label, peak && t1 ? `${((100 * t1) / peak.median).toFixed(0)}%` : 'n/a', fmt(ratio(tn, t1)), fmt(ratio(t1, gf('tfjs-wasm', 'gemm', g)), slowPath('tfjs-wasm', g) ? ' †' : ''), fmt(ratio(t1, gf('js', 'gemm', g))), fmt(ratio(t1, gf('tfjs-cpu', 'gemm', g))), fmt(ratio(r1, t1)), fmaPeak && r1 ? `${((100 * r1) / fmaPeak.median).toFixed(0)}%` : 'n/a']);
}
for (const c of CONVS) {
  const t1 = gf('sinew-1t', 'conv', c), tn = gf('sinew-threads', 'conv', c);
  const gemmRate = gf('sinew-1t', 'gemm', GEMMS[4]);
  lines.push([c.label, gemmRate && t1 ? `${((100 * t1) / gemmRate).toFixed(0)}% of GEMM` : 'n/a', fmt(ratio(tn, t1)), fmt(ratio(t1, gf('tfjs-wasm', 'conv', c))), fmt(ratio(t1, gf('js', 'conv', c))), fmt(ratio(t1, gf('tfjs-cpu', 'conv', c))), fmt(ratio(gf('sinew-relaxed-1t', 'conv', c), t1)), 'n/a']);
}
console.log('\nRatios of medians');
console.log(table(['workload', `${who('sinew-1t')} % of peak`, `${who('sinew-threads')} / ${who('sinew-1t')}`, `${who('sinew-1t')} / ${who('tfjs-wasm')}`, `${who('sinew-1t')} / ${who('js')}`, `${who('sinew-1t')} / ${who('tfjs-cpu')}`, `${who('sinew-relaxed-1t')} / ${who('sinew-1t')}`, `${who('sinew-relaxed-1t')} % of FMA peak`], lines));

// Plausibility: a peer far below what it does when timed fairly means the harness is wrong.
const checks = Object.entries(KERNEL_FLOORS).flatMap(([id, floors]) =>
  Object.entries(floors).map(([label, floor]) => ({ what: `${id} ${label}`, value: gf(id, 'gemm', GEMMS.find((g) => g.label === label)), floor, unit: 'GFLOPS' })),
);
const implausible = floorViolations(checks);

const elapsed = (performance.now() - t0) / 1000;
const day = new Date().toISOString().slice(0, 10);
const stem = `kernels-${day}${quick ? '-quick' : ''}`;
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
const summaries = Object.fromEntries(present.map((id) => [id, { info: raw[id].info, gflops: Object.fromEntries([...GEMMS.map((g) => [g.label, stat(id, 'gemm', g)]), ...CONVS.map((c) => [c.label, stat(id, 'conv', c) ?? raw[id].conv[c.label] ?? null])]) }]));
const json = { date: new Date().toISOString(), quick, rounds, host: { cpu, cores: cpus().length, node: process.version, loadavgStart: load0, loadavgEnd: loadavg() }, elapsedS: elapsed, implausible, peakGflops: peak, fmaPeakGflops: fmaPeak, contenders: summaries, rawMs: raw };
await writeFile(new URL(`./results/${stem}.json`, import.meta.url), JSON.stringify(json, null, 2));
const svg = barChart({
  title: `Sinew kernels vs pure JS and TF.js — GFLOPS, median of ${rounds} rounds (log scale), ${day}`,
  unit: 'GFLOPS',
  groups: [...GEMMS, ...CONVS].map((w) => w.label),
  series: present.map((id) => ({ name: `${CONTENDERS.find(([c]) => c === id)[1]} ×${threadsOf(id)}`, values: [...GEMMS.map((g) => gf(id, 'gemm', g)), ...CONVS.map((c) => gf(id, 'conv', c))] })),
});
await writeFile(new URL(`./results/${stem}.svg`, import.meta.url), svg);
console.log(`\nwrote benches/results/${stem}.json and .svg (${fmtNum(elapsed / 60)} min)`);
failOnImplausible(implausible, 'bench:kernels');
