// NAdam (Adam with Nesterov momentum and momentum decay) with L2 weight decay: PyTorch 1.13's
// torch.optim.NAdam (single-tensor path). PyTorch keeps the running product of momentum
// coefficients in a float32 tensor; it is reproduced here with float32 rounding (Math.fround).
import type { Tensor } from '../../torch/index.js';
import { Optimizer, definedOnly, type BaseOptions, type ParamGroup, type ParamsInput } from './optimizer.js';
import { validateBetas } from './adam.js';

export interface NAdamOptions extends BaseOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  momentumDecay: number;
}

export type NAdamState = { step: number; muProduct: number; expAvg: Tensor; expAvgSq: Tensor };

export const NADAM_DEFAULTS: NAdamOptions = { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 };

export class NAdam extends Optimizer<NAdamOptions, NAdamState> {
  get name(): string {
    return 'nadam';
  }

  constructor(params: ParamsInput<NAdamOptions>, options: Partial<NAdamOptions> = {}) {
    super(params, { ...NADAM_DEFAULTS, ...definedOnly(options) });
  }

  protected override validateGroup(g: ParamGroup<NAdamOptions>): void {
    super.validateGroup(g);
    if (!(g.eps >= 0)) throw new RangeError(`nadam: invalid epsilon ${g.eps}`);
    if (!(g.momentumDecay >= 0)) throw new RangeError(`nadam: invalid momentumDecay ${g.momentumDecay}`);
    validateBetas('nadam', g.betas);
  }

  protected update(p: Tensor, grad: Tensor, state: NAdamState | undefined, g: ParamGroup<NAdamOptions>): NAdamState {
    const s: NAdamState = state ?? { step: 0, muProduct: 1, expAvg: this.zerosState(p), expAvgSq: this.zerosState(p) };
    const [beta1, beta2] = g.betas;
    s.step += 1;
    const step = s.step;
    const biasCorrection2 = 1 - beta2 ** step;
    let gr = grad;
    if (g.weightDecay !== 0) gr = gr.add(p, { alpha: g.weightDecay });
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * g.momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * g.momentumDecay));
    // float32 tensor arithmetic in PyTorch: mu_product *= mu; mu_product_next = mu_product * mu * mu_next
    s.muProduct = Math.fround(s.muProduct * Math.fround(mu));
    const muProductNext = Math.fround(Math.fround(s.muProduct * Math.fround(mu)) * Math.fround(muNext));
    s.expAvg.mul_(beta1).add_(gr, { alpha: 1 - beta1 });
    s.expAvgSq.mul_(beta2).addcmul_(gr, gr, { value: 1 - beta2 });
    const denom = s.expAvgSq.div(biasCorrection2).sqrt().add_(g.eps);
    p.addcdiv_(gr, denom, { value: (-g.lr * (1 - mu)) / (1 - s.muProduct) });
    p.addcdiv_(s.expAvg, denom, { value: (-g.lr * muNext) / (1 - muProductNext) });
    return s;
  }
}
