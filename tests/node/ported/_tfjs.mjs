// What `import * as tf from '@tensorflow/tfjs'` gives (core + layers + the CPU
// backend), built from the split packages this repository installs.
//
// The umbrella package's bundle also installs TF.js's chained tensor methods
// (`x.sub(m).div(s)`); tfjs-core ships them only as ES modules that Node
// cannot load next to its CommonJS build, so they are installed here the way
// those modules do it: each `x.op(...args)` is `tf.op(x, ...args)`, for every
// op tfjs-core has a chained_ops module for.
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as core from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';

const dir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-core')), 'public', 'chained_ops');
for (const file of readdirSync(dir)) {
  // Module arg_max.js installs x.argMax.
  const name = file.replace(/\.js$/, '').replace(/_(\w)/g, (_, c) => c.toUpperCase());
  if (!file.endsWith('.js') || name.startsWith('register') || typeof core[name] !== 'function' || name in core.Tensor.prototype) continue;
  core.Tensor.prototype[name] = function (...args) {
    this.throwIfDisposed();
    return core[name](this, ...args);
  };
}
