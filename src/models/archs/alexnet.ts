// torchvision 0.14 AlexNet (Krizhevsky 2014, "One weird trick" variant). Module tree and
// state-dict names are torchvision's: features.0..12, avgpool = AdaptiveAvgPool2d(6), classifier =
// Sequential(Dropout, Linear(9216, 4096), ReLU, Dropout, Linear(4096, 4096), ReLU,
// Linear(4096, classes) 'classifier.6'). PyTorch's default init (torchvision sets none).
import type { Tensor } from '../../torch/index.js';
import { AdaptiveAvgPool2d, Conv2d, Dropout, Linear, MaxPool2d, ReLU, Seq } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { numberOption, tvConfig, tvPreprocessing } from './tv-ops.js';
import { runUpTo } from './vgg.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing();

export class AlexNet extends ZooModel {
  readonly features: Seq;
  readonly classifier: Seq;
  protected readonly headModules = ['avgpool', 'classifier'];
  private readonly allBlocks: Block[];

  constructor(o: { numClasses?: number; dropout?: number } = {}) {
    const numClasses = o.numClasses ?? 1000;
    const p = o.dropout ?? 0.5;
    super(tvConfig('alexnet', 'classifier.6', 256, numClasses, PREPROCESSING));
    const pool = (): MaxPool2d => new MaxPool2d(3, { stride: 2 });
    this.features = this.registerModule(
      'features',
      new Seq([
        new Conv2d(3, 64, 11, { stride: 4, padding: 2 }),
        ReLU({ inplace: true }),
        pool(),
        new Conv2d(64, 192, 5, { padding: 2 }),
        ReLU({ inplace: true }),
        pool(),
        new Conv2d(192, 384, 3, { padding: 1 }),
        ReLU({ inplace: true }),
        new Conv2d(384, 256, 3, { padding: 1 }),
        ReLU({ inplace: true }),
        new Conv2d(256, 256, 3, { padding: 1 }),
        ReLU({ inplace: true }),
        pool(),
      ]),
    );
    this.registerModule('avgpool', new AdaptiveAvgPool2d(6));
    this.classifier = this.registerModule(
      'classifier',
      new Seq([new Dropout(p), new Linear(256 * 6 * 6, 4096), ReLU({ inplace: true }), new Dropout(p), new Linear(4096, 4096), ReLU({ inplace: true }), new Linear(4096, numClasses)]),
    );
    this.allBlocks = this.features.children().map(([n, m]) => ({ name: `features.${n}`, module: m }));
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const h = this.getModule('avgpool').call(x).flatten({ startDim: 1 });
    return preLogits ? runUpTo(this.classifier, 6, h) : this.classifier.call(h);
  }
}

registerArch('alexnet', (o: CreateOptions) => new AlexNet({ numClasses: o.numClasses, dropout: numberOption(o, 'dropout', 0.5, (v) => v >= 0 && v < 1) }), PREPROCESSING);
