// Training: optimisers, schedules, the fit loop and its callbacks, checkpoints, the LR finder.
export * from './optim/index.js';
export * from './schedules/index.js';
export * from './callbacks/index.js';
export { fit, type FitOptions, type DataInput } from './fit.js';
export { evaluate, predict, type EvaluateOptions } from './evaluate.js';
export { History, type Logs, type FitContext, type OptimizerLike, type ScheduleLike } from './types.js';
export { MetricAccumulator, accuracy, topKAccuracy, parseMetric } from './metrics.js';
export { classificationLoss, type LossOptions } from './loss.js';
export { saveCheckpoint, loadCheckpoint, loadCheckpointWeights, readManifest } from './checkpoint.js';
export { lrFind, lrFindAsync, paramSnapshot, suggestLrs } from './lr-finder.js';
export { planFeatureCache, buildFeatureCache, FeatureSuffix, cacheFileBytes, type CachePlan, type PlanOptions, type FeatureCache, type FeatureCacheOptions, type CachedSplits } from './feature-cache.js';
