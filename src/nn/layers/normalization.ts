// BatchNormalization (Keras defaults: momentum 0.99 → PyTorch 0.01, epsilon 1e-3; PyTorch names
// weight/bias/running_mean/running_var/num_batches_tracked), LayerNormalization, Normalization
// (fixed per-channel mean/variance, or adapt()), Rescaling.
import * as T from '../../torch/index.js';
import { F, noGrad, type Tensor } from '../../torch/index.js';
import { Layer, type BaseLayerOptions } from '../layer.js';
import type { Shape } from '../config.js';
import { initTensor, type InitializerConfig } from '../init.js';
import type { RegularizerConfig } from '../regularizers.js';
import type { ConstraintConfig } from '../constraints.js';

export interface BatchNormalizationOptions extends BaseLayerOptions {
  /** Keras momentum: running = momentum·running + (1 − momentum)·batch. */
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerConfig;
  gammaInitializer?: InitializerConfig;
  movingMeanInitializer?: InitializerConfig;
  movingVarianceInitializer?: InitializerConfig;
  betaRegularizer?: RegularizerConfig | null;
  gammaRegularizer?: RegularizerConfig | null;
  betaConstraint?: ConstraintConfig | null;
  gammaConstraint?: ConstraintConfig | null;
}

/** Normalises over the channel axis (dim 1 of NCHW or of [N, features]). */
export class BatchNormalization extends Layer {
  private readonly o: BatchNormalizationOptions & { momentum: number; epsilon: number; center: boolean; scale: boolean };

  constructor(o: BatchNormalizationOptions = {}) {
    super('BatchNormalization', 'batch_normalization', o);
    const { name: _n, trainable: _t, inputShape: _i, ...rest } = o;
    this.o = { ...rest, momentum: o.momentum ?? 0.99, epsilon: o.epsilon ?? 1e-3, center: o.center ?? true, scale: o.scale ?? true };
    if (!(this.o.momentum >= 0 && this.o.momentum <= 1)) throw new RangeError(`${this.name}: momentum must be in [0, 1], got ${this.o.momentum}`);
    if (!(this.o.epsilon > 0)) throw new RangeError(`${this.name}: epsilon must be > 0, got ${this.o.epsilon}`);
  }

  protected options(): object {
    return this.o;
  }

  computeOutputShape([s]: Shape[]): Shape {
    if (s.length < 1) throw new Error(`${this.name}: needs a channel dim`);
    return [...s];
  }

  protected override buildWeights([s]: Shape[]): void {
    const c = s[0];
    if (this.o.scale) this.addWeight('weight', [c], { init: this.o.gammaInitializer ?? 'ones', regularizer: this.o.gammaRegularizer, constraint: this.o.gammaConstraint });
    if (this.o.center) this.addWeight('bias', [c], { init: this.o.betaInitializer ?? 'zeros', regularizer: this.o.betaRegularizer, constraint: this.o.betaConstraint });
    this.addBuffer('running_mean', initTensor(this.o.movingMeanInitializer ?? 'zeros', [c]), true);
    this.addBuffer('running_var', initTensor(this.o.movingVarianceInitializer ?? 'ones', [c]), true);
    this.addBuffer('num_batches_tracked', T.zeros([], { dtype: 'int64' }), false);
  }

  protected compute([x]: Tensor[]): Tensor {
    if (this.training) noGrad(() => this.tensor('num_batches_tracked').add_(1));
    return F.batchNorm(x, this.tensor('running_mean'), this.tensor('running_var'), {
      weight: this.optionalTensor('weight'),
      bias: this.optionalTensor('bias'),
      training: this.training,
      momentum: 1 - this.o.momentum,
      eps: this.o.epsilon,
    });
  }

  override macs(_: Shape[], out: Shape): number {
    return out.reduce((a, b) => a * b, 1);
  }
}

export interface LayerNormalizationOptions extends BaseLayerOptions {
  /** Axes to normalise, counting the batch dim (Keras): default -1. */
  axis?: number | number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerConfig;
  gammaInitializer?: InitializerConfig;
  betaRegularizer?: RegularizerConfig | null;
  gammaRegularizer?: RegularizerConfig | null;
}

export class LayerNormalization extends Layer {
  private readonly o: LayerNormalizationOptions & { axis: number | number[]; epsilon: number; center: boolean; scale: boolean };

  constructor(o: LayerNormalizationOptions = {}) {
    super('LayerNormalization', 'layer_normalization', o);
    const { name: _n, trainable: _t, inputShape: _i, ...rest } = o;
    this.o = { ...rest, axis: o.axis ?? -1, epsilon: o.epsilon ?? 1e-3, center: o.center ?? true, scale: o.scale ?? true };
  }

  protected options(): object {
    return this.o;
  }

  /** Normalised dims of the batched tensor, sorted, positive. */
  private dims(rank: number): number[] {
    const axes = Array.isArray(this.o.axis) ? this.o.axis : [this.o.axis];
    const dims = [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
    if (dims.some((d) => d < 1 || d >= rank)) throw new RangeError(`${this.name}: axis ${JSON.stringify(this.o.axis)} out of range for rank ${rank} input (batch dim 0 cannot be normalised)`);
    return dims;
  }

  computeOutputShape([s]: Shape[]): Shape {
    this.dims(s.length + 1);
    return [...s];
  }

  protected override buildWeights([s]: Shape[]): void {
    const shape = this.dims(s.length + 1).map((d) => s[d - 1]);
    if (this.o.scale) this.addWeight('weight', shape, { init: this.o.gammaInitializer ?? 'ones', regularizer: this.o.gammaRegularizer });
    if (this.o.center) this.addWeight('bias', shape, { init: this.o.betaInitializer ?? 'zeros', regularizer: this.o.betaRegularizer });
  }

  protected compute([x]: Tensor[]): Tensor {
    const dims = this.dims(x.ndim);
    const w = this.optionalTensor('weight');
    const b = this.optionalTensor('bias');
    const trailing = dims.every((d, i) => d === x.ndim - dims.length + i);
    if (trailing) return F.layerNorm(x, dims.map((d) => x.shape[d]), { weight: w, bias: b, eps: this.o.epsilon });
    const mean = x.mean(dims, { keepdim: true });
    const centered = x.sub(mean);
    const v = centered.square().mean(dims, { keepdim: true });
    let y = centered.mul(v.add(this.o.epsilon).rsqrt());
    const bshape = x.shape.map((n, i) => (dims.includes(i) ? n : 1));
    if (w) y = y.mul(w.reshape(bshape));
    if (b) y = y.add(b.reshape(bshape));
    return y;
  }
}

export interface NormalizationOptions extends BaseLayerOptions {
  /** Per-channel (dim 1) mean and variance, or scalars; omit both and call adapt(). */
  mean?: number | number[] | null;
  variance?: number | number[] | null;
}

/** (x − mean) / max(√variance, 1e-7) per channel, as keras.layers.Normalization. */
export class Normalization extends Layer {
  private mean: number[] | null;
  private variance: number[] | null;

  constructor(o: NormalizationOptions = {}) {
    super('Normalization', 'normalization', o);
    const arr = (v: number | number[] | null | undefined): number[] | null => (v === null || v === undefined ? null : typeof v === 'number' ? [v] : [...v]);
    this.mean = arr(o.mean);
    this.variance = arr(o.variance);
    if ((this.mean === null) !== (this.variance === null)) throw new Error(`${this.name}: give both mean and variance, or neither (then call adapt())`);
    if (this.variance?.some((v) => v < 0)) throw new RangeError(`${this.name}: variance must be >= 0`);
  }

  protected options(): object {
    return { mean: this.mean, variance: this.variance };
  }

  computeOutputShape([s]: Shape[]): Shape {
    for (const v of [this.mean, this.variance]) {
      if (v && v.length !== 1 && v.length !== s[0]) throw new Error(`${this.name}: mean/variance have ${v.length} values but the input has ${s[0]} channels`);
    }
    return [...s];
  }

  protected override buildWeights([s]: Shape[]): void {
    const c = s[0];
    const full = (v: number[] | null, d: number): Tensor => T.tensor(v ? (v.length === 1 ? Array(c).fill(v[0]) : v) : Array(c).fill(d));
    this.addBuffer('mean', full(this.mean, 0), false);
    this.addBuffer('variance', full(this.variance, 1), false);
  }

  /** Sets mean and variance per channel from data [N, C, ...] (population variance, as Keras). */
  adapt(data: Tensor): this {
    if (!this.built) this.build([data.shape.slice(1)]);
    const dims = [0, ...Array.from({ length: data.ndim - 2 }, (_, i) => i + 2)];
    noGrad(() =>
      T.tidy(() => {
        const m = data.mean(dims);
        const v = data.sub(m.reshape([1, -1, ...Array(data.ndim - 2).fill(1)])).square().mean(dims);
        this.tensor('mean').copy_(m);
        this.tensor('variance').copy_(v);
        this.mean = m.dataNumbers();
        this.variance = v.dataNumbers();
      }),
    );
    return this;
  }

  protected compute([x]: Tensor[]): Tensor {
    const shape = [1, -1, ...Array(x.ndim - 2).fill(1)];
    const m = this.tensor('mean').reshape(shape);
    const sd = this.tensor('variance').sqrt().clampMin(1e-7).reshape(shape);
    return x.sub(m).div(sd);
  }
}

export interface RescalingOptions extends BaseLayerOptions {
  scale: number;
  offset?: number;
}

/** x·scale + offset, e.g. {scale: 1/255}. */
export class Rescaling extends Layer {
  private readonly scale: number;
  private readonly offset: number;

  constructor(o: RescalingOptions) {
    super('Rescaling', 'rescaling', o);
    if (typeof o.scale !== 'number') throw new TypeError(`${this.name}: scale must be a number, got ${JSON.stringify(o.scale)}`);
    this.scale = o.scale;
    this.offset = o.offset ?? 0;
  }

  protected options(): object {
    return { scale: this.scale, offset: this.offset };
  }

  computeOutputShape([s]: Shape[]): Shape {
    return [...s];
  }

  protected compute([x]: Tensor[]): Tensor {
    const y = x.mul(this.scale);
    return this.offset === 0 ? y : y.add(this.offset);
  }
}
