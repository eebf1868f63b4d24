// torchvision 0.14 VGG (Simonyan & Zisserman 2014): vgg16 and vgg16_bn (configuration D). Module
// tree and state-dict names are torchvision's: features.0..N (conv [, bn], relu, ..., max pools),
// avgpool = AdaptiveAvgPool2d(7), classifier = Sequential(Linear(25088, 4096), ReLU, Dropout,
// Linear(4096, 4096), ReLU, Dropout, Linear(4096, classes) 'classifier.6'). Every features child
// is a block ('features.0', 'features.1', ...).
import type { Tensor } from '../../torch/index.js';
import type { Module } from '../../nn/module.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, ReLU, Seq } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { initTorchvision, linearNormal, numberOption, tvConfig, tvPreprocessing } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing();

/** Channel plan per configuration ('M' = 2x2 max pool). */
export const VGG_CFGS: Record<string, (number | 'M')[]> = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

export class VGG extends ZooModel {
  readonly features: Seq;
  readonly classifier: Seq;
  protected readonly headModules = ['avgpool', 'classifier'];
  private readonly allBlocks: Block[];

  constructor(name: string, cfg: (number | 'M')[], batchNorm: boolean, o: { numClasses?: number; dropout?: number } = {}) {
    const numClasses = o.numClasses ?? 1000;
    const p = o.dropout ?? 0.5;
    super(tvConfig(name, 'classifier.6', 512, numClasses, PREPROCESSING));
    const layers: Module[] = [];
    let c = 3;
    for (const v of cfg) {
      if (v === 'M') {
        layers.push(new MaxPool2d(2, { stride: 2 }));
        continue;
      }
      layers.push(new Conv2d(c, v, 3, { padding: 1 }));
      if (batchNorm) layers.push(new BatchNorm2d(v));
      layers.push(ReLU({ inplace: true }));
      c = v;
    }
    this.features = this.registerModule('features', new Seq(layers));
    this.registerModule('avgpool', new AdaptiveAvgPool2d(7));
    this.classifier = this.registerModule(
      'classifier',
      new Seq([new Linear(512 * 7 * 7, 4096), ReLU({ inplace: true }), new Dropout(p), new Linear(4096, 4096), ReLU({ inplace: true }), new Dropout(p), new Linear(4096, numClasses)]),
    );
    this.allBlocks = this.features.children().map(([n, m]) => ({ name: `features.${n}`, module: m }));
    // torchvision's init: convs kaiming_normal(fan_out, relu), linears normal(0, 0.01), biases zero
    initTorchvision(this, linearNormal(0.01));
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const h = this.getModule('avgpool').call(x).flatten({ startDim: 1 });
    return preLogits ? runUpTo(this.classifier, 6, h) : this.classifier.call(h);
  }
}

/** Runs the first `n` children of a Sequential (the classifier up to its last Linear). */
export function runUpTo(seq: Seq, n: number, x: Tensor): Tensor {
  for (let i = 0; i < n; i++) x = seq.at(i).call(x);
  return x;
}

const dropoutOf = (o: CreateOptions): number => numberOption(o, 'dropout', 0.5, (v) => v >= 0 && v < 1);
registerArch('vgg16', (o: CreateOptions) => new VGG('vgg16', VGG_CFGS.D, false, { numClasses: o.numClasses, dropout: dropoutOf(o) }), PREPROCESSING);
registerArch('vgg16_bn', (o: CreateOptions) => new VGG('vgg16_bn', VGG_CFGS.D, true, { numClasses: o.numClasses, dropout: dropoutOf(o) }), PREPROCESSING);
