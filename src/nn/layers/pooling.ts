// Pooling: MaxPooling2D, AveragePooling2D (strides default to pool_size; 'same' as TF, averages
// exclude padding), GlobalAveragePooling2D, GlobalMaxPooling2D (keepdims).
import * as T from '../../torch/index.js';
import { F, type Tensor } from '../../torch/index.js';
import { Layer, type BaseLayerOptions } from '../layer.js';
import { pair, type Shape } from '../config.js';
import { applyPadding, checkPadding, windowOut, type Padding } from './padding.js';

type Pair = number | [number, number];

export interface Pooling2DOptions extends BaseLayerOptions {
  poolSize?: Pair;
  /** Defaults to poolSize. */
  strides?: Pair | null;
  padding?: Padding;
}

function spatial(s: Shape, layer: string): void {
  if (s.length !== 3) throw new Error(`${layer}: expects input shape [C, H, W], got [${s.join(', ')}]`);
}

abstract class Pool2D extends Layer {
  protected readonly o: { poolSize: Pair; strides: Pair | null; padding: Padding };
  protected readonly k: [number, number];
  protected readonly s: [number, number];

  constructor(type: string, defaultName: string, o: Pooling2DOptions) {
    super(type, defaultName, o);
    this.o = { poolSize: o.poolSize ?? 2, strides: o.strides ?? null, padding: checkPadding(o.padding ?? 'valid', o.name ?? type) };
    this.k = pair(this.o.poolSize, `${type}: pool_size`);
    this.s = pair(this.o.strides ?? this.o.poolSize, `${type}: strides`);
  }

  protected options(): object {
    return this.o;
  }

  computeOutputShape([s]: Shape[]): Shape {
    spatial(s, this.name);
    const out = [s[0], windowOut(s[1], this.k[0], this.s[0], 1, this.o.padding), windowOut(s[2], this.k[1], this.s[1], 1, this.o.padding)];
    if (out[1] < 1 || out[2] < 1) throw new Error(`${this.name}: input [${s.join(', ')}] is smaller than pool_size ${JSON.stringify(this.o.poolSize)}`);
    return out;
  }
}

export class MaxPooling2D extends Pool2D {
  constructor(o: Pooling2DOptions = {}) {
    super('MaxPooling2D', 'max_pooling2d', o);
  }

  protected compute([x]: Tensor[]): Tensor {
    const p = applyPadding(x, this.o.padding, this.k, this.s, [1, 1], -Infinity);
    return F.maxPool2d(p.x, this.k, { stride: this.s, padding: p.pad });
  }
}

export class AveragePooling2D extends Pool2D {
  constructor(o: Pooling2DOptions = {}) {
    super('AveragePooling2D', 'average_pooling2d', o);
  }

  protected compute([x]: Tensor[]): Tensor {
    const p = applyPadding(x, this.o.padding, this.k, this.s, [1, 1], 0);
    if (p.x === x) return F.avgPool2d(x, this.k, { stride: this.s, padding: p.pad, countIncludePad: false });
    // asymmetric 'same': sum over the window divided by the count of real (unpadded) cells
    const sum = F.avgPool2d(p.x, this.k, { stride: this.s, divisorOverride: 1 });
    const ones = applyPadding(T.ones([1, 1, x.shape[2], x.shape[3]], { dtype: x.dtype, device: x.device as T.Device }), 'same', this.k, this.s, [1, 1], 0);
    const count = F.avgPool2d(ones.x, this.k, { stride: this.s, divisorOverride: 1 });
    return sum.div(count);
  }
}

export interface GlobalPooling2DOptions extends BaseLayerOptions {
  keepdims?: boolean;
}

abstract class GlobalPool2D extends Layer {
  protected readonly keepdims: boolean;

  constructor(type: string, defaultName: string, o: GlobalPooling2DOptions) {
    super(type, defaultName, o);
    this.keepdims = o.keepdims ?? false;
  }

  protected options(): object {
    return { keepdims: this.keepdims };
  }

  computeOutputShape([s]: Shape[]): Shape {
    spatial(s, this.name);
    return this.keepdims ? [s[0], 1, 1] : [s[0]];
  }
}

export class GlobalAveragePooling2D extends GlobalPool2D {
  constructor(o: GlobalPooling2DOptions = {}) {
    super('GlobalAveragePooling2D', 'global_average_pooling2d', o);
  }

  protected compute([x]: Tensor[]): Tensor {
    return x.mean([2, 3], { keepdim: this.keepdims });
  }
}

export class GlobalMaxPooling2D extends GlobalPool2D {
  constructor(o: GlobalPooling2DOptions = {}) {
    super('GlobalMaxPooling2D', 'global_max_pooling2d', o);
  }

  protected compute([x]: Tensor[]): Tensor {
    return x.amax({ dim: [2, 3], keepdim: this.keepdims });
  }
}
