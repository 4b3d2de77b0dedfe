// Moving models between Sinew and TF.js layers in tests: TF.js artifacts
// written as files, and a saved model read back as JSON + weight bytes.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/** model.json (parsed) and weights.bin (an ArrayBuffer) of a saved model directory. */
export async function readSaved(path) {
  const json = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
  const bin = await readFile(join(path, 'weights.bin'));
  return { json, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) };
}

/** TF.js artifacts written the way tfjs-node's file:// handler writes them. */
export async function writeTfArtifacts(tm, path) {
  let artifacts;
  await tm.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const weightData = Array.isArray(artifacts.weightData) ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : artifacts.weightData;
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'weights.bin'), new Uint8Array(weightData));
  await writeFile(join(path, 'model.json'), JSON.stringify({
    modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  }));
  return artifacts;
}
