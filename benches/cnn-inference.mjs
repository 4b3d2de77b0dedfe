#!/usr/bin/env node
// Where CNN inference time goes (issue 10: CNN predict at batch 1000 vs
// TensorFlow.js-wasm). For the `npm run bench` CNN (conv8-pool-conv16-pool-
// dense10) and the demo's (conv16-pool-conv32-pool-dense128-dense10):
// - each op of the forward pass on one thread, the conv and pooling layers as
//   separate ops and as the fused conv2dPool the model uses;
// - model.predict on 1 thread and on the whole pool (wall clock);
// - TF.js-wasm 4.22 (single-threaded in Node, SIMD binary) model.predict.
// Single-thread figures are process CPU time (process.cpuUsage), so other
// processes on a shared machine do not inflate them; wall-clock figures do
// include them (the load average is printed). Medians (min–max) of --reps.
//
//   node benches/cnn-inference.mjs [--reps 7] [--no-tfjs]
import os from 'node:os';
import * as sinew from '../dist/index.js';
import { conv2dPool } from '../dist/ops/conv.js';
import { loadTfjsNode } from './lib/tfjs-peer.mjs';

const args = process.argv.slice(2);
const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 7;
const N = 1000;
const MODELS = { bench: [8, 16, 0], demo: [16, 32, 128] };
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const stat = (v) => { const s = [...v].sort((a, b) => a - b); return `${s[s.length >> 1].toFixed(2)} (${s[0].toFixed(2)}–${s.at(-1).toFixed(2)})`; };
let seed = 7;
const rand = (n, scale) => Float32Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * scale);
const images = rand(N * 784, 2);

function kerasModel(lib, [c1, c2, d]) {
  const L = lib.layers;
  return lib.sequential({ layers: [
    L.conv2d({ filters: c1, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [28, 28, 1] }), L.maxPooling2d({ poolSize: 2 }),
    L.conv2d({ filters: c2, kernelSize: 3, padding: 'same', activation: 'relu' }), L.maxPooling2d({ poolSize: 2 }), L.flatten(),
    ...(d ? [L.dense({ units: d, activation: 'relu' })] : []), L.dense({ units: 10, activation: 'softmax' }),
  ] });
}

/** The forward pass op by op: conv and pool separately, and fused. */
function opSteps([c1, c2, d]) {
  const t = (n, shape) => sinew.tensor(rand(n, 0.3), shape);
  const [w1, b1, w2, b2] = [t(9 * c1, [3, 3, 1, c1]), t(c1, [c1]), t(9 * c1 * c2, [3, 3, c1, c2]), t(c2, [c2])];
  const units = d || 10;
  const [wd, bd] = [t(49 * c2 * units, [49 * c2, units]), t(units, [units])];
  const pool = { kind: 'max', poolSize: [2, 2], strides: [2, 2], padding: 'valid' };
  const conv = (w, b) => (x) => sinew.fused.conv2d({ x, filter: w, pad: 'same', bias: b, activation: 'relu' });
  const dense = (x) => sinew.fused.matMul({ a: sinew.reshape(x, [N, 49 * c2]), b: wd, bias: bd, activation: 'relu' });
  return {
    separate: { conv1: conv(w1, b1), pool1: (x) => sinew.maxPool(x, 2), conv2: conv(w2, b2), pool2: (x) => sinew.maxPool(x, 2), dense },
    fused: { 'conv1+pool1': (x) => conv2dPool(x, w1, [1, 1], 'same', b1, 'relu', pool), 'conv2+pool2': (x) => conv2dPool(x, w2, [1, 1], 'same', b2, 'relu', pool), dense },
  };
}

await sinew.init({ backend: 'threads' });
const pool = sinew.backendInfo().poolSize;
console.log(`Sinew threads build, pool ${pool}; ${os.availableParallelism()} hardware threads; load average ${os.loadavg()[0].toFixed(1)} at start`);
const x = sinew.tensor(images, [N, 28, 28, 1]);
for (const [name, spec] of Object.entries(MODELS)) {
  console.log(`\n${name} CNN [${spec.join(', ')}], batch ${N}`);
  sinew.setNumThreads(1);
  const ops = {};
  const steps = opSteps(spec);
  for (let r = 0; r < reps + 1; r++) {
    for (const [kind, st] of Object.entries(steps)) {
      let h = x;
      for (const [op, f] of Object.entries(st)) {
        const c0 = cpuMs();
        const y = f(h);
        if (r > 0) (ops[`${kind} ${op}`] ??= []).push(cpuMs() - c0);
        if (h !== x) h.dispose();
        h = y;
      }
      h.dispose();
    }
  }
  for (const [k, v] of Object.entries(ops)) console.log(`  1 thread CPU ms  ${k.padEnd(22)} ${stat(v)}`);
  const m = kerasModel(sinew, spec);
  const predict = () => { const t = sinew.tensor(images, [N, 28, 28, 1]); const o = m.predict(t, { batchSize: N }); o.dataSync(); o.dispose(); t.dispose(); };
  const wall = { 1: [], [pool]: [] }, cpu1 = [];
  for (let r = 0; r < reps + 1; r++) {
    for (const th of r % 2 ? [pool, 1] : [1, pool]) {
      sinew.setNumThreads(th);
      const c0 = cpuMs(), t0 = performance.now();
      predict();
      if (r === 0) continue;
      wall[th].push(performance.now() - t0);
      if (th === 1) cpu1.push(cpuMs() - c0);
    }
  }
  sinew.setNumThreads(0);
  m.dispose();
  console.log(`  model.predict     Sinew 1 thread CPU ms ${stat(cpu1)}; wall ms: 1 thread ${stat(wall[1])}, ${pool} threads ${stat(wall[pool])}`);
}
x.dispose();

if (!args.includes('--no-tfjs')) {
  const { tf, layers, info } = await loadTfjsNode('wasm', { layers: true });
  for (const [name, spec] of Object.entries(MODELS)) {
    const m = kerasModel({ layers: layers.layers, sequential: layers.sequential }, spec);
    const cpu = [], wall = [];
    for (let r = 0; r < reps + 1; r++) {
      const c0 = cpuMs(), t0 = performance.now();
      const t = tf.tensor(images, [N, 28, 28, 1]);
      const o = m.predict(t, { batchSize: N });
      o.dataSync();
      tf.dispose([t, o]);
      if (r > 0) { cpu.push(cpuMs() - c0); wall.push(performance.now() - t0); }
    }
    m.dispose();
    console.log(`\n${name} CNN: TF.js ${info.backend} model.predict CPU ms ${stat(cpu)}, wall ms ${stat(wall)} (${info.library}, loaded ${info.wasmFile}, ${info.threads} thread)`);
  }
}
console.log(`\nload average ${os.loadavg()[0].toFixed(1)} at end`);
