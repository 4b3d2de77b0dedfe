#!/usr/bin/env node
// Runs the kernel workloads for ONE contender and prints JSON on stdout: the
// duration of every timed repetition (ms). Called by benches/kernels.mjs, one
// process per contender and round (one WASM build per process; TF.js backends
// do not share a process either).
//
//   node benches/kernels-contender.mjs <sinew-threads|sinew-1t|sinew-baseline|js|tfjs-cpu|tfjs-wasm> [--budget ms]
//   node --experimental-wasm-relaxed-simd benches/kernels-contender.mjs <sinew-relaxed-threads|sinew-relaxed-1t>
//     (Node 20 needs the flag for the relaxed-SIMD builds; kernels.mjs passes it)
//
// Every contender is timed the same way: inputs created once, outside the
// timed call; the timed call computes the product and reads it back into
// JavaScript (Sinew and TF.js: `c = matmul(a, b); c.dataSync(); c.dispose()`;
// plain JS writes into its own Float32Array, already in JavaScript).
import { CONVS, GEMMS, fill } from './lib/kernel-workloads.mjs';
import { jsConv2dForwardBackward, jsMatmul } from './lib/js-kernels.mjs';
import { measure } from './lib/measure.mjs';
import { loadTfjsNode } from './lib/tfjs-peer.mjs';

const name = process.argv[2];
const budgetMs = process.argv.includes('--budget') ? Number(process.argv[process.argv.indexOf('--budget') + 1]) : 600;

/** The read-back rule shared by Sinew and TF.js: copy the result out, free it. */
const readBack = (t) => {
  t.dataSync();
  t.dispose();
};

async function sinewContender(build, threads) {
  const sinew = await import('../dist/index.js');
  const info = await sinew.init({ backend: build });
  sinew.setNumThreads(threads);
  const now = sinew.backendInfo();
  return {
    info: { library: `sinew ${info.version}`, build: info.build, threads: now.threads, poolSize: now.poolSize },
    gemm(g) {
      const a = sinew.tensor(fill(g.m * g.k, 1), g.ta ? [g.k, g.m] : [g.m, g.k]);
      const b = sinew.tensor(fill(g.k * g.n, 2), g.tb ? [g.n, g.k] : [g.k, g.n]);
      return () => readBack(sinew.matmul(a, b, !!g.ta, !!g.tb));
    },
    conv(c) {
      const x = sinew.tensor(fill(c.n * c.h * c.w * c.ci, 1), [c.n, c.h, c.w, c.ci]);
      const w = sinew.tensor(fill(c.k * c.k * c.ci * c.co, 2), [c.k, c.k, c.ci, c.co]);
      const dy = sinew.tensor(fill(c.n * c.h * c.w * c.co, 3), [c.n, c.h, c.w, c.co]);
      return () => {
        readBack(sinew.conv2d(x, w, 1, 'same'));
        readBack(sinew.conv2dBackpropInput(x.shape, dy, w, 1, 'same'));
        readBack(sinew.conv2dBackpropFilter(x, dy, w.shape, 1, 'same'));
      };
    },
  };
}

function jsContender() {
  return {
    info: { library: 'plain JavaScript (Float32Array, packed, 4×4 register tiles)', threads: 1 },
    gemm(g) {
      const a = fill(g.m * g.k, 1), b = fill(g.k * g.n, 2), c = new Float32Array(g.m * g.n);
      return () => jsMatmul(a, b, g.m, g.k, g.n, !!g.ta, !!g.tb, c);
    },
    conv(c) {
      const x = fill(c.n * c.h * c.w * c.ci, 1), w = fill(c.k * c.k * c.ci * c.co, 2), dy = fill(c.n * c.h * c.w * c.co, 3);
      return () => jsConv2dForwardBackward(x, w, dy, [c.n, c.h, c.w, c.ci], [c.k, c.k, c.co], 1, 'same');
    },
  };
}

async function tfjsContender(backend) {
  const { tf, info } = await loadTfjsNode(backend);
  return {
    info,
    gemm(g) {
      const a = tf.tensor(fill(g.m * g.k, 1), g.ta ? [g.k, g.m] : [g.m, g.k]);
      const b = tf.tensor(fill(g.k * g.n, 2), g.tb ? [g.n, g.k] : [g.k, g.n]);
      // Not tf.tidy(() => ….dataSync()): tidy walks a returned Float32Array
      // element by element looking for tensors (+60–200 ms at 512²).
      return () => readBack(tf.matMul(a, b, !!g.ta, !!g.tb));
    },
    conv(c) {
      const x = tf.tensor4d(fill(c.n * c.h * c.w * c.ci, 1), [c.n, c.h, c.w, c.ci]);
      const w = tf.tensor4d(fill(c.k * c.k * c.ci * c.co, 2), [c.k, c.k, c.ci, c.co]);
      const dy = tf.tensor4d(fill(c.n * c.h * c.w * c.co, 3), [c.n, c.h, c.w, c.co]);
      const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC' };
      const run = () => {
        readBack(tf.conv2d(x, w, 1, 'same'));
        readBack(tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }));
        readBack(tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }));
      };
      run(); // surfaces "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'" as the result
      return run;
    },
  };
}

const contenders = {
  'sinew-threads': () => sinewContender('threads', 0),
  'sinew-1t': () => sinewContender('threads', 1),
  'sinew-baseline': () => sinewContender('baseline', 1),
  'sinew-relaxed-threads': () => sinewContender('threads-relaxed', 0),
  'sinew-relaxed-1t': () => sinewContender('threads-relaxed', 1),
  js: () => jsContender(),
  'tfjs-cpu': () => tfjsContender('cpu'),
  'tfjs-wasm': () => tfjsContender('wasm'),
};

if (!contenders[name]) {
  console.error(`unknown contender '${name}'; one of ${Object.keys(contenders).join(', ')}`);
  process.exit(2);
}
const c = await contenders[name]();
const result = { contender: name, info: c.info, gemm: {}, conv: {} };
for (const g of GEMMS) result.gemm[g.label] = await measure(c.gemm(g), { budgetMs });
for (const cv of CONVS) {
  try {
    result.conv[cv.label] = await measure(c.conv(cv), { budgetMs });
  } catch (e) {
    result.conv[cv.label] = { error: e.message.split('\n')[0] };
  }
}
// The SIMD ceiling: a register-only mul+add loop in the same build (the
// relaxed build's `mul_add` is relaxed_madd, so that one is the FMA ceiling).
const peakBuild = { 'sinew-1t': 'threads', 'sinew-relaxed-1t': 'threads-relaxed' }[name];
if (peakBuild) {
  const glue = await import(`../dist/wasm/${peakBuild}/sinew_wasm.js`);
  const iters = 20_000_000;
  result.peakGflops = (await measure(() => glue.bench_simd_peak(iters), { budgetMs })).map((ms) => glue.bench_simd_peak_flops(iters) / (ms * 1e6));
  // GEMM's micro-kernel alone on L1-resident panels: what the blocked GEMM
  // could reach without packing and cache misses (the profile between the
  // register-only peak and a whole product).
  const tiles = 20_000;
  result.l1KernelGflops = (await measure(() => glue.bench_gemm_l1_kernel(tiles), { budgetMs })).map((ms) => glue.bench_gemm_l1_kernel_flops(tiles) / (ms * 1e6));
}
console.log(JSON.stringify(result));
process.exit(0); // the Sinew thread pool keeps handles open
