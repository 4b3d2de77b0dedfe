/**
 * Saving models in the TensorFlow.js layers format (model.json topology +
 * weights.bin). Loading, which builds models, is in `serialization.ts`; this
 * half only reads them, so models can import it without a cycle.
 */
import { backendInfo } from '../engine/backend.js';
import { encodeWeights } from '../io/weights.js';
import { getHandler, type IOHandler, type SaveResult } from '../io/handlers.js';
import type { LayersModel } from './functional.js';
import { toTrainingConfig } from './training-config.js';

/** Saves `model` to a destination (see `Sequential.save`). */
export async function saveModel(model: LayersModel, destination: string | URL | IOHandler): Promise<SaveResult> {
  const handler = getHandler(destination);
  const { data, specs } = encodeWeights(
    model.weights.map((v) => ({ name: v.name, shape: [...v.shape], dtype: v.dtype, values: v.dtype === 'int32' ? Int32Array.from(v.dataSync()) : v.dataSync() })),
  );
  const trainingConfig = model.compiled && toTrainingConfig(model.compiled);
  return handler.save({
    modelTopology: model.toJSON(),
    weightSpecs: specs,
    weightData: data,
    format: 'layers-model',
    generatedBy: `sinew ${backendInfo().version}`,
    convertedBy: null,
    // In Keras's spelling (see training-config.ts), which TF.js reads too.
    ...(trainingConfig ? { trainingConfig } : {}),
  });
}

