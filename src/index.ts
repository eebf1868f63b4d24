// Fovea: image-classification experiments on libtorch. Each layer is also its own entry point
// (fovea/torch, fovea/nn, fovea/models, fovea/data, fovea/train, fovea/experiment).
export * as T from './torch/index.js';
export * as nn from './nn/index.js';
export * as models from './models/index.js';
export * as data from './data/index.js';
export * as train from './train/index.js';
export * as experiment from './experiment/index.js';
