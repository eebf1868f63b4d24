// Expected calibration error over equal-width confidence bins (Guo et al. 2017): the
// confidence is the largest probability, bin m holds confidences in ((m-1)/M, m/M], and
// ECE = sum over bins of |bin| / N * |accuracy(bin) - mean confidence(bin)|.
import { argmaxRows, checkLabels, probabilityMatrix, type ProbabilityInput, type ProbabilityMatrix } from './probabilities.js';

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Fraction correct in the bin; null when empty. */
  accuracy: number | null;
  /** Mean confidence in the bin; null when empty. */
  confidence: number | null;
}

export interface Calibration {
  ece: number;
  /** Largest |accuracy - confidence| over the non-empty bins. */
  mce: number;
  bins: ReliabilityBin[];
}

/** The bin of a confidence in (0, 1]: ((b)/M, (b+1)/M]; 0 goes to the first bin. */
function binOf(conf: number, m: number): number {
  let b = Math.min(m - 1, Math.max(0, Math.ceil(conf * m) - 1));
  if (b > 0 && conf <= b / m) b--;
  else if (b < m - 1 && conf > (b + 1) / m) b++;
  return b;
}

/** ECE (and the reliability diagram's bins) with `numBins` equal-width bins (default 15). */
export function calibration(probs: ProbabilityInput | ProbabilityMatrix, labels: ArrayLike<number>, opts: { numBins?: number; numClasses?: number } = {}): Calibration {
  const m = probabilityMatrix(probs, opts.numClasses);
  checkLabels(m, labels);
  const nb = opts.numBins ?? 15;
  if (!Number.isInteger(nb) || nb < 1) throw new RangeError(`calibration(): numBins must be a positive integer, got ${nb}`);
  const count = new Array<number>(nb).fill(0);
  const hits = new Array<number>(nb).fill(0);
  const confSum = new Array<number>(nb).fill(0);
  const pred = argmaxRows(m);
  for (let i = 0; i < m.n; i++) {
    const conf = m.data[i * m.c + pred[i]];
    const b = binOf(conf, nb);
    count[b]++;
    confSum[b] += conf;
    if (pred[i] === labels[i]) hits[b]++;
  }
  let ece = 0;
  let mce = 0;
  const bins: ReliabilityBin[] = count.map((n, b) => {
    if (n === 0) return { lower: b / nb, upper: (b + 1) / nb, count: 0, accuracy: null, confidence: null };
    const acc = hits[b] / n;
    const conf = confSum[b] / n;
    const gap = Math.abs(acc - conf);
    ece += (n / m.n) * gap;
    mce = Math.max(mce, gap);
    return { lower: b / nb, upper: (b + 1) / nb, count: n, accuracy: acc, confidence: conf };
  });
  return { ece: m.n > 0 ? ece : NaN, mce, bins };
}

/** Just the ECE. */
export function expectedCalibrationError(probs: ProbabilityInput | ProbabilityMatrix, labels: ArrayLike<number>, opts: { numBins?: number; numClasses?: number } = {}): number {
  return calibration(probs, labels, opts).ece;
}
