// Activation as a layer: {type: 'Activation', activation: 'relu'}.
import type { Tensor } from '../../torch/index.js';
import { Layer, type BaseLayerOptions } from '../layer.js';
import type { Shape } from '../config.js';
import { getActivation } from '../activations.js';

export interface ActivationOptions extends BaseLayerOptions {
  activation: string;
}

export class Activation extends Layer {
  private readonly activation: string;

  constructor(o: ActivationOptions) {
    super('Activation', 'activation', o);
    if (typeof o.activation !== 'string') throw new TypeError(`${this.name}: activation must be a name, got ${JSON.stringify(o.activation)}`);
    getActivation(o.activation);
    this.activation = o.activation;
    this.setOutputTransforms(o.activation, null);
  }

  protected options(): object {
    return { activation: this.activation };
  }

  computeOutputShape([s]: Shape[]): Shape {
    return [...s];
  }

  protected compute([x]: Tensor[]): Tensor {
    return x;
  }
}
