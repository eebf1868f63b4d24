// Adam (with AMSGrad, L2 weight decay, maximisation) and AdamW (decoupled weight decay):
// PyTorch 1.13's torch.optim.Adam / AdamW (single-tensor, non-capturable path).
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Optimizer, definedOnly, type BaseOptions, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface AdamOptions extends BaseOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  /** Adam: L2 penalty added to the gradient; AdamW: decoupled decay, p *= 1 - lr * weightDecay. */
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export type AdamState = { step: number; expAvg: Tensor; expAvgSq: Tensor; maxExpAvgSq?: Tensor };

export const ADAM_DEFAULTS: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };
export const ADAMW_DEFAULTS: AdamOptions = { ...ADAM_DEFAULTS, weightDecay: 1e-2 };

export function validateBetas(name: string, betas: readonly number[]): void {
  if (!Array.isArray(betas) || betas.length !== 2) throw new TypeError(`${name}: betas must be [beta1, beta2]`);
  betas.forEach((b, i) => {
    if (!(b >= 0 && b < 1)) throw new RangeError(`${name}: invalid beta parameter at index ${i}: ${b}`);
  });
}

abstract class AdamBase extends Optimizer<AdamOptions, AdamState> {
  protected abstract get decoupled(): boolean;

  protected override validateGroup(g: ParamGroup<AdamOptions>): void {
    super.validateGroup(g);
    if (!(g.eps >= 0)) throw new RangeError(`${this.name}: invalid epsilon ${g.eps}`);
    validateBetas(this.name, g.betas);
  }

  protected update(p: Tensor, grad: Tensor, state: AdamState | undefined, g: ParamGroup<AdamOptions>): AdamState {
    const s: AdamState = state ?? { step: 0, expAvg: this.zerosState(p), expAvgSq: this.zerosState(p) };
    if (g.amsgrad && s.maxExpAvgSq === undefined) s.maxExpAvgSq = this.zerosState(p);
    const [beta1, beta2] = g.betas;
    let gr = g.maximize ? grad.neg() : grad;
    s.step += 1;
    if (this.decoupled) {
      p.mul_(1 - g.lr * g.weightDecay);
    } else if (g.weightDecay !== 0) {
      gr = gr.add(p, { alpha: g.weightDecay });
    }
    s.expAvg.mul_(beta1).add_(gr, { alpha: 1 - beta1 });
    s.expAvgSq.mul_(beta2).addcmul_(gr, gr, { value: 1 - beta2 });
    const biasCorrection1 = 1 - beta1 ** s.step;
    const biasCorrection2 = 1 - beta2 ** s.step;
    const stepSize = g.lr / biasCorrection1;
    const bc2Sqrt = Math.sqrt(biasCorrection2);
    let denom: Tensor;
    if (g.amsgrad) {
      const m = s.maxExpAvgSq!;
      m.copy_(T.maximum(m, s.expAvgSq));
      denom = m.sqrt().div_(bc2Sqrt).add_(g.eps);
    } else {
      denom = s.expAvgSq.sqrt().div_(bc2Sqrt).add_(g.eps);
    }
    p.addcdiv_(s.expAvg, denom, { value: -stepSize });
    return s;
  }
}

export class Adam extends AdamBase {
  get name(): string {
    return 'adam';
  }
  protected get decoupled(): boolean {
    return false;
  }

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { ...ADAM_DEFAULTS, ...definedOnly(options) });
  }
}

export class AdamW extends AdamBase {
  get name(): string {
    return 'adamw';
  }
  protected get decoupled(): boolean {
    return true;
  }

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { ...ADAMW_DEFAULTS, ...definedOnly(options) });
  }
}
