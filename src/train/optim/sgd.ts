// Stochastic gradient descent with momentum, dampening, Nesterov momentum, L2 weight decay and
// maximisation: PyTorch 1.13's torch.optim.SGD (single-tensor path).
import type { Tensor } from '../../torch/index.js';
import { Optimizer, definedOnly, type BaseOptions, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface SGDOptions extends BaseOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  maximize: boolean;
}

export type SGDState = { momentumBuffer?: Tensor };

export const SGD_DEFAULTS: SGDOptions = { lr: 0.01, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false };

export class SGD extends Optimizer<SGDOptions, SGDState> {
  get name(): string {
    return 'sgd';
  }

  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, { ...SGD_DEFAULTS, ...definedOnly(options) });
  }

  protected override validateGroup(g: ParamGroup<SGDOptions>): void {
    super.validateGroup(g);
    if (!(g.momentum >= 0)) throw new RangeError(`sgd: invalid momentum ${g.momentum}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new RangeError('sgd: Nesterov momentum requires a momentum and zero dampening');
  }

  protected update(p: Tensor, grad: Tensor, state: SGDState | undefined, g: ParamGroup<SGDOptions>): SGDState {
    const s = state ?? {};
    let d = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) d = d.add(p, { alpha: g.weightDecay });
    if (g.momentum !== 0) {
      let buf = s.momentumBuffer;
      if (buf === undefined) {
        buf = this.keep(d.clone());
        s.momentumBuffer = buf;
      } else {
        buf.mul_(g.momentum).add_(d, { alpha: 1 - g.dampening });
      }
      d = g.nesterov ? d.add(buf, { alpha: g.momentum }) : buf;
    }
    p.add_(d, { alpha: -g.lr });
    return s;
  }
}
