// torchvision.ops.misc building blocks shared by the mobile-style torchvision architectures
// (MobileNetV2/V3, EfficientNet, ConvNeXt): Conv2dNormActivation, SqueezeExcitation,
// _make_divisible, and torchvision's weight initialisation. Module trees and names are
// torchvision 0.14's so state dicts load unchanged.
import { keep, noGrad, rand, zeros, type Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, ReLU, Seq, Sigmoid, kaimingNormalFanOut, normalParam, type ActivationOptions } from '../../nn/modules/index.js';
import type { ArchConfig, Block } from '../zoo-model.js';
import type { ArchPreprocessing, CreateOptions } from '../registry.js';

export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** torchvision's ImageNet evaluation: resize the short side, centre crop `size`, ImageNet mean/std. */
export function tvPreprocessing(resizeShortSide = 256, size = 224): ArchPreprocessing {
  return { inputSize: [3, size, size], mean: [...IMAGENET_MEAN], std: [...IMAGENET_STD], resizeShortSide };
}

/** A torchvision ImageNet config; `pre` is the preprocessing the architecture also registers. */
export function tvConfig(name: string, classifier: string, numFeatures: number, numClasses: number, pre: ArchPreprocessing): ArchConfig {
  return { name, ...structuredClone(pre), classifier, numFeatures, numClasses, source: 'torchvision' };
}

/** Reads a numeric architecture option (e.g. widthMult), with a default and a range check. */
export function numberOption(o: CreateOptions, key: string, dflt: number, check: (v: number) => boolean = (v) => v > 0): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw new Error(`option '${key}' must be a valid number, got ${String(v)}`);
  return v;
}

/** torchvision's _make_divisible: rounds channels to a multiple of divisor, never down by >10%. */
export function makeDivisible(v: number, divisor: number, minValue?: number): number {
  const min = minValue ?? divisor;
  let nv = Math.max(min, Math.floor(Math.floor(v + divisor / 2) / divisor) * divisor);
  if (nv < 0.9 * v) nv += divisor;
  return nv;
}

export type NormFactory = (channels: number) => Module;
export type ActFactory = (o?: ActivationOptions) => Module;

export interface ConvNormActOptions {
  kernel?: number;
  stride?: number;
  /** Default (kernel - 1) / 2 * dilation. */
  padding?: number;
  groups?: number;
  dilation?: number;
  /** null: no norm layer. Default BatchNorm2d. */
  norm?: NormFactory | null;
  /** null: no activation. Default ReLU. */
  act?: ActFactory | null;
  /** Default: bias only when there is no norm layer. */
  bias?: boolean;
}

/** Conv2dNormActivation: Sequential(conv '0', norm '1', activation '2'). */
export function convNormAct(inC: number, outC: number, o: ConvNormActOptions = {}): Seq {
  const k = o.kernel ?? 3;
  const dilation = o.dilation ?? 1;
  const norm = o.norm === undefined ? (c: number) => new BatchNorm2d(c) : o.norm;
  const act = o.act === undefined ? ReLU : o.act;
  const seq = new Seq();
  seq.add(
    '0',
    new Conv2d(inC, outC, k, {
      stride: o.stride ?? 1,
      padding: o.padding ?? Math.floor((k - 1) / 2) * dilation,
      dilation,
      groups: o.groups ?? 1,
      bias: o.bias ?? norm === null,
    }),
  );
  if (norm) seq.add('1', norm(outC));
  // torchvision's Conv2dNormActivation builds its activation with inplace=True
  if (act) seq.add(String(seq.length), act({ inplace: true }));
  return seq;
}

/** torchvision.ops.SqueezeExcitation: input * scale_activation(fc2(activation(fc1(avgpool(input))))). */
export class SqueezeExcitation extends Module {
  readonly avgpool: Module;
  readonly fc1: Conv2d;
  readonly fc2: Conv2d;
  readonly activation: Module;
  readonly scaleActivation: Module;

  constructor(inputChannels: number, squeezeChannels: number, activation: ActFactory = ReLU, scaleActivation: ActFactory = Sigmoid) {
    super('squeezeexcitation');
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.fc1 = this.registerModule('fc1', new Conv2d(inputChannels, squeezeChannels, 1));
    this.fc2 = this.registerModule('fc2', new Conv2d(squeezeChannels, inputChannels, 1));
    this.activation = this.registerModule('activation', activation());
    this.scaleActivation = this.registerModule('scale_activation', scaleActivation());
  }

  forward(x: Tensor): Tensor {
    const s = this.scaleActivation.call(this.fc2.call(this.activation.call(this.fc1.call(this.avgpool.call(x)))));
    return s.mul(x);
  }
}

/** Linear initialisation of a torchvision model (the conv and norm ones are shared). */
export type LinearInit = (shape: number[]) => Tensor;

/** nn.init.normal_(w, 0, std). */
export const linearNormal = (std: number): LinearInit => (shape) => normalParam(shape, std);

/** nn.init.uniform_(w, -b, b). */
export const linearUniform = (bound: (shape: number[]) => number): LinearInit => (shape) => {
  const b = bound(shape);
  return keep(noGrad(() => rand(shape).mul_(2 * b).sub_(b)));
};

/**
 * torchvision's init loop: Conv2d weights kaiming_normal(fan_out) (or convInit), conv and linear
 * biases zero, Linear weights by linearInit. BatchNorm / LayerNorm keep ones / zeros (their default).
 */
export function initTorchvision(model: Module, linearInit: LinearInit, convInit: LinearInit = kaimingNormalFanOut): void {
  for (const [, m] of model.namedModules()) {
    if (m instanceof Conv2d || m instanceof Linear) {
      const w = m.weight;
      m.replaceTensor('weight', (m instanceof Conv2d ? convInit : linearInit)(w.shape));
      if (m.namedParameters('', false).some(([n]) => n === 'bias')) m.replaceTensor('bias', keep(zeros([w.shape[0]])));
    }
  }
}

/**
 * Feature blocks of a `features` Sequential whose stages are Sequentials of residual blocks: a
 * stage contributes each of its blocks ('features.1.0', 'features.1.1', ...), any other child
 * (stem, downsampling, last conv) is one block ('features.0').
 */
export function stageBlocks(features: Seq, prefix: string, blockClass: abstract new (...args: never[]) => Module): Block[] {
  return features.children().flatMap(([n, m]): Block[] => {
    const kids = m.children();
    const isStage = m instanceof Seq && kids.length > 0 && kids.every(([, c]) => c instanceof blockClass);
    return isStage ? kids.map(([j, b]) => ({ name: `${prefix}.${n}.${j}`, module: b })) : [{ name: `${prefix}.${n}`, module: m }];
  });
}
