// torchvision 0.14 SqueezeNet 1.1 (Iandola et al. 2016). Module tree and state-dict names are
// torchvision's: features.0..12 (conv, relu, max pools with ceil_mode, Fire modules with squeeze /
// expand1x1 / expand3x3), classifier = Sequential(Dropout, Conv2d(512, classes, 1) 'classifier.1',
// ReLU, AdaptiveAvgPool2d(1)). The classifier is a 1x1 conv, so resetClassifier is overridden.
import { keep, zeros, cat, type Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { AdaptiveAvgPool2d, Conv2d, Dropout, Identity, MaxPool2d, ReLU, Seq, normalParam, torchFans, uniformParam } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { numberOption, tvConfig, tvPreprocessing } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing();

export class Fire extends Module {
  readonly squeeze: Conv2d;
  readonly expand1x1: Conv2d;
  readonly expand3x3: Conv2d;
  private readonly acts: Module[];

  constructor(inplanes: number, squeezePlanes: number, expand1x1Planes: number, expand3x3Planes: number) {
    super('fire');
    this.squeeze = this.registerModule('squeeze', new Conv2d(inplanes, squeezePlanes, 1));
    const a0 = this.registerModule('squeeze_activation', ReLU({ inplace: true }));
    this.expand1x1 = this.registerModule('expand1x1', new Conv2d(squeezePlanes, expand1x1Planes, 1));
    const a1 = this.registerModule('expand1x1_activation', ReLU({ inplace: true }));
    this.expand3x3 = this.registerModule('expand3x3', new Conv2d(squeezePlanes, expand3x3Planes, 3, { padding: 1 }));
    const a3 = this.registerModule('expand3x3_activation', ReLU({ inplace: true }));
    this.acts = [a0, a1, a3];
  }

  forward(x: Tensor): Tensor {
    const [a0, a1, a3] = this.acts;
    const s = a0.call(this.squeeze.call(x));
    return cat([a1.call(this.expand1x1.call(s)), a3.call(this.expand3x3.call(s))], { dim: 1 });
  }
}

/** torchvision's final conv init: normal(0, 0.01), bias zero. */
function finalConv(inC: number, numClasses: number): Conv2d {
  const c = new Conv2d(inC, numClasses, 1);
  c.replaceTensor('weight', normalParam(c.weight.shape, 0.01));
  c.replaceTensor('bias', keep(zeros([numClasses])));
  return c;
}

export class SqueezeNet11 extends ZooModel {
  readonly features: Seq;
  readonly classifier: Seq;
  protected readonly headModules = ['classifier'];
  private readonly allBlocks: Block[];

  constructor(o: { numClasses?: number; dropout?: number } = {}) {
    const numClasses = o.numClasses ?? 1000;
    super(tvConfig('squeezenet1_1', 'classifier.1', 512, numClasses, PREPROCESSING));
    const pool = (): MaxPool2d => new MaxPool2d(3, { stride: 2, ceilMode: true });
    this.features = this.registerModule(
      'features',
      new Seq([
        new Conv2d(3, 64, 3, { stride: 2 }),
        ReLU({ inplace: true }),
        pool(),
        new Fire(64, 16, 64, 64),
        new Fire(128, 16, 64, 64),
        pool(),
        new Fire(128, 32, 128, 128),
        new Fire(256, 32, 128, 128),
        pool(),
        new Fire(256, 48, 192, 192),
        new Fire(384, 48, 192, 192),
        new Fire(384, 64, 256, 256),
        new Fire(512, 64, 256, 256),
      ]),
    );
    this.classifier = this.registerModule('classifier', new Seq([new Dropout(o.dropout ?? 0.5), finalConv(512, numClasses), ReLU({ inplace: true }), new AdaptiveAvgPool2d(1)]));
    this.allBlocks = this.features.children().map(([n, m]) => ({ name: `features.${n}`, module: m }));
    // torchvision's init: kaiming_uniform (a=0, fan_in) for the feature convs, biases zero
    for (const [, m] of this.features.namedModules()) {
      if (m instanceof Conv2d) {
        m.replaceTensor('weight', uniformParam(m.weight.shape, Math.sqrt(6 / torchFans(m.weight.shape).fanIn)));
        m.replaceTensor('bias', keep(zeros([m.outChannels])));
      }
    }
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    // the classifier conv reads the feature map; its pooled input is what preLogits returns
    if (preLogits) return x.mean([2, 3]);
    return this.classifier.call(x).flatten({ startDim: 1 });
  }

  /** The classifier is a 1x1 conv ('classifier.1'): a fresh one (torchvision's init), or Identity for 0. */
  override resetClassifier(numClasses: number): this {
    if (this.hasCustomHead) throw new Error(`${this.config.name}: the head was replaced; build a new head instead of resetClassifier`);
    const old = this.classifier.getModule('1');
    const inC = old instanceof Conv2d ? old.inChannels : this.config.numFeatures;
    this.classifier.replaceModule('1', numClasses > 0 ? finalConv(inC, numClasses) : Identity());
    old.dispose();
    this.config.numClasses = numClasses;
    return this;
  }
}

registerArch('squeezenet1_1', (o: CreateOptions) => new SqueezeNet11({ numClasses: o.numClasses, dropout: numberOption(o, 'dropout', 0.5, (v) => v >= 0 && v < 1) }), PREPROCESSING);
