// A tiny ZooModel for the surgery and feature-cache tests: the same contract as the zoo's
// architectures (named blocks, default head, classifier path), small enough to train in a test.
import * as T from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { Module } from '../../src/nn/module.js';
import { BatchNorm2d, Conv2d, Dropout, Linear, ReLU, Seq } from '../../src/nn/modules/index.js';
import { ZooModel, type Block } from '../../src/models/zoo-model.js';

/** conv 3x3 -> BN -> ReLU, with a residual connection when the shapes allow. */
export class TinyBlock extends Module {
  readonly conv: Seq;
  constructor(
    readonly cin: number,
    readonly cout: number,
    readonly stride = 1,
  ) {
    super('tinyblock');
    this.conv = this.registerModule('conv', new Seq([new Conv2d(cin, cout, 3, { stride, padding: 1, bias: false }), new BatchNorm2d(cout), ReLU()]));
  }
  forward(x: Tensor): Tensor {
    const y = this.conv.call(x);
    return this.cin === this.cout && this.stride === 1 ? y.add(x) : y;
  }
}

/**
 * Blocks: features.0 (stem conv 3->8 at 16x16), features.1 (8->16, stride 2), features.2
 * (16->16), 'final_relu' (unregistered, parameter-free). Head: mean pool, dropout, fc.
 */
export class TinyZoo extends ZooModel {
  protected readonly headModules = ['drop', 'fc'];
  private readonly all: Block[];

  constructor(numClasses = 3) {
    super({ name: 'tiny', inputSize: [3, 16, 16], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], classifier: 'fc', numFeatures: 16, numClasses, source: 'torchvision' });
    const features = this.registerModule('features', new Seq([new TinyBlock(3, 8), new TinyBlock(8, 16, 2), new TinyBlock(16, 16)]));
    this.registerModule('drop', new Dropout(0.2));
    this.registerModule('fc', new Linear(16, numClasses));
    this.all = [...features.children().map(([n, m]) => ({ name: `features.${n}`, module: m })), { name: 'final_relu', module: ReLU() }];
  }

  protected featureBlocks(): Block[] {
    return this.all;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = x.mean([2, 3]);
    return preLogits ? pooled : this.child('fc')!.call(this.child('drop')!.call(pooled));
  }
}

/** n RGB 16x16 images of 3 classes: the class sets which channel is bright (plus noise). */
export function colourData(n: number, seed: number): { x: Tensor; y: Tensor } {
  return T.tidy(() => {
    const g = new T.Generator(seed);
    const y = T.arange(n).remainder(3).long();
    const base = T.randn([n, 3, 16, 16], { generator: g }).mul(0.3);
    const bright = T.F.oneHot(y, 3).float().view([n, 3, 1, 1]).mul(1.5);
    return { x: base.add(bright).contiguous(), y };
  });
}
