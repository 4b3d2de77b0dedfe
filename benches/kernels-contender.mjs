#!/usr/bin/env node
// Runs the kernel workloads for ONE contender and prints JSON on stdout.
// Called by benches/kernels.mjs, one process per contender (one WASM build
// per process; TF.js backends do not share a process either).
//
//   node benches/kernels-contender.mjs <sinew-threads|sinew-1t|sinew-baseline|js|tfjs-cpu|tfjs-wasm>
//   node --experimental-wasm-relaxed-simd benches/kernels-contender.mjs <sinew-relaxed-threads|sinew-relaxed-1t>
//     (Node 20 needs the flag for the relaxed-SIMD builds; kernels.mjs passes it)
import { createRequire } from 'node:module';
import { CONVS, GEMMS, fill } from './lib/kernel-workloads.mjs';
import { jsConv2dForwardBackward, jsMatmul } from './lib/js-kernels.mjs';
import { measure } from './lib/measure.mjs';

const name = process.argv[2];

async function sinewContender(build, threads) {
  const sinew = await import('../dist/index.js');
  const info = await sinew.init({ backend: build });
  sinew.setNumThreads(threads);
  const keep = [];
  return {
    info: { ...info, threads: sinew.backendInfo().threads },
    gemm(g) {
      const a = sinew.tensor(fill(g.m * g.k, 1), g.ta ? [g.k, g.m] : [g.m, g.k]);
      const b = sinew.tensor(fill(g.k * g.n, 2), g.tb ? [g.n, g.k] : [g.k, g.n]);
      keep.push(a, b);
      return () => sinew.matmul(a, b, !!g.ta, !!g.tb).dispose();
    },
    conv(c) {
      const x = sinew.tensor(fill(c.n * c.h * c.w * c.ci, 1), [c.n, c.h, c.w, c.ci]);
      const w = sinew.tensor(fill(c.k * c.k * c.ci * c.co, 2), [c.k, c.k, c.ci, c.co]);
      const dy = sinew.tensor(fill(c.n * c.h * c.w * c.co, 3), [c.n, c.h, c.w, c.co]);
      keep.push(x, w, dy);
      return () => {
        sinew.conv2d(x, w, 1, 'same').dispose();
        sinew.conv2dBackpropInput(x.shape, dy, w, 1, 'same').dispose();
        sinew.conv2dBackpropFilter(x, dy, w.shape, 1, 'same').dispose();
      };
    },
  };
}

function jsContender() {
  return {
    info: { build: 'plain JavaScript (Float32Array, i-k-j, blocked)' },
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
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  if (backend === 'wasm') {
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    const dir = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/]+$/, '');
    setWasmPaths(dir);
  }
  await tf.setBackend(backend);
  await tf.ready();
  return {
    info: {
      build: `@tensorflow/tfjs-backend-${backend} ${tf.version_core}`,
      simd: backend === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : false,
      threads: backend === 'wasm' && tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'n' : 1,
    },
    gemm(g) {
      const a = tf.tensor(fill(g.m * g.k, 1), g.ta ? [g.k, g.m] : [g.m, g.k]);
      const b = tf.tensor(fill(g.k * g.n, 2), g.tb ? [g.n, g.k] : [g.k, g.n]);
      return () => tf.tidy(() => tf.matMul(a, b, !!g.ta, !!g.tb).dataSync());
    },
    conv(c) {
      const x = tf.tensor4d(fill(c.n * c.h * c.w * c.ci, 1), [c.n, c.h, c.w, c.ci]);
      const w = tf.tensor4d(fill(c.k * c.k * c.ci * c.co, 2), [c.k, c.k, c.ci, c.co]);
      const dy = tf.tensor4d(fill(c.n * c.h * c.w * c.co, 3), [c.n, c.h, c.w, c.co]);
      const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC' };
      const run = () =>
        tf.tidy(() => {
          tf.conv2d(x, w, 1, 'same').dataSync();
          tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }).dataSync();
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }).dataSync();
        });
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
for (const g of GEMMS) result.gemm[g.label] = await measure(c.gemm(g));
for (const cv of CONVS) {
  try {
    result.conv[cv.label] = await measure(c.conv(cv));
  } catch (e) {
    result.conv[cv.label] = { error: e.message.split('\n')[0] };
  }
}
if (name === 'sinew-1t') {
  // The SIMD ceiling: a register-only mul+add loop in the same build.
  const glue = await import('../dist/wasm/threads/sinew_wasm.js');
  const iters = 20_000_000;
  const ms = await measure(() => glue.bench_simd_peak(iters));
  result.peakGflops = glue.bench_simd_peak_flops(iters) / (ms * 1e6);
}
if (name === 'sinew-relaxed-1t') {
  // The FMA ceiling: the same loop, `mul_add` being relaxed_madd in this build.
  const glue = await import('../dist/wasm/threads-relaxed/sinew_wasm.js');
  const iters = 20_000_000;
  const ms = await measure(() => glue.bench_simd_peak(iters));
  result.peakGflops = glue.bench_simd_peak_flops(iters) / (ms * 1e6);
}
console.log(JSON.stringify(result));
