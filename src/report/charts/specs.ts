// Pure Vega-Lite spec builders for the report's charts (data in, spec out).
import type { TopLevelSpec } from 'vega-lite';
import type { HistoryRow } from '../types.js';
import { CHART_CONFIG, COLORS, classAxis, wrapLabelExpr } from './theme.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Train and validation curves of one metric ('loss', 'accuracy') per epoch (1-based). */
export function curveSpec(history: readonly HistoryRow[], metric: string, title: string): TopLevelSpec {
  const values: { epoch: number; split: string; value: number }[] = [];
  for (const h of history) {
    if (h[metric] !== undefined) values.push({ epoch: h.epoch + 1, split: 'train', value: h[metric] });
    if (h[`val_${metric}`] !== undefined) values.push({ epoch: h.epoch + 1, split: 'validation', value: h[`val_${metric}`] });
  }
  const epochs = history.length;
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    title,
    width: 360,
    height: 220,
    data: { values },
    mark: { type: 'line', point: { size: epochs > 40 ? 0 : 36, filled: true }, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' }, scale: { domainMin: 1, nice: false } },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
      color: { field: 'split', type: 'nominal', title: null, scale: { domain: ['train', 'validation'], range: [COLORS.train, COLORS.validation] } },
      tooltip: [{ field: 'epoch' }, { field: 'split' }, { field: 'value', format: '.4f' }],
    },
  } as TopLevelSpec;
}

/** Confusion heat map: cell colour = share of the true class's images (row-normalised), text = count. */
export function confusionSpec(classes: readonly string[], counts: readonly number[][], shares: readonly number[][]): TopLevelSpec {
  const values = counts.flatMap((row, i) => row.map((count, j) => ({ truth: classes[i], prediction: classes[j], count, share: shares[i][j] })));
  const k = classes.length;
  const step = Math.max(22, Math.min(56, Math.floor(520 / Math.max(k, 1))));
  const fontSize = step < 30 ? 9 : 11;
  // wrap long class names onto two or three lines while there is room; clip them otherwise
  const wrap = step >= 30 ? wrapLabelExpr(classes, 18) : undefined;
  const labelExpr = wrap ? { labelExpr: wrap } : {};
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    width: { step },
    height: { step },
    data: { values },
    encoding: {
      x: { field: 'prediction', type: 'nominal', sort: [...classes], title: 'predicted class', axis: { ...classAxis(-35, 220), orient: 'bottom' } },
      y: { field: 'truth', type: 'nominal', sort: [...classes], title: 'true class', axis: { labelLimit: 180, ...labelExpr } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: { field: 'share', type: 'quantitative', title: 'share of row', scale: { domain: [0, 0.5, 1], range: ['#f4f8fc', '#6baed6', '#08306b'] }, legend: { format: '.0%', orient: 'right', gradientLength: Math.max(80, Math.min(240, step * k)) } },
          tooltip: [{ field: 'truth' }, { field: 'prediction' }, { field: 'count' }, { field: 'share', format: '.1%' }],
        },
      },
      {
        mark: { type: 'text', fontSize },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.share > 0.45', value: 'white' }, value: '#1f2933' },
        },
      },
    ],
  } as TopLevelSpec;
}

export interface ScatterPoint {
  name: string;
  cost: number;
  accuracy: number;
  front: boolean;
}

/** Accuracy against a cost (parameters, seconds) with the Pareto front as a dashed step line. */
export function paretoSpec(points: readonly ScatterPoint[], costTitle: string, log: boolean, format?: string): TopLevelSpec {
  const values = points.map((p) => ({ ...p, kind: p.front ? 'Pareto front' : 'dominated' }));
  const front = values.filter((p) => p.front).sort((a, b) => a.cost - b.cost);
  const x = { field: 'cost', type: 'quantitative', title: costTitle, scale: log ? { type: 'log' } : { zero: false, nice: true }, axis: { format: format ?? '~s', labelOverlap: true } };
  const y = { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { zero: false, nice: true }, axis: { format: '.0%' } };
  return {
    $schema: SCHEMA,
    config: CHART_CONFIG,
    width: 360,
    height: 240,
    layer: [
      { data: { values: front }, mark: { type: 'line', interpolate: 'step-after', strokeDash: [5, 4], color: COLORS.front, strokeWidth: 1.5 }, encoding: { x, y } },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 70, opacity: 0.9 },
        encoding: {
          x, y,
          color: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['Pareto front', 'dominated'], range: [COLORS.front, COLORS.muted] } },
          shape: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['Pareto front', 'dominated'], range: ['diamond', 'circle'] } },
          tooltip: [{ field: 'name' }, { field: 'cost', title: costTitle, format: ',.3~s' }, { field: 'accuracy', format: '.2%' }],
        },
      },
      { data: { values: front }, mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 10, color: '#333', limit: 140 }, encoding: { x, y, text: { field: 'name' } } },
    ],
  } as TopLevelSpec;
}
