// Formatting helpers shared by the benchmarks.

/** GFLOPS of an m×k·k×n product taking `ms`. */
export const gflops = (m, k, n, ms) => (2 * m * k * n) / (ms * 1e6);

/** Formats rows (arrays of cells) as an aligned text table. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const w = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(all[0]), w.map((x) => '-'.repeat(x)).join('  '), ...all.slice(1).map(line)].join('\n');
}
