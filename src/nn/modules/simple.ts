// Parameter-free torch-style modules: activations, dropout, pooling, flatten, identity.
import { F, isGradEnabled, isScopeLocal, sameShape, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';
import { pair, type Pair } from './conv.js';

/** Whether an in-place activation may overwrite x: see Fn's `inplace`. */
function overwritable(x: Tensor): boolean {
  return !isGradEnabled() && isScopeLocal(x) && !x.isDisposed;
}

/**
 * A parameter-free module from a function of one tensor (ReLU, SiLU, ...). With an in-place
 * variant and `inplace` on (torchvision's `inplace=True`), it overwrites its input instead of
 * allocating an output, but only where that cannot be observed: when no gradient is recorded
 * (inference, so autograd never needs the old values) and the input is an intermediate made in
 * the innermost tidy scope that no forward hook handed out (isScopeLocal): a block's input, a
 * cached feature batch or a caller's tensor is never overwritten. Zoo architectures set it where
 * torchvision does, on activations whose input is an intermediate of the same block; inference
 * then touches less memory (about 10% of a MobileNetV2 forward pass on 2 cores).
 */
export class Fn extends Module {
  constructor(
    name: string,
    private readonly fn: (x: Tensor) => Tensor,
    private readonly inplaceFn?: (x: Tensor) => Tensor,
    readonly inplace = false,
  ) {
    super(name);
  }

  forward(x: Tensor): Tensor {
    if (this.inplace && this.inplaceFn && overwritable(x)) return this.inplaceFn(x);
    return this.fn(x);
  }
}

/** relu(x), in place where Fn's in-place rule allows (torchvision's F.relu(x, inplace=True)). */
export function reluInPlace(x: Tensor): Tensor {
  return overwritable(x) ? x.relu_() : x.relu();
}

/** x + y, written into x where Fn's in-place rule allows (torchvision's residual `out += identity`). */
export function addInPlace(x: Tensor, y: Tensor): Tensor {
  return overwritable(x) && sameShape(x.shape, y.shape) ? x.add_(y) : x.add(y);
}

/** Options of the activation modules. */
export interface ActivationOptions {
  /** Overwrite the input in inference (torchvision's inplace=True); see Fn. */
  inplace?: boolean;
}

export const ReLU = (o: ActivationOptions = {}): Fn => new Fn('relu', (x) => x.relu(), (x) => x.relu_(), o.inplace);
export const ReLU6 = (o: ActivationOptions = {}): Fn => new Fn('relu6', (x) => x.relu6(), (x) => x.hardtanh_({ minVal: 0, maxVal: 6 }), o.inplace);
export const SiLU = (o: ActivationOptions = {}): Fn => new Fn('silu', (x) => x.silu(), (x) => x.silu_(), o.inplace);
export const GELU = (): Fn => new Fn('gelu', (x) => x.gelu());
export const Hardswish = (o: ActivationOptions = {}): Fn => new Fn('hardswish', (x) => x.hardswish(), (x) => x.hardswish_(), o.inplace);
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
