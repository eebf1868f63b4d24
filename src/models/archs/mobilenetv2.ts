// torchvision 0.14 MobileNetV2 (Sandler et al. 2018), with the width multiplier option
// (createModel('mobilenet_v2', { widthMult: 0.5 })). Module tree and state-dict names are
// torchvision's: features.0 (stem), features.1..17 (InvertedResidual, children 'conv'),
// features.18 (1x1 conv to 1280), classifier = Sequential(Dropout, Linear).
import type { Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { BatchNorm2d, Conv2d, Dropout, Linear, ReLU6, Seq } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { convNormAct, initTorchvision, linearNormal, makeDivisible, numberOption, tvConfig, tvPreprocessing } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing();

export class InvertedResidualV2 extends Module {
  readonly useResConnect: boolean;
  readonly conv: Seq;

  constructor(inp: number, oup: number, stride: number, expandRatio: number) {
    super('invertedresidual');
    if (stride !== 1 && stride !== 2) throw new Error(`InvertedResidual: stride should be 1 or 2, got ${stride}`);
    const hidden = Math.round(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const layers: Module[] = [];
    if (expandRatio !== 1) layers.push(convNormAct(inp, hidden, { kernel: 1, act: ReLU6 }));
    layers.push(
      convNormAct(hidden, hidden, { stride, groups: hidden, act: ReLU6 }),
      new Conv2d(hidden, oup, 1, { bias: false }),
      new BatchNorm2d(oup),
    );
    this.conv = this.registerModule('conv', new Seq(layers));
  }

  forward(x: Tensor): Tensor {
    return this.useResConnect ? x.add(this.conv.call(x)) : this.conv.call(x);
  }
}

export interface MobileNetV2Options {
  numClasses?: number;
  widthMult?: number;
  roundNearest?: number;
  dropout?: number;
}

const SETTING: [number, number, number, number][] = [
  // t, c, n, s
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export class MobileNetV2 extends ZooModel {
  readonly features: Seq;
  readonly classifier: Seq;
  protected readonly headModules = ['classifier'];
  private readonly allBlocks: Block[];

  constructor(o: MobileNetV2Options = {}) {
    const widthMult = o.widthMult ?? 1;
    const round = o.roundNearest ?? 8;
    const numClasses = o.numClasses ?? 1000;
    const lastChannel = makeDivisible(1280 * Math.max(1, widthMult), round);
    super(tvConfig('mobilenet_v2', 'classifier.1', lastChannel, numClasses, PREPROCESSING));
    let inputChannel = makeDivisible(32 * widthMult, round);
    const features: Module[] = [convNormAct(3, inputChannel, { stride: 2, act: ReLU6 })];
    for (const [t, c, n, s] of SETTING) {
      const out = makeDivisible(c * widthMult, round);
      for (let i = 0; i < n; i++) {
        features.push(new InvertedResidualV2(inputChannel, out, i === 0 ? s : 1, t));
        inputChannel = out;
      }
    }
    features.push(convNormAct(inputChannel, lastChannel, { kernel: 1, act: ReLU6 }));
    this.features = this.registerModule('features', new Seq(features));
    this.classifier = this.registerModule('classifier', new Seq([new Dropout(o.dropout ?? 0.2), new Linear(lastChannel, numClasses)]));
    this.allBlocks = this.features.children().map(([n, m]) => ({ name: `features.${n}`, module: m }));
    initTorchvision(this, linearNormal(0.01));
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = x.mean([2, 3]);
    return preLogits ? pooled : this.classifier.call(pooled);
  }
}

registerArch('mobilenet_v2', (o: CreateOptions) =>
  new MobileNetV2({
    numClasses: o.numClasses,
    widthMult: numberOption(o, 'widthMult', 1),
    dropout: numberOption(o, 'dropout', 0.2, (v) => v >= 0 && v < 1),
  }),
  PREPROCESSING,
);
