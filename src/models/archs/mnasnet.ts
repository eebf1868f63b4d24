// torchvision 0.14 MNASNet (B1 variant, Tan et al. 2018), depth multipliers 0.5 and 1.0
// (version 2: the stem scales with alpha too). Module tree and names are torchvision's: 'layers'
// (stem conv/bn/relu, separable conv, six stacks of inverted residuals with children 'layers',
// the 1x1 conv to 1280) and classifier = Sequential(Dropout, Linear). BN momentum 1 - 0.9997.
import type { Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { BatchNorm2d, Conv2d, Dropout, Linear, ReLU, Seq } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { initTorchvision, linearUniform, numberOption, tvConfig, tvPreprocessing } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing();

const BN_MOMENTUM = 1 - 0.9997;

export class MnasInvertedResidual extends Module {
  readonly applyResidual: boolean;
  readonly layers: Seq;

  constructor(inCh: number, outCh: number, kernel: number, stride: number, expansion: number, bnMomentum = 0.1) {
    super('invertedresidual');
    if (stride !== 1 && stride !== 2) throw new Error(`MNASNet: stride should be 1 or 2, got ${stride}`);
    if (kernel !== 3 && kernel !== 5) throw new Error(`MNASNet: kernel_size should be 3 or 5, got ${kernel}`);
    const mid = inCh * expansion;
    this.applyResidual = inCh === outCh && stride === 1;
    this.layers = this.registerModule(
      'layers',
      new Seq([
        new Conv2d(inCh, mid, 1, { bias: false }),
        new BatchNorm2d(mid, { momentum: bnMomentum }),
        ReLU({ inplace: true }),
        new Conv2d(mid, mid, kernel, { padding: Math.floor(kernel / 2), stride, groups: mid, bias: false }),
        new BatchNorm2d(mid, { momentum: bnMomentum }),
        ReLU({ inplace: true }),
        new Conv2d(mid, outCh, 1, { bias: false }),
        new BatchNorm2d(outCh, { momentum: bnMomentum }),
      ]),
    );
  }

  forward(x: Tensor): Tensor {
    return this.applyResidual ? this.layers.call(x).add_(x) : this.layers.call(x);
  }
}

function stack(inCh: number, outCh: number, kernel: number, stride: number, exp: number, repeats: number): Seq {
  const blocks = [new MnasInvertedResidual(inCh, outCh, kernel, stride, exp, BN_MOMENTUM)];
  for (let i = 1; i < repeats; i++) blocks.push(new MnasInvertedResidual(outCh, outCh, kernel, 1, exp, BN_MOMENTUM));
  return new Seq(blocks);
}

/** torchvision's _round_to_multiple_of (asymmetric rounding, prefers rounding up). */
function roundToMultipleOf(val: number, divisor: number, roundUpBias = 0.9): number {
  const nv = Math.max(divisor, Math.floor(Math.floor(val + divisor / 2) / divisor) * divisor);
  return nv >= roundUpBias * val ? nv : nv + divisor;
}

export class MNASNet extends ZooModel {
  readonly layers: Seq;
  readonly classifier: Seq;
  protected readonly headModules = ['classifier'];
  private readonly allBlocks: Block[];

  constructor(name: string, alpha: number, o: { numClasses?: number; dropout?: number } = {}) {
    if (!(alpha > 0)) throw new Error(`MNASNet: alpha should be greater than 0, got ${alpha}`);
    const numClasses = o.numClasses ?? 1000;
    super(tvConfig(name, 'classifier.1', 1280, numClasses, PREPROCESSING));
    const d = [32, 16, 24, 40, 80, 96, 192, 320].map((c) => roundToMultipleOf(c * alpha, 8));
    const bn = (c: number): BatchNorm2d => new BatchNorm2d(c, { momentum: BN_MOMENTUM });
    this.layers = this.registerModule(
      'layers',
      new Seq([
        new Conv2d(3, d[0], 3, { padding: 1, stride: 2, bias: false }),
        bn(d[0]),
        ReLU({ inplace: true }),
        new Conv2d(d[0], d[0], 3, { padding: 1, stride: 1, groups: d[0], bias: false }),
        bn(d[0]),
        ReLU({ inplace: true }),
        new Conv2d(d[0], d[1], 1, { bias: false }),
        bn(d[1]),
        stack(d[1], d[2], 3, 2, 3, 3),
        stack(d[2], d[3], 5, 2, 3, 3),
        stack(d[3], d[4], 5, 2, 6, 3),
        stack(d[4], d[5], 3, 1, 6, 2),
        stack(d[5], d[6], 5, 2, 6, 4),
        stack(d[6], d[7], 3, 1, 6, 1),
        new Conv2d(d[7], 1280, 1, { bias: false }),
        bn(1280),
        ReLU({ inplace: true }),
      ]),
    );
    this.classifier = this.registerModule('classifier', new Seq([new Dropout(o.dropout ?? 0.2), new Linear(1280, numClasses)]));
    // blocks: each stem layer, each inverted residual of the stacks (layers.8.0, ...), the final conv/bn/relu
    this.allBlocks = this.layers.children().flatMap(([n, m]): Block[] =>
      m instanceof Seq ? m.children().map(([j, b]) => ({ name: `layers.${n}.${j}`, module: b })) : [{ name: `layers.${n}`, module: m }],
    );
    // Linear: kaiming_uniform(fan_out, nonlinearity='sigmoid') = U(±sqrt(3 / out_features))
    initTorchvision(this, linearUniform((shape) => Math.sqrt(3 / shape[0])));
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = x.mean([2, 3]);
    return preLogits ? pooled : this.classifier.call(pooled);
  }
}

for (const [name, alpha] of [
  ['mnasnet0_5', 0.5],
  ['mnasnet1_0', 1.0],
] as const) {
  registerArch(name, (o: CreateOptions) => new MNASNet(name, alpha, { numClasses: o.numClasses, dropout: numberOption(o, 'dropout', 0.2, (v) => v >= 0 && v < 1) }), PREPROCESSING);
}
