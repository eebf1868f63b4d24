// Dense: y = x·Wᵀ + b on the last axis (PyTorch weight [units, in]), Keras defaults.
import { F, type Tensor } from '../../torch/index.js';
import { Layer, type BaseLayerOptions } from '../layer.js';
import { positiveInt, type Shape } from '../config.js';
import { checkInitializer, type InitializerConfig } from '../init.js';
import { getRegularizer, type RegularizerConfig } from '../regularizers.js';
import { getConstraint, type ConstraintConfig } from '../constraints.js';

export interface DenseOptions extends BaseLayerOptions {
  units: number;
  activation?: string | null;
  useBias?: boolean;
  kernelInitializer?: InitializerConfig;
  biasInitializer?: InitializerConfig;
  kernelRegularizer?: RegularizerConfig | null;
  biasRegularizer?: RegularizerConfig | null;
  activityRegularizer?: RegularizerConfig | null;
  kernelConstraint?: ConstraintConfig | null;
  biasConstraint?: ConstraintConfig | null;
}

export class Dense extends Layer {
  private readonly o: DenseOptions;

  constructor(o: DenseOptions) {
    super('Dense', 'dense', o);
    positiveInt(o.units, `${o.name ?? 'dense'}: units`);
    this.o = { ...o, activation: o.activation ?? 'linear', useBias: o.useBias ?? true, kernelInitializer: o.kernelInitializer ?? 'glorot_uniform', biasInitializer: o.biasInitializer ?? 'zeros' };
    checkInitializer(this.o.kernelInitializer!);
    checkInitializer(this.o.biasInitializer!);
    for (const r of [o.kernelRegularizer, o.biasRegularizer]) getRegularizer(r);
    for (const c of [o.kernelConstraint, o.biasConstraint]) getConstraint(c);
    this.setOutputTransforms(this.o.activation, o.activityRegularizer);
  }

  protected options(): object {
    const { name: _n, trainable: _t, inputShape: _i, ...rest } = this.o;
    return rest;
  }

  computeOutputShape([s]: Shape[]): Shape {
    if (s.length < 1) throw new Error(`${this.name}: needs at least a feature dim`);
    return [...s.slice(0, -1), this.o.units];
  }

  protected override buildWeights([s]: Shape[]): void {
    const nin = s[s.length - 1];
    this.addWeight('weight', [this.o.units, nin], {
      init: this.o.kernelInitializer!,
      fans: { fanIn: nin, fanOut: this.o.units },
      regularizer: this.o.kernelRegularizer,
      constraint: this.o.kernelConstraint,
    });
    if (this.o.useBias) this.addWeight('bias', [this.o.units], { init: this.o.biasInitializer!, regularizer: this.o.biasRegularizer, constraint: this.o.biasConstraint });
  }

  protected compute([x]: Tensor[]): Tensor {
    return F.linear(x, this.tensor('weight'), this.optionalTensor('bias'));
  }

  override macs([s]: Shape[]): number {
    return s.reduce((a, b) => a * b, 1) * this.o.units;
  }
}
