// torchvision.ops.StochasticDepth: drops a residual branch at random while training ("Deep
// Networks with Stochastic Depth"). 'row' zeroes whole samples of the batch, 'batch' the whole
// input; survivors are scaled by 1 / (1 - p). Identity in eval mode or when p is 0.
import { empty, type Device, type DType, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';

export function stochasticDepth(x: Tensor, p: number, mode: 'row' | 'batch', training = true): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`stochastic depth: drop probability must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  const survival = 1 - p;
  const size = mode === 'row' ? [x.shape[0], ...new Array<number>(x.ndim - 1).fill(1)] : new Array<number>(x.ndim).fill(1);
  const noise = empty(size, { dtype: x.dtype as DType, device: x.device as Device }).bernoulli_({ p: survival });
  if (survival > 0) noise.div_(survival);
  const out = x.mul(noise);
  noise.dispose();
  return out;
}

export class StochasticDepth extends Module {
  constructor(
    readonly p: number,
    readonly mode: 'row' | 'batch' = 'row',
  ) {
    super('stochasticdepth');
    if (p < 0 || p > 1) throw new RangeError(`StochasticDepth: drop probability must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return stochasticDepth(x, this.p, this.mode, this.training);
  }
}
