// Accuracy, top-k accuracy, log loss and the per-class precision / recall / F1 / support report,
// matching scikit-learn (accuracy_score, top_k_accuracy_score, log_loss,
// classification_report with zero_division=0).
import { argmaxRows, checkLabels, probabilityMatrix, type ProbabilityInput, type ProbabilityMatrix } from './probabilities.js';
import { confusionMatrix } from './confusion.js';

type Probs = ProbabilityInput | ProbabilityMatrix;

/** Fraction of rows whose most probable class is the label. */
export function accuracy(probs: Probs, labels: ArrayLike<number>, numClasses?: number): number {
  const m = probabilityMatrix(probs, numClasses);
  checkLabels(m, labels);
  const pred = argmaxRows(m);
  let hits = 0;
  for (let i = 0; i < m.n; i++) if (pred[i] === labels[i]) hits++;
  return m.n > 0 ? hits / m.n : NaN;
}

/**
 * Fraction of rows whose label is among the k most probable classes. Ties rank like
 * scikit-learn's top_k_accuracy_score (among equal scores the higher class index ranks first).
 */
export function topKAccuracy(probs: Probs, labels: ArrayLike<number>, k: number, numClasses?: number): number {
  const m = probabilityMatrix(probs, numClasses);
  checkLabels(m, labels);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topKAccuracy(): k must be a positive integer, got ${k}`);
  let hits = 0;
  for (let i = 0; i < m.n; i++) {
    const y = labels[i];
    const py = m.data[i * m.c + y];
    let ahead = 0;
    for (let j = 0; j < m.c; j++) {
      const p = m.data[i * m.c + j];
      if (p > py || (p === py && j > y)) ahead++;
    }
    if (ahead < k) hits++;
  }
  return m.n > 0 ? hits / m.n : NaN;
}

/**
 * Mean cross-entropy of the labels' probabilities like scikit-learn's log_loss (1.2): every
 * probability is clipped to [eps, 1 - eps] and each row renormalised to sum 1 (eps: the machine
 * epsilon of the input's precision unless given).
 */
export function logLoss(probs: Probs, labels: ArrayLike<number>, opts: { numClasses?: number; eps?: number } = {}): number {
  const m = probabilityMatrix(probs, opts.numClasses);
  checkLabels(m, labels);
  const eps = opts.eps ?? m.eps;
  const clip = (p: number): number => Math.min(Math.max(p, eps), 1 - eps);
  let sum = 0;
  for (let i = 0; i < m.n; i++) {
    let rowSum = 0;
    for (let j = 0; j < m.c; j++) rowSum += clip(m.data[i * m.c + j]);
    sum -= Math.log(clip(m.data[i * m.c + labels[i]]) / rowSum);
  }
  return m.n > 0 ? sum / m.n : NaN;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  /** One entry per class index. */
  per_class: ClassScores[];
  accuracy: number;
  macro_avg: ClassScores;
  weighted_avg: ClassScores;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0); // zero_division=0

/** Precision, recall, F1 and support from a confusion matrix (rows: true, columns: predicted). */
export function reportFromConfusion(cm: readonly (readonly number[])[]): ClassificationReport {
  const c = cm.length;
  const per_class: ClassScores[] = [];
  let total = 0;
  let correct = 0;
  for (let k = 0; k < c; k++) {
    const tp = cm[k][k];
    const support = cm[k].reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let i = 0; i < c; i++) predicted += cm[i][k];
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    const f1 = ratio(2 * tp, predicted + support);
    per_class.push({ precision, recall, f1, support });
    total += support;
    correct += tp;
  }
  const avg = (w: (s: ClassScores) => number, wsum: number): ClassScores => {
    const mean = (f: (s: ClassScores) => number): number => ratio(per_class.reduce((a, s) => a + w(s) * f(s), 0), wsum);
    return { precision: mean((s) => s.precision), recall: mean((s) => s.recall), f1: mean((s) => s.f1), support: total };
  };
  return {
    per_class,
    accuracy: ratio(correct, total),
    macro_avg: avg(() => 1, c),
    weighted_avg: avg((s) => s.support, total),
  };
}

/** scikit-learn's classification_report (output_dict, zero_division=0) over all C classes. */
export function classificationReport(probs: Probs, labels: ArrayLike<number>, numClasses?: number): ClassificationReport {
  return reportFromConfusion(confusionMatrix(probs, labels, numClasses));
}
