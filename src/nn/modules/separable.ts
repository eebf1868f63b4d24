// Keras's SeparableConv2D in torch style: a depthwise Conv2d (child 'depthwise', groups = in,
// weight [in * depthMultiplier, 1, kh, kw]) followed by a pointwise 1x1 Conv2d (child 'pointwise',
// weight [out, in * depthMultiplier, 1, 1], the bias when there is one). Keras's
// `depthwise_kernel`, `pointwise_kernel` and `bias` are `depthwise.weight`, `pointwise.weight` and
// `pointwise.bias` (timm's SeparableConv2d has the same two-child structure).
import type { Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { Conv2d, pair, type Pair } from './conv.js';

export interface SeparableConv2dOptions {
  stride?: Pair;
  /** Of the depthwise conv: zero padding per side, or 'same' (stride 1) / 'valid'. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  /** Depthwise output channels per input channel (Keras depth_multiplier). */
  depthMultiplier?: number;
  /** Bias of the pointwise conv (Keras use_bias; default true as in Keras). */
  bias?: boolean;
}

export class SeparableConv2d extends Module {
  readonly depthwise: Conv2d;
  readonly pointwise: Conv2d;
  readonly kernelSize: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    o: SeparableConv2dOptions = {},
  ) {
    super('separableconv2d');
    this.kernelSize = pair(kernelSize);
    const mid = inChannels * (o.depthMultiplier ?? 1);
    this.depthwise = this.registerModule(
      'depthwise',
      new Conv2d(inChannels, mid, kernelSize, { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: inChannels, bias: false }),
    );
    this.pointwise = this.registerModule('pointwise', new Conv2d(mid, outChannels, 1, { bias: o.bias ?? true }));
  }

  forward(x: Tensor): Tensor {
    return this.pointwise.call(this.depthwise.call(x));
  }
}
