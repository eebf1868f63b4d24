// Mixup and CutMix (as in timm): one mixing factor per batch from Beta(alpha, alpha), partners by
// a seeded permutation; labels become soft targets [B, C] mixed in the same proportion.
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { seededRandom, mixSeed } from '../source.js';
import { batchGenerator, type AugmentContext } from './random.js';

export interface MixOptions {
  mixup?: { alpha: number };
  cutmix?: { alpha: number };
  /** Probability of switching to cutmix when both are given (timm's switch_prob). */
  switchProb?: number;
  numClasses: number;
}

/** Marsaglia-Tsang gamma sampler (shape k > 0), for Beta draws. */
function gamma(rand: () => number, k: number): number {
  if (k < 1) return gamma(rand, k + 1) * Math.pow(rand(), 1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // Box-Muller normal
      x = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function betaSample(rand: () => number, a: number, b: number): number {
  const x = gamma(rand, a);
  return x / (x + gamma(rand, b));
}

/** Soft targets [B, C] from class indices [B] or pass-through for already-soft targets. */
export function softTargets(y: Tensor, numClasses: number): Tensor {
  return y.ndim === 2 ? y.float() : T.F.oneHot(y, numClasses).float();
}

export function applyMix(x: Tensor, y: Tensor, o: MixOptions, ctx: AugmentContext): { x: Tensor; y: Tensor; lam: number } {
  const rand = seededRandom(mixSeed(mixSeed(ctx.seed ^ 0x313, ctx.epoch), ctx.batch));
  const useCutmix = o.cutmix && (!o.mixup || rand() < (o.switchProb ?? 0.5));
  const alpha = useCutmix ? o.cutmix!.alpha : o.mixup!.alpha;
  let lam = alpha > 0 ? betaSample(rand, alpha, alpha) : 1;
  const [n, , h, w] = x.shape;
  return T.tidy(() => {
    const perm = T.randperm(n, { generator: batchGenerator(ctx, 0x313) });
    const xp = x.indexSelect(0, perm);
    const yt = softTargets(y, o.numClasses);
    let xm: Tensor;
    if (useCutmix) {
      const cut = Math.sqrt(1 - lam);
      const ch = Math.floor(h * cut);
      const cw = Math.floor(w * cut);
      const cy = Math.floor(rand() * h);
      const cx = Math.floor(rand() * w);
      const y0 = Math.max(0, cy - (ch >> 1));
      const y1 = Math.min(h, cy + (ch >> 1));
      const x0 = Math.max(0, cx - (cw >> 1));
      const x1 = Math.min(w, cx + (cw >> 1));
      const ys = T.arange(h).reshape([h, 1]);
      const xs = T.arange(w).reshape([1, w]);
      const mask = ys.ge(y0).logicalAnd(ys.lt(y1)).logicalAnd(xs.ge(x0)).logicalAnd(xs.lt(x1)).float();
      xm = x.mul(mask.neg().add(1)).add(xp.mul(mask));
      lam = 1 - ((y1 - y0) * (x1 - x0)) / (h * w); // the box actually pasted
    } else {
      xm = x.mul(lam).add(xp.mul(1 - lam));
    }
    const ym = yt.mul(lam).add(yt.indexSelect(0, perm).mul(1 - lam));
    return { x: xm, y: ym, lam };
  });
}
