// The nn functional set with PyTorch's keyword names (torch.nn.functional), over the generated ops.
import * as ops from './generated/ops.js';
import { Tensor } from './tensor.js';

export type Pair = number | readonly [number, number];
export type Reduction = 'none' | 'mean' | 'sum';

function reductionCode(r: Reduction | undefined): number {
  switch (r ?? 'mean') {
    case 'none':
      return 0;
    case 'mean':
      return 1;
    case 'sum':
      return 2;
    default:
      throw new TypeError(`reduction must be 'none', 'mean' or 'sum', got '${String(r)}'`);
  }
}

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return ops.linear(x, weight, { bias: bias ?? null });
}

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'same' (output size = input size / stride, stride 1 only) or 'valid'. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = o;
  if (typeof padding === 'string') {
    return ops.conv2dPadding(x, weight, { bias: bias ?? null, stride, padding, dilation, groups });
  }
  return ops.conv2d(x, weight, { bias: bias ?? null, stride, padding, dilation, groups });
}

export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
}

export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvTranspose2dOptions = {}): Tensor {
  return ops.convTranspose2d(x, weight, { bias: bias ?? null, ...o });
}

export interface Pool2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

export function maxPool2d(x: Tensor, kernelSize: Pair, o: Pool2dOptions = {}): Tensor {
  return ops.maxPool2d(x, kernelSize, { stride: o.stride ?? kernelSize, padding: o.padding, dilation: o.dilation, ceilMode: o.ceilMode });
}

/** Max pooling that also returns the flat indices of the maxima (for maxUnpool2d). */
export function maxPool2dWithIndices(x: Tensor, kernelSize: Pair, o: Pool2dOptions = {}): [Tensor, Tensor] {
  return ops.maxPool2dWithIndices(x, kernelSize, {
    stride: o.stride ?? kernelSize,
    padding: o.padding,
    dilation: o.dilation,
    ceilMode: o.ceilMode,
  });
}

export function avgPool2d(
  x: Tensor,
  kernelSize: Pair,
  o: { stride?: Pair; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number } = {},
): Tensor {
  return ops.avgPool2d(x, kernelSize, { ...o, stride: o.stride ?? kernelSize });
}

export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  return ops.adaptiveAvgPool2d(x, outputSize);
}

export function adaptiveMaxPool2d(x: Tensor, outputSize: Pair): [Tensor, Tensor] {
  return ops.adaptiveMaxPool2d(x, outputSize);
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/** Batch norm; in training mode running statistics are updated in place (PyTorch's convention). */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, o: BatchNormOptions = {}): Tensor {
  return ops.batchNorm(x, o.weight ?? null, o.bias ?? null, runningMean, runningVar, o.training ?? false, o.momentum ?? 0.1, o.eps ?? 1e-5, true);
}

export function layerNorm(x: Tensor, normalizedShape: readonly number[], o: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  return ops.layerNorm(x, normalizedShape, { weight: o.weight ?? null, bias: o.bias ?? null, eps: o.eps ?? 1e-5 });
}

export function groupNorm(x: Tensor, numGroups: number, o: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  return ops.groupNorm(x, numGroups, { weight: o.weight ?? null, bias: o.bias ?? null, eps: o.eps ?? 1e-5 });
}

export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkP(p);
  return ops.dropout(x, p, training);
}

/** Zeroes whole channels (SpatialDropout2D / nn.Dropout2d). */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  checkP(p);
  return ops.featureDropout(x, p, training);
}

function checkP(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout probability must be in [0, 1], got ${p}`);
}

export function softmax(x: Tensor, dim: number): Tensor {
  return ops.softmax(x, dim);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  return ops.logSoftmax(x, dim);
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return ops.leakyRelu(x, { negativeSlope });
}

export function elu(x: Tensor, alpha = 1): Tensor {
  return ops.elu(x, { alpha });
}

export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return ops.gelu(x, { approximate });
}

export const relu = ops.relu;
export const relu6 = ops.relu6;
export const silu = ops.silu;
export const hardswish = ops.hardswish;
export const hardsigmoid = ops.hardsigmoid;
export const sigmoid = ops.sigmoid;
export const tanh = ops.tanh;
export const selu = ops.selu;
export const mish = ops.mish;

export type InterpolateMode = 'nearest' | 'bilinear' | 'bicubic';

export interface InterpolateOptions {
  size?: Pair;
  scaleFactor?: number | readonly [number, number];
  mode?: InterpolateMode;
  alignCorners?: boolean;
  /** Anti-aliasing when downsampling (bilinear and bicubic), as torchvision's resize. */
  antialias?: boolean;
}

/** Resizes NCHW images (torch.nn.functional.interpolate). */
export function interpolate(x: Tensor, o: InterpolateOptions): Tensor {
  const mode = o.mode ?? 'nearest';
  if ((o.size === undefined) === (o.scaleFactor === undefined)) {
    throw new TypeError('interpolate(): give exactly one of size and scaleFactor');
  }
  if (x.ndim !== 4) throw new RangeError(`interpolate(): expects NCHW input, got shape [${x.shape.join(', ')}]`);
  const outputSize = o.size === undefined ? null : typeof o.size === 'number' ? [o.size, o.size] : o.size;
  const scales = o.scaleFactor === undefined ? null : typeof o.scaleFactor === 'number' ? [o.scaleFactor, o.scaleFactor] : o.scaleFactor;
  if (mode === 'nearest') {
    if (o.alignCorners !== undefined) throw new TypeError("interpolate(): alignCorners only applies to 'bilinear' and 'bicubic'");
    return ops.upsampleNearest2d(x, outputSize, scales);
  }
  const align = o.alignCorners ?? false;
  if (mode === 'bilinear') {
    return o.antialias ? ops.upsampleBilinear2dAA(x, outputSize, align, scales) : ops.upsampleBilinear2d(x, outputSize, align, scales);
  }
  if (mode === 'bicubic') {
    return o.antialias ? ops.upsampleBicubic2dAA(x, outputSize, align, scales) : ops.upsampleBicubic2d(x, outputSize, align, scales);
  }
  throw new TypeError(`interpolate(): mode must be nearest, bilinear or bicubic, got '${String(mode)}'`);
}

/** Pads the last dimensions: pads = [left, right, top, bottom, ...] as in PyTorch. */
export function pad(x: Tensor, pads: readonly number[], o: { mode?: 'constant' | 'reflect' | 'replicate' | 'circular'; value?: number } = {}): Tensor {
  return ops.pad(x, pads, { mode: o.mode ?? 'constant', value: o.mode === undefined || o.mode === 'constant' ? (o.value ?? 0) : null });
}

/** Sampling grid for affine transforms: theta [N, 2, 3], size [N, C, H, W]. */
export function affineGrid(theta: Tensor, size: readonly number[], alignCorners = false): Tensor {
  return ops.affineGrid(theta, size, alignCorners);
}

export interface GridSampleOptions {
  mode?: 'bilinear' | 'nearest' | 'bicubic';
  paddingMode?: 'zeros' | 'border' | 'reflection';
  alignCorners?: boolean;
}

export function gridSample(x: Tensor, grid: Tensor, o: GridSampleOptions = {}): Tensor {
  const mode = { bilinear: 0, nearest: 1, bicubic: 2 }[o.mode ?? 'bilinear'];
  const paddingMode = { zeros: 0, border: 1, reflection: 2 }[o.paddingMode ?? 'zeros'];
  if (mode === undefined) throw new TypeError(`gridSample(): unknown mode '${String(o.mode)}'`);
  if (paddingMode === undefined) throw new TypeError(`gridSample(): unknown paddingMode '${String(o.paddingMode)}'`);
  return ops.gridSampler(x, grid, mode, paddingMode, o.alignCorners ?? false);
}

export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  return ops.oneHot(indices, { numClasses });
}

export interface CrossEntropyOptions {
  /** Per-class weights (class imbalance). */
  weight?: Tensor | null;
  reduction?: Reduction;
  ignoreIndex?: number;
  labelSmoothing?: number;
}

/** Cross entropy of logits [N, C] with class indices [N] (int64) or class probabilities [N, C]. */
export function crossEntropy(logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  return ops.crossEntropyLoss(logits, target, {
    weight: o.weight ?? null,
    reduction: reductionCode(o.reduction),
    ignoreIndex: o.ignoreIndex ?? -100,
    labelSmoothing: o.labelSmoothing ?? 0,
  });
}

export function nllLoss(logProbs: Tensor, target: Tensor, o: { weight?: Tensor | null; reduction?: Reduction; ignoreIndex?: number } = {}): Tensor {
  return ops.nllLoss(logProbs, target, { weight: o.weight ?? null, reduction: reductionCode(o.reduction), ignoreIndex: o.ignoreIndex ?? -100 });
}

export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  return ops.binaryCrossEntropyWithLogits(logits, target, { weight: o.weight ?? null, posWeight: o.posWeight ?? null, reduction: reductionCode(o.reduction) });
}

export function binaryCrossEntropy(probs: Tensor, target: Tensor, o: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  return ops.binaryCrossEntropy(probs, target, { weight: o.weight ?? null, reduction: reductionCode(o.reduction) });
}

export function mseLoss(x: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  return ops.mseLoss(x, target, { reduction: reductionCode(o.reduction) });
}

export function l1Loss(x: Tensor, target: Tensor, o: { reduction?: Reduction } = {}): Tensor {
  return ops.l1Loss(x, target, { reduction: reductionCode(o.reduction) });
}

/** Multi-class hinge loss (nn.MultiMarginLoss): p = 1 is the SVM hinge, p = 2 squared hinge. */
export function multiMarginLoss(
  x: Tensor,
  target: Tensor,
  o: { p?: 1 | 2; margin?: number; weight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  return ops.multiMarginLoss(x, target, { p: o.p ?? 1, margin: o.margin ?? 1, weight: o.weight ?? null, reduction: reductionCode(o.reduction) });
}

export const hingeLoss = multiMarginLoss;
