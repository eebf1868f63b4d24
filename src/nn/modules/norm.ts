// nn.BatchNorm2d, nn.LayerNorm and a channels-first LayerNorm (ConvNeXt) with PyTorch's names.
import { F, keep, noGrad, ones, zeros, scalar, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';

export interface BatchNormOptions {
  eps?: number;
  /** PyTorch convention: weight of the new batch statistic (Keras's momentum is 1 - this). */
  momentum?: number;
  affine?: boolean;
  /** With affine: learn the scale 'weight' (false: only the shift 'bias', Keras's scale=False). */
  scale?: boolean;
}

export class BatchNorm2d extends Module {
  readonly eps: number;
  readonly momentum: number;
  /**
   * When the affine parameters are frozen, the layer normalises with its running statistics even
   * in training mode (Keras's BatchNormalization(trainable=False)): fine-tuning a frozen
   * backbone must not drift its statistics. Set false for PyTorch's behaviour.
   */
  evalWhenFrozen = true;
  /**
   * Always normalise with the running statistics, even while the affine parameters train
   * (fastai's bn_eval / timm's freeze_bn without freezing the weights): for fine-tuning from
   * imported weights whose statistics must not be replaced by small-batch ones.
   */
  statsFrozen = false;

  constructor(readonly numFeatures: number, o: BatchNormOptions = {}) {
    super('batchnorm2d');
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum ?? 0.1;
    if (o.affine ?? true) {
      if (o.scale ?? true) this.registerParameter('weight', keep(ones([numFeatures])));
      this.registerParameter('bias', keep(zeros([numFeatures])));
    }
    this.registerBuffer('running_mean', keep(zeros([numFeatures])));
    this.registerBuffer('running_var', keep(ones([numFeatures])));
    this.registerBuffer('num_batches_tracked', keep(scalar(0, { dtype: 'int64' })));
  }

  /** True when the affine parameters exist and none receives gradients. */
  get frozen(): boolean {
    const w = this.own('weight');
    const b = this.own('bias');
    return (w !== null || b !== null) && !(w?.requiresGrad ?? false) && !(b?.requiresGrad ?? false);
  }

  /** Whether this forward pass uses (and updates) batch statistics. */
  get usesBatchStats(): boolean {
    return this.training && !this.statsFrozen && !(this.evalWhenFrozen && this.frozen);
  }

  forward(x: Tensor): Tensor {
    const training = this.usesBatchStats;
    if (training) noGrad(() => this.own('num_batches_tracked')!.add_(1));
    return F.batchNorm(x, this.own('running_mean'), this.own('running_var'), {
      weight: this.own('weight'),
      bias: this.own('bias'),
      training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}

/** nn.LayerNorm over the trailing dims. */
export class LayerNorm extends Module {
  readonly shape: number[];

  constructor(normalizedShape: number | number[], readonly eps = 1e-5) {
    super('layernorm');
    this.shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    this.registerParameter('weight', keep(ones(this.shape)));
    this.registerParameter('bias', keep(zeros(this.shape)));
  }

  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.shape, { weight: this.own('weight'), bias: this.own('bias'), eps: this.eps });
  }
}

/** LayerNorm over the channel dim of an NCHW tensor (torchvision's ConvNeXt LayerNorm2d). */
export class LayerNorm2d extends LayerNorm {
  constructor(channels: number, eps = 1e-6) {
    super(channels, eps);
    this.name = 'layernorm2d';
  }

  override forward(x: Tensor): Tensor {
    return super.forward(x.permute([0, 2, 3, 1])).permute([0, 3, 1, 2]);
  }
}
