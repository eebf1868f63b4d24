// torchvision 0.14 MobileNetV3 small and large (Howard et al. 2019). Module tree and names are
// torchvision's: features.0 (stem), features.1..N (InvertedResidual, children 'block' with an
// optional SqueezeExcitation fc1/fc2), the last 1x1 conv, avgpool, and
// classifier = Sequential(Linear, Hardswish, Dropout, Linear). BatchNorm eps 1e-3, momentum 0.01.
import type { Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Dropout, Hardsigmoid, Hardswish, Linear, ReLU, Seq } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { SqueezeExcitation, convNormAct, initTorchvision, linearNormal, makeDivisible, numberOption, tvConfig, type NormFactory, tvPreprocessing } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing();

/** One row of the paper's Tables 1 and 2 (channels already scaled by the width multiplier). */
interface BneckConfig {
  input: number;
  kernel: number;
  expanded: number;
  out: number;
  useSe: boolean;
  useHs: boolean;
  stride: number;
  dilation: number;
}

export class InvertedResidualV3 extends Module {
  readonly useResConnect: boolean;
  readonly block: Seq;

  constructor(c: BneckConfig, norm: NormFactory) {
    super('invertedresidual');
    if (c.stride < 1 || c.stride > 2) throw new Error('InvertedResidual: illegal stride value');
    this.useResConnect = c.stride === 1 && c.input === c.out;
    const act = c.useHs ? Hardswish : ReLU;
    const layers: Module[] = [];
    if (c.expanded !== c.input) layers.push(convNormAct(c.input, c.expanded, { kernel: 1, norm, act }));
    layers.push(
      convNormAct(c.expanded, c.expanded, {
        kernel: c.kernel,
        stride: c.dilation > 1 ? 1 : c.stride,
        dilation: c.dilation,
        groups: c.expanded,
        norm,
        act,
      }),
    );
    if (c.useSe) layers.push(new SqueezeExcitation(c.expanded, makeDivisible(Math.floor(c.expanded / 4), 8), ReLU, Hardsigmoid));
    layers.push(convNormAct(c.expanded, c.out, { kernel: 1, norm, act: null }));
    this.block = this.registerModule('block', new Seq(layers));
  }

  forward(x: Tensor): Tensor {
    const r = this.block.call(x);
    return this.useResConnect ? r.add_(x) : r;
  }
}

export type MobileNetV3Variant = 'mobilenet_v3_large' | 'mobilenet_v3_small';

export interface MobileNetV3Options {
  numClasses?: number;
  widthMult?: number;
  reducedTail?: boolean;
  dilated?: boolean;
  dropout?: number;
}

type Row = [number, number, number, number, boolean, 'RE' | 'HS', number, number];

function v3Setting(arch: MobileNetV3Variant, widthMult: number, reducedTail: boolean, dilated: boolean): { setting: BneckConfig[]; lastChannel: number } {
  const rd = reducedTail ? 2 : 1;
  const dil = dilated ? 2 : 1;
  const adjust = (c: number): number => makeDivisible(c * widthMult, 8);
  const rows: Row[] =
    arch === 'mobilenet_v3_large'
      ? [
          [16, 3, 16, 16, false, 'RE', 1, 1],
          [16, 3, 64, 24, false, 'RE', 2, 1],
          [24, 3, 72, 24, false, 'RE', 1, 1],
          [24, 5, 72, 40, true, 'RE', 2, 1],
          [40, 5, 120, 40, true, 'RE', 1, 1],
          [40, 5, 120, 40, true, 'RE', 1, 1],
          [40, 3, 240, 80, false, 'HS', 2, 1],
          [80, 3, 200, 80, false, 'HS', 1, 1],
          [80, 3, 184, 80, false, 'HS', 1, 1],
          [80, 3, 184, 80, false, 'HS', 1, 1],
          [80, 3, 480, 112, true, 'HS', 1, 1],
          [112, 3, 672, 112, true, 'HS', 1, 1],
          [112, 5, 672, 160 / rd, true, 'HS', 2, dil],
          [160 / rd, 5, 960 / rd, 160 / rd, true, 'HS', 1, dil],
          [160 / rd, 5, 960 / rd, 160 / rd, true, 'HS', 1, dil],
        ]
      : [
          [16, 3, 16, 16, true, 'RE', 2, 1],
          [16, 3, 72, 24, false, 'RE', 2, 1],
          [24, 3, 88, 24, false, 'RE', 1, 1],
          [24, 5, 96, 40, true, 'HS', 2, 1],
          [40, 5, 240, 40, true, 'HS', 1, 1],
          [40, 5, 240, 40, true, 'HS', 1, 1],
          [40, 5, 120, 48, true, 'HS', 1, 1],
          [48, 5, 144, 48, true, 'HS', 1, 1],
          [48, 5, 288, 96 / rd, true, 'HS', 2, dil],
          [96 / rd, 5, 576 / rd, 96 / rd, true, 'HS', 1, dil],
          [96 / rd, 5, 576 / rd, 96 / rd, true, 'HS', 1, dil],
        ];
  const setting = rows.map(([input, kernel, expanded, out, useSe, act, stride, dilation]) => ({
    input: adjust(input),
    kernel,
    expanded: adjust(expanded),
    out: adjust(out),
    useSe,
    useHs: act === 'HS',
    stride,
    dilation,
  }));
  const lastChannel = adjust((arch === 'mobilenet_v3_large' ? 1280 : 1024) / rd);
  return { setting, lastChannel };
}

export class MobileNetV3 extends ZooModel {
  readonly features: Seq;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly classifier: Seq;
  protected readonly headModules = ['avgpool', 'classifier'];
  private readonly allBlocks: Block[];
  /** Width of the hidden Linear (classifier.0), the input of the final classifier. */
  readonly hiddenWidth: number;

  constructor(arch: MobileNetV3Variant, o: MobileNetV3Options = {}) {
    const { setting, lastChannel } = v3Setting(arch, o.widthMult ?? 1, o.reducedTail ?? false, o.dilated ?? false);
    const numClasses = o.numClasses ?? 1000;
    const lastIn = setting[setting.length - 1].out;
    const lastOut = 6 * lastIn;
    // numFeatures: the feature map's channels (576 / 960); the final classifier (classifier.3)
    // reads the hidden Linear's output instead (lastChannel: 1024 / 1280), see resetClassifier
    super(tvConfig(arch, 'classifier.3', lastOut, numClasses, PREPROCESSING));
    this.hiddenWidth = lastChannel;
    const norm: NormFactory = (c) => new BatchNorm2d(c, { eps: 0.001, momentum: 0.01 });
    const layers: Module[] = [convNormAct(3, setting[0].input, { stride: 2, norm, act: Hardswish })];
    for (const c of setting) layers.push(new InvertedResidualV3(c, norm));
    layers.push(convNormAct(lastIn, lastOut, { kernel: 1, norm, act: Hardswish }));
    this.features = this.registerModule('features', new Seq(layers));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule(
      'classifier',
      new Seq([new Linear(lastOut, lastChannel), Hardswish({ inplace: true }), new Dropout(o.dropout ?? 0.2), new Linear(lastChannel, numClasses)]),
    );
    this.allBlocks = this.features.children().map(([n, m]) => ({ name: `features.${n}`, module: m }));
    initTorchvision(this, linearNormal(0.01));
  }

  /** The classifier reads hiddenWidth features, not numFeatures (matters once it is an Identity). */
  override resetClassifier(numClasses: number): this {
    const numFeatures = this.config.numFeatures;
    this.config.numFeatures = this.hiddenWidth;
    try {
      return super.resetClassifier(numClasses);
    } finally {
      this.config.numFeatures = numFeatures;
    }
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  /** avgpool, flatten, classifier; preLogits: the input of classifier.3 (after Linear, Hardswish, Dropout). */
  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    let y = this.avgpool.call(x).flatten({ startDim: 1 });
    const steps = this.classifier.children();
    for (const [, m] of preLogits ? steps.slice(0, 3) : steps) y = m.call(y);
    return y;
  }
}

function factory(arch: MobileNetV3Variant) {
  return (o: CreateOptions) =>
    new MobileNetV3(arch, {
      numClasses: o.numClasses,
      widthMult: numberOption(o, 'widthMult', 1),
      reducedTail: o.reducedTail === true,
      dilated: o.dilated === true,
      dropout: numberOption(o, 'dropout', 0.2, (v) => v >= 0 && v < 1),
    });
}

registerArch('mobilenet_v3_large', factory('mobilenet_v3_large'), PREPROCESSING);
registerArch('mobilenet_v3_small', factory('mobilenet_v3_small'), PREPROCESSING);
