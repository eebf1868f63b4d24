// The training callbacks.
export { Callback, CallbackList } from './callback.js';
export { EarlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export { ModelCheckpoint, type ModelCheckpointOptions } from './model-checkpoint.js';
export { CSVLogger } from './csv-logger.js';
export { JsonlLogger } from './jsonl-logger.js';
export { LRLogger, type LrRecord } from './lr-logger.js';
export { ProgressBar, type ProgressBarOptions, type ProgressStream } from './progress-bar.js';
export { LambdaCallback, type LambdaHooks } from './lambda.js';
export { resolveMode, improves, type MonitorMode } from './monitor.js';
export { GradualUnfreezing, type GradualUnfreezingOptions, type UnfreezeGroup } from './gradual-unfreezing.js';
