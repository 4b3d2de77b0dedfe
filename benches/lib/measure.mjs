// Adaptive timing: warm-up runs until V8 has tiered the code up, then as many
// repetitions as fit the budget, so slow contenders (TF.js cpu at 1024² takes
// seconds) finish while fast ones get a stable median.

/**
 * Durations (ms) of the timed repetitions of `fn()`; `fn` may be sync or
 * async. Warm-up runs until 3 calls and 150 ms have passed (capped at 10
 * calls), so WebAssembly code has been tiered up by V8 before timing starts.
 */
export async function measure(fn, { budgetMs = 600, minReps = 3, maxReps = 15 } = {}) {
  let t0 = performance.now();
  await fn();
  let first = performance.now() - t0;
  const warmStart = t0;
  for (let i = 1; i < 10 && first < budgetMs && (i < 3 || performance.now() - warmStart < 150); i++) {
    t0 = performance.now();
    await fn();
    first = performance.now() - t0;
  }
  const reps = first > budgetMs ? 1 : Math.max(minReps, Math.min(maxReps, Math.floor(budgetMs / Math.max(first, 1e-3))));
  const times = [];
  for (let i = 0; i < reps; i++) {
    t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}
