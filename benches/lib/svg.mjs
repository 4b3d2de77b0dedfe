// Minimal SVG charts for benchmark and training reports (no dependencies).

const COLORS = ['#1b6ca8', '#5fa8d3', '#9ccfe6', '#e07a5f', '#f2cc8f', '#81b29a', '#3d405b', '#b5838d'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * Grouped horizontal bars, log-scaled x axis.
 * groups: row labels; series: [{ name, values: (number|null)[] }] (null = not run).
 */
export function barChart({ title, unit, groups, series }) {
  const rowH = 14 * series.length + 10, left = 230, width = 980, plotW = width - left - 160;
  const height = 60 + groups.length * rowH + 20;
  const all = series.flatMap((s) => s.values).filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all)))), hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all))));
  const x = (v) => left + (plotW * Math.log10(v / lo)) / Math.log10(hi / lo);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`, `<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`];
  for (let d = lo; d <= hi; d *= 10) {
    out.push(`<line x1="${x(d)}" y1="40" x2="${x(d)}" y2="${height - 20}" stroke="#ddd"/>`, `<text x="${x(d)}" y="${height - 6}" text-anchor="middle">${d} ${esc(unit)}</text>`);
  }
  groups.forEach((g, gi) => {
    const y0 = 45 + gi * rowH;
    out.push(`<text x="${left - 6}" y="${y0 + rowH / 2}" text-anchor="end">${esc(g)}</text>`);
    series.forEach((s, si) => {
      const v = s.values[gi], y = y0 + si * 14;
      if (v > 0) out.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(v) - left)}" height="12" fill="${COLORS[si % COLORS.length]}"/>`, `<text x="${x(v) + 3}" y="${y + 10}">${v.toFixed(v < 10 ? 2 : 1)}</text>`);
      else out.push(`<text x="${left + 3}" y="${y + 10}" fill="#a00">n/a</text>`);
    });
  });
  series.forEach((s, si) => {
    out.push(`<rect x="${width - 150}" y="${45 + si * 16}" width="12" height="12" fill="${COLORS[si % COLORS.length]}"/>`, `<text x="${width - 134}" y="${55 + si * 16}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Line chart of one or more series over a shared x (e.g. loss per epoch). */
export function lineChart({ title, xLabel, series, width = 640, height = 360 }) {
  const pad = { l: 50, r: 140, t: 30, b: 40 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0])), ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (v) => pad.l + ((v - x0) / (x1 - x0 || 1)) * (width - pad.l - pad.r);
  const sy = (v) => height - pad.b - ((v - y0) / (y1 - y0 || 1)) * (height - pad.t - pad.b);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`, `<text x="${pad.l}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#444"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="#444"/>`,
    `<text x="${(width - pad.r + pad.l) / 2}" y="${height - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="${pad.l - 4}" y="${sy(y1) + 4}" text-anchor="end">${+y1.toPrecision(3)}</text>`,
    `<text x="${pad.l - 4}" y="${sy(y0) + 4}" text-anchor="end">${+y0.toPrecision(3)}</text>`];
  series.forEach((s, i) => {
    const c = s.color ?? COLORS[i % COLORS.length];
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
    out.push(s.dots ? s.points.map((p) => `<circle cx="${sx(p[0])}" cy="${sy(p[1])}" r="2" fill="${c}"/>`).join('') : `<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    out.push(`<rect x="${width - pad.r + 10}" y="${pad.t + i * 16}" width="12" height="3" fill="${c}"/>`, `<text x="${width - pad.r + 26}" y="${pad.t + i * 16 + 5}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
