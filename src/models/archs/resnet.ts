// torchvision 0.14 ResNet (He et al. 2016; v1.5: the stride of a bottleneck sits on its 3x3 conv):
// resnet18, resnet34, resnet50, resnet101. Module tree and state-dict names are torchvision's:
// conv1, bn1, relu, maxpool, layer1..layer4 (BasicBlock / Bottleneck, projection shortcut
// 'downsample' = Sequential(conv, bn)), avgpool, fc. Blocks: conv1, bn1, relu, maxpool, then every
// residual unit ('layer1.0', 'layer1.1', ...).
import { keep, zeros, type Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, ReLU, Seq, addInPlace, kaimingNormalFanOut } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { tvConfig, tvPreprocessing } from './tv-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing();

const conv3x3 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 3, { stride, padding: 1, bias: false });
const conv1x1 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 1, { stride, bias: false });

export class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: Module;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Seq | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Seq | null = null) {
    super('basicblock');
    this.conv1 = this.registerModule('conv1', conv3x3(inplanes, planes, stride));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.relu = this.registerModule('relu', ReLU({ inplace: true }));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.downsample = downsample ? this.registerModule('downsample', downsample) : null;
  }

  /** The last BN of the residual branch (zero-initialised with zeroInitResidual). */
  get lastBn(): BatchNorm2d {
    return this.bn2;
  }

  forward(x: Tensor): Tensor {
    const identity = this.downsample ? this.downsample.call(x) : x;
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.bn2.call(this.conv2.call(out));
    return this.relu.call(addInPlace(out, identity));
  }
}

export class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly relu: Module;
  readonly downsample: Seq | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Seq | null = null) {
    super('bottleneck');
    this.conv1 = this.registerModule('conv1', conv1x1(inplanes, planes));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, stride));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.registerModule('conv3', conv1x1(planes, planes * 4));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(planes * 4));
    this.relu = this.registerModule('relu', ReLU({ inplace: true }));
    this.downsample = downsample ? this.registerModule('downsample', downsample) : null;
  }

  get lastBn(): BatchNorm2d {
    return this.bn3;
  }

  forward(x: Tensor): Tensor {
    const identity = this.downsample ? this.downsample.call(x) : x;
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.relu.call(this.bn2.call(this.conv2.call(out)));
    out = this.bn3.call(this.conv3.call(out));
    return this.relu.call(addInPlace(out, identity));
  }
}

export type ResidualKind = 'basic' | 'bottleneck';

/**
 * torchvision's ResNet stages layer1..layer4 (64, 128, 256, 512 planes; stride 2 from layer2):
 * `makeBlock` builds one residual block, told whether the shape changes (a projection shortcut
 * is needed). Returns the stages to register and every block, named 'layerN.i', in order.
 */
export function residualStages(
  layers: readonly number[],
  expansion: number,
  makeBlock: (inplanes: number, planes: number, stride: number, needsProjection: boolean, index: { stage: number; block: number }) => Module,
): { layers: [string, Seq][]; blocks: Block[]; channels: number } {
  const out: [string, Seq][] = [];
  const blocks: Block[] = [];
  let inplanes = 64;
  layers.forEach((count, li) => {
    const planes = 64 * 2 ** li;
    const layer = new Seq();
    for (let i = 0; i < count; i++) {
      const s = i === 0 && li > 0 ? 2 : 1;
      const block = makeBlock(inplanes, planes, s, i === 0 && (s !== 1 || inplanes !== planes * expansion), { stage: li, block: i });
      layer.add(String(i), block);
      blocks.push({ name: `layer${li + 1}.${i}`, module: block });
      inplanes = planes * expansion;
    }
    out.push([`layer${li + 1}`, layer]);
  });
  return { layers: out, blocks, channels: inplanes };
}

/** torchvision's ResNet stem (conv1, bn1, relu, maxpool), shared by the pre-activation ResNet. */
export function resnetStem(): [string, Module][] {
  return [
    ['conv1', new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false })],
    ['bn1', new BatchNorm2d(64)],
    ['relu', ReLU({ inplace: true })],
    ['maxpool', new MaxPool2d(3, { stride: 2, padding: 1 })],
  ];
}

export interface ResNetOptions {
  numClasses?: number;
  /** Zero-initialise the last BN of every residual branch (torchvision's zero_init_residual). */
  zeroInitResidual?: boolean;
}

export class ResNet extends ZooModel {
  protected readonly headModules = ['avgpool', 'fc'];
  private readonly allBlocks: Block[];

  constructor(name: string, kind: ResidualKind, layers: readonly number[], o: ResNetOptions = {}) {
    const expansion = kind === 'basic' ? BasicBlock.expansion : Bottleneck.expansion;
    const numClasses = o.numClasses ?? 1000;
    super(tvConfig(name, 'fc', 512 * expansion, numClasses, PREPROCESSING));
    this.allBlocks = [];
    for (const [n, m] of resnetStem()) this.allBlocks.push({ name: n, module: this.registerModule(n, m) });
    const stages = residualStages(layers, expansion, (inplanes, planes, s, needsProjection) => {
      const downsample = needsProjection ? new Seq([conv1x1(inplanes, planes * expansion, s), new BatchNorm2d(planes * expansion)]) : null;
      return kind === 'basic' ? new BasicBlock(inplanes, planes, s, downsample) : new Bottleneck(inplanes, planes, s, downsample);
    });
    for (const [name, layer] of stages.layers) this.registerModule(name, layer);
    this.allBlocks.push(...stages.blocks);
    this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule('fc', new Linear(512 * expansion, numClasses));
    // torchvision's init: convs kaiming_normal(fan_out, relu); BN ones / zeros (the default); fc default
    for (const [, m] of this.namedModules()) if (m instanceof Conv2d) m.replaceTensor('weight', kaimingNormalFanOut(m.weight.shape));
    if (o.zeroInitResidual) {
      for (const b of this.allBlocks) {
        if (b.module instanceof BasicBlock || b.module instanceof Bottleneck) b.module.lastBn.replaceTensor('weight', keep(zeros([b.module.lastBn.numFeatures])));
      }
    }
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = this.getModule('avgpool').call(x).flatten({ startDim: 1 });
    return preLogits ? pooled : this.getModule(this.config.classifier).call(pooled);
  }
}

function factory(name: string, kind: ResidualKind, layers: number[]) {
  return (o: CreateOptions) => new ResNet(name, kind, layers, { numClasses: o.numClasses, zeroInitResidual: o.zeroInitResidual === true });
}

registerArch('resnet18', factory('resnet18', 'basic', [2, 2, 2, 2]), PREPROCESSING);
registerArch('resnet34', factory('resnet34', 'basic', [3, 4, 6, 3]), PREPROCESSING);
registerArch('resnet50', factory('resnet50', 'bottleneck', [3, 4, 6, 3]), PREPROCESSING);
registerArch('resnet101', factory('resnet101', 'bottleneck', [3, 4, 23, 3]), PREPROCESSING);
