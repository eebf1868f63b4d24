// Xception (Chollet 2017) as keras.applications.Xception defines it (299x299 input).
//
// Names follow the Keras layers: the entry convolutions and the exit separable convolutions are
// top-level children named like their Keras layers (block1_conv1, block1_conv1_bn, ...,
// block14_sepconv2_act); the residual blocks 2-13 are children 'block2' ... 'block13' whose own
// children drop the block prefix (block2.sepconv1 is Keras's block2_sepconv1, block2.sepconv1_bn
// its BatchNormalization). The shortcut convolutions Keras leaves unnamed (conv2d, conv2d_1, ...)
// are block2.residual_conv / residual_bn etc. Separable convolutions are SeparableConv2d
// (depthwise.weight, pointwise.weight). Feature blocks: the block1 layers one by one, block2 ...
// block13, then the block14 layers one by one.
import type { Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { Conv2d, Linear, Identity, ReLU, SeparableConv2d } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { MaxPool2dSame, kerasBN, kerasConfig, kerasInit, kerasPreprocessing } from './keras-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = kerasPreprocessing(299);

const sep = (inC: number, outC: number): SeparableConv2d => new SeparableConv2d(inC, outC, 3, { padding: 1, bias: false });

/** Blocks 2-4 and 13: [relu] sepconv-bn-relu-sepconv-bn, max pool 'same' / 2, plus a 1x1 stride-2 conv shortcut. */
export class XceptionDownBlock extends Module {
  constructor(inC: number, midC: number, outC: number, readonly preAct: boolean) {
    super('xceptiondownblock');
    this.registerModule('residual_conv', new Conv2d(inC, outC, 1, { stride: 2, bias: false }));
    this.registerModule('residual_bn', kerasBN(outC));
    if (preAct) this.registerModule('sepconv1_act', ReLU());
    this.registerModule('sepconv1', sep(inC, midC));
    this.registerModule('sepconv1_bn', kerasBN(midC));
    this.registerModule('sepconv2_act', ReLU());
    this.registerModule('sepconv2', sep(midC, outC));
    this.registerModule('sepconv2_bn', kerasBN(outC));
    this.registerModule('pool', new MaxPool2dSame(3, 2));
  }

  forward(x: Tensor): Tensor {
    const c = (n: string): Module => this.child(n)!;
    const residual = c('residual_bn').call(c('residual_conv').call(x));
    let y = this.preAct ? c('sepconv1_act').call(x) : x;
    y = c('sepconv1_bn').call(c('sepconv1').call(y));
    y = c('sepconv2_bn').call(c('sepconv2').call(c('sepconv2_act').call(y)));
    return c('pool').call(y).add(residual);
  }
}

/** Middle-flow blocks 5-12: three relu-sepconv-bn on 728 channels plus the identity. */
export class XceptionMiddleBlock extends Module {
  constructor(channels: number) {
    super('xceptionmiddleblock');
    for (const i of [1, 2, 3]) {
      this.registerModule(`sepconv${i}_act`, ReLU());
      this.registerModule(`sepconv${i}`, sep(channels, channels));
      this.registerModule(`sepconv${i}_bn`, kerasBN(channels));
    }
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const i of [1, 2, 3]) y = this.child(`sepconv${i}_bn`)!.call(this.child(`sepconv${i}`)!.call(this.child(`sepconv${i}_act`)!.call(y)));
    return y.add(x);
  }
}

export class Xception extends ZooModel {
  protected readonly headModules = ['predictions'];
  private readonly allBlocks: Block[] = [];

  constructor(o: { numClasses?: number } = {}) {
    const numClasses = o.numClasses ?? 1000;
    super(kerasConfig('xception', 'predictions', 2048, numClasses, PREPROCESSING));
    const add = (name: string, m: Module): void => {
      this.registerModule(name, m);
      m.name = name;
      this.allBlocks.push({ name, module: m });
    };
    add('block1_conv1', new Conv2d(3, 32, 3, { stride: 2, bias: false }));
    add('block1_conv1_bn', kerasBN(32));
    add('block1_conv1_act', ReLU());
    add('block1_conv2', new Conv2d(32, 64, 3, { bias: false }));
    add('block1_conv2_bn', kerasBN(64));
    add('block1_conv2_act', ReLU());
    add('block2', new XceptionDownBlock(64, 128, 128, false));
    add('block3', new XceptionDownBlock(128, 256, 256, true));
    add('block4', new XceptionDownBlock(256, 728, 728, true));
    for (let i = 5; i <= 12; i++) add(`block${i}`, new XceptionMiddleBlock(728));
    add('block13', new XceptionDownBlock(728, 728, 1024, true));
    add('block14_sepconv1', sep(1024, 1536));
    add('block14_sepconv1_bn', kerasBN(1536));
    add('block14_sepconv1_act', ReLU());
    add('block14_sepconv2', sep(1536, 2048));
    add('block14_sepconv2_bn', kerasBN(2048));
    add('block14_sepconv2_act', ReLU());
    this.registerModule('predictions', numClasses > 0 ? new Linear(2048, numClasses) : Identity());
    kerasInit(this);
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = x.mean([2, 3]);
    return preLogits ? pooled : this.child('predictions')!.call(pooled);
  }
}

registerArch('xception', (o: CreateOptions) => new Xception({ numClasses: o.numClasses }), PREPROCESSING);
