// scikit-learn's classification_report text layout, digit for digit (Python's round-half-even
// formatting included).
import type { ClassificationReport, ClassScores } from './classification.js';

/**
 * x with `digits` decimals as Python's '{:.Nf}' writes it: like toFixed, except that an exact
 * tie (0.125 -> '0.12') rounds to even.
 */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  const long = Math.abs(x).toFixed(Math.min(100, digits + 30));
  const dot = long.indexOf('.');
  const tail = long.slice(dot + 1 + digits);
  if (/^50*$/.test(tail)) {
    // an exact tie: toFixed rounds up; Python rounds to the even neighbour
    const kept = long.slice(0, digits > 0 ? dot + 1 + digits : dot);
    const even = Number(kept[kept.length - 1]) % 2 === 0;
    return (x < 0 ? '-' : '') + (even ? kept : Math.abs(x).toFixed(digits));
  }
  return x.toFixed(digits);
}

const HEADERS = ['precision', 'recall', 'f1-score', 'support'];
const LAST_HEADING = 'weighted avg';

/** The text classification_report prints (digits=2 by default), class names right-aligned. */
export function formatClassificationReport(report: ClassificationReport, classes: readonly string[], digits = 2): string {
  const names = report.per_class.map((_, i) => classes[i] ?? String(i));
  const width = Math.max(LAST_HEADING.length, digits, ...names.map((n) => n.length));
  const num = (v: number): string => ` ${pyFixed(v, digits).padStart(9)}`;
  const line = (name: string, s: ClassScores): string =>
    `${name.padStart(width)} ${num(s.precision)}${num(s.recall)}${num(s.f1)} ${String(s.support).padStart(9)}\n`;
  let out = `${''.padStart(width)} ${HEADERS.map((h) => ` ${h.padStart(9)}`).join('')}\n\n`;
  names.forEach((n, i) => (out += line(n, report.per_class[i])));
  out += '\n';
  const total = report.macro_avg.support;
  out += `${'accuracy'.padStart(width)} ${' '.repeat(10)}${' '.repeat(10)}${num(report.accuracy)} ${String(total).padStart(9)}\n`;
  out += line('macro avg', report.macro_avg);
  out += line(LAST_HEADING, report.weighted_avg);
  return out;
}
