// Classification metrics accumulated over batches: sums and counts are kept in float64 on the
// JavaScript side, so an uneven last batch weighs exactly its share (a mean of batch means
// would not).
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/** 'accuracy', or 'topK' for top-k accuracy ('top5'). */
export type MetricName = 'accuracy' | `top${number}`;

export function parseMetric(name: string): { key: string; k: number } {
  if (name === 'accuracy' || name === 'acc') return { key: 'accuracy', k: 1 };
  const m = /^top_?(\d+)(_accuracy)?$/.exec(name);
  if (m) return { key: `top${m[1]}`, k: Number(m[1]) };
  throw new RangeError(`unknown metric '${name}' (use 'accuracy' or 'topK', e.g. 'top5')`);
}

/**
 * Number of rows whose target is among the k largest logits. Soft targets [N, C] (mixup,
 * cutmix) count their most probable class as the target.
 */
export function correctTopK(logits: Tensor, soft: Tensor, k: number): number {
  return T.tidy(() => {
    const target = soft.ndim === 2 ? soft.argmax({ dim: 1 }) : soft;
    if (k === 1) return logits.argmax({ dim: 1 }).eq(target).sum().item();
    const kk = Math.min(k, logits.shape[1]);
    const [, idx] = logits.topk(kk, { dim: 1 });
    // topk indices are distinct, so each row matches at most once
    return idx.eq(target.unsqueeze(1)).sum().item();
  });
}

export function accuracy(logits: Tensor, target: Tensor): number {
  return correctTopK(logits, target, 1) / target.shape[0];
}

export function topKAccuracy(logits: Tensor, target: Tensor, k: number): number {
  return correctTopK(logits, target, k) / target.shape[0];
}

/** Running sums of loss and metric hits over an epoch or an evaluation. */
export class MetricAccumulator {
  private lossSum = 0;
  private lossWeight = 0;
  private count = 0;
  private readonly hits: Map<string, number>;
  private readonly ks: { key: string; k: number }[];

  constructor(metrics: readonly string[]) {
    this.ks = metrics.map(parseMetric);
    this.hits = new Map(this.ks.map((m) => [m.key, 0]));
  }

  /**
   * Adds a batch. `lossSum` is the batch's summed loss and `lossWeight` what it is divided by
   * for the mean (the batch size, or the sum of class weights of its targets).
   */
  add(logits: Tensor, target: Tensor, lossSum: number, lossWeight: number = target.shape[0]): Record<string, number> {
    const n = target.shape[0];
    this.lossSum += lossSum;
    this.lossWeight += lossWeight;
    this.count += n;
    const batch: Record<string, number> = {};
    for (const { key, k } of this.ks) {
      const c = correctTopK(logits, target, k);
      this.hits.set(key, this.hits.get(key)! + c);
      batch[key] = c / n;
    }
    return batch;
  }

  get samples(): number {
    return this.count;
  }

  /** Mean loss and metrics so far (prefix 'val_' for validation). */
  result(prefix = ''): Record<string, number> {
    const out: Record<string, number> = { [`${prefix}loss`]: this.lossWeight > 0 ? this.lossSum / this.lossWeight : NaN };
    for (const { key } of this.ks) out[`${prefix}${key}`] = this.count > 0 ? this.hits.get(key)! / this.count : NaN;
    return out;
  }
}
