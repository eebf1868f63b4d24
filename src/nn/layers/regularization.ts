// Dropout, SpatialDropout2D (whole channels) and GaussianNoise: active in training mode only.
import * as T from '../../torch/index.js';
import { F, type Tensor } from '../../torch/index.js';
import { Layer, type BaseLayerOptions } from '../layer.js';
import type { Shape } from '../config.js';

export interface DropoutOptions extends BaseLayerOptions {
  rate: number;
}

function checkRate(rate: unknown, layer: string): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`${layer}: rate must be in [0, 1), got ${JSON.stringify(rate)}`);
  return rate;
}

export class Dropout extends Layer {
  readonly rate: number;

  constructor(o: DropoutOptions) {
    super('Dropout', 'dropout', o);
    this.rate = checkRate(o.rate, this.name);
  }

  protected options(): object {
    return { rate: this.rate };
  }

  computeOutputShape([s]: Shape[]): Shape {
    return [...s];
  }

  protected compute([x]: Tensor[]): Tensor {
    return this.training && this.rate > 0 ? F.dropout(x, this.rate, true) : x;
  }
}

export class SpatialDropout2D extends Layer {
  readonly rate: number;

  constructor(o: DropoutOptions) {
    super('SpatialDropout2D', 'spatial_dropout2d', o);
    this.rate = checkRate(o.rate, this.name);
  }

  protected options(): object {
    return { rate: this.rate };
  }

  computeOutputShape([s]: Shape[]): Shape {
    if (s.length !== 3) throw new Error(`${this.name}: expects input shape [C, H, W], got [${s.join(', ')}]`);
    return [...s];
  }

  protected compute([x]: Tensor[]): Tensor {
    return this.training && this.rate > 0 ? F.dropout2d(x, this.rate, true) : x;
  }
}

export interface GaussianNoiseOptions extends BaseLayerOptions {
  stddev: number;
}

export class GaussianNoise extends Layer {
  readonly stddev: number;

  constructor(o: GaussianNoiseOptions) {
    super('GaussianNoise', 'gaussian_noise', o);
    if (typeof o.stddev !== 'number' || !(o.stddev >= 0)) throw new RangeError(`${this.name}: stddev must be >= 0, got ${JSON.stringify(o.stddev)}`);
    this.stddev = o.stddev;
  }

  protected options(): object {
    return { stddev: this.stddev };
  }

  computeOutputShape([s]: Shape[]): Shape {
    return [...s];
  }

  protected compute([x]: Tensor[]): Tensor {
    return this.training && this.stddev > 0 ? x.add(T.randnLike(x).mul(this.stddev)) : x;
  }
}
