// Torch-style modules (PyTorch names and layouts), the building blocks of the architecture zoo.
export { Conv2d, pair, type Conv2dOptions, type Pair } from './conv.js';
export { BatchNorm2d, LayerNorm, LayerNorm2d, type BatchNormOptions } from './norm.js';
export { Linear } from './linear.js';
export { Fn, ReLU, ReLU6, SiLU, GELU, Hardswish, Hardsigmoid, Sigmoid, Tanh, Identity, Flatten, Dropout, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, reluInPlace, addInPlace, type ActivationOptions, type PoolOptions } from './simple.js';
export { Seq } from './container.js';
export { torchFans, uniformParam, normalParam, truncNormalParam, defaultWeight, kaimingNormalFanOut } from './init.js';
export { StochasticDepth, stochasticDepth } from './stochastic-depth.js';
export { SeparableConv2d, type SeparableConv2dOptions } from './separable.js';
