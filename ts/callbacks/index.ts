export { Callback, CustomCallback, History, type CallbackHandlers, type Logs } from './callback.js';
export { EarlyStopping, type EarlyStoppingArgs } from './early-stopping.js';
export { ModelCheckpoint, type ModelCheckpointArgs } from './model-checkpoint.js';
export { ProgressBar, type ProgressBarOptions } from './progress-bar.js';
export { TerminateOnNaN } from './terminate-on-nan.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from './reduce-lr-on-plateau.js';

import { EarlyStopping, type EarlyStoppingArgs } from './early-stopping.js';
import { ModelCheckpoint, type ModelCheckpointArgs } from './model-checkpoint.js';
import { TerminateOnNaN } from './terminate-on-nan.js';
import { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from './reduce-lr-on-plateau.js';
import { optionsArg } from '../options.js';
/** TF.js-style factories. */
export const earlyStopping = (args?: EarlyStoppingArgs) => new EarlyStopping(optionsArg('callbacks.earlyStopping', args));
export const modelCheckpoint = (args: ModelCheckpointArgs) => new ModelCheckpoint(optionsArg('callbacks.modelCheckpoint', args));
export const terminateOnNaN = () => new TerminateOnNaN();
export const reduceLROnPlateau = (args?: ReduceLROnPlateauArgs) => new ReduceLROnPlateau(optionsArg('callbacks.reduceLROnPlateau', args));
