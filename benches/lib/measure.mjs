// Adaptive timing: one warm-up run sizes the repetitions so slow contenders
// (TF.js cpu at 1024² takes seconds) finish while fast ones get a stable median.

/** Median ms of `fn()`; `fn` may be sync or async. */
export async function measure(fn, { budgetMs = 600, minReps = 3, maxReps = 15 } = {}) {
  let t0 = performance.now();
  await fn();
  const first = performance.now() - t0;
  const reps = first > budgetMs ? 1 : Math.max(minReps, Math.min(maxReps, Math.floor(budgetMs / Math.max(first, 1e-3))));
  const times = [];
  for (let i = 0; i < reps; i++) {
    t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
