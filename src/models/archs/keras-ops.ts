// Building blocks shared by the Keras-application architectures (MobileNet, Xception,
// InceptionResNetV2, NASNet): the Keras ImageNet config ('tf' preprocessing x/127.5 - 1), Keras
// BatchNormalization defaults, TensorFlow's 'same' padding (asymmetric: the extra row/column
// goes at the bottom/right) for strided windows, and Keras's weight initialisation.
import { F, type Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { BatchNorm2d, Conv2d, Linear, SeparableConv2d, pair, type Pair } from '../../nn/modules/index.js';
import { initTensor, kerasFans, type InitializerConfig } from '../../nn/init.js';
import { samePads } from '../../nn/layers/padding.js';
import type { ArchConfig } from '../zoo-model.js';
import type { ArchPreprocessing } from '../registry.js';

/** Keras 'tf' preprocessing, x / 127.5 - 1, on pixels scaled to [0, 1]. */
export const TF_MEAN: [number, number, number] = [0.5, 0.5, 0.5];
export const TF_STD: [number, number, number] = [0.5, 0.5, 0.5];

/** Keras applications' ImageNet evaluation: resize to size / 0.875, centre crop, x / 127.5 - 1. */
export function kerasPreprocessing(size = 224): ArchPreprocessing {
  return { inputSize: [3, size, size], mean: [...TF_MEAN], std: [...TF_STD], resizeShortSide: Math.round(size / 0.875) };
}

/** A Keras-application ImageNet config; `pre` is the preprocessing the architecture also registers. */
export function kerasConfig(name: string, classifier: string, numFeatures: number, numClasses: number, pre: ArchPreprocessing): ArchConfig {
  return { name, ...structuredClone(pre), classifier, numFeatures, numClasses, source: 'keras' };
}

/** Keras BatchNormalization: epsilon 1e-3, Keras momentum (PyTorch's is 1 - it), scale=False drops 'weight'. */
export function kerasBN(channels: number, o: { momentum?: number; eps?: number; scale?: boolean } = {}): BatchNorm2d {
  const momentum = Number((1 - (o.momentum ?? 0.99)).toFixed(8));
  return new BatchNorm2d(channels, { eps: o.eps ?? 1e-3, momentum, scale: o.scale ?? true });
}

/**
 * Zero-pads an NCHW tensor as TensorFlow's 'same' padding does for a window k and stride s
 * (Keras's imagenet_utils.correct_pad + ZeroPadding2D for stride 2): total (out-1)*s + k - in,
 * the odd pixel at the bottom/right. `value` -Infinity for max pooling.
 */
export function padSame(x: Tensor, k: Pair, s: Pair, d: Pair = 1, value = 0): Tensor {
  const [kh, kw] = pair(k);
  const [sh, sw] = pair(s);
  const [dh, dw] = pair(d);
  const [t, b] = samePads(x.shape[2], kh, sh, dh);
  const [l, r] = samePads(x.shape[3], kw, sw, dw);
  if (t === 0 && b === 0 && l === 0 && r === 0) return x;
  return F.pad(x, [l, r, t, b], { value });
}

/** Keras ZeroPadding2D(((top, bottom), (left, right))). */
export class ZeroPad2d extends Module {
  constructor(readonly pads: { top: number; bottom: number; left: number; right: number }) {
    super('zeropadding2d');
  }

  forward(x: Tensor): Tensor {
    const p = this.pads;
    return F.pad(x, [p.left, p.right, p.top, p.bottom]);
  }
}

/** Conv2d with TensorFlow 'same' padding at any stride (timm's Conv2dSame); PyTorch names and layout. */
export class Conv2dSame extends Conv2d {
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, o: { stride?: Pair; dilation?: Pair; groups?: number; bias?: boolean } = {}) {
    super(inChannels, outChannels, kernelSize, { ...o, padding: 0 });
  }

  override forward(x: Tensor): Tensor {
    return F.conv2d(padSame(x, this.kernelSize, this.stride, this.dilation), this.weight, this.bias, { stride: this.stride, dilation: this.dilation, groups: this.groups });
  }
}

/** Keras MaxPooling2D(padding='same'): TF pads with -Infinity, the odd pixel at the bottom/right. */
export class MaxPool2dSame extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];

  constructor(kernelSize: Pair, stride: Pair = kernelSize) {
    super('maxpool2dsame');
    this.kernelSize = pair(kernelSize);
    this.stride = pair(stride);
  }

  forward(x: Tensor): Tensor {
    return F.maxPool2d(padSame(x, this.kernelSize, this.stride, 1, -Infinity), this.kernelSize, { stride: this.stride });
  }
}

/** True for a depthwise Conv2d (one group per input channel). */
export function isDepthwise(m: Conv2d): boolean {
  return m.groups > 1 && m.groups === m.inChannels;
}

/**
 * Keras's initialisation of a built model: Conv2D kernels by `convInit` (glorot_uniform unless the
 * application passes kernel_initializer), DepthwiseConv2D and SeparableConv2D kernels and Dense
 * kernels glorot_uniform, every bias zero; BatchNormalization keeps ones / zeros. Fans are
 * computed from the Keras kernel shape (kh, kw, in, out), (kh, kw, in, multiplier), (in, out).
 */
export function kerasInit(model: Module, convInit: InitializerConfig = 'glorot_uniform'): void {
  const init = (m: Conv2d | Linear, cfg: InitializerConfig, kerasShape: number[]): void => {
    const shape = m.weight.shape;
    m.replaceTensor('weight', initTensor(cfg, shape, kerasFans(kerasShape)));
    if (m.namedParameters('', false).some(([n]) => n === 'bias')) m.replaceTensor('bias', initTensor('zeros', [shape[0]]));
  };
  const conv = (m: Conv2d, cfg: InitializerConfig): void => {
    const [kh, kw] = m.kernelSize;
    if (isDepthwise(m)) init(m, 'glorot_uniform', [kh, kw, m.inChannels, m.outChannels / m.inChannels]);
    else init(m, cfg, [kh, kw, m.inChannels / m.groups, m.outChannels]);
  };
  const done = new Set<Module>();
  for (const [, m] of model.namedModules()) {
    if (done.has(m)) continue;
    if (m instanceof SeparableConv2d) {
      conv(m.depthwise, 'glorot_uniform');
      conv(m.pointwise, 'glorot_uniform');
      done.add(m.depthwise).add(m.pointwise);
    } else if (m instanceof Conv2d) {
      conv(m, convInit);
    } else if (m instanceof Linear) {
      init(m, 'glorot_uniform', [m.inFeatures, m.outFeatures]);
    }
  }
}

/** Keras's parameter count: trainable and frozen parameters plus BatchNormalization moving mean / variance. */
export function kerasParamCount(model: Module): number {
  let n = 0;
  for (const p of model.parameters()) n += p.size;
  for (const [name, b] of model.namedBuffers()) if (/(^|\.)running_(mean|var)$/.test(name)) n += b.size;
  return n;
}
