// `npm run test:keras`: Sinew → Keras 3 / tf.keras → Sinew, both ways, with
// the real converter. Needs the private virtual environment that
// scripts/keras/setup.sh makes (npm run test:keras does both).
//
//   node scripts/keras/roundtrip.mjs <venv-python>
//
// Exit code 0 when every prediction agrees within 1e-6.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as sinew from '../../dist/index.js';

const run = promisify(execFile);
const TOL = 1e-6;
const python = process.argv[2];
if (!python) throw new Error('usage: node scripts/keras/roundtrip.mjs <python of the keras venv>');

await sinew.init();
const { layers, initializers } = sinew;

/** Deterministic inputs in [-1, 1). */
function uniform(n, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

const models = {
  mlp: {
    shape: [8],
    make: () => [
      layers.dense({ units: 16, activation: 'relu', inputShape: [8], kernelInitializer: initializers.glorotUniform({ seed: 1 }) }),
      layers.dense({ units: 3, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 2 }) }),
    ],
  },
  cnn: {
    shape: [8, 8, 1],
    make: () => [
      layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1], kernelInitializer: initializers.heNormal({ seed: 3 }) }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.batchNormalization(),
      layers.flatten(),
      layers.dense({ units: 3, activation: 'softmax', kernelInitializer: initializers.glorotUniform({ seed: 4 }) }),
    ],
  },
};

const work = await mkdtemp(join(tmpdir(), 'sinew-keras-'));
const rows = [];
let failed = false;
const check = (what, e, tol = TOL) => {
  const ok = e <= tol;
  failed ||= !ok;
  rows.push(`${ok ? 'PASS' : 'FAIL'}  ${what}: worst |difference| ${e.toExponential(2)} (≤ ${tol})`);
};
const worst = (a, b) => a.flat(Infinity).reduce((m, v, i) => Math.max(m, Math.abs(v - b.flat(Infinity)[i])), 0);

try {
  const n = 64;
  for (const [name, spec] of Object.entries(models)) {
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const x = sinew.tensor(uniform(n * size, 7), [n, ...spec.shape]);
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const y = sinew.tensor(labels, [n], 'int32');
    const m = sinew.sequential({ layers: spec.make() });
    m.compile({ optimizer: new sinew.optimizers.Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, seed: 1 });
    await m.save(join(dir, 'sinew'));
    await writeFile(join(dir, 'x.json'), JSON.stringify(x.arraySync()));
    await writeFile(join(dir, 'y.json'), JSON.stringify(labels));
    await writeFile(join(dir, 'sinew-pred.json'), JSON.stringify(m.predict(x).arraySync()));
    m.dispose();
    x.dispose();
    y.dispose();
  }

  await run(python, [fileURLToPath(new URL('keras_side.py', import.meta.url)), work, ...Object.keys(models)], { maxBuffer: 1 << 26 }).catch((e) => {
    throw new Error(`keras_side.py failed:\n${e.stdout}\n${e.stderr}`);
  });

  for (const [name, spec] of Object.entries(models)) {
    const dir = join(work, name);
    const report = JSON.parse(await readFile(join(dir, 'keras-report.json'), 'utf8'));
    rows.push(`${name}: Keras ${report.keras_version}, compiled from Sinew's training config as ${JSON.stringify(report.keras3_compiled)}`);
    check(`${name} Sinew → tf.keras (Keras 2) predictions`, report.keras2_vs_sinew);
    check(`${name} Sinew → Keras 3 predictions`, report.keras3_vs_sinew);
    if (!(report.keras3_trained_changed > 1e-4)) {
      failed = true;
      rows.push(`FAIL  ${name}: Keras 3 training did not change the predictions`);
    }
    const kerasPred = JSON.parse(await readFile(join(dir, 'keras-pred.json'), 'utf8'));
    const x = sinew.tensor(JSON.parse(await readFile(join(dir, 'x.json'), 'utf8')));
    const backs = ['back-h5', ...(report.native_keras_converted ? ['back-keras'] : [])];
    if (!report.native_keras_converted) rows.push(`note  ${name}: the converter did not take Keras 3's .keras file: ${report.native_keras_error}`);
    for (const back of backs) {
      const loaded = await sinew.loadLayersModel(join(dir, back));
      const json = JSON.parse(await readFile(join(dir, back, 'model.json'), 'utf8'));
      const names = json.weightsManifest.flatMap((g) => g.weights.map((w) => w.name));
      rows.push(`${name} ${back}: weight names ${names.slice(0, 3).join(', ')}, ...; compiled: ${loaded.compiled ? `${loaded.compiled.optimizer.className} / ${loaded.compiled.outputs[0].lossName}` : 'no'}`);
      check(`${name} Keras 3 (${back}) → Sinew predictions`, worst(loaded.predict(x).arraySync(), kerasPred));
      loaded.dispose();
    }
    x.dispose();
    void spec;
  }
} finally {
  console.log(rows.join('\n'));
  if (!process.env.SINEW_KEEP) await rm(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
process.exit(failed ? 1 : 0);
