#!/usr/bin/env node
// Runs ONE workload for ONE contender and prints its JSON on stdout (progress
// on stderr). Called by benches/train.mjs, one process per (contender,
// workload), so WASM memory, JS heap and peak RSS belong to that run alone.
//
//   node benches/train-contender.mjs <contender> <mlp|cnn|lstm|conv1d|gru> [--quick] [--timing-only]
// (--timing-only: the later rounds of an interleaved run, see runWorkload)
import { createRequire } from 'node:module';
import { PROFILES, SINEW_THREADS, TEXT_MODELS, brainAdapter, convnetAdapter, isText, jsAdapter, runWorkload, sinewAdapter, textWorkloadData, tfjsAdapter } from './lib/train-contenders.mjs';
import { loadTfjsNode } from './lib/tfjs-peer.mjs';

const [name, kind] = process.argv.slice(2);
const profile = PROFILES[process.argv.includes('--quick') ? 'quick' : 'full'];
const require = createRequire(import.meta.url);

async function sinew(build, threads) {
  const s = await import('../dist/index.js');
  const info = await s.init({ backend: build });
  s.setNumThreads(threads);
  const b = s.backendInfo();
  return { adapter: sinewAdapter(s), info: { library: `sinew ${info.version}`, build: info.build, threads: b.threads, poolSize: b.poolSize } };
}

async function tfjs(backend) {
  const { tf, layers, info } = await loadTfjsNode(backend, { layers: true });
  return { adapter: tfjsAdapter({ ...tf, layers: layers.layers, sequential: layers.sequential }), info };
}

// Sinew's threaded runs load the build init() picks by default, as its users
// get it: `threads` on Node 20, `threads-relaxed` where the host has relaxed
// SIMD. `sinew-relaxed` is the relaxed build on a Node whose default is not
// (train.mjs starts it with --experimental-wasm-relaxed-simd).
const contenders = {
  'sinew-threads': () => sinew(undefined, SINEW_THREADS),
  'sinew-1t': () => sinew(undefined, 1),
  'sinew-relaxed': () => sinew('threads-relaxed', SINEW_THREADS),
  'sinew-baseline': () => sinew('baseline', 1),
  js: async () => ({ adapter: jsAdapter(), info: { library: 'plain JavaScript (benches/lib/js-train.mjs)', threads: 1 } }),
  'tfjs-cpu': () => tfjs('cpu'),
  'tfjs-wasm': () => tfjs('wasm'),
  brainjs: async () => ({ adapter: brainAdapter(require('brain.js')), info: { library: `brain.js ${require('brain.js/package.json').version}`, threads: 1 } }),
  convnetjs: async () => ({ adapter: convnetAdapter(require('convnetjs')), info: { library: `convnetjs ${require('convnetjs/package.json').version}`, threads: 1 } }),
};

const KINDS = ['mlp', 'cnn', ...Object.keys(TEXT_MODELS)];
if (!contenders[name] || !KINDS.includes(kind)) {
  console.error(`usage: train-contender.mjs <${Object.keys(contenders).join('|')}> <${KINDS.join('|')}> [--quick]`);
  process.exit(2);
}

let data;
if (isText(kind)) {
  data = textWorkloadData(kind, profile);
} else {
  const { loadFashionMnist } = (await import('../dist/index.js')).data;
  const ds = await loadFashionMnist();
  data = { train: ds.train, test: ds.test };
}
let result;
try {
  const { adapter, info } = await contenders[name]();
  const env = {
    log: (m) => process.stderr.write(`  [${name}] ${m}\n`),
    procMemory: () => {
      const m = process.memoryUsage();
      return { heapUsed: m.heapUsed, rss: m.rss };
    },
    maxRss: () => process.resourceUsage().maxRSS * 1024,
  };
  const timingOnly = process.argv.includes('--timing-only');
  result = { contender: name, host: 'node', node: process.version, info, ...(await runWorkload(adapter, kind, data, profile, env, { timingOnly })) };
} catch (e) {
  result = { contender: name, host: 'node', kind, error: String(e?.message ?? e).split('\n')[0] };
}
console.log(JSON.stringify(result));
process.exit(0); // the Sinew thread pool and TF.js keep handles open
