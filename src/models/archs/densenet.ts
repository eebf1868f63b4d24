// torchvision 0.14 DenseNet (Huang et al. 2017): densenet121. Module tree and state-dict names are
// torchvision's: features = Sequential(conv0, norm0, relu0, pool0, denseblock1, transition1, ...,
// denseblock4, norm5) with denseblockK.denselayerJ (norm1, relu1, conv1, norm2, relu2, conv2) and
// transitionK (norm, relu, conv, pool); classifier = Linear(1024, classes). The forward applies a
// ReLU after norm5, then global average pooling.
// Blocks: features.conv0, features.norm0, features.relu0, features.pool0, every dense layer
// ('features.denseblock1.denselayer1', ...), every transition, features.norm5 and the final 'relu'.
// A dense layer's block returns its input with the new channels appended (torchvision concatenates
// all of a dense block's outputs at its end: the same tensor).
// loadStateDict also accepts the old key style of torchvision's downloadable weight files
// ('...denselayer1.norm.1.weight'), renamed as torchvision's own loader does.
import { F, cat, keep, zeros, type Tensor } from '../../torch/index.js';
import { Module, type LoadStateDictResult } from '../../nn/module.js';
import { AvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, ReLU, Seq, normalParam, torchFans } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { numberOption, tvConfig, tvPreprocessing } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing();

export class DenseLayer extends Module {
  readonly norm1: BatchNorm2d;
  readonly relu1: Module;
  readonly conv1: Conv2d;
  readonly norm2: BatchNorm2d;
  readonly relu2: Module;
  readonly conv2: Conv2d;

  constructor(inFeatures: number, growthRate: number, bnSize: number, readonly dropRate = 0) {
    super('denselayer');
    this.norm1 = this.registerModule('norm1', new BatchNorm2d(inFeatures));
    this.relu1 = this.registerModule('relu1', ReLU({ inplace: true }));
    this.conv1 = this.registerModule('conv1', new Conv2d(inFeatures, bnSize * growthRate, 1, { bias: false }));
    this.norm2 = this.registerModule('norm2', new BatchNorm2d(bnSize * growthRate));
    this.relu2 = this.registerModule('relu2', ReLU({ inplace: true }));
    this.conv2 = this.registerModule('conv2', new Conv2d(bnSize * growthRate, growthRate, 3, { padding: 1, bias: false }));
  }

  /** The new feature maps only (growthRate channels). */
  newFeatures(x: Tensor): Tensor {
    const b = this.conv1.call(this.relu1.call(this.norm1.call(x)));
    const y = this.conv2.call(this.relu2.call(this.norm2.call(b)));
    return this.dropRate > 0 ? F.dropout(y, this.dropRate, this.training) : y;
  }

  /** Input with the new feature maps appended. */
  forward(x: Tensor): Tensor {
    return cat([x, this.newFeatures(x)], { dim: 1 });
  }
}

export interface DenseNetOptions {
  numClasses?: number;
  growthRate?: number;
  blockConfig?: readonly number[];
  numInitFeatures?: number;
  bnSize?: number;
  dropRate?: number;
}

export class DenseNet extends ZooModel {
  readonly features: Seq;
  protected readonly headModules = ['classifier'];
  private readonly allBlocks: Block[];

  constructor(name: string, o: DenseNetOptions = {}) {
    const growth = o.growthRate ?? 32;
    const blockConfig = o.blockConfig ?? [6, 12, 24, 16];
    const bnSize = o.bnSize ?? 4;
    const numClasses = o.numClasses ?? 1000;
    let n = o.numInitFeatures ?? 64;
    let final = n;
    blockConfig.forEach((k, i) => {
      final += k * growth;
      if (i !== blockConfig.length - 1) final = Math.floor(final / 2);
    });
    super(tvConfig(name, 'classifier', final, numClasses, PREPROCESSING));
    const features = new Seq([
      ['conv0', new Conv2d(3, n, 7, { stride: 2, padding: 3, bias: false })],
      ['norm0', new BatchNorm2d(n)],
      ['relu0', ReLU({ inplace: true })],
      ['pool0', new MaxPool2d(3, { stride: 2, padding: 1 })],
    ]);
    this.allBlocks = features.children().map(([k, m]) => ({ name: `features.${k}`, module: m }));
    blockConfig.forEach((numLayers, i) => {
      const block = new Seq();
      for (let j = 0; j < numLayers; j++) {
        const layer = new DenseLayer(n + j * growth, growth, bnSize, o.dropRate ?? 0);
        block.add(`denselayer${j + 1}`, layer);
        this.allBlocks.push({ name: `features.denseblock${i + 1}.denselayer${j + 1}`, module: layer });
      }
      features.add(`denseblock${i + 1}`, block);
      n += numLayers * growth;
      if (i !== blockConfig.length - 1) {
        const trans = new Seq([
          ['norm', new BatchNorm2d(n)],
          ['relu', ReLU({ inplace: true })],
          ['conv', new Conv2d(n, Math.floor(n / 2), 1, { bias: false })],
          ['pool', new AvgPool2d(2, { stride: 2 })],
        ]);
        features.add(`transition${i + 1}`, trans);
        this.allBlocks.push({ name: `features.transition${i + 1}`, module: trans });
        n = Math.floor(n / 2);
      }
    });
    const norm5 = new BatchNorm2d(n);
    features.add('norm5', norm5);
    this.allBlocks.push({ name: 'features.norm5', module: norm5 }, { name: 'relu', module: ReLU({ inplace: true }) });
    this.features = this.registerModule('features', features);
    const classifier = this.registerModule('classifier', new Linear(n, numClasses));
    // torchvision's init: convs kaiming_normal (fan_in, relu), BN ones / zeros, classifier bias zero
    for (const [, m] of this.namedModules()) {
      if (m instanceof Conv2d) m.replaceTensor('weight', normalParam(m.weight.shape, Math.sqrt(2 / torchFans(m.weight.shape).fanIn)));
    }
    classifier.replaceTensor('bias', keep(zeros([numClasses])));
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = x.mean([2, 3]);
    return preLogits ? pooled : this.getModule(this.config.classifier).call(pooled);
  }

  /** Accepts torchvision's old-style keys ('denselayer1.norm.1.weight' -> 'denselayer1.norm1.weight'). */
  override loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    const src = state instanceof Map ? state : new Map(Object.entries(state));
    const re = /^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var|num_batches_tracked))$/;
    const renamed = new Map<string, Tensor>();
    for (const [k, v] of src) {
      const m = re.exec(k);
      renamed.set(m ? m[1] + m[2] : k, v);
    }
    return super.loadStateDict(renamed, opts);
  }
}

registerArch('densenet121', (o: CreateOptions) =>
  new DenseNet('densenet121', {
    numClasses: o.numClasses,
    dropRate: numberOption(o, 'dropRate', 0, (v) => v >= 0 && v < 1),
  }),
  PREPROCESSING,
);
