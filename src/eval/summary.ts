// Everything Fovea reports about a classifier's predictions on one split, as one JSON-ready
// object: accuracy with its bootstrap CI, top-k, log loss, the classification report,
// confusion matrices, most-confused pairs and calibration.
import { parseMetric } from '../train/metrics.js';
import { bootstrapAccuracyCI, type BootstrapOptions, type ConfidenceInterval } from './bootstrap.js';
import { calibration, type ReliabilityBin } from './calibration.js';
import { logLoss, reportFromConfusion, topKAccuracy, type ClassificationReport } from './classification.js';
import { confusionFromPredictions, mostConfused, normalizeRows, type ConfusedPair } from './confusion.js';
import { argmaxRows, checkLabels, probabilityMatrix, type ProbabilityInput, type ProbabilityMatrix } from './probabilities.js';

export interface NamedClassScores {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface RunMetrics {
  /** Number of images. */
  n: number;
  classes: string[];
  accuracy: number;
  accuracy_ci: ConfidenceInterval;
  /** Top-k accuracies by metric name ('top5'), for the k asked for. */
  top_k: Record<string, number>;
  log_loss: number;
  macro_f1: number;
  weighted_f1: number;
  per_class: NamedClassScores[];
  report: ClassificationReport;
  /** Rows: true class; columns: predicted class. */
  confusion_matrix: number[][];
  /** Each row divided by its sum (recall per cell). */
  confusion_matrix_normalized: number[][];
  most_confused: ConfusedPair[];
  /** Expected calibration error (15 equal-width bins by default). */
  ece: number;
  /** Maximum calibration error. */
  mce: number;
  reliability: ReliabilityBin[];
}

export interface RunMetricsOptions {
  /** Metric names as in train.metrics ('accuracy', 'top5'); each topK adds a top-k accuracy. */
  metrics?: readonly string[];
  /** ECE bins (default 15). */
  numBins?: number;
  bootstrap?: BootstrapOptions;
  /** How many most-confused pairs to keep (default 20). */
  mostConfused?: number;
}

/** All metrics of probabilities [N][C] against labels, with class names. */
export function computeRunMetrics(
  probs: ProbabilityInput | ProbabilityMatrix,
  labels: ArrayLike<number>,
  classes: readonly string[],
  o: RunMetricsOptions = {},
): RunMetrics {
  const m = probabilityMatrix(probs, classes.length);
  checkLabels(m, labels);
  if (m.c !== classes.length) throw new RangeError(`computeRunMetrics(): ${classes.length} class names for ${m.c} classes`);
  const pred = argmaxRows(m);
  const cm = confusionFromPredictions(labels, pred, m.c);
  const report = reportFromConfusion(cm);
  const top_k: Record<string, number> = {};
  for (const name of o.metrics ?? []) {
    const { key, k } = parseMetric(name);
    if (k > 1) top_k[key] = topKAccuracy(m, labels, k);
  }
  const cal = calibration(m, labels, { numBins: o.numBins });
  return {
    n: m.n,
    classes: [...classes],
    accuracy: report.accuracy,
    accuracy_ci: bootstrapAccuracyCI(pred.map((p, i) => p === labels[i]), o.bootstrap),
    top_k,
    log_loss: logLoss(m, labels),
    macro_f1: report.macro_avg.f1,
    weighted_f1: report.weighted_avg.f1,
    per_class: report.per_class.map((s, i) => ({ class: classes[i], ...s })),
    report,
    confusion_matrix: cm,
    confusion_matrix_normalized: normalizeRows(cm),
    most_confused: mostConfused(cm, classes, o.mostConfused ?? 20),
    ece: cal.ece,
    mce: cal.mce,
    reliability: cal.bins,
  };
}

/** The key figures a run's result.json carries for its test split. */
export function headlineMetrics(m: RunMetrics): { macro_f1: number; ece: number; accuracy_ci: [number, number] } {
  return { macro_f1: m.macro_f1, ece: m.ece, accuracy_ci: [m.accuracy_ci.lower, m.accuracy_ci.upper] };
}
