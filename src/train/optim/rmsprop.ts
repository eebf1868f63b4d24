// RMSprop (Hinton) with smoothing constant alpha, centring, momentum, L2 weight decay and
// maximisation: PyTorch 1.13's torch.optim.RMSprop (single-tensor path).
import type { Tensor } from '../../torch/index.js';
import { Optimizer, definedOnly, type BaseOptions, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface RMSpropOptions extends BaseOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export type RMSpropState = { step: number; squareAvg: Tensor; momentumBuffer?: Tensor; gradAvg?: Tensor };

export const RMSPROP_DEFAULTS: RMSpropOptions = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };

export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  get name(): string {
    return 'rmsprop';
  }

  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, { ...RMSPROP_DEFAULTS, ...definedOnly(options) });
  }

  protected override validateGroup(g: ParamGroup<RMSpropOptions>): void {
    super.validateGroup(g);
    if (!(g.eps >= 0)) throw new RangeError(`rmsprop: invalid epsilon ${g.eps}`);
    if (!(g.momentum >= 0)) throw new RangeError(`rmsprop: invalid momentum ${g.momentum}`);
    if (!(g.alpha >= 0)) throw new RangeError(`rmsprop: invalid alpha ${g.alpha}`);
  }

  protected update(p: Tensor, grad: Tensor, state: RMSpropState | undefined, g: ParamGroup<RMSpropOptions>): RMSpropState {
    const s: RMSpropState = state ?? { step: 0, squareAvg: this.zerosState(p) };
    if (g.momentum > 0 && s.momentumBuffer === undefined) s.momentumBuffer = this.zerosState(p);
    if (g.centered && s.gradAvg === undefined) s.gradAvg = this.zerosState(p);
    s.step += 1;
    let gr = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) gr = gr.add(p, { alpha: g.weightDecay });
    s.squareAvg.mul_(g.alpha).addcmul_(gr, gr, { value: 1 - g.alpha });
    let avg: Tensor;
    if (g.centered) {
      s.gradAvg!.mul_(g.alpha).add_(gr, { alpha: 1 - g.alpha });
      avg = s.squareAvg.addcmul(s.gradAvg!, s.gradAvg!, { value: -1 }).sqrt_();
    } else {
      avg = s.squareAvg.sqrt();
    }
    avg.add_(g.eps);
    if (g.momentum > 0) {
      const buf = s.momentumBuffer!;
      buf.mul_(g.momentum).addcdiv_(gr, avg);
      p.add_(buf, { alpha: -g.lr });
    } else {
      p.addcdiv_(gr, avg, { value: -g.lr });
    }
    return s;
  }
}
