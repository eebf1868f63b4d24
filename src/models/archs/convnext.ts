// torchvision 0.14 ConvNeXt-Tiny (Liu et al. 2022). Module tree and names are torchvision's:
// features.0 (4x4 patchify conv + LayerNorm2d), features.1/3/5/7 (stages: Sequentials of CNBlock
// with 'block' = dwconv 7x7, Permute, LayerNorm, Linear, GELU, Linear, Permute; 'layer_scale';
// 'stochastic_depth'), features.2/4/6 (downsampling: LayerNorm2d + 2x2 conv), avgpool, and
// classifier = Sequential(LayerNorm2d, Flatten, Linear). Stochastic depth 0.1, linear in depth.
import { keep, noGrad, ones, type Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { AdaptiveAvgPool2d, Conv2d, Flatten, Fn, GELU, LayerNorm, LayerNorm2d, Linear, Seq, StochasticDepth, normalParam } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { convNormAct, initTorchvision, numberOption, stageBlocks, tvConfig, tvPreprocessing } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing(236);

const permute = (dims: number[]): Fn => new Fn('permute', (x) => x.permute(dims));

export class CNBlock extends Module {
  readonly block: Seq;
  readonly stochasticDepth: StochasticDepth;

  constructor(dim: number, layerScale: number, stochasticDepthProb: number) {
    super('cnblock');
    this.block = this.registerModule(
      'block',
      new Seq([
        new Conv2d(dim, dim, 7, { padding: 3, groups: dim, bias: true }),
        permute([0, 2, 3, 1]),
        new LayerNorm(dim, 1e-6),
        new Linear(dim, 4 * dim),
        GELU(),
        new Linear(4 * dim, dim),
        permute([0, 3, 1, 2]),
      ]),
    );
    this.registerParameter('layer_scale', keep(noGrad(() => ones([dim, 1, 1]).mul_(layerScale))));
    this.stochasticDepth = this.registerModule('stochastic_depth', new StochasticDepth(stochasticDepthProb, 'row'));
  }

  get layerScale(): Tensor {
    return this.own('layer_scale')!;
  }

  forward(x: Tensor): Tensor {
    const r = this.layerScale.mul(this.block.call(x));
    return this.stochasticDepth.call(r).add_(x);
  }
}

export interface ConvNeXtOptions {
  numClasses?: number;
  stochasticDepthProb?: number;
  layerScale?: number;
}

/** [input channels, output channels (null: last stage), blocks] per stage. */
type StageSetting = [number, number | null, number];

export class ConvNeXt extends ZooModel {
  readonly features: Seq;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly classifier: Seq;
  protected readonly headModules = ['avgpool', 'classifier'];
  private readonly allBlocks: Block[];

  constructor(name: string, setting: StageSetting[], o: ConvNeXtOptions = {}) {
    const last = setting[setting.length - 1];
    const lastChannels = last[1] ?? last[0];
    const numClasses = o.numClasses ?? 1000;
    super(tvConfig(name, 'classifier.2', lastChannels, numClasses, PREPROCESSING));
    const sdProb = o.stochasticDepthProb ?? 0.1;
    const layerScale = o.layerScale ?? 1e-6;
    const norm = (c: number): LayerNorm2d => new LayerNorm2d(c, 1e-6);
    const layers: Module[] = [convNormAct(3, setting[0][0], { kernel: 4, stride: 4, padding: 0, norm, act: null, bias: true })];
    const total = setting.reduce((a, s) => a + s[2], 0);
    let id = 0;
    for (const [inC, outC, n] of setting) {
      const stage: Module[] = [];
      for (let i = 0; i < n; i++) {
        stage.push(new CNBlock(inC, layerScale, (sdProb * id) / (total - 1)));
        id++;
      }
      layers.push(new Seq(stage));
      if (outC !== null) layers.push(new Seq([norm(inC), new Conv2d(inC, outC, 2, { stride: 2 })]));
    }
    this.features = this.registerModule('features', new Seq(layers));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule('classifier', new Seq([norm(lastChannels), Flatten(), new Linear(lastChannels, numClasses)]));
    this.allBlocks = stageBlocks(this.features, 'features', CNBlock);
    // conv and linear weights: trunc_normal_(std=0.02) with torchvision's default cut-offs at ±2
    // (absolute, i.e. 100 std: a plain normal in practice); biases zero
    const init = (shape: number[]): Tensor => normalParam(shape, 0.02);
    initTorchvision(this, init, init);
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  /** avgpool, classifier; preLogits: the input of classifier.2 (pooled, normalised, flattened). */
  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    let y = this.avgpool.call(x);
    const steps = this.classifier.children();
    for (const [, m] of preLogits ? steps.slice(0, 2) : steps) y = m.call(y);
    return y;
  }
}

registerArch('convnext_tiny', (o: CreateOptions) =>
  new ConvNeXt(
    'convnext_tiny',
    [
      [96, 192, 3],
      [192, 384, 3],
      [384, 768, 9],
      [768, null, 3],
    ],
    {
      numClasses: o.numClasses,
      stochasticDepthProb: numberOption(o, 'stochasticDepthProb', 0.1, (v) => v >= 0 && v <= 1),
    },
  ),
  PREPROCESSING,
);
