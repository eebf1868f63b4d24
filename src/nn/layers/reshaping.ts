// Flatten (PyTorch's C·H·W order) and Reshape (target shape without the batch dim; one -1 allowed).
import type { Tensor } from '../../torch/index.js';
import { Layer, type BaseLayerOptions } from '../layer.js';
import type { Shape } from '../config.js';

export class Flatten extends Layer {
  constructor(o: BaseLayerOptions = {}) {
    super('Flatten', 'flatten', o);
  }

  protected options(): object {
    return {};
  }

  computeOutputShape([s]: Shape[]): Shape {
    return [s.reduce((a, b) => a * b, 1)];
  }

  protected compute([x]: Tensor[]): Tensor {
    return x.flatten({ startDim: 1 });
  }
}

export interface ReshapeOptions extends BaseLayerOptions {
  targetShape: number[];
}

export class Reshape extends Layer {
  private readonly targetShape: number[];

  constructor(o: ReshapeOptions) {
    super('Reshape', 'reshape', o);
    const t = o.targetShape;
    if (!Array.isArray(t) || !t.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) || t.filter((d) => d === -1).length > 1) {
      throw new RangeError(`${this.name}: target_shape must be positive integers (at most one -1), got ${JSON.stringify(t)}`);
    }
    this.targetShape = [...t];
  }

  protected options(): object {
    return { targetShape: this.targetShape };
  }

  computeOutputShape([s]: Shape[]): Shape {
    const n = s.reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = this.targetShape.map((d) => (d === -1 ? n / known : d));
    if (out.reduce((a, b) => a * b, 1) !== n || !out.every(Number.isInteger)) {
      throw new Error(`${this.name}: cannot reshape [${s.join(', ')}] (${n} values) to [${this.targetShape.join(', ')}]`);
    }
    return out;
  }

  protected compute([x]: Tensor[]): Tensor {
    return x.reshape([x.shape[0], ...this.targetShape]);
  }
}
