#!/usr/bin/env node
// End-to-end training/inference benchmark (`npm run bench`): every contender
// on the same Fashion-MNIST models, data, batch size and step count, and on
// three text models (LSTM and Conv1D text classifiers, a character GRU;
// training speed only) — each (contender, workload) in its own Node process,
// then the same workloads in Chromium (a fresh browser per run; Sinew in its
// engine Worker, TF.js on the page). Contenders run in interleaved rounds
// (round r runs each workload on every contender in an order rotated by r,
// so a noisy minute lands on all of them); the first round also measures memory, a 1-epoch
// accuracy run and test accuracy, later rounds only the timed parts. Figures
// are medians over every timed repetition of every round, with min–max (IQR
// for batch-1 latency); every ratio names both sides' threads. Prints a table
// per workload and the target checks; writes benches/results/<date>.json, .md
// and .svg (a --quick run writes <date>-quick.*), and on a full run refreshes
// README.md's Benchmarks table between its markers. Exits non-zero when a
// peer comes out implausibly slow (benches/lib/floors.mjs).
//
//   node benches/train.mjs [--quick] [--rounds N] [--no-browser] [--no-node] [--only id,id] [--kinds mlp,cnn,lstm,conv1d,gru] [--merge] [--no-readme]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../scripts/serve.mjs';
import { TRAIN_FLOORS, failOnImplausible, floorViolations } from './lib/floors.mjs';
import { PROFILES, SINEW_THREADS, TEXT_MODELS, WORKLOADS, WORKLOADS_TEXT } from './lib/train-contenders.mjs';
import { fmtNum, fmtSpread, summarize } from './lib/stats.mjs';
import { barChart } from './lib/svg.mjs';
import { table } from './lib/timing.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const withBrowser = !args.includes('--no-browser');
const withNode = !args.includes('--no-node');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : quick ? 2 : 3;
const profileName = quick ? 'quick' : 'full';
const profile = PROFILES[profileName];
const root = fileURLToPath(new URL('..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
/** Image workloads (Fashion-MNIST) and text workloads (synthetic ids); both run in Node and Chromium. */
const IMAGE_KINDS = ['mlp', 'cnn'];
const TEXT_KINDS = Object.keys(TEXT_MODELS);
const kindsArg = args.includes('--kinds') ? args[args.indexOf('--kinds') + 1].split(',') : null;
const KINDS = [...IMAGE_KINDS, ...TEXT_KINDS].filter((k) => !kindsArg || kindsArg.includes(k));
const TITLES = { ...WORKLOADS, ...WORKLOADS_TEXT };

const CONTENDERS = [
  ['sinew-threads', 'Sinew threads+SIMD'],
  ['sinew-1t', 'Sinew SIMD'],
  ['sinew-relaxed', 'Sinew threads+relaxed SIMD'],
  ['sinew-baseline', 'Sinew baseline (no SIMD)'],
  ['js', 'plain JavaScript'],
  ['tfjs-cpu', 'TF.js cpu'],
  ['tfjs-wasm', 'TF.js wasm'],
  ['brainjs', 'brain.js'],
  ['convnetjs', 'ConvNetJS'],
];
const BROWSER = ['sinew-threads', 'sinew-1t', 'sinew-baseline', 'tfjs-cpu', 'tfjs-wasm'];
const wanted = (id) => !only || only.includes(id);
const STATIC = {
  brainjs: { cnn: 'not run: brain.js NeuralNetwork has no convolution layers' },
  js: {},
  convnetjs: {},
};
// Node 20 has relaxed SIMD only behind a flag, so Sinew's default build there
// is `threads`; its fastest documented configuration (README, "Builds") adds
// the flag, run as its own contender. Where the default build already is
// `threads-relaxed` (Node 22+), that contender would repeat sinew-threads.
const { NODE_RELAXED_SIMD_FLAG: RELAXED_FLAG, relaxedSimdNodeFlags } = await import('../dist/engine/detect.js');
const RELAXED_ARGS = relaxedSimdNodeFlags();
const relaxedByDefault = RELAXED_ARGS.length === 0;
STATIC['sinew-relaxed'] = relaxedByDefault ? Object.fromEntries([...IMAGE_KINDS, ...TEXT_KINDS].map((k) => [k, `not run: Node ${process.version} has relaxed SIMD without a flag, so Sinew threads+SIMD already runs the threads-relaxed build`])) : {};
for (const k of TEXT_KINDS) {
  STATIC.brainjs[k] = 'not run: brain.js NeuralNetwork has no embedding, recurrent or 1-D convolution layers';
  STATIC.convnetjs[k] = 'not run: ConvNetJS has no embedding, recurrent or 1-D convolution layers';
  STATIC.js[k] = 'not run: the plain-JS reference implements the MLP and CNN only';
}
/**
 * Round r's visiting order: the list rotated by r, except that Sinew's
 * threaded ×2 and ×1 runs stay back to back (×2 first in even rounds): their
 * ratio is a target, and this VM's speed drifts over minutes (in one run the
 * ×2 MLP made ~31,000 samples/s in round 1 and ~23,000 in round 2, its ×1
 * ~22,400 in both, when other contenders' runs stood between them).
 */
function rotated(list, r) {
  const pair = ['sinew-threads', 'sinew-1t'];
  const paired = pair.every((id) => list.includes(id));
  const rest = paired ? list.filter((id) => id !== pair[1]) : list;
  return rest.map((_, i) => rest[(i + r) % rest.length]).flatMap((id) => (paired && id === pair[0] ? (r % 2 ? [...pair].reverse() : pair) : [id]));
}

const t0 = performance.now();
const load0 = loadavg();
const results = { node: {}, chromium: {} };
const put = (host, id, kind, r) => ((results[host][id] ??= {})[kind] = r);

/**
 * Folds a later round's timing-only result into the first round's: every
 * timed repetition is kept (as samples/s or ms), so the medians and spreads
 * below are over all rounds.
 */
function addRound(host, id, kind, r) {
  const first = results[host][id]?.[kind];
  if (!first) return put(host, id, kind, withRates(r));
  first.rounds = (first.rounds ?? 1) + 1;
  const err = r.error ?? r.train?.error ?? r.infer?.error;
  if (err) (first.roundErrors ??= []).push(err);
  if (r.train?.repsMs && first.train?.rates) {
    first.train.rates.push(...ratesOf(r));
    first.train.repsMs.push(...r.train.repsMs);
  }
  if (r.infer?.b1Ms && first.infer?.b1Ms) {
    first.infer.b1Ms.push(...r.infer.b1Ms);
    first.infer.b1000Ms.push(...r.infer.b1000Ms);
  }
}
/** samples/s of each timed repetition of one run. */
const ratesOf = (r) => (r.train?.repsMs ?? []).map((ms) => (r.steps * r.batch) / (ms / 1000));
const withRates = (r) => (r.train?.repsMs ? { ...r, train: { ...r.train, rates: ratesOf(r) } } : r);

function runProcess(id, kind, timingOnly) {
  return new Promise((resolve) => {
    const flags = id === 'sinew-relaxed' ? RELAXED_ARGS : [];
    const child = spawn(process.execPath, [...flags, join(here, 'train-contender.mjs'), id, kind, ...(quick ? ['--quick'] : []), ...(timingOnly ? ['--timing-only'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      for (const line of String(d).split('\n')) if (line.startsWith('  [')) process.stderr.write(`${line}\n`);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch {
        resolve({ contender: id, kind, error: `process exited ${code}: ${err.trim().split('\n').slice(-2).join(' | ')}` });
      }
    });
  });
}

// --- Node ---
const nodeIds = CONTENDERS.map(([id]) => id).filter(wanted);
for (let r = 0; withNode && r < rounds; r++) {
  for (const kind of KINDS) {
    for (const id of rotated(nodeIds, r)) {
      if (STATIC[id]?.[kind]) {
        if (r === 0) put('node', id, kind, { contender: id, kind, skipped: STATIC[id][kind] });
        continue;
      }
      // Timed on one step in round 1 (too slow to repeat, see PROFILES): not re-run.
      if (r > 0 && get0('node', id, kind)?.oneStep) continue;
      process.stderr.write(`node, round ${r + 1}/${rounds}: ${id}, ${kind}...\n`);
      addRound('node', id, kind, await runProcess(id, kind, r > 0));
    }
  }
}

// --- Chromium ---
if (withBrowser) {
  const { launchChromium } = await import('../tests/browser/_browser.mjs');
  const sinew = await import('../dist/index.js');
  const serveRoot = await mkdtemp(join(tmpdir(), 'sinew-bench-'));
  for (const d of ['dist', 'benches', 'node_modules', 'tests']) await symlink(join(root, d), join(serveRoot, d));
  if (KINDS.some((k) => IMAGE_KINDS.includes(k))) {
    // One raw file the page fetches: u8 images then labels, train then test.
    const ds = await sinew.data.loadFashionMnist();
    const u8 = new Uint8Array(70000 * 785);
    let o = 0;
    for (const part of [ds.train, ds.test]) {
      for (let i = 0; i < part.images.length; i++) u8[o + i] = Math.round(part.images[i] * 255);
      o += part.images.length;
      u8.set(part.labels, o);
      o += part.labels.length;
    }
    await mkdir(join(serveRoot, 'data'));
    await writeFile(join(serveRoot, 'data', 'fashion-mnist.u8'), u8);
  }
  const server = await startServer({ root: serveRoot, isolated: true });
  const dataUrl = `${server.url}data/fashion-mnist.u8`;
  const tfDist = (p) => `${server.url}node_modules/@tensorflow/${p}/dist/`;
  try {
    for (let round = 0; round < rounds; round++) for (const kind of KINDS) {
      const timingOnly = round > 0;
      for (const id of rotated(BROWSER.filter(wanted), round)) {
        // Timed on one step in round 1 (too slow to repeat, see PROFILES): not re-run.
        if (round > 0 && get0('chromium', id, kind)?.oneStep) continue;
        process.stderr.write(`chromium, round ${round + 1}/${rounds}: ${id}, ${kind}...\n`);
        const browser = await launchChromium();
        let r;
        try {
          const page = await browser.newPage();
          // TF.js-wasm caps its XNNPACK threads at navigator.hardwareConcurrency / 2
          // (it assumes two hardware threads per core). This bench's cores are real
          // cores, so its page reports twice Sinew's thread count and TF.js gets as
          // many threads as Sinew; the notes record the count TF.js reports back.
          if (id === 'tfjs-wasm') await page.addInitScript((n) => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n }), 2 * SINEW_THREADS);
          await page.goto(`${server.url}tests/browser/blank.html`);
          const version = browser.version();
          if (id.startsWith('sinew')) {
            const opts = { kind, threads: id === 'sinew-threads' ? SINEW_THREADS : 1, profile: profileName, dataUrl, timingOnly };
            // The build createEngine() picks by default (threads-relaxed in Chromium 114+), as a page gets it.
            const backend = id === 'sinew-baseline' ? 'baseline' : undefined;
            r = await page.evaluate(
              async ([backend, opts]) => {
                const { createEngine } = await import('/dist/browser/index.js');
                const engine = await createEngine({ backend });
                return engine.run('/benches/lib/train-browser.mjs', 'sinewInWorker', opts);
              },
              [backend, opts],
            );
          } else {
            for (const s of ['tfjs-core/dist/tf-core.min.js', 'tfjs-backend-cpu/dist/tf-backend-cpu.min.js', 'tfjs-backend-wasm/dist/tf-backend-wasm.min.js', 'tfjs-layers/dist/tf-layers.min.js']) {
              await page.addScriptTag({ url: `${server.url}node_modules/@tensorflow/${s}` });
            }
            // TF.js-wasm on an isolated page: its threaded SIMD binary, as many threads as Sinew's threaded run.
            const opts = { kind, backend: id.slice(5), threads: SINEW_THREADS, profile: profileName, dataUrl, wasmDir: tfDist('tfjs-backend-wasm'), timingOnly };
            r = await page.evaluate(async (opts) => (await import('/benches/lib/train-browser.mjs')).tfjsInPage(opts), opts);
          }
          r = { contender: id, host: 'chromium', chromium: version, ...r };
          for (const [k, v] of Object.entries(r)) if (v?.error) process.stderr.write(`  [${id}] ${kind} ${k}: ${v.error}\n`);
          if (r.train?.samplesPerSec) process.stderr.write(`  [${id}] ${kind} training: ${r.train.samplesPerSec.toFixed(0)} samples/s\n`);
        } catch (e) {
          r = { contender: id, host: 'chromium', kind, error: String(e.message).split('\n')[0] };
          process.stderr.write(`  [${id}] ${kind}: ${r.error}\n`);
        } finally {
          await browser.close();
        }
        addRound('chromium', id, kind, r);
      }
    }
  } finally {
    await server.close();
    await rm(serveRoot, { recursive: true, force: true });
  }
}

// --merge: results missing from this run are taken from the day's saved JSON
// (re-running one contender after a transient failure without redoing all).
const day = new Date().toISOString().slice(0, 10);
const stem = quick ? `${day}-quick` : day;
let merged = [];
if (args.includes('--merge')) {
  try {
    const old = JSON.parse(await readFile(join(here, 'results', `${stem}.json`), 'utf8'));
    for (const host of ['node', 'chromium'])
      for (const [id, kinds] of Object.entries(old.results[host] ?? {}))
        for (const [kind, r] of Object.entries(kinds)) if (!get0(host, id, kind)) (put(host, id, kind, r), merged.push(`${host}/${id}/${kind}`));
  } catch (e) {
    process.stderr.write(`--merge: ${e.message}\n`);
  }
}
function get0(host, id, kind) {
  return results[host][id]?.[kind];
}

// --- report ---
const get = (host, id, kind) => results[host][id]?.[kind];
const trainStat = (host, id, kind) => summarize(get(host, id, kind)?.train?.rates);
const b1000Stat = (host, id, kind) => summarize(get(host, id, kind)?.infer?.b1000Ms?.map((ms) => 1000 / (ms / 1000)));
const b1Stat = (host, id, kind) => summarize(get(host, id, kind)?.infer?.b1Ms);
const trainSps = (host, id, kind) => trainStat(host, id, kind)?.median ?? null;
const b1000 = (host, id, kind) => b1000Stat(host, id, kind)?.median ?? null;
const b1 = (host, id, kind) => b1Stat(host, id, kind)?.median ?? null;
const infoOf = (host, id) => KINDS.map((k) => get(host, id, k)?.info).find(Boolean);
/** Threads the contender ran with on that host (as it reported them). */
const threadsOf = (host, id) => infoOf(host, id)?.threads ?? (id.startsWith('sinew') ? '?' : 1);
/** A Sinew row's name says which SIMD its build used (the default build differs by host). */
const nameOf = (host, id) => {
  const name = CONTENDERS.find(([c]) => c === id)?.[1] ?? id;
  return ['sinew-threads', 'sinew-1t'].includes(id) && infoOf(host, id)?.build?.endsWith('-relaxed') ? name.replace('SIMD', 'relaxed SIMD') : name;
};
const label = (host, id) => `${nameOf(host, id)} ×${threadsOf(host, id)}`;
const SHORT = { 'sinew-threads': 'Sinew threads', 'sinew-1t': 'Sinew', 'sinew-relaxed': 'Sinew relaxed', 'sinew-baseline': 'Sinew baseline', js: 'JS', 'tfjs-cpu': 'TF.js-cpu', 'tfjs-wasm': 'TF.js-wasm', brainjs: 'brain.js', convnetjs: 'ConvNetJS' };
/** "Sinew threads×2": the name and thread count every ratio carries for both sides. */
const who = (host, id) => `${SHORT[id]}×${threadsOf(host, id)}`;
const MB = (b) => (b ? (b / 2 ** 20).toFixed(0) : 'n/a');
const x = (a, b) => (a && b ? `${(a / b).toFixed(a / b < 10 ? 2 : 1)}×` : 'n/a');
const failure = (r) => r?.skipped ?? r?.error ?? r?.train?.error;
/** A failure shown in the table cell itself (the full text is in the notes). */
const failCell = (f) => (f.startsWith('not run') ? f : `fails: ${f.length > 90 ? `${f.slice(0, 87)}…` : f}`);

function workloadTable(host, kind) {
  const ids = Object.keys(results[host]).filter((id) => get(host, id, kind));
  const rows = ids.map((id) => {
    const r = get(host, id, kind);
    const sps = trainSps(host, id, kind);
    const e = r.epoch;
    const acc = e?.testAcc != null ? `${(100 * e.testAcc).toFixed(1)}%${e.fraction < 1 ? ` (${e.samples} samples${e.testSamples < 10000 ? `, test ${e.testSamples}` : ''})` : e.testSamples < 10000 ? ` (test ${e.testSamples})` : ''}` : 'n/a';
    const m = r.memory ?? {};
    return [
      label(host, id),
      sps ? fmtSpread(trainStat(host, id, kind)) : failure(r) ? failCell(failure(r)) : 'n/a',
      r.train?.repsMs ? `${r.steps}×${r.train.repsMs.length}` : 'n/a',
      x(trainSps(host, 'sinew-threads', kind), sps),
      x(trainSps(host, 'sinew-1t', kind), sps),
      acc,
      b1Stat(host, id, kind) ? fmtSpread(b1Stat(host, id, kind), { digits: 3, iqr: true }) : 'n/a',
      fmtSpread(b1000Stat(host, id, kind)),
      MB(m.wasmBytes),
      MB(m.heapUsed),
      host === 'node' ? MB(m.maxRss) : 'n/a',
    ];
  });
  return {
    header: ['contender ×threads', 'train samples/s', 'timed steps×reps', `${who(host, 'sinew-threads')} ÷ this`, `${who(host, 'sinew-1t')} ÷ this`, 'test acc after 1 epoch', 'batch-1 ms (IQR)', 'batch-1000 samples/s', 'peak WASM MB', 'peak JS heap MB', 'peak RSS MB'],
    rows,
    notes: ids.flatMap((id) => {
      const r = get(host, id, kind);
      const i = r.info;
      const ran = i && `${label(host, id)}: ${i.library}${i.build ? `, build ${i.build}` : ''}${i.backend ? `, backend ${i.backend}` : ''}${i.wasmFile ? `, loaded ${i.wasmFile}` : ''}, ${i.threads} thread(s)`;
      return [ran, r.note && `${label(host, id)}: ${r.note}`, failure(r) && `${label(host, id)} training: ${failure(r)}`, r.infer?.error && `${label(host, id)} inference: ${r.infer.error}`, r.roundErrors && `${label(host, id)} later rounds: ${[...new Set(r.roundErrors)].join('; ')}`].filter(Boolean);
    }),
  };
}

const targets = [];
const check = (name, ok, detail) => targets.push({ name, pass: ok === null ? null : !!ok, detail });
for (const host of ['node', 'chromium']) {
  if (!Object.keys(results[host]).length) continue;
  const H = host === 'node' ? 'Node' : 'Chromium';
  const r = (a, b) => (a && b ? a / b : null);
  const rc = (what, f, a, b, kind, min) => {
    if (!KINDS.includes(kind)) return;
    const v = r(f(host, a, kind), f(host, b, kind));
    check(`${H}: ${what}, ${who(host, a)} / ${who(host, b)} ≥ ${min}×`, v === null ? null : v >= min, v === null ? 'n/a' : `${v.toFixed(2)}×`);
  };
  rc('MLP training', trainSps, 'sinew-threads', 'sinew-1t', 'mlp', 1.7);
  rc('CNN training', trainSps, 'sinew-threads', 'sinew-1t', 'cnn', 1.7);
  rc('MLP training', trainSps, 'sinew-threads', 'tfjs-wasm', 'mlp', 18);
  if (host === 'node' && results.node['sinew-relaxed']?.mlp?.train) rc(`MLP training with ${RELAXED_FLAG}`, trainSps, 'sinew-relaxed', 'tfjs-wasm', 'mlp', 18);
  rc('MLP training', trainSps, 'sinew-threads', 'tfjs-cpu', 'mlp', 40);
  rc('MLP training', trainSps, 'sinew-1t', 'tfjs-wasm', 'mlp', 5);
  rc('CNN training', trainSps, 'sinew-threads', 'tfjs-cpu', 'cnn', 100);
  // Issue 12: text models with 2 threads (the samples/s targets are Node's; the
  // threads scaling is checked in both hosts).
  for (const [kind, what, min] of [['lstm', 'Text LSTM training', 1500], ['conv1d', 'Text Conv1D training', 5000]]) {
    if (host === 'node') {
      const v = trainSps(host, 'sinew-threads', kind);
      check(`Node: ${what}, ${who(host, 'sinew-threads')} ≥ ${min} samples/s`, v === null ? null : v >= min, v === null ? 'n/a' : fmtSpread(trainStat(host, 'sinew-threads', kind)));
    }
    rc(what, trainSps, 'sinew-threads', 'sinew-1t', kind, 1.6);
  }
  for (const kind of KINDS.filter((k) => IMAGE_KINDS.includes(k))) {
    rc(`${kind.toUpperCase()} inference batch 1000`, b1000, 'sinew-threads', 'tfjs-wasm', kind, 2);
    const mine = b1(host, 'sinew-threads', kind);
    const others = Object.keys(results[host]).filter((id) => !id.startsWith('sinew') && b1(host, id, kind) != null);
    const best = others.sort((a, b) => b1(host, a, kind) - b1(host, b, kind))[0];
    check(`${H}: ${kind.toUpperCase()} batch-1 latency, ${who(host, 'sinew-threads')} lower than every other contender`, mine == null || !best ? null : mine < b1(host, best, kind), best ? `${fmtNum(mine, 3)} ms vs ${fmtNum(b1(host, best, kind), 3)} ms (${label(host, best)})` : 'n/a');
  }
  const mw = get(host, 'sinew-threads', 'mlp')?.memory?.wasmBytes, tw = get(host, 'tfjs-wasm', 'mlp')?.memory?.wasmBytes;
  if (KINDS.includes('mlp')) check(`${H}: MLP peak training WASM memory, ${who(host, 'sinew-threads')} ≤ ${who(host, 'tfjs-wasm')}`, mw && tw ? mw <= tw : null, `${MB(mw)} MB vs ${MB(tw)} MB`);
}
if (Object.keys(results.chromium).length) {
  const common = BROWSER.filter((id) => results.node[id] && results.chromium[id]);
  for (const [what, f] of [['training samples/s', trainSps], ['batch-1000 inference', b1000]]) {
    for (const kind of what === 'training samples/s' ? KINDS : KINDS.filter((k) => IMAGE_KINDS.includes(k))) {
      // Pairwise, except Sinew build vs Sinew build (1 vs 2 threads may legitimately swap).
      const ids = common.filter((id) => f('node', id, kind) && f('chromium', id, kind));
      const flips = [];
      for (const a of ids) for (const b of ids) {
        if (a >= b || (a.startsWith('sinew') && b.startsWith('sinew'))) continue;
        if (f('node', a, kind) > f('node', b, kind) !== f('chromium', a, kind) > f('chromium', b, kind)) flips.push(`${a}/${b}`);
      }
      const order = ids.slice().sort((a, b) => f('chromium', b, kind) - f('chromium', a, kind)).map((id) => who('chromium', id)).join(' > ');
      check(`Chromium: same ordering as Node, ${kind.toUpperCase()} ${what} (Sinew builds vs others)`, ids.length > 1 ? !flips.length : null, flips.length ? `order differs for ${flips.join(', ')}; chromium ${order}` : order);
    }
  }
}

// Plausibility of the peers (benches/lib/floors.mjs): a failing run is written, marked, and exits non-zero.
const implausible = floorViolations(
  ['node', 'chromium'].flatMap((host) =>
    KINDS.flatMap((kind) => [
      ...Object.entries(TRAIN_FLOORS.train[kind] ?? {}).map(([id, floor]) => ({ what: `${host} ${who(host, id)} ${kind.toUpperCase()} training`, value: trainSps(host, id, kind), floor, unit: 'samples/s' })),
      ...Object.entries(TRAIN_FLOORS.inferB1000[kind] ?? {}).map(([id, floor]) => ({ what: `${host} ${who(host, id)} ${kind.toUpperCase()} batch-1000 inference`, value: b1000(host, id, kind), floor, unit: 'samples/s' })),
    ]),
  ),
);

const elapsed = (performance.now() - t0) / 1000;
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const nodeInfo = Object.values(results.node).flatMap((k) => Object.values(k)).find((r) => r.node)?.node ?? process.version;
const chromeInfo = Object.values(results.chromium).flatMap((k) => Object.values(k)).find((r) => r.chromium)?.chromium;
const load1 = loadavg();
const intro = [
  `Fashion-MNIST, ${profileName} profile: MLP ${profile.mlp.warmup + 1} warm-up + ${profile.mlp.steps} timed steps of ${profile.mlp.batch} per repetition, CNN ${profile.cnn.warmup + 1} + ${profile.cnn.steps} steps of ${profile.cnn.batch}${profile.mlp.warmupMinS ? ` (the warm-up pass repeated until ${profile.mlp.warmupMinS} s have passed, for every contender: V8 optimizes the hot code in the background meanwhile, on the cores the timed run uses)` : ''}; ${profile.mlp.minReps}–${profile.mlp.maxReps} repetitions per run (same steps every repetition; more repetitions only for fast contenders, within ${profile.mlp.timedBudgetS} s; a contender slower than 1 s/step skips the rest of the warm-up and runs fewer steps per repetition, ≤ ${profile.mlp.repBudgetS} s: "timed steps×reps" column, reps over all rounds).`,
  `${rounds} interleaved round(s): each round runs every workload on every contender, in an order rotated by the round (Sinew threads×2 and ×1 back to back), so a noisy minute lands on all of them. Figures are the median over every timed repetition of every round, with (min–max), or (IQR) for batch-1 latency; ratios are ratios of medians and name the threads of both sides (×N = threads the contender ran with). Inference times an input array in and probabilities read back out for every contender (TF.js: \`out = model.predict(x); out.dataSync(); dispose\`, no tf.tidy around the read-back).`,
  `Peak memory: sampled after every step of an untimed 10-step pass over the same slice (after the timed runs, first round), so every contender holds the same data; "peak WASM" is Sinew's WebAssembly memory / TF.js wasm's heap (both include the training slice: Sinew and TF.js wasm copy tensors into WASM memory), JS heap and RSS are the process's (Node).`,
  `"1 epoch" = one shuffled pass from a fresh model over the 60,000 training images, or over the first N when that does not fit in ${profile.mlp.epochBudgetS} s (N shown); test accuracy on the 10,000 test images (or the first ones shown).`,
  `Sinew: the threaded rows load the build init() picks by default on that host (${[...new Set(['node', 'chromium'].map((h) => infoOf(h, 'sinew-threads')?.build && `${h === 'node' ? 'Node' : 'Chromium'}: ${infoOf(h, 'sinew-threads').build}`).filter(Boolean))].join(', ')}), ×1 the same build on one thread. ${relaxedByDefault ? '' : `Sinew threads+relaxed SIMD (Node) is the threads-relaxed build in a Node started with ${RELAXED_FLAG}, the flag Node 20 needs for relaxed SIMD (README, "Builds"). `}The notes under each table name every run's build.`,
  `TF.js: in Node tfjs-backend-wasm is single-threaded (it forces threads off there) and loads its SIMD binary; in Chromium the page is cross-origin isolated and TF.js-wasm gets its threaded SIMD binary with ${SINEW_THREADS} threads, as many as Sinew's threaded run (TF.js caps its threads at navigator.hardwareConcurrency / 2, assuming two hardware threads per core, so its page reports ${2 * SINEW_THREADS}). The notes under each table name the .wasm file each TF.js run loaded.`,
  `Text workloads (Node and Chromium): training speed on synthetic token ids (the rate does not depend on them), Adam 1e-3, binary cross-entropy, batch ${profile.lstm.batch}, ${profile.lstm.warmup + 1} warm-up steps${profile.lstm.warmupMinS ? ` (the warm-up pass repeated until ${profile.lstm.warmupMinS} s have passed: V8 optimizes the hot code in the background meanwhile)` : ''} + ${profile.lstm.steps} timed steps per repetition; a contender whose first step takes over ${profile.lstm.oneStepAboveS} s is timed on ${profile.lstm.slowFirstStepTimed ? 'that first step (warm-up included)' : 'ONE further step'}, in the first round only (its notes say so). Plain JS, brain.js and ConvNetJS have no such models.`,
  `Host: ${cpu}, ${cpus().length} cores, Node ${nodeInfo}${chromeInfo ? `, Chromium ${chromeInfo} (cross-origin isolated page; Sinew in its engine Worker, TF.js on the page)` : ''}; load average ${load0[0].toFixed(2)} at start, ${load1[0].toFixed(2)} at end. Each Node run is its own process; each Chromium run its own browser. Total ${(elapsed / 60).toFixed(1)} min${merged.length ? ` for this re-run (${[...new Set(Object.keys(results.node).concat(Object.keys(results.chromium)).filter((id) => !merged.some((m) => m.includes(`/${id}/`))))].join(', ')}); the rest is from the day's earlier run` : ''}.`,
];
const md = [`# Sinew end-to-end benchmark, ${day}${quick ? ' (--quick: indicative only)' : ''}`, '', ...intro.map((l) => `${l}\n`)];
if (implausible.length) md.push('**FAILED plausibility checks — do not publish these figures:**', '', ...implausible.map((l) => `- ${l}`), '');
const text = [];
for (const host of ['node', 'chromium']) {
  for (const kind of KINDS) {
    if (!Object.keys(results[host]).some((id) => get(host, id, kind))) continue;
    const t = workloadTable(host, kind);
    const title = `${host === 'node' ? 'Node' : 'Chromium'} — ${TITLES[kind]}`;
    text.push(`\n${title}\n${table(t.header, t.rows)}${t.notes.length ? `\n  ${t.notes.join('\n  ')}` : ''}`);
    md.push(`## ${title}`, '', `| ${t.header.join(' | ')} |`, `|${t.header.map((_, i) => (i ? '---:' : '---')).join('|')}|`, ...t.rows.map((r) => `| ${r.join(' | ')} |`), '');
    if (t.notes.length) md.push(...t.notes.map((n) => `- ${n}`), '');
  }
}
const mark = (p) => (p === null ? 'n/a ' : p ? 'PASS' : 'MISS');
text.push(`\nTargets\n${targets.map((t) => `  ${mark(t.pass)}  ${t.name}: ${t.detail}`).join('\n')}`);
md.push('## Targets', '', '| | target | measured |', '|---|---|---|', ...targets.map((t) => `| ${mark(t.pass).trim()} | ${t.name} | ${t.detail} |`), '');
console.log(intro.join('\n'));
console.log(text.join('\n'));

await mkdir(join(here, 'results'), { recursive: true });
const series = [];
for (const host of ['node', 'chromium']) {
  for (const id of Object.keys(results[host])) {
    series.push({
      name: `${label(host, id)} (${host === 'node' ? 'Node' : 'Chromium'})`,
      values: [trainSps(host, id, 'mlp'), trainSps(host, id, 'cnn'), b1000(host, id, 'mlp'), b1000(host, id, 'cnn'), ...TEXT_KINDS.map((k) => trainSps(host, id, k))],
    });
  }
}
const svg = barChart({
  title: `Sinew vs plain JS, TF.js, brain.js, ConvNetJS — Fashion-MNIST and text models, samples/s (log scale), ${day}${quick ? ' (quick)' : ''}`,
  unit: 'samples/s',
  groups: ['MLP training', 'CNN training', 'MLP inference (batch 1000)', 'CNN inference (batch 1000)', 'Text LSTM training', 'Text Conv1D training', 'Char GRU training'],
  series,
});
await writeFile(join(here, 'results', `${stem}.svg`), svg);
md.push(`![chart](${stem}.svg)`, '');
await writeFile(join(here, 'results', `${stem}.md`), md.join('\n'));
await writeFile(join(here, 'results', `${stem}.json`), JSON.stringify({ date: new Date().toISOString(), profile: profileName, config: profile, rounds, host: { cpu, cores: cpus().length, node: nodeInfo, chromium: chromeInfo, loadavgStart: load0, loadavgEnd: load1 }, elapsedS: elapsed, implausible, targets, results }, null, 2));
console.log(`\nwrote benches/results/${stem}.json, .md and .svg (${(elapsed / 60).toFixed(1)} min)`);

// README: the Node tables and the targets between the markers (full runs only).
if (!quick && !implausible.length && !args.includes('--no-readme') && (!only || merged.length)) {
  const readmePath = join(root, 'README.md');
  const readme = await readFile(readmePath, 'utf8');
  const [start, end] = ['<!-- bench:train:start -->', '<!-- bench:train:end -->'];
  const a = readme.indexOf(start), b = readme.indexOf(end);
  if (a >= 0 && b > a) {
    let skip = false;
    const slice = md.slice(md.findIndex((l) => l.startsWith('## Node'))).filter((l) => {
      if (l.startsWith('## ')) skip = l.startsWith('## Chromium');
      return !skip;
    });
    const body = [`Latest full run (${day}; Node tables here, Chromium tables in [the full report](benches/results/${stem}.md); [JSON](benches/results/${stem}.json)):`, '', ...intro.map((l) => `${l}\n`), ...slice.map((l) => (l.startsWith('## ') ? `#### ${l.slice(3)}` : l.replace(`](${stem}.svg)`, `](benches/results/${stem}.svg)`)))].join('\n');
    await writeFile(readmePath, `${readme.slice(0, a + start.length)}\n${body}\n${readme.slice(b)}`);
    console.log('updated README.md (Benchmarks section)');
  }
}
failOnImplausible(implausible, 'bench');
