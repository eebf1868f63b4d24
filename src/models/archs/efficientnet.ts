// torchvision 0.14 EfficientNet-B0 (Tan & Le 2019). Module tree and names are torchvision's:
// features.0 (stem), features.1..7 (stages: Sequentials of MBConv with children 'block' and
// 'stochastic_depth'; SqueezeExcitation fc1/fc2), features.8 (1x1 conv to 1280), avgpool and
// classifier = Sequential(Dropout, Linear). Stochastic depth 0.2, scaled linearly by block index.
import type { Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { AdaptiveAvgPool2d, Dropout, Linear, Seq, SiLU, StochasticDepth } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { SqueezeExcitation, convNormAct, initTorchvision, linearUniform, makeDivisible, numberOption, stageBlocks, tvConfig, tvPreprocessing } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing();

interface MBConvConfig {
  expandRatio: number;
  kernel: number;
  stride: number;
  input: number;
  out: number;
  numLayers: number;
}

export class MBConv extends Module {
  readonly useResConnect: boolean;
  readonly block: Seq;
  readonly stochasticDepth: StochasticDepth;

  constructor(c: MBConvConfig, stochasticDepthProb: number) {
    super('mbconv');
    if (c.stride < 1 || c.stride > 2) throw new Error('MBConv: illegal stride value');
    this.useResConnect = c.stride === 1 && c.input === c.out;
    const layers: Module[] = [];
    const expanded = makeDivisible(c.input * c.expandRatio, 8);
    if (expanded !== c.input) layers.push(convNormAct(c.input, expanded, { kernel: 1, act: SiLU }));
    layers.push(convNormAct(expanded, expanded, { kernel: c.kernel, stride: c.stride, groups: expanded, act: SiLU }));
    layers.push(new SqueezeExcitation(expanded, Math.max(1, Math.floor(c.input / 4)), SiLU));
    layers.push(convNormAct(expanded, c.out, { kernel: 1, act: null }));
    this.block = this.registerModule('block', new Seq(layers));
    this.stochasticDepth = this.registerModule('stochastic_depth', new StochasticDepth(stochasticDepthProb, 'row'));
  }

  forward(x: Tensor): Tensor {
    const r = this.block.call(x);
    return this.useResConnect ? this.stochasticDepth.call(r).add_(x) : r;
  }
}

export interface EfficientNetOptions {
  numClasses?: number;
  widthMult?: number;
  depthMult?: number;
  dropout?: number;
  stochasticDepthProb?: number;
}

export class EfficientNet extends ZooModel {
  readonly features: Seq;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly classifier: Seq;
  protected readonly headModules = ['avgpool', 'classifier'];
  private readonly allBlocks: Block[];

  constructor(name: string, o: EfficientNetOptions = {}) {
    const wm = o.widthMult ?? 1;
    const dm = o.depthMult ?? 1;
    const adjust = (c: number): number => makeDivisible(c * wm, 8);
    const setting: MBConvConfig[] = (
      [
        [1, 3, 1, 32, 16, 1],
        [6, 3, 2, 16, 24, 2],
        [6, 5, 2, 24, 40, 2],
        [6, 3, 2, 40, 80, 3],
        [6, 5, 1, 80, 112, 3],
        [6, 5, 2, 112, 192, 4],
        [6, 3, 1, 192, 320, 1],
      ] as const
    ).map(([expandRatio, kernel, stride, input, out, n]) => ({ expandRatio, kernel, stride, input: adjust(input), out: adjust(out), numLayers: Math.ceil(n * dm) }));
    const lastIn = setting[setting.length - 1].out;
    const lastOut = 4 * lastIn;
    const numClasses = o.numClasses ?? 1000;
    super(tvConfig(name, 'classifier.1', lastOut, numClasses, PREPROCESSING));
    const sdProb = o.stochasticDepthProb ?? 0.2;
    const layers: Module[] = [convNormAct(3, setting[0].input, { stride: 2, act: SiLU })];
    const total = setting.reduce((a, c) => a + c.numLayers, 0);
    let id = 0;
    for (const c of setting) {
      const stage: Module[] = [];
      for (let i = 0; i < c.numLayers; i++) {
        const bc = i === 0 ? c : { ...c, input: c.out, stride: 1 };
        stage.push(new MBConv(bc, (sdProb * id) / total));
        id++;
      }
      layers.push(new Seq(stage));
    }
    layers.push(convNormAct(lastIn, lastOut, { kernel: 1, act: SiLU }));
    this.features = this.registerModule('features', new Seq(layers));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule('classifier', new Seq([new Dropout(o.dropout ?? 0.2), new Linear(lastOut, numClasses)]));
    this.allBlocks = stageBlocks(this.features, 'features', MBConv);
    // Linear: U(±1/sqrt(out_features))
    initTorchvision(this, linearUniform((shape) => 1 / Math.sqrt(shape[0])));
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = this.avgpool.call(x).flatten({ startDim: 1 });
    return preLogits ? pooled : this.classifier.call(pooled);
  }
}

registerArch('efficientnet_b0', (o: CreateOptions) =>
  new EfficientNet('efficientnet_b0', {
    numClasses: o.numClasses,
    dropout: numberOption(o, 'dropout', 0.2, (v) => v >= 0 && v < 1),
    stochasticDepthProb: numberOption(o, 'stochasticDepthProb', 0.2, (v) => v >= 0 && v <= 1),
  }),
  PREPROCESSING,
);
