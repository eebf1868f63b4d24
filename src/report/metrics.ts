// Classification figures from a confusion matrix (pure), and tolerant readers for metrics.json and
// predictions.jsonl. Per-class precision/recall/F1 are derived from the confusion counts, so the
// report only needs the matrix from metrics.json; ECE and the accuracy interval are taken as given.
import type { ClassScores, EvalMetrics, PredictionRow } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const isMatrix = (v: unknown): v is number[][] => Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'));

/** Report figures from counts[truth][prediction]. */
export function metricsFromConfusion(counts: number[][], classes: readonly string[], source: EvalMetrics['source']): EvalMetrics {
  const k = counts.length;
  const names = Array.from({ length: k }, (_, i) => classes[i] ?? `class ${i}`);
  const colSum = (j: number): number => counts.reduce((s, r) => s + (r[j] ?? 0), 0);
  const total = counts.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  const perClass = names.map((name, i) => {
    const tp = counts[i][i] ?? 0;
    const support = counts[i].reduce((a, b) => a + b, 0);
    const predicted = colSum(i);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { name, precision, recall, f1, support };
  });
  const avg = (w: (c: ClassScores) => number): ClassScores => {
    const ws = perClass.reduce((s, c) => s + w(c), 0) || 1;
    const f = (key: 'precision' | 'recall' | 'f1'): number => perClass.reduce((s, c) => s + c[key] * w(c), 0) / ws;
    return { precision: f('precision'), recall: f('recall'), f1: f('f1'), support: total };
  };
  const pairs: EvalMetrics['mostConfused'] = [];
  counts.forEach((row, i) => row.forEach((c, j) => { if (i !== j && c > 0) pairs.push({ truth: names[i], prediction: names[j], count: c }); }));
  pairs.sort((a, b) => b.count - a.count);
  const correct = counts.reduce((s, r, i) => s + (r[i] ?? 0), 0);
  return {
    classes: names,
    perClass,
    macro: avg(() => 1),
    weighted: avg((c) => c.support),
    accuracy: total > 0 ? correct / total : 0,
    confusion: counts,
    mostConfused: pairs.slice(0, 10),
    source,
  };
}

/** Row-normalised matrix (each truth row sums to 1; empty rows stay 0). */
export function rowNormalise(counts: readonly number[][]): number[][] {
  return counts.map((r) => {
    const s = r.reduce((a, b) => a + b, 0);
    return r.map((c) => (s > 0 ? c / s : 0));
  });
}

function classIndex(v: unknown, classes: readonly string[]): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return classes.indexOf(v);
  if (isObj(v)) return classIndex(v.index ?? v.class ?? v.name, classes);
  return -1;
}

/** predictions.jsonl: {file, label, prediction, probabilities}; label/prediction as index or name, probabilities as a list or {class: p}. */
export function parsePredictions(text: string, classes: readonly string[]): PredictionRow[] {
  const rows: PredictionRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObj(o)) continue;
    const p = o.probabilities ?? o.probs;
    const probabilities = Array.isArray(p) ? p.map((x) => num(x) ?? 0) : isObj(p) ? classes.map((c) => num(p[c]) ?? 0) : [];
    const truth = classIndex(o.label ?? o.truth ?? o.target, classes);
    let prediction = classIndex(o.prediction ?? o.predicted ?? o.pred, classes);
    if (prediction < 0 && probabilities.length) prediction = probabilities.indexOf(Math.max(...probabilities));
    if (truth < 0 || prediction < 0) continue;
    rows.push({ file: String(o.file ?? o.path ?? ''), truth, prediction, probabilities });
  }
  return rows;
}

export function metricsFromPredictions(rows: readonly PredictionRow[], classes: readonly string[]): EvalMetrics {
  const k = Math.max(classes.length, ...rows.map((r) => Math.max(r.truth, r.prediction) + 1));
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const r of rows) counts[r.truth][r.prediction]++;
  return metricsFromConfusion(counts, classes, 'predictions.jsonl');
}

function findCounts(raw: Obj): number[][] | null {
  for (const key of ['confusion_matrix', 'confusion', 'confusionMatrix']) {
    const v = raw[key];
    if (isMatrix(v)) return v;
    if (isObj(v)) for (const sub of ['counts', 'count', 'matrix', 'values']) if (isMatrix(v[sub])) return v[sub] as number[][];
  }
  return null;
}

function findEce(raw: Obj): number | undefined {
  const v = raw.ece ?? (isObj(raw.calibration) ? raw.calibration : undefined);
  if (num(v) !== undefined) return num(v);
  if (isObj(v)) return num(v.ece) ?? num(v.value);
  return undefined;
}

function findCi(raw: Obj): EvalMetrics['accuracyCi'] {
  for (const key of ['accuracy_ci', 'bootstrap', 'bootstrap_ci', 'accuracyCi']) {
    const v = raw[key];
    if (Array.isArray(v) && num(v[0]) !== undefined && num(v[1]) !== undefined) return { low: v[0] as number, high: v[1] as number };
    if (isObj(v)) {
      const inner = isObj(v.ci) ? v.ci : v;
      const low = num(inner.low) ?? num(inner.lower) ?? num(inner.lo);
      const high = num(inner.high) ?? num(inner.upper) ?? num(inner.hi);
      if (Array.isArray(inner.ci) && num(inner.ci[0]) !== undefined) return { low: inner.ci[0] as number, high: inner.ci[1] as number, level: num(v.level) };
      if (low !== undefined && high !== undefined) return { low, high, level: num(v.level) ?? num(v.confidence) };
    }
  }
  return undefined;
}

/** metrics.json → EvalMetrics, or null when it holds no confusion matrix the report can read. */
export function parseMetricsFile(raw: unknown, classes: readonly string[]): EvalMetrics | null {
  if (!isObj(raw)) return null;
  const counts = findCounts(raw);
  if (!counts) return null;
  const names = Array.isArray(raw.classes) ? raw.classes.map(String) : classes;
  const m = metricsFromConfusion(counts, names, 'metrics.json');
  return { ...m, ece: findEce(raw), accuracyCi: findCi(raw) };
}
