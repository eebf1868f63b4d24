// Glue from a trained model to the evaluation files of a run folder: softmax probabilities over
// a labelled batch source (batched, eval mode, no autograd), the RunMetrics of them, and
// metrics.json + predictions.jsonl written atomically.
import { join } from 'node:path';
import * as T from '../torch/index.js';
import type { Module } from '../nn/module.js';
import type { BatchSource } from '../data/source.js';
import { predict } from '../train/evaluate.js';
import { MetricAccumulator } from '../train/metrics.js';
import type { LossOptions } from '../train/loss.js';
import { writeFileAtomic } from '../util/atomic.js';
import { formatClassificationReport, pyFixed } from './format-report.js';
import { predictionTable, type PredictionRow } from './prediction-table.js';
import { computeRunMetrics, type RunMetrics, type RunMetricsOptions } from './summary.js';

export interface Predictions {
  /** Row-major [N][C] softmax probabilities (computed in float64). */
  probabilities: Float64Array;
  numClasses: number;
  labels: number[];
}

/** Softmax probabilities of every example of a labelled source, in source order. */
export async function predictProbabilities(model: Module, source: BatchSource, o: { batchSize?: number } = {}): Promise<Predictions> {
  const { labels, logits } = await predictLogits(model, source, o.batchSize, 'predictProbabilities');
  try {
    return { probabilities: softmaxRows(logits), numClasses: logits.shape[1], labels };
  } finally {
    logits.dispose();
  }
}

async function predictLogits(model: Module, source: BatchSource, batchSize: number | undefined, caller: string): Promise<{ labels: number[]; logits: T.Tensor }> {
  if (!source.labels) throw new TypeError(`${caller}(): the batch source does not expose its labels (labels())`);
  const labels = source.labels();
  const logits = await predict(model, source, { batchSize });
  if (labels.length !== logits.shape[0]) {
    logits.dispose();
    throw new RangeError(`${caller}(): ${labels.length} labels for ${logits.shape[0]} predictions`);
  }
  return { labels, logits };
}

function softmaxRows(logits: T.Tensor): Float64Array {
  return T.tidy(() => T.noGrad(() => T.F.softmax(logits.double(), 1).contiguous().data())) as Float64Array;
}

export interface EvaluateRunOptions extends RunMetricsOptions {
  batchSize?: number;
  /** The loss behind `summary.loss` (label smoothing as in training; class weights do not apply). */
  loss?: LossOptions;
}

export interface RunEvaluation {
  metrics: RunMetrics;
  predictions: PredictionRow[];
  /** Mean loss and metrics with the keys `evaluate()` gives (loss, accuracy, topK), from the same pass. */
  summary: Record<string, number>;
}

/**
 * Predicts a labelled source (files: its images, in order) once and computes every metric: the
 * full RunMetrics, the per-image table and the loss/metric summary a training log shows.
 */
export async function evaluateRun(
  model: Module,
  source: BatchSource,
  files: readonly string[],
  classes: readonly string[],
  o: EvaluateRunOptions = {},
): Promise<RunEvaluation> {
  const { labels, logits } = await predictLogits(model, source, o.batchSize, 'evaluateRun');
  try {
    if (logits.shape[1] !== classes.length) throw new RangeError(`evaluateRun(): the model outputs ${logits.shape[1]} classes but there are ${classes.length} class names`);
    const summary = T.tidy(() =>
      T.noGrad(() => {
        const y = T.tensor(labels, { dtype: 'int64' });
        const acc = new MetricAccumulator(o.metrics ?? ['accuracy']);
        acc.add(logits, y, T.F.crossEntropy(logits, y, { labelSmoothing: o.loss?.labelSmoothing ?? 0, reduction: 'sum' }).item());
        return acc.result();
      }),
    );
    const probabilities = softmaxRows(logits);
    const metrics = computeRunMetrics(probabilities, labels, classes, o);
    return { metrics, predictions: predictionTable(files, probabilities, labels, classes), summary };
  } finally {
    logits.dispose();
  }
}

/** Writes metrics.json and predictions.jsonl (one object per image) into runDir, atomically. */
export function writeRunMetrics(runDir: string, metrics: RunMetrics, predictions: readonly PredictionRow[]): { metrics: string; predictions: string } {
  const paths = { metrics: join(runDir, 'metrics.json'), predictions: join(runDir, 'predictions.jsonl') };
  writeFileAtomic(paths.metrics, `${JSON.stringify(metrics, null, 2)}\n`);
  const lines = predictions.map((r) => JSON.stringify({ file: r.file, label: r.label, prediction: r.prediction, correct: r.correct, probabilities: r.probabilities }));
  writeFileAtomic(paths.predictions, lines.length ? `${lines.join('\n')}\n` : '');
  return paths;
}

/** The classification report followed by accuracy's CI, log loss, ECE and the most confused pairs. */
export function formatRunMetrics(m: RunMetrics, opts: { digits?: number; mostConfused?: number } = {}): string {
  const f = (x: number): string => pyFixed(x, 4);
  const ci = m.accuracy_ci;
  const lines = [
    formatClassificationReport(m.report, m.classes, opts.digits ?? 2).trimEnd(),
    '',
    `accuracy ${f(m.accuracy)} (${Math.round(ci.level * 100)}% CI ${f(ci.lower)}-${f(ci.upper)}, bootstrap of ${ci.resamples}), log loss ${f(m.log_loss)}, ECE ${f(m.ece)}`,
  ];
  for (const [k, v] of Object.entries(m.top_k)) lines.push(`${k} accuracy ${f(v)}`);
  const pairs = m.most_confused.slice(0, opts.mostConfused ?? 5);
  if (pairs.length) {
    lines.push('most confused (true -> predicted):');
    for (const p of pairs) lines.push(`  ${p.true_class} -> ${p.predicted_class}: ${p.count} (${(p.rate * 100).toFixed(1)}%)`);
  }
  return lines.join('\n');
}
