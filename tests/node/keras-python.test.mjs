// The Sinew ⇄ Keras round trip with real Keras 3, tf.keras and
// tensorflowjs_converter (scripts/keras/roundtrip.mjs), when `npm run
// test:keras` has installed them into .cache/keras-venv; skipped otherwise
// (npm test needs no Python).
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const python = fileURLToPath(new URL('../../.cache/keras-venv/bin/python', import.meta.url));
const script = fileURLToPath(new URL('../../scripts/keras/roundtrip.mjs', import.meta.url));

(existsSync(python) ? test : test.skip)('Sinew → Keras 3 / tf.keras → Sinew with the real converter, predictions within 1e-6 (skipped without `npm run test:keras`)', async (t) => {
  const { stdout } = await run(process.execPath, [script, python], { maxBuffer: 1 << 24 }).catch((e) => {
    throw new Error(`round trip failed:\n${e.stdout}\n${e.stderr}`);
  });
  t.log(stdout);
  t.regex(stdout, /PASS {2}cnn Keras 3 \(back-keras\) → Sinew predictions/);
  t.notRegex(stdout, /FAIL/);
});
