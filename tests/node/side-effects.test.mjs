// The package declares no side effects but its entry and the tensor methods
// (index.js, ops/methods.js), so a bundler keeps only the modules whose exports an app
// uses. An inference-only app (init,
// loadLayersModel, tensor) never uses the layer factories of layers/index.js;
// built-in layer classes must still be known when the model is loaded. This
// imports exactly the modules such an app reaches, in a fresh process, and
// loads a saved Dense + Conv2D model.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as sinew from '../../dist/index.js';

const run = promisify(execFile);

test('loading a model needs no import of layers/index.js (nothing a bundler could drop)', async (t) => {
  await sinew.init();
  const dir = await mkdtemp(join(tmpdir(), 'sinew-side-effects-'));
  try {
    const { layers } = sinew;
    const m = sinew.sequential({ layers: [layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [3, 3, 1] }), layers.flatten(), layers.dense({ units: 1 })] });
    await m.save(dir);
    const x = sinew.tensor([[[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]]]);
    const want = Array.from(m.predict(x).dataSync());
    const dist = new URL('../../dist/', import.meta.url).href;
    const script = `
      import { init } from '${dist}engine/backend.js';
      import { loadSequential } from '${dist}models/serialization.js';
      import { tensor } from '${dist}ops/create.js';
      await init();
      const m = await loadSequential(${JSON.stringify(dir)});
      console.log(JSON.stringify(Array.from(m.predict(tensor([[[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]]])).dataSync())));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    t.deepEqual(JSON.parse(stdout), want);
    m.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
