// Summaries of repeated measurements, one convention for every bench: the
// median is the figure, min–max the spread (IQR for many-sample latencies).

export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  const i = (s.length - 1) * q, lo = Math.floor(i), hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

export const median = (xs) => quantile(xs, 0.5);

/** { median, min, max, q1, q3, n } of the samples (null when there are none). */
export function summarize(xs) {
  if (!xs?.length) return null;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), q1: quantile(xs, 0.25), q3: quantile(xs, 0.75), n: xs.length };
}

/** Rates from durations: `work / ms` per sample (e.g. samples/s from ms per repetition). */
export const ratesFrom = (msList, workPerMs) => msList.map((ms) => workPerMs / ms);

/** "12,345 (11,900–12,800)": median and min–max, or q1–q3 with `iqr`. */
export function fmtSpread(s, { digits, iqr = false } = {}) {
  if (!s) return 'n/a';
  const f = (v) => fmtNum(v, digits);
  const [lo, hi] = iqr ? [s.q1, s.q3] : [s.min, s.max];
  return s.n > 1 ? `${f(s.median)} (${f(lo)}–${f(hi)})` : f(s.median);
}

/** Thousands separators from 100 up, otherwise 2–3 significant decimals. */
export function fmtNum(v, digits) {
  if (v == null || !Number.isFinite(v)) return 'n/a';
  if (digits !== undefined) return v.toFixed(digits);
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v < 10 ? 2 : 1);
}
