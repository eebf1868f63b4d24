// Optimisers (PyTorch 1.13 update rules), their factories, state dicts and gradient clipping.
export {
  Optimizer,
  type BaseOptions,
  type JSONValue,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type ParamState,
  type OptimizerStateDict,
  type OptimizerMeta,
  OPTIMIZER_STATE_FORMAT,
  OPTIMIZER_META_KEY,
  optimizerStateToSafetensors,
  optimizerStateFromSafetensors,
  saveOptimizerState,
  loadOptimizerState,
} from './optimizer.js';
export { SGD, SGD_DEFAULTS, type SGDOptions, type SGDState } from './sgd.js';
export { Adam, AdamW, ADAM_DEFAULTS, ADAMW_DEFAULTS, type AdamOptions, type AdamState } from './adam.js';
export { RMSprop, RMSPROP_DEFAULTS, type RMSpropOptions, type RMSpropState } from './rmsprop.js';
export { Adagrad, ADAGRAD_DEFAULTS, type AdagradOptions, type AdagradState } from './adagrad.js';
export { Adadelta, ADADELTA_DEFAULTS, type AdadeltaOptions, type AdadeltaState } from './adadelta.js';
export { Adamax, ADAMAX_DEFAULTS, type AdamaxOptions, type AdamaxState } from './adamax.js';
export { NAdam, NADAM_DEFAULTS, type NAdamOptions, type NAdamState } from './nadam.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
export {
  sgd,
  adam,
  adamw,
  rmsprop,
  adagrad,
  adadelta,
  adamax,
  nadam,
  createOptimizer,
  optimizerOptionsFromConfig,
  OPTIMIZER_NAMES,
  type OptimizerConfig,
  type OptimizerFactory,
} from './factory.js';
