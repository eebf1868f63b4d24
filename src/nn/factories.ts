// Friendly TypeScript factories with camelCase options: conv2d({filters: 32, kernelSize: 3}).
import type { BaseLayerOptions } from './layer.js';
import { Dense, type DenseOptions } from './layers/dense.js';
import {
  Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D,
  type Conv2DOptions, type Conv2DTransposeOptions, type DepthwiseConv2DOptions, type SeparableConv2DOptions,
} from './layers/conv.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, type GlobalPooling2DOptions, type Pooling2DOptions } from './layers/pooling.js';
import { Flatten, Reshape, type ReshapeOptions } from './layers/reshaping.js';
import {
  BatchNormalization, LayerNormalization, Normalization, Rescaling,
  type BatchNormalizationOptions, type LayerNormalizationOptions, type NormalizationOptions, type RescalingOptions,
} from './layers/normalization.js';
import { Dropout, GaussianNoise, SpatialDropout2D, type DropoutOptions, type GaussianNoiseOptions } from './layers/regularization.js';
import { Activation, type ActivationOptions } from './layers/activation.js';
import { Add, Average, Concatenate, Maximum, Multiply, Subtract, type ConcatenateOptions } from './layers/merge.js';

export const dense = (o: DenseOptions): Dense => new Dense(o);
export const conv2d = (o: Conv2DOptions): Conv2D => new Conv2D(o);
export const conv2dTranspose = (o: Conv2DTransposeOptions): Conv2DTranspose => new Conv2DTranspose(o);
export const depthwiseConv2d = (o: DepthwiseConv2DOptions): DepthwiseConv2D => new DepthwiseConv2D(o);
export const separableConv2d = (o: SeparableConv2DOptions): SeparableConv2D => new SeparableConv2D(o);
export const maxPooling2d = (o: Pooling2DOptions = {}): MaxPooling2D => new MaxPooling2D(o);
export const averagePooling2d = (o: Pooling2DOptions = {}): AveragePooling2D => new AveragePooling2D(o);
export const globalAveragePooling2d = (o: GlobalPooling2DOptions = {}): GlobalAveragePooling2D => new GlobalAveragePooling2D(o);
export const globalMaxPooling2d = (o: GlobalPooling2DOptions = {}): GlobalMaxPooling2D => new GlobalMaxPooling2D(o);
export const flatten = (o: BaseLayerOptions = {}): Flatten => new Flatten(o);
export const reshape = (o: ReshapeOptions): Reshape => new Reshape(o);
export const batchNormalization = (o: BatchNormalizationOptions = {}): BatchNormalization => new BatchNormalization(o);
export const layerNormalization = (o: LayerNormalizationOptions = {}): LayerNormalization => new LayerNormalization(o);
export const normalization = (o: NormalizationOptions = {}): Normalization => new Normalization(o);
export const rescaling = (o: RescalingOptions): Rescaling => new Rescaling(o);
export const dropout = (o: DropoutOptions): Dropout => new Dropout(o);
export const spatialDropout2d = (o: DropoutOptions): SpatialDropout2D => new SpatialDropout2D(o);
export const gaussianNoise = (o: GaussianNoiseOptions): GaussianNoise => new GaussianNoise(o);
export const activation = (o: ActivationOptions | string): Activation => new Activation(typeof o === 'string' ? { activation: o } : o);
export const add = (o: BaseLayerOptions = {}): InstanceType<typeof Add> => new Add(o);
export const subtract = (o: BaseLayerOptions = {}): InstanceType<typeof Subtract> => new Subtract(o);
export const multiply = (o: BaseLayerOptions = {}): InstanceType<typeof Multiply> => new Multiply(o);
export const average = (o: BaseLayerOptions = {}): InstanceType<typeof Average> => new Average(o);
export const maximum = (o: BaseLayerOptions = {}): InstanceType<typeof Maximum> => new Maximum(o);
export const concatenate = (o: ConcatenateOptions = {}): Concatenate => new Concatenate(o);
