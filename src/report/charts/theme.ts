// Shared look of every chart: fonts, sizes and colours (colour-blind-safe Tableau 10).
import type { Config } from 'vega-lite';

export const COLORS = { train: '#4e79a7', validation: '#f28e2b', front: '#e15759', point: '#4e79a7', muted: '#9aa5b1' };

export const CHART_CONFIG: Config = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
  background: 'white',
  padding: 8,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, gridColor: '#e5e8ec', domainColor: '#9aa5b1', tickColor: '#9aa5b1', labelColor: '#333', titleColor: '#222' },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom' },
  title: { fontSize: 14, fontWeight: 600, anchor: 'start', color: '#222' },
  range: { category: ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] },
};

/** Axis label settings for class names: angled, clipped with an ellipsis past `limit` px. */
export const classAxis = (angle: number, limit: number): Record<string, unknown> => ({ labelAngle: angle, labelLimit: limit, labelAlign: angle ? 'right' : 'center', labelBaseline: angle ? 'middle' : 'top', labelOverlap: false });

/** Greedy word wrap of a label into lines of at most `width` characters (long words stay whole). */
export function wrapLabel(s: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of s.split(/\s+/).filter(Boolean)) {
    if (cur && cur.length + 1 + w.length > width) { lines.push(cur); cur = w; } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : [s];
}

/** A Vega labelExpr that shows long labels on several lines (multi-line text from an array). */
export function wrapLabelExpr(labels: readonly string[], width: number): string | undefined {
  const map: Record<string, string[]> = {};
  for (const l of labels) if (l.length > width) map[l] = wrapLabel(l, width);
  return Object.keys(map).length ? `${JSON.stringify(map)}[datum.value] || datum.value` : undefined;
}
