// nn.Linear with PyTorch's names and layout (weight [out, in], bias [out]).
import { F, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { defaultWeight, uniformParam } from './init.js';

export class Linear extends Module {
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super('linear');
    this.registerParameter('weight', defaultWeight([outFeatures, inFeatures]));
    if (bias) this.registerParameter('bias', uniformParam([outFeatures], 1 / Math.sqrt(Math.max(1, inFeatures))));
  }

  get weight(): Tensor {
    return this.own('weight')!;
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.own('bias'));
  }

  /** Multiply-accumulates per sample for an output of shape `out` (no batch dim). */
  macs(out: readonly number[]): number {
    return out.reduce((a, b) => a * b, 1) * this.inFeatures;
  }
}
