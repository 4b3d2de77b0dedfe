// Plausibility floors for the peers. A peer measured below its floor means
// the harness measured something other than the peer (a tf.tidy walking a
// returned Float32Array element by element once made TF.js-wasm look 10×
// slower than it is), or the machine was too busy for the run to mean
// anything. Either way the bench must not publish the figure: it fails.
//
// Each floor is about a third of what the peer measured on this project's
// 2-core machines (AMD EPYC, Node 20, one thread for every peer), so a loaded or
// slower machine still passes, a broken harness does not.

/** Kernel bench: GFLOPS floors per contender, keyed by workload label. */
export const KERNEL_FLOORS = {
  // TF.js-wasm (XNNPACK, SIMD binary, 1 thread): 28–33 GFLOPS at 512² when timed fairly.
  'tfjs-wasm': { '256² · 256²': 8, '512² · 512²': 10, '1024² · 1024²': 10, 'fwd 128×784 · 784×256': 8 },
  'tfjs-cpu': { '512² · 512²': 0.3 },
  js: { '512² · 512²': 1 },
  'sinew-1t': { '512² · 512²': 10 },
};

/** Training bench: floors per contender and workload, samples/s. */
export const TRAIN_FLOORS = {
  // MLP training measured 2,340–3,842 (TF.js-wasm), ~570 (cpu), ~4,000 (plain JS),
  // ~37 (brain.js, batch 1), ~780 (ConvNetJS); CNN ~720 (plain JS), ~23 (TF.js cpu), ~390 (ConvNetJS).
  train: {
    mlp: { 'tfjs-wasm': 800, 'tfjs-cpu': 150, js: 1200, brainjs: 10, convnetjs: 250 },
    cnn: { 'tfjs-cpu': 6, js: 200, convnetjs: 120 },
  },
  // Batch-1000 inference: TF.js-wasm ~58,000 (MLP) and ~23,000 (CNN) samples/s.
  inferB1000: {
    mlp: { 'tfjs-wasm': 15000, 'tfjs-cpu': 400 },
    cnn: { 'tfjs-wasm': 6000, 'tfjs-cpu': 250 },
  },
};

/** Collects "contender workload: measured < floor" lines; empty when all is plausible. */
export function floorViolations(checks) {
  return checks.filter((c) => c.value != null && c.floor != null && c.value < c.floor).map((c) => `${c.what}: ${c.value.toFixed(c.value < 10 ? 2 : 0)} ${c.unit} < plausibility floor ${c.floor} ${c.unit}`);
}

/** Prints the violations and sets a failing exit code (the results are still written, marked). */
export function failOnImplausible(lines, what) {
  if (!lines.length) return false;
  console.error(`\nFAIL: ${what}: a contender measured implausibly slow, so this run measured the harness or a busy machine, not the peer:`);
  for (const l of lines) console.error(`  ${l}`);
  console.error('Fix the harness (or re-run on a quiet machine) before publishing these figures.');
  process.exitCode = 1;
  return true;
}
