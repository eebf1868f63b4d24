// nn.Conv2d with PyTorch's parameter names and layout (weight [out, in/groups, kh, kw], bias [out]).
import { F, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { defaultWeight, torchFans, uniformParam } from './init.js';

export type Pair = number | [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'same' / 'valid' (Keras-style). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

export function pair(p: Pair): [number, number] {
  return typeof p === 'number' ? [p, p] : p;
}

export class Conv2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    o: Conv2dOptions = {},
  ) {
    super('conv2d');
    this.kernelSize = pair(kernelSize);
    this.stride = pair(o.stride ?? 1);
    this.padding = typeof o.padding === 'string' ? o.padding : pair(o.padding ?? 0);
    this.dilation = pair(o.dilation ?? 1);
    this.groups = o.groups ?? 1;
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new Error(`Conv2d(${inChannels}, ${outChannels}): groups=${this.groups} must divide both channel counts`);
    }
    const shape = [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.registerParameter('weight', defaultWeight(shape));
    if (o.bias ?? true) this.registerParameter('bias', uniformParam([outChannels], 1 / Math.sqrt(torchFans(shape).fanIn)));
  }

  get weight(): Tensor {
    return this.own('weight')!;
  }

  get bias(): Tensor | null {
    return this.own('bias');
  }

  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  /** Multiply-accumulates per image for an output of [C, H, W]. */
  macs(out: readonly number[]): number {
    const [kh, kw] = this.kernelSize;
    return (out[1] ?? 1) * (out[2] ?? 1) * this.outChannels * (this.inChannels / this.groups) * kh * kw;
  }
}
