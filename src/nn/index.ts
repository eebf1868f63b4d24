// Fovea's Keras-style model building: layers, Sequential and functional models, configs,
// initialisers, regularisers, constraints and summaries, over PyTorch-style Modules.
export { Module, StateDictError, namePattern, type StateDict, type LoadStateDictResult, type ForwardHook } from './module.js';
export { Layer, type BaseLayerOptions, type WeightOptions } from './layer.js';
export { Model, type ModelConfig, type TraceRow } from './model.js';
export { Sequential, sequential, type SequentialOptions } from './sequential.js';
export { GraphModel, model, graphFromConfig, type GraphModelOptions } from './graph.js';
export { SymbolicTensor, InputSpec, input } from './symbolic.js';
export { modelFromConfig } from './serialize.js';
export { layerFromConfig, canonicalLayerType, LAYER_TYPES, ConfigError } from './registry.js';
export * from './factories.js';
export { summaryData, summaryTable, formatSummary, humanBytes, type SummaryData, type SummaryLayer, type SummaryOptions, type FormatSummaryOptions } from './summary.js';
export { moduleSummaryData, moduleSummaryTable, moduleMacs, type ModuleSummaryOptions } from './module-summary.js';
export { type LayerConfig, type JsonValue, type JsonObject, type Shape, camelToSnake, snakeToCamel, toSnakeKeys, toCamelKeys } from './config.js';
export { getActivation, ACTIVATION_NAMES, type ActivationFn } from './activations.js';
export { initTensor, kerasFans, truncatedNormal, INITIALIZER_NAMES, type InitializerConfig, type Fans } from './init.js';
export { Regularizer, l1, l2, l1l2, getRegularizer, regularizationLoss, type RegularizerConfig, type Regularized } from './regularizers.js';
export { maxNorm, minMaxNorm, unitNorm, nonNeg, getConstraint, applyConstraints, CONSTRAINT_NAMES, type Constraint, type ConstraintConfig, type Constrained } from './constraints.js';
export { Dense, type DenseOptions } from './layers/dense.js';
export { Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, type Conv2DOptions, type Conv2DTransposeOptions, type DepthwiseConv2DOptions, type SeparableConv2DOptions } from './layers/conv.js';
export { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, type Pooling2DOptions, type GlobalPooling2DOptions } from './layers/pooling.js';
export { Flatten, Reshape, type ReshapeOptions } from './layers/reshaping.js';
export { BatchNormalization, LayerNormalization, Normalization, Rescaling, type BatchNormalizationOptions, type LayerNormalizationOptions, type NormalizationOptions, type RescalingOptions } from './layers/normalization.js';
export { Dropout, SpatialDropout2D, GaussianNoise, type DropoutOptions, type GaussianNoiseOptions } from './layers/regularization.js';
export { Activation, type ActivationOptions } from './layers/activation.js';
export { Add, Subtract, Multiply, Average, Maximum, Concatenate, type ConcatenateOptions } from './layers/merge.js';
export * as modules from './modules/index.js';
