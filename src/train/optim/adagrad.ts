// Adagrad with learning-rate decay, initial accumulator value, L2 weight decay and maximisation:
// PyTorch 1.13's torch.optim.Adagrad (dense single-tensor path). As in PyTorch, state is created
// for every parameter when it is added.
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Optimizer, definedOnly, type BaseOptions, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface AdagradOptions extends BaseOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export type AdagradState = { step: number; sum: Tensor };

export const ADAGRAD_DEFAULTS: AdagradOptions = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false };

export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  get name(): string {
    return 'adagrad';
  }

  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, { ...ADAGRAD_DEFAULTS, ...definedOnly(options) });
  }

  protected override validateGroup(g: ParamGroup<AdagradOptions>): void {
    super.validateGroup(g);
    if (!(g.lrDecay >= 0)) throw new RangeError(`adagrad: invalid lrDecay ${g.lrDecay}`);
    if (!(g.initialAccumulatorValue >= 0)) throw new RangeError(`adagrad: invalid initialAccumulatorValue ${g.initialAccumulatorValue}`);
    if (!(g.eps >= 0)) throw new RangeError(`adagrad: invalid epsilon ${g.eps}`);
  }

  protected override initState(p: Tensor, g: ParamGroup<AdagradOptions>): AdagradState {
    return { step: 0, sum: T.noGrad(() => T.keep(T.fullLike(p, g.initialAccumulatorValue))) };
  }

  protected update(p: Tensor, grad: Tensor, state: AdagradState | undefined, g: ParamGroup<AdagradOptions>): AdagradState {
    const s = state ?? this.initState(p, g);
    s.step += 1;
    let gr = g.maximize ? grad.neg() : grad;
    if (g.weightDecay !== 0) gr = gr.add(p, { alpha: g.weightDecay });
    const clr = g.lr / (1 + (s.step - 1) * g.lrDecay);
    s.sum.addcmul_(gr, gr, { value: 1 });
    const std = s.sum.sqrt().add_(g.eps);
    p.addcdiv_(gr, std, { value: -clr });
    return s;
  }
}
