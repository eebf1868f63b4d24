// Per-batch random draws from a Generator seeded by (seed, epoch, batch), so augmentation is
// reproducible and a resumed run draws the same numbers.
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { mixSeed } from '../source.js';

export interface AugmentContext {
  epoch: number;
  batch: number;
  seed: number;
}

export function batchGenerator(ctx: AugmentContext, salt: number): T.Generator {
  return new T.Generator(mixSeed(mixSeed(ctx.seed ^ salt, ctx.epoch), ctx.batch));
}

/** n draws uniform in [lo, hi) as float32 [n]. */
export function uniform(g: T.Generator, n: number, lo: number, hi: number): Tensor {
  return T.tidy(() => T.rand([n], { generator: g }).mul(hi - lo).add(lo));
}

/** n draws of 1 (probability p) or 0, float32 [n]. */
export function coin(g: T.Generator, n: number, p: number): Tensor {
  return T.tidy(() => T.rand([n], { generator: g }).lt(p).float());
}
