// Timing helpers shared by benchmarks and the demo.

/** Median of the durations (ms) of `reps` runs of `fn`, after `warmup` runs. */
export function medianMs(fn, { warmup = 2, reps = 7 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** GFLOPS of an m×k·k×n product taking `ms`. */
export const gflops = (m, k, n, ms) => (2 * m * k * n) / (ms * 1e6);

/** Formats rows (arrays of cells) as an aligned text table. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const w = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(all[0]), w.map((x) => '-'.repeat(x)).join('  '), ...all.slice(1).map(line)].join('\n');
}
