// Adadelta with decay rho, L2 weight decay and maximisation: PyTorch 1.13's torch.optim.Adadelta
// (single-tensor path).
import type { Tensor } from '../../torch/index.js';
import { Optimizer, definedOnly, type BaseOptions, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface AdadeltaOptions extends BaseOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export type AdadeltaState = { step: number; squareAvg: Tensor; accDelta: Tensor };

export const ADADELTA_DEFAULTS: AdadeltaOptions = { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false };

export class Adadelta extends Optimizer<AdadeltaOptions, AdadeltaState> {
  get name(): string {
    return 'adadelta';
  }

  constructor(params: ParamsInput<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super(params, { ...ADADELTA_DEFAULTS, ...definedOnly(options) });
  }

  protected override validateGroup(g: ParamGroup<AdadeltaOptions>): void {
    super.validateGroup(g);
    if (!(g.rho >= 0 && g.rho <= 1)) throw new RangeError(`adadelta: invalid rho ${g.rho}`);
    if (!(g.eps >= 0)) throw new RangeError(`adadelta: invalid epsilon ${g.eps}`);
  }

  protected update(p: Tensor, grad: Tensor, state: AdadeltaState | undefined, g: ParamGroup<AdadeltaOptions>): AdadeltaState {
    const s: AdadeltaState = state ?? { step: 0, squareAvg: this.zerosState(p), accDelta: this.zerosState(p) };
    s.step += 1;
    let gr = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) gr = gr.add(p, { alpha: g.weightDecay });
    s.squareAvg.mul_(g.rho).addcmul_(gr, gr, { value: 1 - g.rho });
    const std = s.squareAvg.add(g.eps).sqrt_();
    const delta = s.accDelta.add(g.eps).sqrt_().div_(std).mul_(gr);
    s.accDelta.mul_(g.rho).addcmul_(delta, delta, { value: 1 - g.rho });
    p.add_(delta, { alpha: -g.lr });
    return s;
  }
}
