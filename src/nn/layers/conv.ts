// Convolutions: Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose. PyTorch weight layouts
// ([out, in/groups, kh, kw]; transpose [in, out/groups, kh, kw]) with Keras's fans, padding and
// defaults (glorot_uniform kernels, zero biases).
import { F, type Tensor } from '../../torch/index.js';
import { Layer, type BaseLayerOptions } from '../layer.js';
import { pair, positiveInt, type Shape } from '../config.js';
import { checkInitializer, type InitializerConfig } from '../init.js';
import { getRegularizer, type RegularizerConfig } from '../regularizers.js';
import { getConstraint, type ConstraintConfig } from '../constraints.js';
import { applyPadding, checkPadding, windowOut, type Padding } from './padding.js';

type Pair = number | [number, number];

interface ConvCommon extends BaseLayerOptions {
  kernelSize: Pair;
  strides?: Pair;
  padding?: Padding;
  dilationRate?: Pair;
  useBias?: boolean;
  activation?: string | null;
  biasInitializer?: InitializerConfig;
  biasRegularizer?: RegularizerConfig | null;
  activityRegularizer?: RegularizerConfig | null;
  biasConstraint?: ConstraintConfig | null;
}

export interface Conv2DOptions extends ConvCommon {
  filters: number;
  groups?: number;
  kernelInitializer?: InitializerConfig;
  kernelRegularizer?: RegularizerConfig | null;
  kernelConstraint?: ConstraintConfig | null;
}

export interface DepthwiseConv2DOptions extends ConvCommon {
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerConfig;
  depthwiseRegularizer?: RegularizerConfig | null;
  depthwiseConstraint?: ConstraintConfig | null;
}

export interface SeparableConv2DOptions extends ConvCommon {
  filters: number;
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerConfig;
  pointwiseInitializer?: InitializerConfig;
  depthwiseRegularizer?: RegularizerConfig | null;
  pointwiseRegularizer?: RegularizerConfig | null;
  depthwiseConstraint?: ConstraintConfig | null;
  pointwiseConstraint?: ConstraintConfig | null;
}

export interface Conv2DTransposeOptions extends Conv2DOptions {
  outputPadding?: Pair | null;
}

/** Checks and fills the options every conv shares. */
function common<O extends ConvCommon>(o: O, layer: string): O & Required<Pick<ConvCommon, 'strides' | 'padding' | 'dilationRate' | 'useBias'>> {
  pair(o.kernelSize, `${layer}: kernel_size`);
  const r = {
    ...o,
    strides: o.strides ?? 1,
    padding: checkPadding(o.padding ?? 'valid', layer),
    dilationRate: o.dilationRate ?? 1,
    useBias: o.useBias ?? true,
    activation: o.activation ?? 'linear',
    biasInitializer: o.biasInitializer ?? 'zeros',
  };
  pair(r.strides, `${layer}: strides`);
  pair(r.dilationRate, `${layer}: dilation_rate`);
  checkInitializer(r.biasInitializer);
  getRegularizer(o.biasRegularizer);
  getRegularizer(o.activityRegularizer);
  getConstraint(o.biasConstraint);
  return r;
}

function channels(shape: Shape, layer: string): number {
  if (shape.length !== 3) throw new Error(`${layer}: expects input shape [C, H, W] (NCHW without batch), got [${shape.join(', ')}]`);
  return shape[0];
}

abstract class ConvBase<O extends ConvCommon> extends Layer {
  protected readonly o: O & Required<Pick<ConvCommon, 'strides' | 'padding' | 'dilationRate' | 'useBias'>>;
  protected readonly k: [number, number];
  protected readonly s: [number, number];
  protected readonly d: [number, number];

  constructor(type: string, defaultName: string, o: O) {
    super(type, defaultName, o);
    this.o = common(o, o.name ?? type);
    this.k = pair(this.o.kernelSize, 'kernel_size');
    this.s = pair(this.o.strides, 'strides');
    this.d = pair(this.o.dilationRate, 'dilation_rate');
    this.setOutputTransforms(this.o.activation, this.o.activityRegularizer);
  }

  protected options(): object {
    const { name: _n, trainable: _t, inputShape: _i, ...rest } = this.o;
    return rest;
  }

  protected spatialOut(shape: Shape): [number, number] {
    return [windowOut(shape[1], this.k[0], this.s[0], this.d[0], this.o.padding), windowOut(shape[2], this.k[1], this.s[1], this.d[1], this.o.padding)];
  }

  protected addBias(n: number): void {
    if (!this.o.useBias) return;
    this.addWeight('bias', [n], { init: this.o.biasInitializer ?? 'zeros', regularizer: this.o.biasRegularizer, constraint: this.o.biasConstraint });
  }

  /** A strided/dilated/padded conv with this layer's geometry. */
  protected conv(x: Tensor, weight: Tensor, bias: Tensor | null, groups: number): Tensor {
    const p = applyPadding(x, this.o.padding, this.k, this.s, this.d);
    return F.conv2d(p.x, weight, bias, { stride: this.s, padding: p.pad, dilation: this.d, groups });
  }
}

export class Conv2D extends ConvBase<Conv2DOptions> {
  constructor(o: Conv2DOptions) {
    super('Conv2D', 'conv2d', { ...o, kernelInitializer: o.kernelInitializer ?? 'glorot_uniform', groups: o.groups ?? 1 });
    positiveInt(o.filters, `${this.name}: filters`);
    checkInitializer(this.o.kernelInitializer ?? 'glorot_uniform');
    getRegularizer(o.kernelRegularizer);
    getConstraint(o.kernelConstraint);
    const g = this.o.groups ?? 1;
    if (o.filters % positiveInt(g, 'groups') !== 0) throw new RangeError(`${this.name}: filters (${o.filters}) must be divisible by groups (${g})`);
  }

  computeOutputShape([s]: Shape[]): Shape {
    const c = channels(s, this.name);
    const g = this.o.groups ?? 1;
    if (c % g !== 0) throw new RangeError(`${this.name}: input channels (${c}) must be divisible by groups (${g})`);
    return [this.o.filters, ...this.spatialOut(s)];
  }

  protected override buildWeights([s]: Shape[]): void {
    const cin = s[0] / (this.o.groups ?? 1);
    const [kh, kw] = this.k;
    this.addWeight('weight', [this.o.filters, cin, kh, kw], {
      init: this.o.kernelInitializer ?? 'glorot_uniform',
      fans: { fanIn: kh * kw * cin, fanOut: kh * kw * this.o.filters },
      regularizer: this.o.kernelRegularizer,
      constraint: this.o.kernelConstraint,
    });
    this.addBias(this.o.filters);
  }

  protected compute([x]: Tensor[]): Tensor {
    return this.conv(x, this.tensor('weight'), this.optionalTensor('bias'), this.o.groups ?? 1);
  }

  override macs([s]: Shape[], out: Shape): number {
    return out[0] * out[1] * out[2] * this.k[0] * this.k[1] * (s[0] / (this.o.groups ?? 1));
  }
}

export class DepthwiseConv2D extends ConvBase<DepthwiseConv2DOptions> {
  constructor(o: DepthwiseConv2DOptions) {
    super('DepthwiseConv2D', 'depthwise_conv2d', { ...o, depthMultiplier: o.depthMultiplier ?? 1, depthwiseInitializer: o.depthwiseInitializer ?? 'glorot_uniform' });
    positiveInt(this.o.depthMultiplier, `${this.name}: depth_multiplier`);
    checkInitializer(this.o.depthwiseInitializer ?? 'glorot_uniform');
    getRegularizer(o.depthwiseRegularizer);
    getConstraint(o.depthwiseConstraint);
  }

  computeOutputShape([s]: Shape[]): Shape {
    return [channels(s, this.name) * (this.o.depthMultiplier ?? 1), ...this.spatialOut(s)];
  }

  protected override buildWeights([s]: Shape[]): void {
    const m = this.o.depthMultiplier ?? 1;
    const [kh, kw] = this.k;
    // Keras kernel (kh, kw, in, mult): fan_in = kh·kw·in, fan_out = kh·kw·mult
    this.addWeight('weight', [s[0] * m, 1, kh, kw], {
      init: this.o.depthwiseInitializer ?? 'glorot_uniform',
      fans: { fanIn: kh * kw * s[0], fanOut: kh * kw * m },
      regularizer: this.o.depthwiseRegularizer,
      constraint: this.o.depthwiseConstraint,
    });
    this.addBias(s[0] * m);
  }

  protected compute([x]: Tensor[]): Tensor {
    return this.conv(x, this.tensor('weight'), this.optionalTensor('bias'), x.shape[1]);
  }

  override macs(_: Shape[], out: Shape): number {
    return out[0] * out[1] * out[2] * this.k[0] * this.k[1];
  }
}

/** Depthwise then pointwise conv. Parameters: depthwise_weight, pointwise_weight, bias. */
export class SeparableConv2D extends ConvBase<SeparableConv2DOptions> {
  constructor(o: SeparableConv2DOptions) {
    super('SeparableConv2D', 'separable_conv2d', {
      ...o,
      depthMultiplier: o.depthMultiplier ?? 1,
      depthwiseInitializer: o.depthwiseInitializer ?? 'glorot_uniform',
      pointwiseInitializer: o.pointwiseInitializer ?? 'glorot_uniform',
    });
    positiveInt(o.filters, `${this.name}: filters`);
    positiveInt(this.o.depthMultiplier, `${this.name}: depth_multiplier`);
    checkInitializer(this.o.depthwiseInitializer ?? 'glorot_uniform');
    checkInitializer(this.o.pointwiseInitializer ?? 'glorot_uniform');
    for (const r of [o.depthwiseRegularizer, o.pointwiseRegularizer]) getRegularizer(r);
    for (const c of [o.depthwiseConstraint, o.pointwiseConstraint]) getConstraint(c);
  }

  computeOutputShape([s]: Shape[]): Shape {
    channels(s, this.name);
    return [this.o.filters, ...this.spatialOut(s)];
  }

  protected override buildWeights([s]: Shape[]): void {
    const m = this.o.depthMultiplier ?? 1;
    const [kh, kw] = this.k;
    this.addWeight('depthwise_weight', [s[0] * m, 1, kh, kw], {
      init: this.o.depthwiseInitializer ?? 'glorot_uniform',
      fans: { fanIn: kh * kw * s[0], fanOut: kh * kw * m },
      regularizer: this.o.depthwiseRegularizer,
      constraint: this.o.depthwiseConstraint,
    });
    this.addWeight('pointwise_weight', [this.o.filters, s[0] * m, 1, 1], {
      init: this.o.pointwiseInitializer ?? 'glorot_uniform',
      fans: { fanIn: s[0] * m, fanOut: this.o.filters },
      regularizer: this.o.pointwiseRegularizer,
      constraint: this.o.pointwiseConstraint,
    });
    this.addBias(this.o.filters);
  }

  protected compute([x]: Tensor[]): Tensor {
    const dw = this.conv(x, this.tensor('depthwise_weight'), null, x.shape[1]);
    return F.conv2d(dw, this.tensor('pointwise_weight'), this.optionalTensor('bias'));
  }

  override macs([s]: Shape[], out: Shape): number {
    const m = this.o.depthMultiplier ?? 1;
    const hw = out[1] * out[2];
    return hw * s[0] * m * this.k[0] * this.k[1] + hw * s[0] * m * this.o.filters;
  }
}

/** Transposed conv; 'same' gives in·stride, 'valid' (in-1)·stride + dilated kernel, as Keras. */
export class Conv2DTranspose extends ConvBase<Conv2DTransposeOptions> {
  private readonly op: [number, number] | null;

  constructor(o: Conv2DTransposeOptions) {
    super('Conv2DTranspose', 'conv2d_transpose', { ...o, kernelInitializer: o.kernelInitializer ?? 'glorot_uniform', groups: o.groups ?? 1 });
    positiveInt(o.filters, `${this.name}: filters`);
    checkInitializer(this.o.kernelInitializer ?? 'glorot_uniform');
    getRegularizer(o.kernelRegularizer);
    getConstraint(o.kernelConstraint);
    this.op = o.outputPadding === undefined || o.outputPadding === null ? null : typeof o.outputPadding === 'number' ? [o.outputPadding, o.outputPadding] : o.outputPadding;
  }

  private outLen(size: number, i: number): number {
    const keff = this.d[i] * (this.k[i] - 1) + 1;
    if (this.op) {
      const pad = this.o.padding === 'same' ? Math.floor(keff / 2) : 0;
      return (size - 1) * this.s[i] + keff - 2 * pad + this.op[i];
    }
    return this.o.padding === 'same' ? size * this.s[i] : size * this.s[i] + Math.max(keff - this.s[i], 0);
  }

  computeOutputShape([s]: Shape[]): Shape {
    const c = channels(s, this.name);
    const g = this.o.groups ?? 1;
    if (c % g !== 0 || this.o.filters % g !== 0) throw new RangeError(`${this.name}: channels and filters must be divisible by groups (${g})`);
    return [this.o.filters, this.outLen(s[1], 0), this.outLen(s[2], 1)];
  }

  protected override buildWeights([s]: Shape[]): void {
    const g = this.o.groups ?? 1;
    const [kh, kw] = this.k;
    // Keras kernel (kh, kw, filters, in): fan_in = kh·kw·filters, fan_out = kh·kw·in
    this.addWeight('weight', [s[0], this.o.filters / g, kh, kw], {
      init: this.o.kernelInitializer ?? 'glorot_uniform',
      fans: { fanIn: kh * kw * this.o.filters, fanOut: kh * kw * s[0] },
      regularizer: this.o.kernelRegularizer,
      constraint: this.o.kernelConstraint,
      outDim: 1,
    });
    this.addBias(this.o.filters);
  }

  protected compute([x]: Tensor[]): Tensor {
    // full transposed conv, then crop to Keras's output size (TF crops the extra at the bottom/right)
    const full = F.convTranspose2d(x, this.tensor('weight'), null, { stride: this.s, dilation: this.d, groups: this.o.groups ?? 1 });
    const want = this.computeOutputShape([x.shape.slice(1)]);
    let y = full;
    for (const i of [0, 1]) {
      const have = y.shape[2 + i];
      const target = want[1 + i];
      if (have === target) continue;
      if (have > target) {
        const before = Math.floor((have - target) / 2);
        y = y.narrow(2 + i, before, target);
      } else {
        const pads = i === 0 ? [0, 0, 0, target - have] : [0, target - have, 0, 0];
        y = F.pad(y, pads);
      }
    }
    const bias = this.optionalTensor('bias');
    return bias ? y.add(bias.reshape([1, -1, 1, 1])) : y;
  }

  override macs([s]: Shape[]): number {
    return s[1] * s[2] * s[0] * this.k[0] * this.k[1] * (this.o.filters / (this.o.groups ?? 1));
  }
}
