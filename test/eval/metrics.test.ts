// src/eval against scikit-learn 1.2 (fixtures from tools/fixtures/make_eval_fixtures.py):
// accuracy, top-k, log loss, classification_report (dict and text), confusion matrices; plus
// hand-checked most-confused pairs, ECE and bootstrap CI, and the run-folder files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/torch/index.js';
import { Module } from '../../src/nn/module.js';
import { tensorSource } from '../../src/data/source.js';
import { evaluate } from '../../src/train/evaluate.js';
import {
  accuracy,
  topKAccuracy,
  logLoss,
  classificationReport,
  formatClassificationReport,
  confusionMatrix,
  normalizeRows,
  mostConfused,
  calibration,
  expectedCalibrationError,
  bootstrapAccuracyCI,
  predictionTable,
  pyFixed,
  computeRunMetrics,
  evaluateRun,
  writeRunMetrics,
  formatRunMetrics,
  type ClassificationReport,
} from '../../src/eval/index.js';

interface Case {
  name: string;
  classes: string[];
  labels: number[];
  probabilities: number[][];
  accuracy: number;
  top_k: Record<string, number>;
  log_loss: number;
  report: ClassificationReport;
  report_text: Record<string, string>;
  confusion_matrix: number[][];
  confusion_matrix_normalized: number[][];
  ece: number;
}

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/eval/metrics.json', import.meta.url)), 'utf8')) as {
  cases: Case[];
  format: [number, number, string][];
};

const close = (a: number, b: number, tol = 1e-12, what = ''): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

for (const c of fixture.cases) {
  test(`scikit-learn parity: ${c.name}`, () => {
    assert.equal(accuracy(c.probabilities, c.labels), c.accuracy);
    for (const [k, v] of Object.entries(c.top_k)) close(topKAccuracy(c.probabilities, c.labels, Number(k)), v, 1e-15, `top${k}`);
    close(logLoss(c.probabilities, c.labels), c.log_loss, 1e-12, 'log loss');
    const r = classificationReport(c.probabilities, c.labels);
    close(r.accuracy, c.report.accuracy, 1e-15, 'report accuracy');
    r.per_class.forEach((s, i) => {
      const e = c.report.per_class[i];
      for (const key of ['precision', 'recall', 'f1'] as const) close(s[key], e[key], 1e-12, `${c.classes[i]} ${key}`);
      assert.equal(s.support, e.support);
    });
    for (const avg of ['macro_avg', 'weighted_avg'] as const) {
      for (const key of ['precision', 'recall', 'f1'] as const) close(r[avg][key], c.report[avg][key], 1e-12, `${avg} ${key}`);
      assert.equal(r[avg].support, c.report[avg].support);
    }
    assert.equal(formatClassificationReport(r, c.classes), c.report_text['2']);
    assert.equal(formatClassificationReport(r, c.classes, 4), c.report_text['4']);
    const cm = confusionMatrix(c.probabilities, c.labels);
    assert.deepEqual(cm, c.confusion_matrix);
    normalizeRows(cm).forEach((row, i) => row.forEach((v, j) => close(v, c.confusion_matrix_normalized[i][j], 1e-15, `cm[${i}][${j}]`)));
    close(expectedCalibrationError(c.probabilities, c.labels), c.ece, 1e-12, 'ece');
    // a flat Float32Array gives the same counts-based metrics
    const flat = Float32Array.from(c.probabilities.flat());
    assert.deepEqual(confusionMatrix(flat, c.labels, c.classes.length), c.confusion_matrix);
    assert.equal(accuracy(flat, c.labels, c.classes.length), c.accuracy);
  });
}

test('the never-predicted class gets precision 0 (zero_division=0), not NaN', () => {
  const c = fixture.cases.find((x) => x.name === 'never_predicted')!;
  const r = classificationReport(c.probabilities, c.labels);
  const i = c.classes.indexOf('house cat');
  assert.deepEqual(r.per_class[i], { precision: 0, recall: 0, f1: 0, support: 4 });
  assert.match(formatClassificationReport(r, c.classes), /^ {8}house cat {7}0\.00 {6}0\.00 {6}0\.00 {9}4$/m);
});

test('numbers print like Python format (round half to even on exact ties)', () => {
  for (const [x, d, s] of fixture.format) assert.equal(pyFixed(x, d), s, `${x} with ${d} digits`);
});

test('log loss clips certain wrong predictions instead of returning Infinity', () => {
  const l = logLoss([[1, 0]], [1]);
  assert.ok(Number.isFinite(l) && l > 30, String(l));
  close(logLoss([[0.5, 0.5], [0.25, 0.75]], [0, 1]), (Math.log(2) + Math.log(4 / 3)) / 2, 1e-15, 'two rows');
});

test('input validation', () => {
  assert.throws(() => accuracy([[0.5, 0.5]], [2]), /not a class index/);
  assert.throws(() => accuracy([[0.5, 0.5]], [0, 1]), /2 labels for 1 rows/);
  assert.throws(() => accuracy(new Float32Array(3), [0], 2), /whole number of rows/);
  assert.throws(() => topKAccuracy([[0.5, 0.5]], [0], 0), /positive integer/);
});

test('top-k ties rank the higher class index first, like scikit-learn', () => {
  assert.equal(topKAccuracy([[0.4, 0.4, 0.2]], [0], 1), 0);
  assert.equal(topKAccuracy([[0.4, 0.4, 0.2]], [1], 1), 1);
});

test('confusion matrix and most-confused pairs on a hand-checked case', () => {
  const classes = ['a', 'b b', 'c'];
  const onehot = (j: number): number[] => [0, 1, 2].map((k) => (k === j ? 0.8 : 0.1));
  const labels = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2];
  const preds = [0, 1, 1, 1, 0, 2, 2, 2, 2, 0];
  const probs = preds.map(onehot);
  const cm = confusionMatrix(probs, labels);
  assert.deepEqual(cm, [
    [1, 2, 0],
    [1, 1, 2],
    [1, 0, 2],
  ]);
  assert.deepEqual(normalizeRows([[0, 0], [1, 3]]), [[0, 0], [0.25, 0.75]]);
  const pairs = mostConfused(cm, classes);
  assert.deepEqual(
    pairs.map((p) => [p.true_class, p.predicted_class, p.count]),
    [['a', 'b b', 2], ['b b', 'c', 2], ['b b', 'a', 1], ['c', 'a', 1]],
  );
  assert.equal(pairs[1].rate, 0.5);
  assert.equal(mostConfused(cm, classes, 1).length, 1);
});

test('ECE and reliability bins on a hand-checked case', () => {
  // confidences 0.9 (correct), 0.9 (wrong), 0.6 (correct), 0.6 (correct)
  const probs = [[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.4, 0.6]];
  const labels = [0, 1, 0, 1];
  const cal = calibration(probs, labels);
  assert.equal(cal.bins.length, 15);
  // 0.9 is in (13/15, 14/15]; 0.6 in (8/15, 9/15] = (0.5333, 0.6]
  const full = cal.bins.filter((b) => b.count > 0);
  assert.deepEqual(full.map((b) => [Math.round(b.lower * 15), b.count, b.accuracy]), [[8, 2, 1], [13, 2, 0.5]]);
  close(full[0].confidence!, 0.6, 1e-15, 'conf');
  // ECE = 2/4 * |1 - 0.6| + 2/4 * |0.5 - 0.9| = 0.4
  close(cal.ece, 0.4, 1e-12, 'ece');
  close(cal.mce, 0.4, 1e-12, 'mce');
  assert.equal(cal.bins[0].accuracy, null);
  // a confidence exactly on an edge belongs to the lower bin: 1/3 = 5/15 -> bin (4/15, 5/15]
  const edge = calibration([[1 / 3, 1 / 3, 1 / 3]], [0]);
  assert.equal(edge.bins[4].count, 1);
  assert.equal(calibration([[0, 1]], [1], { numBins: 10 }).bins[9].count, 1);
});

test('bootstrap CI: contains the accuracy, reproducible with the seed, varies with it', () => {
  const correct = Array.from({ length: 200 }, (_, i) => i % 10 < 7); // accuracy 0.7
  const ci = bootstrapAccuracyCI(correct, { seed: 3 });
  assert.equal(ci.estimate, 0.7);
  assert.equal(ci.resamples, 1000);
  assert.equal(ci.level, 0.95);
  assert.ok(ci.lower < 0.7 && 0.7 < ci.upper, JSON.stringify(ci));
  // normal approximation: 1.96 * sqrt(0.7 * 0.3 / 200) = 0.0635
  assert.ok(Math.abs(ci.upper - ci.lower - 0.127) < 0.03, JSON.stringify(ci));
  assert.deepEqual(bootstrapAccuracyCI(correct, { seed: 3 }), ci);
  assert.notDeepEqual(bootstrapAccuracyCI(correct, { seed: 4 }), ci);
  const all = bootstrapAccuracyCI([true, true, true]);
  assert.deepEqual([all.lower, all.upper], [1, 1]);
});

test('prediction table rows', () => {
  const rows = predictionTable(['x.jpg', 'y.jpg'], [[0.2, 0.8], [0.7, 0.3]], [1, 1], ['sea lion', 'fox']);
  assert.deepEqual(rows[0], { file: 'x.jpg', label: 'fox', label_index: 1, prediction: 'fox', prediction_index: 1, confidence: 0.8, correct: true, probabilities: [0.2, 0.8] });
  assert.equal(rows[1].prediction, 'sea lion');
  assert.equal(rows[1].correct, false);
});

/** Returns its input as the logits (so the softmax of log p is p). */
class Identity extends Module {
  forward(x: T.Tensor): T.Tensor {
    return x.clone();
  }
}

test('evaluateRun + writeRunMetrics: metrics.json and predictions.jsonl', async () => {
  const c = fixture.cases.find((x) => x.name === 'imbalanced')!;
  const dir = mkdtempSync(join(tmpdir(), 'fovea-eval-'));
  const logits = T.keep(T.tensor(c.probabilities.map((r) => r.map((p) => Math.log(Math.max(p, 1e-30))))));
  const labels = T.keep(T.tensor(c.labels, { dtype: 'int64' }));
  try {
    const files = c.labels.map((_, i) => `img${i}.png`);
    const model = new Identity();
    const source = tensorSource(logits, labels);
    const opts = { batchSize: 16, metrics: ['accuracy', 'top2'], loss: { labelSmoothing: 0.1 } };
    const { metrics, predictions, summary } = await evaluateRun(model, source, files, c.classes, opts);
    assert.equal(model.training, true, 'training mode is restored');
    // the one pass also gives what evaluate() reports (run.ts and `fovea eval` no longer run both)
    const batched = await evaluate(model, source, opts);
    assert.deepEqual(Object.keys(summary).sort(), Object.keys(batched).sort());
    for (const k of Object.keys(batched)) close(summary[k], batched[k], 1e-6, k);
    close(summary.accuracy, c.accuracy, 1e-12, 'summary accuracy');
    assert.ok(summary.loss > metrics.log_loss, 'label smoothing raises the loss above the log loss');
    assert.equal(metrics.n, 50);
    assert.equal(metrics.accuracy, c.accuracy);
    close(metrics.macro_f1, c.report.macro_avg.f1, 1e-12, 'macro f1');
    close(metrics.top_k.top2, c.top_k['2'], 1e-12, 'top2');
    close(metrics.log_loss, c.log_loss, 1e-5, 'log loss'); // probabilities went through float32 logits
    assert.ok(metrics.accuracy_ci.lower <= metrics.accuracy && metrics.accuracy <= metrics.accuracy_ci.upper);
    assert.deepEqual(metrics.confusion_matrix, c.confusion_matrix);
    assert.equal(metrics.per_class[2].class, 'rare');
    assert.match(formatRunMetrics(metrics), /weighted avg[\s\S]*95% CI[\s\S]*most confused/);

    const paths = writeRunMetrics(dir, metrics, predictions);
    assert.deepEqual(readdirSync(dir).sort(), ['metrics.json', 'predictions.jsonl']);
    const saved = JSON.parse(readFileSync(paths.metrics, 'utf8')) as typeof metrics;
    assert.equal(saved.ece, metrics.ece);
    assert.deepEqual(saved.most_confused, metrics.most_confused);
    assert.equal(saved.reliability.length, 15);
    const lines = readFileSync(paths.predictions, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { file: string; label: string; prediction: string; probabilities: number[] });
    assert.equal(lines.length, 50);
    assert.deepEqual(Object.keys(lines[0]).sort(), ['correct', 'file', 'label', 'prediction', 'probabilities']);
    assert.equal(lines[49].file, 'img49.png');
    assert.equal(lines[49].label, 'rare');
    assert.equal(lines[0].probabilities.length, 3);
    close(lines[0].probabilities.reduce((a, b) => a + b, 0), 1, 1e-12, 'row sum');
  } finally {
    T.dispose([logits, labels]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('computeRunMetrics is JSON-safe and matches the pieces', () => {
  const c = fixture.cases[0];
  const m = computeRunMetrics(c.probabilities, c.labels, c.classes, { bootstrap: { resamples: 200, seed: 1 } });
  const round = JSON.parse(JSON.stringify(m)) as typeof m;
  assert.deepEqual(round, m);
  assert.equal(m.accuracy_ci.resamples, 200);
  close(m.weighted_f1, c.report.weighted_avg.f1, 1e-12, 'weighted f1');
});
