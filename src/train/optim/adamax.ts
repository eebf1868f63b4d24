// Adamax (Adam with the infinity norm), L2 weight decay and maximisation: PyTorch 1.13's
// torch.optim.Adamax (single-tensor path).
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Optimizer, definedOnly, type BaseOptions, type ParamGroup, type ParamsInput } from './optimizer.js';
import { validateBetas } from './adam.js';

export interface AdamaxOptions extends BaseOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export type AdamaxState = { step: number; expAvg: Tensor; expInf: Tensor };

export const ADAMAX_DEFAULTS: AdamaxOptions = { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false };

export class Adamax extends Optimizer<AdamaxOptions, AdamaxState> {
  get name(): string {
    return 'adamax';
  }

  constructor(params: ParamsInput<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    super(params, { ...ADAMAX_DEFAULTS, ...definedOnly(options) });
  }

  protected override validateGroup(g: ParamGroup<AdamaxOptions>): void {
    super.validateGroup(g);
    if (!(g.eps >= 0)) throw new RangeError(`adamax: invalid epsilon ${g.eps}`);
    validateBetas('adamax', g.betas);
  }

  protected update(p: Tensor, grad: Tensor, state: AdamaxState | undefined, g: ParamGroup<AdamaxOptions>): AdamaxState {
    const s: AdamaxState = state ?? { step: 0, expAvg: this.zerosState(p), expInf: this.zerosState(p) };
    const [beta1, beta2] = g.betas;
    s.step += 1;
    let gr = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) gr = gr.add(p, { alpha: g.weightDecay });
    s.expAvg.mul_(beta1).add_(gr, { alpha: 1 - beta1 });
    // exp_inf = max(beta2 * exp_inf, |grad| + eps), elementwise
    s.expInf.mul_(beta2);
    s.expInf.copy_(T.maximum(s.expInf, gr.abs().add_(g.eps)));
    const clr = g.lr / (1 - beta1 ** s.step);
    p.addcdiv_(s.expAvg, s.expInf, { value: -clr });
    return s;
  }
}
