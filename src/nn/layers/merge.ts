// Merge layers of the functional API: Add, Subtract, Multiply, Average, Maximum, Concatenate.
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Layer, type BaseLayerOptions } from '../layer.js';
import type { Shape } from '../config.js';

abstract class Merge extends Layer {
  override readonly isMerge: boolean = true;

  protected options(): object {
    return {};
  }

  computeOutputShape(shapes: Shape[]): Shape {
    if (shapes.length < 2) throw new Error(`${this.name} (${this.type}): needs at least 2 inputs, got ${shapes.length}`);
    const s0 = shapes[0];
    for (const s of shapes) {
      if (s.length !== s0.length || s.some((d, i) => d !== s0[i])) {
        throw new Error(`${this.name} (${this.type}): input shapes differ: ${shapes.map((x) => `[${x.join(', ')}]`).join(' vs ')}`);
      }
    }
    return [...s0];
  }
}

function elementwise(type: string, defaultName: string, op: (a: Tensor, b: Tensor) => Tensor, finish?: (t: Tensor, n: number) => Tensor): new (o?: BaseLayerOptions) => Merge {
  return class extends Merge {
    constructor(o: BaseLayerOptions = {}) {
      super(type, defaultName, o);
    }

    protected compute(xs: Tensor[]): Tensor {
      if (type === 'Subtract' && xs.length !== 2) throw new Error(`${this.name}: Subtract takes exactly 2 inputs`);
      let y = xs[0];
      for (const x of xs.slice(1)) y = op(y, x);
      return finish ? finish(y, xs.length) : y;
    }
  };
}

export const Add = elementwise('Add', 'add', (a, b) => a.add(b));
export const Subtract = elementwise('Subtract', 'subtract', (a, b) => a.sub(b));
export const Multiply = elementwise('Multiply', 'multiply', (a, b) => a.mul(b));
export const Average = elementwise('Average', 'average', (a, b) => a.add(b), (t, n) => t.div(n));
export const Maximum = elementwise('Maximum', 'maximum', (a, b) => T.maximum(a, b));

export interface ConcatenateOptions extends BaseLayerOptions {
  /** Axis counting the batch dim; default 1 (channels in NCHW, Keras's -1 in NHWC). */
  axis?: number;
}

export class Concatenate extends Merge {
  readonly axis: number;

  constructor(o: ConcatenateOptions = {}) {
    super('Concatenate', 'concatenate', o);
    this.axis = o.axis ?? 1;
    if (!Number.isInteger(this.axis) || this.axis === 0) throw new RangeError(`${this.name}: axis must be a non-batch axis, got ${this.axis}`);
  }

  protected override options(): object {
    return { axis: this.axis };
  }

  override computeOutputShape(shapes: Shape[]): Shape {
    if (shapes.length < 2) throw new Error(`${this.name}: needs at least 2 inputs`);
    const rank = shapes[0].length + 1;
    const a = (this.axis < 0 ? this.axis + rank : this.axis) - 1;
    if (a < 0 || a >= rank - 1) throw new RangeError(`${this.name}: axis ${this.axis} out of range for rank ${rank}`);
    const out = [...shapes[0]];
    for (const s of shapes.slice(1)) {
      if (s.length !== out.length || s.some((d, i) => i !== a && d !== out[i])) {
        throw new Error(`${this.name}: shapes must match except on axis ${this.axis}: ${shapes.map((x) => `[${x.join(', ')}]`).join(' vs ')}`);
      }
      out[a] += s[a];
    }
    return out;
  }

  protected compute(xs: Tensor[]): Tensor {
    return T.cat(xs, { dim: this.axis });
  }
}
