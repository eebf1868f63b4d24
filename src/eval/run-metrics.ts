// Glue from a trained model to the evaluation files of a run folder: softmax probabilities over
// a labelled batch source (batched, eval mode, no autograd), the RunMetrics of them, and
// metrics.json + predictions.jsonl written atomically.
import { join } from 'node:path';
import * as T from '../torch/index.js';
import type { Module } from '../nn/module.js';
import type { BatchSource } from '../data/source.js';
import { predict } from '../train/evaluate.js';
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
  if (!source.labels) throw new TypeError('predictProbabilities(): the batch source does not expose its labels (labels())');
  const labels = source.labels();
  const logits = await predict(model, source, { batchSize: o.batchSize });
  try {
    const probabilities = T.tidy(() => T.noGrad(() => T.F.softmax(logits.double(), 1).contiguous().data())) as Float64Array;
    const numClasses = logits.shape[1];
    if (labels.length !== logits.shape[0]) throw new RangeError(`predictProbabilities(): ${labels.length} labels for ${logits.shape[0]} predictions`);
    return { probabilities, numClasses, labels };
  } finally {
    logits.dispose();
  }
}

export interface EvaluateRunOptions extends RunMetricsOptions {
  batchSize?: number;
}

export interface RunEvaluation {
  metrics: RunMetrics;
  predictions: PredictionRow[];
}

/** Predicts a labelled source (files: its images, in order) and computes every metric. */
export async function evaluateRun(
  model: Module,
  source: BatchSource,
  files: readonly string[],
  classes: readonly string[],
  o: EvaluateRunOptions = {},
): Promise<RunEvaluation> {
  const p = await predictProbabilities(model, source, { batchSize: o.batchSize });
  if (p.numClasses !== classes.length) throw new RangeError(`evaluateRun(): the model outputs ${p.numClasses} classes but there are ${classes.length} class names`);
  const metrics = computeRunMetrics(p.probabilities, p.labels, classes, o);
  return { metrics, predictions: predictionTable(files, p.probabilities, p.labels, classes) };
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
