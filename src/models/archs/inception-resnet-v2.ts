// Inception-ResNet-v2 (Szegedy et al. 2016) as keras.applications.InceptionResNetV2 defines it
// (299x299 input).
//
// Keras builds it from conv2d_bn (Conv2D without bias, BatchNormalization(scale=False) — no gamma —
// and ReLU) and leaves most layers unnamed (conv2d_N, batch_normalization_N). Here each conv2d_bn
// is a ConvBn module with children 'conv' and 'bn'. Top-level children, which are also the
// feature blocks: the stem conv2d_1a, conv2d_2a, conv2d_2b, maxpool_3a, conv2d_3b, conv2d_4a,
// maxpool_5a (TF-slim's names), mixed_5b, block35_1 ... block35_10, mixed_6a, block17_1 ...
// block17_20, mixed_7a, block8_1 ... block8_10, conv_7b. Inside the blocks: branch_0, branch_1,
// ... (a ConvBn, or a Seq of them '0', '1', ...), branch_pool; a residual block's 1x1 projection
// with bias is 'conv' (Keras block35_1_conv is block35_1.conv). Keras's conv_7b / conv_7b_bn are
// conv_7b.conv / conv_7b.bn.
import type { Tensor } from '../../torch/index.js';
import * as T from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { AvgPool2d, Conv2d, Identity, Linear, MaxPool2d, Seq } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { kerasBN, kerasConfig, kerasInit, kerasPreprocessing } from './keras-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = kerasPreprocessing(299);

/** Keras conv2d_bn: Conv2D(use_bias=False), BatchNormalization(scale=False), optional ReLU. */
export class ConvBn extends Module {
  constructor(
    inC: number,
    outC: number,
    kernel: number | [number, number],
    o: { stride?: number; padding?: 'same' | 'valid'; act?: boolean } = {},
  ) {
    super('convbn');
    const k: [number, number] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
    // odd kernels at stride 1: 'same' is symmetric; every strided conv2d_bn in the model is 'valid'
    const padding: [number, number] = (o.padding ?? 'same') === 'same' ? [(k[0] - 1) / 2, (k[1] - 1) / 2] : [0, 0];
    if ((o.padding ?? 'same') === 'same' && (o.stride ?? 1) !== 1) throw new Error('ConvBn: strided "same" is not used by InceptionResNetV2');
    this.registerModule('conv', new Conv2d(inC, outC, k, { stride: o.stride ?? 1, padding, bias: false }));
    this.registerModule('bn', kerasBN(outC, { scale: false }));
    this.act = o.act ?? true;
  }

  readonly act: boolean;

  forward(x: Tensor): Tensor {
    const y = this.child('bn')!.call(this.child('conv')!.call(x));
    return this.act ? y.relu() : y;
  }
}

const seq = (...ms: Module[]): Seq => new Seq(ms);

/** Branches run on the same input and concatenated on channels (mixed_5b, mixed_6a, mixed_7a). */
export class InceptionMixed extends Module {
  constructor(branches: [string, Module][]) {
    super('inceptionmixed');
    for (const [n, m] of branches) this.registerModule(n, m);
  }

  forward(x: Tensor): Tensor {
    return T.cat(this.children().map(([, m]) => m.call(x)), { dim: 1 });
  }
}

export type ResidualBlockType = 'block35' | 'block17' | 'block8';

/** Keras inception_resnet_block: x + scale * conv(concat(branches)), then ReLU (unless the last block8). */
export class InceptionResnetBlock extends Module {
  private readonly branchNames: string[];

  constructor(
    readonly channels: number,
    readonly blockType: ResidualBlockType,
    readonly scale: number,
    readonly activation: boolean,
  ) {
    super(blockType);
    const c = channels;
    let branches: [string, Module][];
    if (blockType === 'block35') {
      branches = [
        ['branch_0', new ConvBn(c, 32, 1)],
        ['branch_1', seq(new ConvBn(c, 32, 1), new ConvBn(32, 32, 3))],
        ['branch_2', seq(new ConvBn(c, 32, 1), new ConvBn(32, 48, 3), new ConvBn(48, 64, 3))],
      ];
    } else if (blockType === 'block17') {
      branches = [
        ['branch_0', new ConvBn(c, 192, 1)],
        ['branch_1', seq(new ConvBn(c, 128, 1), new ConvBn(128, 160, [1, 7]), new ConvBn(160, 192, [7, 1]))],
      ];
    } else {
      branches = [
        ['branch_0', new ConvBn(c, 192, 1)],
        ['branch_1', seq(new ConvBn(c, 192, 1), new ConvBn(192, 224, [1, 3]), new ConvBn(224, 256, [3, 1]))],
      ];
    }
    for (const [n, m] of branches) this.registerModule(n, m);
    this.branchNames = branches.map(([n]) => n);
    const mixed = { block35: 128, block17: 384, block8: 448 }[blockType];
    this.registerModule('conv', new Conv2d(mixed, c, 1, { bias: true }));
  }

  forward(x: Tensor): Tensor {
    const mixed = T.cat(this.branchNames.map((n) => this.child(n)!.call(x)), { dim: 1 });
    const up = this.child('conv')!.call(mixed);
    const y = x.add(up.mul(this.scale));
    return this.activation ? y.relu() : y;
  }
}

export class InceptionResNetV2 extends ZooModel {
  protected readonly headModules = ['predictions'];
  private readonly allBlocks: Block[] = [];

  constructor(o: { numClasses?: number } = {}) {
    const numClasses = o.numClasses ?? 1000;
    super(kerasConfig('inception_resnet_v2', 'predictions', 1536, numClasses, PREPROCESSING));
    const add = (name: string, m: Module): void => {
      this.registerModule(name, m);
      m.name = name;
      this.allBlocks.push({ name, module: m });
    };
    add('conv2d_1a', new ConvBn(3, 32, 3, { stride: 2, padding: 'valid' }));
    add('conv2d_2a', new ConvBn(32, 32, 3, { padding: 'valid' }));
    add('conv2d_2b', new ConvBn(32, 64, 3));
    add('maxpool_3a', new MaxPool2d(3, { stride: 2 }));
    add('conv2d_3b', new ConvBn(64, 80, 1, { padding: 'valid' }));
    add('conv2d_4a', new ConvBn(80, 192, 3, { padding: 'valid' }));
    add('maxpool_5a', new MaxPool2d(3, { stride: 2 }));
    add(
      'mixed_5b',
      new InceptionMixed([
        ['branch_0', new ConvBn(192, 96, 1)],
        ['branch_1', seq(new ConvBn(192, 48, 1), new ConvBn(48, 64, 5))],
        ['branch_2', seq(new ConvBn(192, 64, 1), new ConvBn(64, 96, 3), new ConvBn(96, 96, 3))],
        // AveragePooling2D(3, strides=1, padding='same'): TF excludes the padding from the mean
        ['branch_pool', seq(new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }), new ConvBn(192, 64, 1))],
      ]),
    );
    for (let i = 1; i <= 10; i++) add(`block35_${i}`, new InceptionResnetBlock(320, 'block35', 0.17, true));
    add(
      'mixed_6a',
      new InceptionMixed([
        ['branch_0', new ConvBn(320, 384, 3, { stride: 2, padding: 'valid' })],
        ['branch_1', seq(new ConvBn(320, 256, 1), new ConvBn(256, 256, 3), new ConvBn(256, 384, 3, { stride: 2, padding: 'valid' }))],
        ['branch_pool', new MaxPool2d(3, { stride: 2 })],
      ]),
    );
    for (let i = 1; i <= 20; i++) add(`block17_${i}`, new InceptionResnetBlock(1088, 'block17', 0.1, true));
    add(
      'mixed_7a',
      new InceptionMixed([
        ['branch_0', seq(new ConvBn(1088, 256, 1), new ConvBn(256, 384, 3, { stride: 2, padding: 'valid' }))],
        ['branch_1', seq(new ConvBn(1088, 256, 1), new ConvBn(256, 288, 3, { stride: 2, padding: 'valid' }))],
        ['branch_2', seq(new ConvBn(1088, 256, 1), new ConvBn(256, 288, 3), new ConvBn(288, 320, 3, { stride: 2, padding: 'valid' }))],
        ['branch_pool', new MaxPool2d(3, { stride: 2 })],
      ]),
    );
    for (let i = 1; i <= 10; i++) add(`block8_${i}`, new InceptionResnetBlock(2080, 'block8', i < 10 ? 0.2 : 1, i < 10));
    add('conv_7b', new ConvBn(2080, 1536, 1));
    this.registerModule('predictions', numClasses > 0 ? new Linear(1536, numClasses) : Identity());
    kerasInit(this);
  }

  /** Keras layer names that are not the module path with '.' as '_' (used by the Keras importer). */
  kerasNames(): Map<string, string> {
    return new Map([['conv_7b', 'conv_7b.conv']]);
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = x.mean([2, 3]);
    return preLogits ? pooled : this.child('predictions')!.call(pooled);
  }
}

registerArch('inception_resnet_v2', (o: CreateOptions) => new InceptionResNetV2({ numClasses: o.numClasses }), PREPROCESSING);
