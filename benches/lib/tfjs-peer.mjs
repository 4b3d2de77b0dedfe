// TensorFlow.js in Node, set up the way its best user would: the wasm
// backend's SIMD binary where the host has SIMD (Node has no threads for
// tfjs-backend-wasm: it forces WASM_HAS_MULTITHREAD_SUPPORT off), and a record
// of what actually ran — backend, the .wasm file the module read, threads —
// so a result table can say which TF.js it measured.
import { createRequire } from 'node:module';
import { basename } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Calls `fn` while watching which `.wasm` files are read through `fs`
 * (emscripten's Node loader reads its binary with fs.readFile/readFileSync).
 * Returns [result, basenames of the .wasm files read].
 */
async function watchWasmReads(fn) {
  const fs = require('node:fs');
  const seen = [];
  const spy = (name) => {
    const orig = fs[name];
    fs[name] = function (path, ...rest) {
      if (String(path).endsWith('.wasm')) seen.push(basename(String(path)));
      return orig.call(this, path, ...rest);
    };
    return () => (fs[name] = orig);
  };
  const restores = [spy('readFileSync'), spy('readFile')];
  const origP = fs.promises.readFile;
  fs.promises.readFile = function (path, ...rest) {
    if (String(path).endsWith('.wasm')) seen.push(basename(String(path)));
    return origP.call(this, path, ...rest);
  };
  try {
    return [await fn(), seen];
  } finally {
    for (const r of restores) r();
    fs.promises.readFile = origP;
  }
}

/**
 * Loads tfjs-core (+ tfjs-layers when `layers`) on `backend` ('cpu' | 'wasm').
 * Returns { tf, layers, info: { library, backend, wasmFile, simd, threads } }.
 */
export async function loadTfjsNode(backend, { layers = false } = {}) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const layersLib = layers ? await import('@tensorflow/tfjs-layers') : null;
  let wasmMod = null;
  if (backend === 'wasm') {
    wasmMod = await import('@tensorflow/tfjs-backend-wasm');
    wasmMod.setWasmPaths(require.resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/]+$/, ''));
  }
  const [ok, wasmFiles] = await watchWasmReads(async () => {
    const set = await tf.setBackend(backend);
    await tf.ready();
    return set;
  });
  if (!ok || tf.getBackend() !== backend) throw new Error(`TF.js backend '${backend}' did not initialise (active: ${tf.getBackend()})`);
  const threaded = backend === 'wasm' && tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  const info = {
    library: `${layersLib ? `@tensorflow/tfjs-layers ${layersLib.version_layers}, ` : ''}tfjs-core ${tf.version_core}`,
    backend,
    wasmFile: backend === 'wasm' ? wasmFiles.join(', ') || 'unknown (no .wasm read observed)' : null,
    simd: backend === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : false,
    threads: threaded ? wasmMod.getThreadsCount() : 1,
  };
  return { tf, layers: layersLib, info };
}
