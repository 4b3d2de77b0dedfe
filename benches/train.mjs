#!/usr/bin/env node
// End-to-end training/inference benchmark (`npm run bench`): every contender
// on the same Fashion-MNIST models, data, batch size and step count, in one
// run — each (contender, workload) in its own Node process, then the same
// workloads in Chromium (a fresh browser per run). Prints a table per workload
// with the ratios and the target checks; writes benches/results/<date>.json,
// .md and .svg (a --quick run writes <date>-quick.*), and on a full run
// refreshes README.md's Benchmarks table between its markers.
//
//   node benches/train.mjs [--quick] [--no-browser] [--no-node] [--only id,id] [--merge] [--no-readme]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../scripts/serve.mjs';
import { PROFILES, WORKLOADS } from './lib/train-contenders.mjs';
import { barChart } from './lib/svg.mjs';
import { table } from './lib/timing.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const withBrowser = !args.includes('--no-browser');
const withNode = !args.includes('--no-node');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
const profileName = quick ? 'quick' : 'full';
const profile = PROFILES[profileName];
const root = fileURLToPath(new URL('..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const KINDS = ['mlp', 'cnn'];

const CONTENDERS = [
  ['sinew-threads', 'Sinew threads+SIMD, 2 threads'],
  ['sinew-1t', 'Sinew SIMD, 1 thread'],
  ['sinew-baseline', 'Sinew baseline (no SIMD)'],
  ['js', 'plain JavaScript'],
  ['tfjs-cpu', 'TF.js cpu'],
  ['tfjs-wasm', 'TF.js wasm'],
  ['brainjs', 'brain.js'],
  ['convnetjs', 'ConvNetJS'],
];
const BROWSER = ['sinew-threads', 'sinew-1t', 'sinew-baseline', 'tfjs-cpu', 'tfjs-wasm'];
const label = (id) => CONTENDERS.find(([c]) => c === id)?.[1] ?? id;
const wanted = (id) => !only || only.includes(id);
const STATIC = { brainjs: { cnn: 'not run: brain.js NeuralNetwork has no convolution layers' } };

const t0 = performance.now();
const results = { node: {}, chromium: {} };
const put = (host, id, kind, r) => ((results[host][id] ??= {})[kind] = r);

function runProcess(id, kind) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, 'train-contender.mjs'), id, kind, ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
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
for (const [id, name] of CONTENDERS) {
  if (!wanted(id) || !withNode) continue;
  for (const kind of KINDS) {
    if (STATIC[id]?.[kind]) {
      put('node', id, kind, { contender: id, kind, skipped: STATIC[id][kind] });
      continue;
    }
    process.stderr.write(`node: ${name}, ${kind}...\n`);
    put('node', id, kind, await runProcess(id, kind));
  }
}

// --- Chromium ---
if (withBrowser) {
  const { launchChromium } = await import('../tests/browser/_browser.mjs');
  const sinew = await import('../dist/index.js');
  const ds = await sinew.data.loadFashionMnist();
  // One raw file the page fetches: u8 images then labels, train then test.
  const serveRoot = await mkdtemp(join(tmpdir(), 'sinew-bench-'));
  for (const d of ['dist', 'benches', 'node_modules', 'tests']) await symlink(join(root, d), join(serveRoot, d));
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
  const server = await startServer({ root: serveRoot, isolated: true });
  const dataUrl = `${server.url}data/fashion-mnist.u8`;
  const tfDist = (p) => `${server.url}node_modules/@tensorflow/${p}/dist/`;
  try {
    for (const id of BROWSER) {
      if (!wanted(id)) continue;
      for (const kind of KINDS) {
        process.stderr.write(`chromium: ${label(id)}, ${kind}...\n`);
        const browser = await launchChromium();
        let r;
        try {
          const page = await browser.newPage();
          await page.goto(`${server.url}tests/browser/blank.html`);
          const version = browser.version();
          if (id.startsWith('sinew')) {
            const opts = { kind, threads: id === 'sinew-threads' ? 2 : 1, profile: profileName, dataUrl };
            const backend = id === 'sinew-baseline' ? 'baseline' : 'threads';
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
            const opts = { kind, backend: id.slice(5), profile: profileName, dataUrl, wasmDir: tfDist('tfjs-backend-wasm') };
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
        put('chromium', id, kind, r);
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
const trainSps = (host, id, kind) => get(host, id, kind)?.train?.samplesPerSec ?? null;
const b1000 = (host, id, kind) => get(host, id, kind)?.infer?.b1000SamplesPerSec ?? null;
const b1 = (host, id, kind) => get(host, id, kind)?.infer?.b1LatencyMs ?? null;
const MB = (b) => (b ? (b / 2 ** 20).toFixed(0) : 'n/a');
const num = (v, d = 0) => (v == null ? 'n/a' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v < 10 ? Math.max(d, 2) : 1));
const x = (a, b) => (a && b ? `${(a / b).toFixed(a / b < 10 ? 2 : 1)}×` : 'n/a');
const failure = (r) => r?.skipped ?? r?.error ?? r?.train?.error;

function workloadTable(host, kind) {
  const ids = Object.keys(results[host]).filter((id) => get(host, id, kind));
  const rows = ids.map((id) => {
    const r = get(host, id, kind);
    const sps = trainSps(host, id, kind);
    const e = r.epoch;
    const acc = e?.testAcc != null ? `${(100 * e.testAcc).toFixed(1)}%${e.fraction < 1 ? ` (${e.samples} samples${e.testSamples < 10000 ? `, test ${e.testSamples}` : ''})` : e.testSamples < 10000 ? ` (test ${e.testSamples})` : ''}` : 'n/a';
    const m = r.memory ?? {};
    return [
      label(id),
      sps ? num(sps) : failure(r) ? 'fails (note)' : 'n/a',
      r.train?.repsMs ? `${r.steps}×${r.train.repsMs.length}` : 'n/a',
      x(trainSps(host, 'sinew-threads', kind), sps),
      x(trainSps(host, 'sinew-1t', kind), sps),
      acc,
      num(b1(host, id, kind), 3),
      num(b1000(host, id, kind)),
      MB(m.wasmBytes),
      MB(m.heapUsed),
      host === 'node' ? MB(m.maxRss) : 'n/a',
    ];
  });
  return {
    header: ['contender', 'train samples/s', 'timed steps×reps', 'Sinew 2t ÷ this', 'Sinew 1t ÷ this', 'test acc after 1 epoch', 'batch-1 ms', 'batch-1000 samples/s', 'peak WASM MB', 'peak JS heap MB', 'peak RSS MB'],
    rows,
    notes: ids.flatMap((id) => {
      const r = get(host, id, kind);
      return [r.note && `${label(id)}: ${r.note}`, failure(r) && `${label(id)} training: ${failure(r)}`, r.infer?.error && `${label(id)} inference: ${r.infer.error}`].filter(Boolean);
    }),
  };
}

const targets = [];
const check = (name, ok, detail) => targets.push({ name, pass: ok === null ? null : !!ok, detail });
for (const host of ['node', 'chromium']) {
  if (!Object.keys(results[host]).length) continue;
  const H = host === 'node' ? 'Node' : 'Chromium';
  const r = (a, b) => (a && b ? a / b : null);
  const ratioCheck = (name, a, b, min) => {
    const v = r(a, b);
    check(`${H}: ${name} ≥ ${min}×`, v === null ? null : v >= min, v === null ? 'n/a' : `${v.toFixed(2)}×`);
  };
  ratioCheck('MLP training, Sinew 2 threads vs TF.js wasm', trainSps(host, 'sinew-threads', 'mlp'), trainSps(host, 'tfjs-wasm', 'mlp'), 10);
  ratioCheck('MLP training, Sinew 2 threads vs TF.js cpu', trainSps(host, 'sinew-threads', 'mlp'), trainSps(host, 'tfjs-cpu', 'mlp'), 40);
  ratioCheck('MLP training, Sinew 1 thread vs TF.js wasm', trainSps(host, 'sinew-1t', 'mlp'), trainSps(host, 'tfjs-wasm', 'mlp'), 5);
  ratioCheck('CNN training, Sinew 2 threads vs TF.js cpu', trainSps(host, 'sinew-threads', 'cnn'), trainSps(host, 'tfjs-cpu', 'cnn'), 100);
  for (const kind of KINDS) {
    ratioCheck(`${kind.toUpperCase()} inference batch 1000, Sinew 2 threads vs TF.js wasm`, b1000(host, 'sinew-threads', kind), b1000(host, 'tfjs-wasm', kind), 2);
    const mine = b1(host, 'sinew-threads', kind);
    const others = Object.keys(results[host]).filter((id) => !id.startsWith('sinew') && b1(host, id, kind) != null);
    const best = others.sort((a, b) => b1(host, a, kind) - b1(host, b, kind))[0];
    check(`${H}: ${kind.toUpperCase()} batch-1 latency, Sinew 2 threads lower than every other contender`, mine == null || !best ? null : mine < b1(host, best, kind), best ? `${num(mine, 3)} ms vs ${num(b1(host, best, kind), 3)} ms (${label(best)})` : 'n/a');
  }
  const mw = get(host, 'sinew-threads', 'mlp')?.memory?.wasmBytes, tw = get(host, 'tfjs-wasm', 'mlp')?.memory?.wasmBytes;
  check(`${H}: MLP peak training WASM memory, Sinew 2 threads ≤ TF.js wasm`, mw && tw ? mw <= tw : null, `${MB(mw)} MB vs ${MB(tw)} MB`);
}
if (Object.keys(results.chromium).length) {
  const common = BROWSER.filter((id) => results.node[id] && results.chromium[id]);
  for (const [what, f] of [['training samples/s', trainSps], ['batch-1000 inference', b1000]]) {
    for (const kind of KINDS) {
      // Pairwise, except Sinew build vs Sinew build (1 vs 2 threads may legitimately swap).
      const ids = common.filter((id) => f('node', id, kind) && f('chromium', id, kind));
      const flips = [];
      for (const a of ids) for (const b of ids) {
        if (a >= b || (a.startsWith('sinew') && b.startsWith('sinew'))) continue;
        if (f('node', a, kind) > f('node', b, kind) !== f('chromium', a, kind) > f('chromium', b, kind)) flips.push(`${a}/${b}`);
      }
      const order = ids.slice().sort((a, b) => f('chromium', b, kind) - f('chromium', a, kind)).join(' > ');
      check(`Chromium: same ordering as Node, ${kind.toUpperCase()} ${what} (Sinew builds vs others)`, ids.length > 1 ? !flips.length : null, flips.length ? `order differs for ${flips.join(', ')}; chromium ${order}` : order);
    }
  }
}

const elapsed = (performance.now() - t0) / 1000;
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const nodeInfo = Object.values(results.node).flatMap((k) => Object.values(k)).find((r) => r.node)?.node ?? process.version;
const chromeInfo = Object.values(results.chromium).flatMap((k) => Object.values(k)).find((r) => r.chromium)?.chromium;
const intro = [
  `Fashion-MNIST, ${profileName} profile: MLP ${profile.mlp.warmup + 1} warm-up + ${profile.mlp.steps} timed steps of ${profile.mlp.batch} per repetition, CNN ${profile.cnn.warmup + 1} + ${profile.cnn.steps} steps of ${profile.cnn.batch}; training samples/s = median of ${profile.mlp.minReps}–${profile.mlp.maxReps} repetitions (same steps every repetition; more repetitions only for fast contenders, within ${profile.mlp.timedBudgetS} s; a contender slower than 1 s/step skips the rest of the warm-up and runs fewer steps per repetition, ≤ ${profile.mlp.repBudgetS} s: "timed steps×reps" column).`,
  `Peak memory: sampled after every step of an untimed 10-step pass over the same slice (after the timed runs), so every contender holds the same data; "peak WASM" is Sinew's WebAssembly memory / TF.js wasm's heap (both include the training slice: Sinew and TF.js wasm copy tensors into WASM memory), JS heap and RSS are the process's (Node).`,
  `"1 epoch" = one shuffled pass from a fresh model over the 60,000 training images, or over the first N when that does not fit in ${profile.mlp.epochBudgetS} s (N shown); test accuracy on the 10,000 test images (or the first ones shown).`,
  `Host: ${cpu}, ${cpus().length} cores, Node ${nodeInfo}${chromeInfo ? `, Chromium ${chromeInfo} (cross-origin isolated page; Sinew in its engine Worker, TF.js on the page)` : ''}. Each Node run is its own process; each Chromium run its own browser. Total ${(elapsed / 60).toFixed(1)} min${merged.length ? ` for this re-run (${[...new Set(Object.keys(results.node).concat(Object.keys(results.chromium)).filter((id) => !merged.some((m) => m.includes(`/${id}/`))))].join(', ')}); the rest is from the day's earlier run` : ''}.`,
];
const md = [`# Sinew end-to-end benchmark, ${day}${quick ? ' (--quick: indicative only)' : ''}`, '', ...intro.map((l) => `${l}\n`)];
const text = [];
for (const host of ['node', 'chromium']) {
  for (const kind of KINDS) {
    if (!Object.keys(results[host]).some((id) => get(host, id, kind))) continue;
    const t = workloadTable(host, kind);
    const title = `${host === 'node' ? 'Node' : 'Chromium'} — ${WORKLOADS[kind]}`;
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
      name: `${label(id)} (${host === 'node' ? 'Node' : 'Chromium'})`,
      values: [trainSps(host, id, 'mlp'), trainSps(host, id, 'cnn'), b1000(host, id, 'mlp'), b1000(host, id, 'cnn')],
    });
  }
}
const svg = barChart({
  title: `Sinew vs plain JS, TF.js, brain.js, ConvNetJS — Fashion-MNIST samples/s (log scale), ${day}${quick ? ' (quick)' : ''}`,
  unit: 'samples/s',
  groups: ['MLP training', 'CNN training', 'MLP inference (batch 1000)', 'CNN inference (batch 1000)'],
  series,
});
await writeFile(join(here, 'results', `${stem}.svg`), svg);
md.push(`![chart](${stem}.svg)`, '');
await writeFile(join(here, 'results', `${stem}.md`), md.join('\n'));
await writeFile(join(here, 'results', `${stem}.json`), JSON.stringify({ date: new Date().toISOString(), profile: profileName, config: profile, host: { cpu, cores: cpus().length, node: nodeInfo, chromium: chromeInfo }, elapsedS: elapsed, targets, results }, null, 2));
console.log(`\nwrote benches/results/${stem}.json, .md and .svg (${(elapsed / 60).toFixed(1)} min)`);

// README: the Node tables and the targets between the markers (full runs only).
if (!quick && !args.includes('--no-readme') && (!only || merged.length)) {
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
