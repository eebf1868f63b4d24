// Pre-activation ResNet (He et al. 2016, "Identity Mappings in Deep Residual Networks"): full
// pre-activation units (BN -> ReLU -> conv, two or three times) with identity shortcuts. Not in
// torchvision: the reference is the PyTorch definition in tools/fixtures/make_zoo_fixtures.py, with
// torchvision-style names (and its parity fixture checks this file).
// - stem: torchvision's conv1, bn1, relu, maxpool;
// - layer1.0 reads the stem's activated output and has no pre-activation of its own (no bn1);
// - a unit that changes the shape shares its pre-activation with the projection shortcut
//   ('downsample' = Sequential(1x1 conv), no BN), as in the paper;
// - after the last unit an extra BN -> ReLU (`bn_final`, blocks 'bn_final' and 'relu_final');
// - strides on the 3x3 conv; torchvision's ResNet init.
import type { Tensor } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, ReLU, Seq, kaimingNormalFanOut } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { tvConfig, tvPreprocessing } from './tv-ops.js';
import { residualStages, resnetStem } from './resnet.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = tvPreprocessing();

/** A full pre-activation unit: 'basic' (3x3, 3x3) or 'bottleneck' (1x1, 3x3, 1x1 x4). */
export class PreActBlock extends Module {
  readonly bn1: BatchNorm2d | null;
  readonly relu: Module;
  readonly downsample: Seq | null;
  /** [bn_k, conv_k] pairs after the first conv. */
  private readonly convs: Conv2d[] = [];
  private readonly norms: BatchNorm2d[] = [];

  constructor(kind: 'basic' | 'bottleneck', inplanes: number, planes: number, stride = 1, downsample: Seq | null = null, preact = true) {
    super(kind === 'basic' ? 'preactbasicblock' : 'preactbottleneck');
    this.bn1 = preact ? this.registerModule('bn1', new BatchNorm2d(inplanes)) : null;
    this.relu = this.registerModule('relu', ReLU());
    const shapes: [number, number, number, number][] =
      kind === 'basic'
        ? [
            [inplanes, planes, 3, stride],
            [planes, planes, 3, 1],
          ]
        : [
            [inplanes, planes, 1, 1],
            [planes, planes, 3, stride],
            [planes, planes * 4, 1, 1],
          ];
    shapes.forEach(([i, o, k, s], j) => {
      if (j > 0) this.norms.push(this.registerModule(`bn${j + 1}`, new BatchNorm2d(i)));
      this.convs.push(this.registerModule(`conv${j + 1}`, new Conv2d(i, o, k, { stride: s, padding: (k - 1) / 2, bias: false })));
    });
    this.downsample = downsample ? this.registerModule('downsample', downsample) : null;
  }

  forward(x: Tensor): Tensor {
    const a = this.bn1 ? this.relu.call(this.bn1.call(x)) : x;
    const shortcut = this.downsample ? this.downsample.call(a) : x;
    let out = this.convs[0].call(a);
    for (let j = 1; j < this.convs.length; j++) out = this.convs[j].call(this.relu.call(this.norms[j - 1].call(out)));
    return out.add(shortcut);
  }
}

export class PreActResNet extends ZooModel {
  protected readonly headModules = ['avgpool', 'fc'];
  private readonly allBlocks: Block[];

  constructor(name: string, kind: 'basic' | 'bottleneck', layers: readonly number[], o: { numClasses?: number } = {}) {
    const expansion = kind === 'basic' ? 1 : 4;
    const numClasses = o.numClasses ?? 1000;
    super(tvConfig(name, 'fc', 512 * expansion, numClasses, PREPROCESSING));
    this.allBlocks = [];
    for (const [n, m] of resnetStem()) this.allBlocks.push({ name: n, module: this.registerModule(n, m) });
    const stages = residualStages(layers, expansion, (inplanes, planes, s, needsProjection, at) => {
      const downsample = needsProjection ? new Seq([new Conv2d(inplanes, planes * expansion, 1, { stride: s, bias: false })]) : null;
      return new PreActBlock(kind, inplanes, planes, s, downsample, !(at.stage === 0 && at.block === 0));
    });
    for (const [name, layer] of stages.layers) this.registerModule(name, layer);
    this.allBlocks.push(...stages.blocks);
    const inplanes = stages.channels;
    this.allBlocks.push({ name: 'bn_final', module: this.registerModule('bn_final', new BatchNorm2d(inplanes)) });
    this.allBlocks.push({ name: 'relu_final', module: ReLU() });
    this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule('fc', new Linear(inplanes, numClasses));
    for (const [, m] of this.namedModules()) if (m instanceof Conv2d) m.replaceTensor('weight', kaimingNormalFanOut(m.weight.shape));
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = this.getModule('avgpool').call(x).flatten({ startDim: 1 });
    return preLogits ? pooled : this.getModule(this.config.classifier).call(pooled);
  }
}

registerArch('preact_resnet18', (o: CreateOptions) => new PreActResNet('preact_resnet18', 'basic', [2, 2, 2, 2], { numClasses: o.numClasses }), PREPROCESSING);
registerArch('preact_resnet50', (o: CreateOptions) => new PreActResNet('preact_resnet50', 'bottleneck', [3, 4, 6, 3], { numClasses: o.numClasses }), PREPROCESSING);
