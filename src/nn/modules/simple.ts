// Parameter-free torch-style modules: activations, dropout, pooling, flatten, identity.
import { F, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { pair, type Pair } from './conv.js';

/** A parameter-free module from a function of one tensor (ReLU, SiLU, ...). */
export class Fn extends Module {
  constructor(
    name: string,
    private readonly fn: (x: Tensor) => Tensor,
  ) {
    super(name);
  }

  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
}

export const ReLU = (): Fn => new Fn('relu', (x) => x.relu());
export const ReLU6 = (): Fn => new Fn('relu6', (x) => x.relu6());
export const SiLU = (): Fn => new Fn('silu', (x) => x.silu());
export const GELU = (): Fn => new Fn('gelu', (x) => x.gelu());
export const Hardswish = (): Fn => new Fn('hardswish', (x) => x.hardswish());
export const Hardsigmoid = (): Fn => new Fn('hardsigmoid', (x) => x.hardsigmoid());
export const Sigmoid = (): Fn => new Fn('sigmoid', (x) => x.sigmoid());
export const Tanh = (): Fn => new Fn('tanh', (x) => x.tanh());
export const Identity = (): Fn => new Fn('identity', (x) => x);
/** nn.Flatten(start_dim=1). */
export const Flatten = (): Fn => new Fn('flatten', (x) => x.flatten({ startDim: 1 }));

/** nn.Dropout: active only in training mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super('dropout');
  }

  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

export interface PoolOptions {
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
}

export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly o: PoolOptions = {},
  ) {
    super('maxpool2d');
  }

  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, { stride: this.o.stride ?? this.kernelSize, padding: this.o.padding ?? 0, ceilMode: this.o.ceilMode ?? false });
  }
}

export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly o: PoolOptions & { countIncludePad?: boolean } = {},
  ) {
    super('avgpool2d');
  }

  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, {
      stride: this.o.stride ?? this.kernelSize,
      padding: this.o.padding ?? 0,
      ceilMode: this.o.ceilMode ?? false,
      countIncludePad: this.o.countIncludePad ?? true,
    });
  }
}

export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(outputSize: Pair = 1) {
    super('adaptiveavgpool2d');
    this.outputSize = pair(outputSize);
  }

  forward(x: Tensor): Tensor {
    // global pooling is a mean: faster than the adaptive kernel and identical
    if (this.outputSize[0] === 1 && this.outputSize[1] === 1) return x.mean([2, 3], { keepdim: true });
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
}
