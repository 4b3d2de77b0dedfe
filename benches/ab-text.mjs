#!/usr/bin/env node
// A/B training throughput of one text model (benches/lib/train-contenders.mjs
// TEXT_MODELS) between two builds of the package, for a noisy or shared
// machine: both builds are loaded into one process (two engines) and their
// epochs alternate (order swapped every round), so each pair of epochs sees
// the same load. Prints each build's ms/step (median, IQR) and the median of
// the per-round ratios old/new, wall clock and process CPU time.
//
//   node benches/ab-text.mjs --old ../main/dist [--new dist] [--kind conv1d] [--threads 1] [--rounds 30]
//
// `--old` / `--new` are built `dist/` directories (`bash build.sh` output).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TEXT_MODELS, textData, textModel } from './lib/train-contenders.mjs';
import { fmtSpread, summarize } from './lib/stats.mjs';

const opt = (name, def) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : def);
const KIND = opt('--kind', 'conv1d'), THREADS = Number(opt('--threads', 1)), ROUNDS = Number(opt('--rounds', 30));
const BATCH = 64, STEPS = 8;
if (!opt('--old')) throw new Error('usage: node benches/ab-text.mjs --old <dist dir> [--new <dist dir>] [--kind conv1d] [--threads 1] [--rounds 30]');
if (!(KIND in TEXT_MODELS)) throw new Error(`--kind must be one of ${Object.keys(TEXT_MODELS).join(', ')}`);
const dirs = { old: opt('--old'), new: opt('--new', 'dist') };

const n = BATCH * STEPS, d = textData(KIND, n);
const runs = {};
for (const [key, dir] of Object.entries(dirs)) {
  const sinew = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  await sinew.init();
  sinew.setNumThreads(THREADS);
  const x = sinew.tensor(d.images, [n, TEXT_MODELS[KIND].len], 'int32'), y = sinew.tensor(d.labels, [n, 1]);
  const model = textModel(sinew, KIND);
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  await model.fit(x, y, { epochs: 2, batchSize: BATCH, verbose: 0 }); // warm-up: V8 tiers the WASM code up
  runs[key] = { sinew, model, x, y, wall: [], cpu: [] };
}
for (let r = 0; r < ROUNDS; r++) {
  for (const key of r % 2 ? ['new', 'old'] : ['old', 'new']) {
    const s = runs[key];
    s.sinew.setNumThreads(THREADS);
    const t0 = performance.now(), c0 = process.cpuUsage();
    await s.model.fit(s.x, s.y, { epochs: 1, batchSize: BATCH, verbose: 0, shuffle: false });
    s.wall.push((performance.now() - t0) / STEPS);
    s.cpu.push(process.cpuUsage(c0).user / 1000 / STEPS);
  }
}
const iqr = { iqr: true, digits: 2 };
console.log(`${TEXT_MODELS[KIND].label.split(':')[0]}, ${THREADS} thread(s), ${ROUNDS} alternating rounds of ${STEPS} steps (batch ${BATCH}); ms per step, median (IQR)`);
for (const key of ['old', 'new']) {
  const { wall, cpu } = runs[key];
  console.log(`  ${key} (${dirs[key]}): wall ${fmtSpread(summarize(wall), iqr)}, CPU ${fmtSpread(summarize(cpu), iqr)}`);
}
const ratio = (f) => summarize(runs.old[f].map((v, i) => v / runs.new[f][i]));
console.log(`  per-round old/new (> 1: new is faster): wall ${fmtSpread(ratio('wall'), { iqr: true, digits: 3 })}, CPU ${fmtSpread(ratio('cpu'), { iqr: true, digits: 3 })}`);
process.exit(0); // two engines' worker pools
