// MobileNet V1 (Howard et al. 2017) as keras.applications.MobileNet defines it, with the width
// multiplier `alpha` and `depthMultiplier` options (createModel('mobilenet', { alpha: 0.5 }), or
// the registered 'mobilenet_025' / 'mobilenet_050' / 'mobilenet_075').
//
// The module tree is flat, one child per Keras layer with the Keras layer's name, so the state
// dict reads like the Keras model: conv1.weight, conv1_bn.{weight,bias,running_mean,running_var},
// conv_dw_1.weight (depthwise, [C, 1, 3, 3]), conv_pw_1.weight, ..., conv_preds.{weight,bias}.
// Every Keras layer of the feature path is a block (conv1, conv1_bn, conv1_relu, conv_pad_2,
// conv_dw_2, ..., conv_pw_13_relu), as Keras users address them.
//
// Layers as in Keras: conv1 is a 3x3 stride-2 conv with TF 'same' padding; a stride-2 depthwise
// conv is preceded by ZeroPadding2D(((0, 1), (0, 1))) and uses 'valid'; BatchNormalization has
// epsilon 1e-3 and Keras momentum 0.99; activations are ReLU(6). The top is global average pooling,
// dropout (1e-3) and the 1x1 conv 'conv_preds' (logits, no softmax).
import type { Tensor } from '../../torch/index.js';
import type { Module } from '../../nn/module.js';
import { Conv2d, Dropout, Identity, ReLU6 } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { Conv2dSame, ZeroPad2d, kerasBN, kerasConfig, kerasInit, kerasPreprocessing } from './keras-ops.js';
import { numberOption } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = kerasPreprocessing();

export interface MobileNetOptions {
  numClasses?: number;
  /** Width multiplier (Keras alpha): every layer has int(filters * alpha) filters. */
  alpha?: number;
  /** Depthwise channel multiplier (Keras depth_multiplier). */
  depthMultiplier?: number;
  dropout?: number;
  /** Registry name recorded in the config. */
  name?: string;
}

// pointwise filters and stride of the 13 depthwise-separable blocks
const BLOCKS: [number, number][] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

export class MobileNet extends ZooModel {
  readonly alpha: number;
  readonly depthMultiplier: number;
  protected readonly headModules = ['dropout', 'conv_preds'];
  private readonly allBlocks: Block[] = [];

  constructor(o: MobileNetOptions = {}) {
    const alpha = o.alpha ?? 1;
    const dm = o.depthMultiplier ?? 1;
    const width = (n: number): number => Math.floor(n * alpha);
    const numClasses = o.numClasses ?? 1000;
    const numFeatures = width(1024);
    super(kerasConfig(o.name ?? 'mobilenet', 'conv_preds', numFeatures, numClasses, PREPROCESSING));
    this.alpha = alpha;
    this.depthMultiplier = dm;
    const add = (name: string, m: Module): void => {
      this.registerModule(name, m);
      m.name = name;
      this.allBlocks.push({ name, module: m });
    };
    let c = width(32);
    add('conv1', new Conv2dSame(3, c, 3, { stride: 2, bias: false }));
    add('conv1_bn', kerasBN(c));
    add('conv1_relu', ReLU6());
    BLOCKS.forEach(([filters, stride], i) => {
      const id = i + 1;
      const mid = c * dm;
      if (stride === 2) add(`conv_pad_${id}`, new ZeroPad2d({ top: 0, bottom: 1, left: 0, right: 1 }));
      add(`conv_dw_${id}`, new Conv2d(c, mid, 3, { stride, padding: stride === 1 ? 1 : 0, groups: c, bias: false }));
      add(`conv_dw_${id}_bn`, kerasBN(mid));
      add(`conv_dw_${id}_relu`, ReLU6());
      const out = width(filters);
      add(`conv_pw_${id}`, new Conv2d(mid, out, 1, { bias: false }));
      add(`conv_pw_${id}_bn`, kerasBN(out));
      add(`conv_pw_${id}_relu`, ReLU6());
      c = out;
    });
    this.registerModule('dropout', new Dropout(o.dropout ?? 1e-3));
    this.registerModule('conv_preds', numClasses > 0 ? new Conv2d(c, numClasses, 1) : Identity());
    kerasInit(this);
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = x.mean([2, 3]);
    if (preLogits) return pooled;
    const dropped = this.child('dropout')!.call(pooled);
    const cls = this.child('conv_preds')!;
    // Keras: reshape to (1, 1, C), 1x1 conv, reshape to (classes,); a Linear after resetClassifier
    if (cls instanceof Conv2d) return cls.call(dropped.reshape([dropped.shape[0], dropped.shape[1], 1, 1])).flatten({ startDim: 1 });
    return cls.call(dropped);
  }
}

function factory(name: string, alpha?: number) {
  return (o: CreateOptions): MobileNet =>
    new MobileNet({
      name,
      numClasses: o.numClasses,
      alpha: alpha ?? numberOption(o, 'alpha', 1),
      depthMultiplier: numberOption(o, 'depthMultiplier', 1, (v) => Number.isInteger(v) && v >= 1),
      dropout: numberOption(o, 'dropout', 1e-3, (v) => v >= 0 && v < 1),
    });
}

registerArch('mobilenet', factory('mobilenet'), PREPROCESSING);
registerArch('mobilenet_025', factory('mobilenet_025', 0.25), PREPROCESSING);
registerArch('mobilenet_050', factory('mobilenet_050', 0.5), PREPROCESSING);
registerArch('mobilenet_075', factory('mobilenet_075', 0.75), PREPROCESSING);
