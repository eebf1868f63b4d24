// torchvision RandomErasing on a batch: with probability p per image, a rectangle of area
// fraction in `scale` and aspect ratio in `ratio` (log-uniform) is filled with `value`.
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { batchGenerator, coin, uniform, type AugmentContext } from './random.js';

export interface EraseOptions {
  p?: number;
  scale?: readonly [number, number];
  ratio?: readonly [number, number];
  /** A fill value, or 'random' for per-pixel normal noise (as torchvision's value='random'). */
  value?: number | 'random';
}

export function applyErasing(x: Tensor, o: EraseOptions, ctx: AugmentContext): Tensor {
  const [n, c, h, w] = x.shape;
  return T.tidy(() => {
    const g = batchGenerator(ctx, 0xe5a);
    const [s0, s1] = o.scale ?? [0.02, 0.33];
    const [r0, r1] = o.ratio ?? [0.3, 3.3];
    const on = coin(g, n, o.p ?? 0.5).reshape([n, 1, 1, 1]);
    const area = uniform(g, n, s0, s1).mul(h * w);
    const ratio = uniform(g, n, Math.log(r0), Math.log(r1)).exp();
    const eh = area.mul(ratio).sqrt().clamp({ max: h });
    const ew = area.div(ratio).sqrt().clamp({ max: w });
    const top = uniform(g, n, 0, 1).mul(eh.neg().add(h));
    const left = uniform(g, n, 0, 1).mul(ew.neg().add(w));
    const ys = T.arange(h).reshape([1, h, 1]).add(0.5);
    const xs = T.arange(w).reshape([1, 1, w]).add(0.5);
    const inY = ys.ge(top.reshape([n, 1, 1])).logicalAnd(ys.lt(top.add(eh).reshape([n, 1, 1])));
    const inX = xs.ge(left.reshape([n, 1, 1])).logicalAnd(xs.lt(left.add(ew).reshape([n, 1, 1])));
    const mask = inY.logicalAnd(inX).float().unsqueeze(1).mul(on); // [n, 1, h, w]
    const fill = o.value === 'random' ? T.randn([n, c, h, w], { generator: g }) : T.fullLike(x, o.value ?? 0);
    return x.mul(mask.neg().add(1)).add(fill.mul(mask));
  });
}
