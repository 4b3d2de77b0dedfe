// Browser side of the end-to-end benchmark (driven by benches/train.mjs
// through playwright-core). Sinew runs inside its engine Worker via
// `engine.run(...)` (the synchronous API needs a Worker); TF.js runs on the
// page with its UMD bundles. Both read Fashion-MNIST from one raw file the
// bench server serves: u8 train images | train labels | test images | test labels;
// the text workloads train on the same synthetic ids as in Node.
import { PROFILES, isText, runWorkload, sinewAdapter, textWorkloadData, tfjsAdapter } from './train-contenders.mjs';

export async function loadData(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const u8 = new Uint8Array(await res.arrayBuffer());
  const part = (offset, n) => {
    const images = new Float32Array(n * 784);
    for (let i = 0; i < images.length; i++) images[i] = u8[offset + i] / 255;
    return { images, labels: Int32Array.from(u8.subarray(offset + n * 784, offset + n * 785)) };
  };
  return { train: part(0, 60000), test: part(60000 * 785, 10000) };
}

/** A workload's data: Fashion-MNIST from `dataUrl`, or a text workload's synthetic ids. */
const workloadData = (kind, profile, dataUrl) => (isText(kind) ? textWorkloadData(kind, PROFILES[profile]) : loadData(dataUrl));

const pageMemory = () => ({ heapUsed: globalThis.performance?.memory?.usedJSHeapSize });

/** Called in the Sinew engine Worker: `engine.run(url, 'sinewInWorker', opts)`. */
export async function sinewInWorker(sinew, { kind, threads, profile, dataUrl, timingOnly }) {
  sinew.setNumThreads(threads);
  const data = await workloadData(kind, profile, dataUrl);
  const info = sinew.backendInfo();
  const r = await runWorkload(sinewAdapter(sinew), kind, data, PROFILES[profile], { procMemory: pageMemory }, { timingOnly });
  return { info: { library: `sinew ${info.version}`, build: info.build, threads: info.threads, poolSize: info.poolSize }, ...r };
}

/**
 * Called on the page after the TF.js UMD bundles are loaded (global `tf`).
 * The wasm backend gets what its users get on a cross-origin isolated page:
 * the threaded SIMD binary, with `threads` threads (Sinew's count). The .wasm
 * file it actually fetched is read back from the page's resource timings.
 */
export async function tfjsInPage({ kind, backend, threads, profile, dataUrl, wasmDir, timingOnly }) {
  const tf = globalThis.tf;
  if (backend === 'wasm') {
    tf.wasm.setWasmPaths(wasmDir);
    tf.wasm.setThreadsCount(threads);
  }
  if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`TF.js backend '${backend}' did not initialise`);
  await tf.ready();
  const wasmFiles = performance.getEntriesByType('resource').map((e) => e.name).filter((u) => u.endsWith('.wasm')).map((u) => u.slice(u.lastIndexOf('/') + 1));
  const data = await workloadData(kind, profile, dataUrl);
  const r = await runWorkload(tfjsAdapter(tf), kind, data, PROFILES[profile], { procMemory: pageMemory }, { timingOnly });
  const threaded = backend === 'wasm' && tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  const info = {
    library: `@tensorflow/tfjs-layers ${tf.version_layers}, tfjs-core ${tf.version_core}`,
    backend,
    wasmFile: backend === 'wasm' ? wasmFiles.join(', ') || 'unknown (no .wasm fetch observed)' : null,
    simd: backend === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : false,
    threads: threaded ? tf.wasm.getThreadsCount() : 1,
  };
  return { info, ...r };
}
