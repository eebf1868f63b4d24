// torchvision 0.14 Inception v3 (Szegedy et al. 2016) without the auxiliary classifier. Module
// tree and state-dict names are torchvision's: Conv2d_1a_3x3, Conv2d_2a_3x3, Conv2d_2b_3x3,
// maxpool1, Conv2d_3b_1x1, Conv2d_4a_3x3, maxpool2, Mixed_5b..Mixed_7c (BasicConv2d = conv + bn
// with eps 1e-3, children 'conv' and 'bn'), avgpool, dropout, fc. Each of these feature modules is
// a block. Input 299x299 (resize 342); the smallest valid input is 75x75.
//
// torchvision's pretrained state dict also holds the auxiliary classifier (AuxLogits.*, only used
// for a training loss): loadStateDict ignores those keys, so that file loads as it is, strict or
// not. The pretrained weights also expect transform_input=True (torchvision sets it when it loads
// them): createModel('inception_v3', { transformInput: true }) adds that re-normalisation as the
// first block ('transform_input', ImageNet mean/std -> (x - 0.5) / 0.5).
import { cat, maxPool2d, F, type Tensor } from '../../torch/index.js';
import { Module, type LoadStateDictResult } from '../../nn/module.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Fn, Linear, MaxPool2d, normalParam, reluInPlace, type Pair } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { IMAGENET_MEAN, IMAGENET_STD, numberOption, tvConfig, tvPreprocessing } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing(342, 299);

export class BasicConv2d extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;

  constructor(inC: number, outC: number, kernel: Pair, o: { stride?: number; padding?: Pair } = {}) {
    super('basicconv2d');
    this.conv = this.registerModule('conv', new Conv2d(inC, outC, kernel, { stride: o.stride ?? 1, padding: o.padding ?? 0, bias: false }));
    this.bn = this.registerModule('bn', new BatchNorm2d(outC, { eps: 0.001 }));
  }

  forward(x: Tensor): Tensor {
    return reluInPlace(this.bn.call(this.conv.call(x)));
  }
}

/** A multi-branch module: named BasicConv2d children, a forward that concatenates branches. */
abstract class Mixed extends Module {
  protected readonly c = new Map<string, BasicConv2d>();

  protected conv(name: string, inC: number, outC: number, kernel: Pair, o: { stride?: number; padding?: Pair } = {}): void {
    this.c.set(name, this.registerModule(name, new BasicConv2d(inC, outC, kernel, o)));
  }

  /** Runs the named convs in sequence. */
  protected run(x: Tensor, ...names: string[]): Tensor {
    for (const n of names) x = this.c.get(n)!.call(x);
    return x;
  }
}

const avg3 = (x: Tensor): Tensor => F.avgPool2d(x, 3, { stride: 1, padding: 1 });

export class InceptionA extends Mixed {
  constructor(inC: number, poolFeatures: number) {
    super('inceptiona');
    this.conv('branch1x1', inC, 64, 1);
    this.conv('branch5x5_1', inC, 48, 1);
    this.conv('branch5x5_2', 48, 64, 5, { padding: 2 });
    this.conv('branch3x3dbl_1', inC, 64, 1);
    this.conv('branch3x3dbl_2', 64, 96, 3, { padding: 1 });
    this.conv('branch3x3dbl_3', 96, 96, 3, { padding: 1 });
    this.conv('branch_pool', inC, poolFeatures, 1);
  }

  forward(x: Tensor): Tensor {
    return cat(
      [
        this.run(x, 'branch1x1'),
        this.run(x, 'branch5x5_1', 'branch5x5_2'),
        this.run(x, 'branch3x3dbl_1', 'branch3x3dbl_2', 'branch3x3dbl_3'),
        this.run(avg3(x), 'branch_pool'),
      ],
      { dim: 1 },
    );
  }
}

export class InceptionB extends Mixed {
  constructor(inC: number) {
    super('inceptionb');
    this.conv('branch3x3', inC, 384, 3, { stride: 2 });
    this.conv('branch3x3dbl_1', inC, 64, 1);
    this.conv('branch3x3dbl_2', 64, 96, 3, { padding: 1 });
    this.conv('branch3x3dbl_3', 96, 96, 3, { stride: 2 });
  }

  forward(x: Tensor): Tensor {
    return cat([this.run(x, 'branch3x3'), this.run(x, 'branch3x3dbl_1', 'branch3x3dbl_2', 'branch3x3dbl_3'), maxPool2d(x, 3, { stride: 2 })], { dim: 1 });
  }
}

export class InceptionC extends Mixed {
  constructor(inC: number, c7: number) {
    super('inceptionc');
    this.conv('branch1x1', inC, 192, 1);
    this.conv('branch7x7_1', inC, c7, 1);
    this.conv('branch7x7_2', c7, c7, [1, 7], { padding: [0, 3] });
    this.conv('branch7x7_3', c7, 192, [7, 1], { padding: [3, 0] });
    this.conv('branch7x7dbl_1', inC, c7, 1);
    this.conv('branch7x7dbl_2', c7, c7, [7, 1], { padding: [3, 0] });
    this.conv('branch7x7dbl_3', c7, c7, [1, 7], { padding: [0, 3] });
    this.conv('branch7x7dbl_4', c7, c7, [7, 1], { padding: [3, 0] });
    this.conv('branch7x7dbl_5', c7, 192, [1, 7], { padding: [0, 3] });
    this.conv('branch_pool', inC, 192, 1);
  }

  forward(x: Tensor): Tensor {
    return cat(
      [
        this.run(x, 'branch1x1'),
        this.run(x, 'branch7x7_1', 'branch7x7_2', 'branch7x7_3'),
        this.run(x, 'branch7x7dbl_1', 'branch7x7dbl_2', 'branch7x7dbl_3', 'branch7x7dbl_4', 'branch7x7dbl_5'),
        this.run(avg3(x), 'branch_pool'),
      ],
      { dim: 1 },
    );
  }
}

export class InceptionD extends Mixed {
  constructor(inC: number) {
    super('inceptiond');
    this.conv('branch3x3_1', inC, 192, 1);
    this.conv('branch3x3_2', 192, 320, 3, { stride: 2 });
    this.conv('branch7x7x3_1', inC, 192, 1);
    this.conv('branch7x7x3_2', 192, 192, [1, 7], { padding: [0, 3] });
    this.conv('branch7x7x3_3', 192, 192, [7, 1], { padding: [3, 0] });
    this.conv('branch7x7x3_4', 192, 192, 3, { stride: 2 });
  }

  forward(x: Tensor): Tensor {
    return cat(
      [
        this.run(x, 'branch3x3_1', 'branch3x3_2'),
        this.run(x, 'branch7x7x3_1', 'branch7x7x3_2', 'branch7x7x3_3', 'branch7x7x3_4'),
        maxPool2d(x, 3, { stride: 2 }),
      ],
      { dim: 1 },
    );
  }
}

export class InceptionE extends Mixed {
  constructor(inC: number) {
    super('inceptione');
    this.conv('branch1x1', inC, 320, 1);
    this.conv('branch3x3_1', inC, 384, 1);
    this.conv('branch3x3_2a', 384, 384, [1, 3], { padding: [0, 1] });
    this.conv('branch3x3_2b', 384, 384, [3, 1], { padding: [1, 0] });
    this.conv('branch3x3dbl_1', inC, 448, 1);
    this.conv('branch3x3dbl_2', 448, 384, 3, { padding: 1 });
    this.conv('branch3x3dbl_3a', 384, 384, [1, 3], { padding: [0, 1] });
    this.conv('branch3x3dbl_3b', 384, 384, [3, 1], { padding: [1, 0] });
    this.conv('branch_pool', inC, 192, 1);
  }

  forward(x: Tensor): Tensor {
    const b3 = this.run(x, 'branch3x3_1');
    const bd = this.run(x, 'branch3x3dbl_1', 'branch3x3dbl_2');
    return cat(
      [
        this.run(x, 'branch1x1'),
        this.run(b3, 'branch3x3_2a'),
        this.run(b3, 'branch3x3_2b'),
        this.run(bd, 'branch3x3dbl_3a'),
        this.run(bd, 'branch3x3dbl_3b'),
        this.run(avg3(x), 'branch_pool'),
      ],
      { dim: 1 },
    );
  }
}

/** torchvision's transform_input: ImageNet-normalised input -> (x - 0.5) / 0.5 per channel. */
function transformInput(): Fn {
  const scale = IMAGENET_STD.map((s) => s / 0.5);
  const shift = IMAGENET_MEAN.map((m) => (m - 0.5) / 0.5);
  return new Fn('transform_input', (x) => {
    const chans = [0, 1, 2].map((c) => x.narrow(1, c, 1).mul(scale[c]).add(shift[c]));
    return cat(chans, { dim: 1 });
  });
}

export interface InceptionV3Options {
  numClasses?: number;
  dropout?: number;
  /** Re-normalise ImageNet-normalised input as the pretrained weights expect (torchvision's transform_input). */
  transformInput?: boolean;
}

export class InceptionV3 extends ZooModel {
  protected readonly headModules = ['avgpool', 'dropout', 'fc'];
  private readonly allBlocks: Block[];

  constructor(o: InceptionV3Options = {}) {
    const numClasses = o.numClasses ?? 1000;
    super(tvConfig('inception_v3', 'fc', 2048, numClasses, PREPROCESSING));
    const features: [string, Module][] = [
      ['Conv2d_1a_3x3', new BasicConv2d(3, 32, 3, { stride: 2 })],
      ['Conv2d_2a_3x3', new BasicConv2d(32, 32, 3)],
      ['Conv2d_2b_3x3', new BasicConv2d(32, 64, 3, { padding: 1 })],
      ['maxpool1', new MaxPool2d(3, { stride: 2 })],
      ['Conv2d_3b_1x1', new BasicConv2d(64, 80, 1)],
      ['Conv2d_4a_3x3', new BasicConv2d(80, 192, 3)],
      ['maxpool2', new MaxPool2d(3, { stride: 2 })],
      ['Mixed_5b', new InceptionA(192, 32)],
      ['Mixed_5c', new InceptionA(256, 64)],
      ['Mixed_5d', new InceptionA(288, 64)],
      ['Mixed_6a', new InceptionB(288)],
      ['Mixed_6b', new InceptionC(768, 128)],
      ['Mixed_6c', new InceptionC(768, 160)],
      ['Mixed_6d', new InceptionC(768, 160)],
      ['Mixed_6e', new InceptionC(768, 192)],
      ['Mixed_7a', new InceptionD(768)],
      ['Mixed_7b', new InceptionE(1280)],
      ['Mixed_7c', new InceptionE(2048)],
    ];
    this.allBlocks = o.transformInput ? [{ name: 'transform_input', module: transformInput() }] : [];
    for (const [n, m] of features) this.allBlocks.push({ name: n, module: this.registerModule(n, m) });
    this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule('dropout', new Dropout(o.dropout ?? 0.5));
    this.registerModule('fc', new Linear(2048, numClasses));
    // torchvision's init_weights: conv and linear weights trunc_normal(std 0.1, cut at +-2, i.e.
    // +-20 std: a plain normal), BN ones / zeros; the fc bias keeps nn.Linear's default
    for (const [, m] of this.namedModules()) {
      if (m instanceof Conv2d || m instanceof Linear) m.replaceTensor('weight', normalParam(m.weight.shape, 0.1).clamp_({ min: -2, max: 2 }));
    }
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = this.getModule('dropout').call(this.getModule('avgpool').call(x)).flatten({ startDim: 1 });
    return preLogits ? pooled : this.getModule(this.config.classifier).call(pooled);
  }

  /** As Module's, with torchvision's auxiliary-classifier keys (AuxLogits.*) ignored. */
  override loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    const src = state instanceof Map ? state : new Map(Object.entries(state));
    return super.loadStateDict(new Map([...src].filter(([k]) => !k.startsWith('AuxLogits.'))), opts);
  }
}

registerArch('inception_v3', (o: CreateOptions) =>
  new InceptionV3({
    numClasses: o.numClasses,
    dropout: numberOption(o, 'dropout', 0.5, (v) => v >= 0 && v < 1),
    transformInput: o.transformInput === true,
  }),
  PREPROCESSING,
);
