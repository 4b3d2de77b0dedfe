/**
 * Model serialization in the TensorFlow.js layers-model format.
 *
 *     const { data, specs } = io.encodeWeights(weights);
 *     await io.getHandler('file://./my-model').save({ modelTopology, weightSpecs: specs, weightData: data });
 *     const artifacts = await io.getHandler('./my-model').load();
 *     const weights = io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
 */
export { encodeWeights, decodeWeights, weightByteLength, weightsByteLength } from './weights.js';
export type { WeightDType, WeightsManifestEntry, WeightsManifestGroupConfig, WeightsManifestConfig, NamedWeight } from './weights.js';
export {
  getHandler,
  fileSystem,
  http,
  indexedDB,
  listModels,
  removeModel,
  downloads,
  browserFiles,
  parseModelJson,
  toModelJson,
  artifactsFromModelJson,
  artifactsInfo,
  validateArtifacts,
} from './handlers.js';
export type { IOHandler, ModelArtifacts, ModelArtifactsInfo, ModelJSON, SaveResult, TrainingConfig, HttpOptions, FileLike, FileSystemOptions } from './handlers.js';
export type { SaveFs } from './atomic-save.js';
