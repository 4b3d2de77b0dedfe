#!/usr/bin/env node
// 1 thread vs all threads (the threads+SIMD build) for a 1024×1024 matmul,
// in Node and in Chromium (cross-origin isolated page, engine in a Worker),
// measured in one run. Writes benches/results/matmul-threads-<date>.json.
//
//   node benches/matmul-threads.mjs [--sizes 256,512,1024] [--no-browser]
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as sinew from '../dist/index.js';
import { startServer } from '../scripts/serve.mjs';
import { timeMatmul } from './lib/matmul-probe.mjs';
import { gflops, table } from './lib/timing.mjs';

const args = process.argv.slice(2);
const sizesArg = args[args.indexOf('--sizes') + 1];
const sizes = args.includes('--sizes') ? sizesArg.split(',').map(Number) : [256, 512, 1024];
const withBrowser = !args.includes('--no-browser');

async function measure(label, timeFn, poolSize) {
  const rows = [];
  for (const n of sizes) {
    const one = await timeFn(n, 1);
    const all = await timeFn(n, 0);
    rows.push({ host: label, n, threads: poolSize, ms1: one, msN: all, gflops1: gflops(n, n, n, one), gflopsN: gflops(n, n, n, all), speedup: one / all });
  }
  return rows;
}

const info = await sinew.init({ backend: 'threads' });
const results = await measure('node', (n, t) => timeMatmul(sinew, n, t), info.poolSize);

if (withBrowser) {
  const { launchChromium } = await import('../tests/browser/_browser.mjs');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const server = await startServer({ root, isolated: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}tests/browser/blank.html`);
    await page.evaluate(async () => {
      const { createEngine } = await import('/dist/browser/index.js');
      window.engine = await createEngine({ backend: 'threads' });
    });
    const poolSize = await page.evaluate(() => window.engine.info.poolSize);
    results.push(
      ...(await measure('chromium', (n, t) => page.evaluate(([n, t]) => window.engine.run('/benches/lib/matmul-probe.mjs', 'timeMatmul', n, t), [n, t]), poolSize)),
    );
  } finally {
    await browser.close();
    await server.close();
  }
}

console.log(`matmul n×n, Sinew threads+SIMD build: 1 thread vs pool (${info.poolSize} workers), median of 5`);
console.log(
  table(
    ['host', 'n', 'threads', '1-thread ms', 'N-thread ms', '1-thread GFLOPS', 'N-thread GFLOPS', 'speedup'],
    results.map((r) => [r.host, r.n, r.threads, r.ms1.toFixed(2), r.msN.toFixed(2), r.gflops1.toFixed(1), r.gflopsN.toFixed(1), `${r.speedup.toFixed(2)}x`]),
  ),
);
const out = new URL(`./results/matmul-threads-${new Date().toISOString().slice(0, 10)}.json`, import.meta.url);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2));
console.log(`wrote ${fileURLToPath(out)}`);
