// One matmul measurement: the same function runs in Node (sync API) and in a
// browser engine Worker, so both report the same thing.

/** Median ms of `c = a·b` at n×n with the given thread cap (0 = all). */
export function timeMatmul(sinew, n, threads, { reps = 5 } = {}) {
  const a = sinew.tensor(new Float32Array(n * n).fill(0.5), [n, n]);
  const b = sinew.tensor(new Float32Array(n * n).fill(0.25), [n, n]);
  sinew.setNumThreads(threads);
  const times = [];
  for (let i = 0; i < reps + 2; i++) {
    const t0 = performance.now();
    sinew.matmul(a, b).dispose();
    if (i >= 2) times.push(performance.now() - t0);
  }
  sinew.setNumThreads(0);
  a.dispose();
  b.dispose();
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)];
}
