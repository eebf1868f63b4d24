// Confusion matrices (counts and row-normalised) and the most confused class pairs.
import { argmaxRows, checkLabels, probabilityMatrix, type ProbabilityInput, type ProbabilityMatrix } from './probabilities.js';

/** Counts [C][C]: row = true class, column = predicted (argmax) class. */
export function confusionMatrix(probs: ProbabilityInput | ProbabilityMatrix, labels: ArrayLike<number>, numClasses?: number): number[][] {
  const m = probabilityMatrix(probs, numClasses);
  checkLabels(m, labels);
  return confusionFromPredictions(labels, argmaxRows(m), m.c);
}

/** Counts [C][C] from true and predicted class indices. */
export function confusionFromPredictions(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses: number): number[][] {
  if (labels.length !== predictions.length) throw new RangeError(`confusion matrix: ${labels.length} labels but ${predictions.length} predictions`);
  const cm = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) cm[labels[i]][predictions[i]]++;
  return cm;
}

/** Each row divided by its sum (the recall view; sklearn normalize='true'); empty rows stay 0. */
export function normalizeRows(cm: readonly (readonly number[])[]): number[][] {
  return cm.map((r) => {
    const s = r.reduce((a, b) => a + b, 0);
    return r.map((v) => (s > 0 ? v / s : 0));
  });
}

export interface ConfusedPair {
  true_class: string;
  predicted_class: string;
  true_index: number;
  predicted_index: number;
  count: number;
  /** count / number of images of the true class. */
  rate: number;
}

/**
 * Off-diagonal cells with a non-zero count, most frequent first (ties: by true, then predicted
 * class index); at most `top` of them (all by default).
 */
export function mostConfused(cm: readonly (readonly number[])[], classes: readonly string[], top = Infinity): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  cm.forEach((r, t) => {
    const support = r.reduce((a, b) => a + b, 0);
    r.forEach((count, p) => {
      if (p !== t && count > 0) {
        pairs.push({ true_class: classes[t] ?? String(t), predicted_class: classes[p] ?? String(p), true_index: t, predicted_index: p, count, rate: count / support });
      }
    });
  });
  pairs.sort((a, b) => b.count - a.count || a.true_index - b.true_index || a.predicted_index - b.predicted_index);
  return pairs.slice(0, top);
}
