// Percentile-bootstrap confidence interval for accuracy: resample the per-image correct flags
// with replacement (seeded), take each resample's accuracy, and read the interval off the
// sorted accuracies with numpy's default (linear) percentile.
import { mixSeed, seededRandom } from '../data/source.js';

export interface ConfidenceInterval {
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  resamples: number;
  seed: number;
}

export interface BootstrapOptions {
  /** Default 1000. */
  resamples?: number;
  /** Default 0.95. */
  level?: number;
  /** Default 0. */
  seed?: number;
}

/** numpy.percentile(sorted, q) with linear interpolation; `sorted` ascending, q in [0, 100]. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Bootstrap CI of the mean of 0/1 correct flags (the accuracy). */
export function bootstrapAccuracyCI(correct: ArrayLike<boolean | number>, o: BootstrapOptions = {}): ConfidenceInterval {
  const resamples = o.resamples ?? 1000;
  const level = o.level ?? 0.95;
  const seed = o.seed ?? 0;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrapAccuracyCI(): resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrapAccuracyCI(): level must be in (0, 1), got ${level}`);
  const n = correct.length;
  const flags = Uint8Array.from({ length: n }, (_, i) => (correct[i] ? 1 : 0));
  const estimate = n > 0 ? flags.reduce((a, b) => a + b, 0) / n : NaN;
  if (n === 0) return { estimate, lower: NaN, upper: NaN, level, resamples, seed };
  const rand = seededRandom(mixSeed(seed, 0xb007));
  const accs = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    let hits = 0;
    for (let i = 0; i < n; i++) hits += flags[Math.floor(rand() * n)];
    accs[r] = hits / n;
  }
  accs.sort((a, b) => a - b);
  const tail = ((1 - level) / 2) * 100;
  return { estimate, lower: percentile(accs, tail), upper: percentile(accs, 100 - tail), level, resamples, seed };
}
