// The sinew.data pipeline inside the browser engine Worker (Chromium): a
// generator and a CSV fetched over http stream into fitDataset there, as in
// Node (tests/node/data-pipeline.test.mjs has the detailed semantics).
import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { launchChromium, openPage } from './_browser.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
let browser, server;

test.before(async () => {
  // A CSV under tests/output (git-ignored), served with the page.
  mkdirSync(`${root}/tests/output`, { recursive: true });
  const lines = ['a,b,c,y'];
  for (let i = 0; i < 200; i++) {
    const x = [Math.sin(i), Math.cos(1.3 * i), Math.sin(0.7 * i + 1)];
    lines.push([...x, 0.5 * x[0] - x[1] + 2 * x[2]].map((v) => v.toFixed(6)).join(','));
  }
  writeFileSync(`${root}/tests/output/data-worker.csv`, `${lines.join('\n')}\n`);
  browser = await launchChromium();
  server = await startServer({ root, isolated: true });
});

test.after.always(async () => {
  await browser?.close();
  await server?.close();
});

test('engine Worker: fitDataset from an async generator and from data.csv over http; loss falls, reading stays ahead by the prefetch only', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}tests/browser/blank.html`);
  const r = await page.evaluate(async (csvUrl) => {
    const { createEngine } = await import('/dist/browser/index.js');
    const engine = await createEngine();
    try {
      return await engine.run('/tests/browser/data-in-worker.mjs', 'train', [csvUrl]);
    } finally {
      engine.terminate();
    }
  }, `${server.url}tests/output/data-worker.csv`);
  t.is(r.environment, 'browser-worker');
  t.deepEqual(r.columns, ['a', 'b', 'c', 'y']);
  t.true(r.loss[1] < r.loss[0] && r.loss[1] < 0.05, `loss ${r.loss}`);
  t.true(r.csvLoss < 0.05 && r.evalLoss < 0.05, `csv loss ${r.csvLoss}, evaluate ${r.evalLoss}`);
  // One batch in training plus prefetch(2) ahead at most.
  t.true(r.maxAhead <= 3 * 64, `read ${r.maxAhead} rows ahead`);
  t.deepEqual(errors, []);
});
