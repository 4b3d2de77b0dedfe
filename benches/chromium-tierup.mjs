#!/usr/bin/env node
// How much of V8's background tier-up (TurboFan compiling hot WASM functions)
// lands in the timed part of a Chromium text-model run: a fresh browser per
// run (as `npm run bench` does), the bench's procedure (1 + 3 warm-up steps,
// then repetitions of 10 steps) with 1 and with 2 kernel threads, under a
// Chrome trace; prints each repetition's time and the TurboFan thread time
// (trace events wasm.TopTierCompilation, `tdur`) that ran during it. CPU time
// of compilation, unlike the repetition times, hardly depends on the load of
// a shared machine.
//
//   node benches/chromium-tierup.mjs [--kind conv1d|gru|lstm] [--runs 1] [--reps 20]
import { launchChromium } from '../tests/browser/_browser.mjs';
import { startServer } from '../scripts/serve.mjs';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';

const arg = (name, def) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : def);
const kind = arg('--kind', 'conv1d'), runs = Number(arg('--runs', 1)), reps = Number(arg('--reps', 20));
const root = fileURLToPath(new URL('..', import.meta.url));
const server = await startServer({ root, isolated: true });
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
try {
  for (let run = 0; run < runs; run++) for (const threads of [1, 2]) {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}tests/browser/blank.html`);
      const cdp = await browser.newBrowserCDPSession();
      const events = [];
      cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
      const complete = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
      await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['v8.wasm', 'disabled-by-default-v8.wasm.detailed', 'devtools.timeline'], recordMode: 'recordContinuously' }, transferMode: 'ReportEvents' });
      const load = loadavg()[0];
      const r = await page.evaluate(async (opts) => {
        const { createEngine } = await import('/dist/browser/index.js');
        const engine = await createEngine({ backend: 'threads' });
        return engine.run('/benches/lib/tierup-worker.mjs', 'tierUpRun', opts);
      }, { kind, threads, reps });
      await cdp.send('Tracing.end');
      await complete;
      const stamps = events.filter((e) => e.name === 'TimeStamp').sort((a, b) => a.ts - b.ts);
      const tf = events.filter((e) => e.name === 'wasm.TopTierCompilation');
      const cpuMs = (a, b) => tf.reduce((s, e) => s + (e.ts >= a && e.ts < b ? e.tdur ?? e.dur : 0), 0) / 1000;
      const phase = stamps.slice(0, -1).map((s, i) => cpuMs(s.ts, stamps[i + 1].ts));
      console.log(`${kind}, ${threads} thread(s), run ${run + 1} (load ${load.toFixed(1)}): TurboFan ${cpuMs(0, Infinity).toFixed(0)} ms CPU in all, ${phase[0].toFixed(0)} during the 4 warm-up steps, ${phase.slice(1, 6).reduce((a, b) => a + b, 0).toFixed(0)} during repetitions 1-5, ${cpuMs(stamps.at(-1).ts, Infinity).toFixed(0)} after the last`);
      console.log(`  ms per repetition      ${r.times.map((x) => x.toFixed(0).padStart(5)).join('')}`);
      console.log(`  TurboFan CPU ms in it  ${phase.slice(1).map((x) => x.toFixed(0).padStart(5)).join('')}`);
      console.log(`  median of repetitions 1-5 ${median(r.times.slice(0, 5)).toFixed(0)} ms, of ${reps > 10 ? `11-${reps}` : 'all'} ${median(r.times.slice(reps > 10 ? 10 : 0)).toFixed(0)} ms`);
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.close();
}
