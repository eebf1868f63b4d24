// Feature-wise and sample-wise normalisation (Keras ImageDataGenerator's featurewise_center,
// featurewise_std_normalization, samplewise_center, samplewise_std_normalization).
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';

export interface ChannelStats {
  mean: [number, number, number];
  std: [number, number, number];
}

/**
 * Per-channel mean and std of uint8 images [N, H, W, 3] (population std), in units of
 * `scale` (1/255 gives statistics of 0..1 images). Computed in float64 chunks.
 */
export function channelStats(images: Tensor, scale = 1 / 255, chunk = 256): ChannelStats {
  const n = images.shape[0];
  if (n === 0) throw new RangeError('channelStats(): no images');
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  for (let i = 0; i < n; i += chunk) {
    const [s, q] = T.tidy(() => {
      const x = images.narrow(0, i, Math.min(chunk, n - i)).double().mul(scale);
      return [x.sum([0, 1, 2]).dataNumbers(), x.square().sum([0, 1, 2]).dataNumbers()];
    });
    for (let c = 0; c < 3; c++) {
      sum[c] += s[c];
      sq[c] += q[c];
    }
  }
  const count = images.size / 3;
  const mean = sum.map((s) => s / count) as [number, number, number];
  const std = sq.map((q, c) => Math.sqrt(Math.max(0, q / count - mean[c] ** 2))) as [number, number, number];
  return { mean, std };
}

export interface NormalizeOptions {
  featurewiseCenter?: boolean;
  featurewiseStdNormalization?: boolean;
  samplewiseCenter?: boolean;
  samplewiseStdNormalization?: boolean;
  /** Required for the feature-wise options (from channelStats on the training split). */
  stats?: ChannelStats;
}

export function hasNormalize(o: NormalizeOptions): boolean {
  return Boolean(o.featurewiseCenter || o.featurewiseStdNormalization || o.samplewiseCenter || o.samplewiseStdNormalization);
}

const EPS = 1e-6; // Keras adds 1e-6 (backend epsilon is 1e-7; ImageDataGenerator uses 1e-6)

export function applyNormalize(x: Tensor, o: NormalizeOptions): Tensor {
  return T.tidy(() => {
    let out = x;
    if (o.featurewiseCenter || o.featurewiseStdNormalization) {
      if (!o.stats) throw new Error('featurewise normalisation needs statistics of the training split (channelStats)');
      if (o.featurewiseCenter) out = out.sub(T.tensor(o.stats.mean).reshape([1, 3, 1, 1]));
      if (o.featurewiseStdNormalization) out = out.div(T.tensor(o.stats.std).reshape([1, 3, 1, 1]).add(EPS));
    }
    if (o.samplewiseCenter) out = out.sub(out.mean([1, 2, 3], { keepdim: true }));
    if (o.samplewiseStdNormalization) out = out.div(out.std([1, 2, 3], { keepdim: true, correction: 0 }).add(EPS));
    return out;
  });
}
