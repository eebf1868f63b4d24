// The multi-run comparison: a table (what changed against the first run, sizes, accuracies,
// losses, time, score) and accuracy-vs-parameters / accuracy-vs-time plots with the Pareto front.
import { renderSvg } from './charts/render.js';
import { paretoSpec, type ScatterPoint } from './charts/specs.js';
import { paretoFront } from './pareto.js';
import { chartHtml, chartMd, type Figure, type Section } from './section.js';
import { efficiencyScore, esc, fmtInt, fmtNum, fmtPct, fmtSeconds, htmlTable, mdTable, type Table } from './format.js';
import type { ReportOptions } from './options.js';
import type { RunData } from './types.js';

/** The accuracy a run is ranked by: test, else validation. */
export const rankAccuracy = (r: RunData): number | undefined => r.result?.test?.accuracy ?? r.result?.val?.accuracy;

export function comparisonTable(runs: readonly RunData[], changes?: ReportOptions['configChanges']): { table: Table; changes: string[][] } {
  const diffs = runs.map((r, i) => (i === 0 ? ['(baseline)'] : changes ? changes(runs[0].config, r.config).filter((l) => !l.startsWith('name:')) : ['(config diff not given)']));
  const rows = runs.map((r, i) => {
    const res = r.result;
    const d = diffs[i].length ? diffs[i] : ['(same config)'];
    return [
      r.name,
      d.length > SHOWN_CHANGES ? `${d.slice(0, SHOWN_CHANGES).join('; ')}; … ${d.length - SHOWN_CHANGES} more` : d.join('; '),
      fmtInt(res?.params?.total),
      fmtPct(res?.train?.accuracy, 2),
      fmtPct(res?.val?.accuracy, 2),
      fmtPct(res?.test?.accuracy, 2),
      fmtNum(res?.train?.loss, 3),
      fmtNum(res?.val?.loss, 3),
      fmtNum(res?.test?.loss, 3),
      fmtInt(res?.epochs),
      fmtSeconds(res?.timings?.train_s),
      fmtNum(efficiencyScore(rankAccuracy(r), res?.params?.total), 3),
    ];
  });
  const head = ['run', 'changes vs first run', 'params', 'train acc', 'val acc', 'test acc', 'train loss', 'val loss', 'test loss', 'epochs', 'train time', 'score'];
  return { table: { head, rows, numeric: head.map((_, c) => c >= 2) }, changes: diffs };
}

const SHOWN_CHANGES = 3;

/** Config changes as code lines; past the first few, the rest fold into a <details>. */
function changesHtml(lines: readonly string[]): string {
  if (!lines.length) return '<span class="na">(same config)</span>';
  const code = (l: string): string => `<code title="${esc(l)}">${esc(l)}</code>`;
  const head = lines.slice(0, SHOWN_CHANGES).map(code).join('<br>');
  const rest = lines.slice(SHOWN_CHANGES);
  return rest.length ? `${head}<details class="more"><summary>${rest.length} more</summary>${rest.map(code).join('<br>')}</details>` : head;
}

function points(runs: readonly RunData[], cost: (r: RunData) => number | undefined): ScatterPoint[] {
  const raw = runs.map((r) => ({ name: r.name, cost: cost(r) ?? NaN, accuracy: rankAccuracy(r) ?? NaN })).filter((p) => Number.isFinite(p.cost) && Number.isFinite(p.accuracy) && p.cost > 0);
  const front = new Set(paretoFront(raw));
  return raw.map((p, i) => ({ ...p, front: front.has(i) }));
}

export async function comparisonSection(runs: readonly RunData[], opts: ReportOptions): Promise<Section> {
  const { table, changes } = comparisonTable(runs, opts.configChanges);
  const best = Math.max(...runs.map((r) => rankAccuracy(r) ?? -1));
  const html = htmlTable(table, (r, c) => {
    if (c === 1) return changesHtml(changes[r]);
    if ((c === 5 || (c === 4 && runs[r].result?.test?.accuracy === undefined)) && rankAccuracy(runs[r]) === best) return `<b>${esc(table.rows[r][c])}</b>`;
    return undefined;
  }, 'compare');
  const figDir = opts.figuresDir ?? 'report-figures';
  const figs: Figure[] = [];
  const byParams = points(runs, (r) => r.result?.params?.total);
  const byTime = points(runs, (r) => r.result?.timings?.train_s);
  const spread = (ps: ScatterPoint[]): boolean => ps.length > 1 && Math.max(...ps.map((p) => p.cost)) / Math.min(...ps.map((p) => p.cost)) > 20;
  if (byParams.length) figs.push({ file: 'compare-accuracy-params.svg', alt: 'Accuracy against parameters, Pareto front marked', svg: await renderSvg(paretoSpec(byParams, 'parameters', spread(byParams))) });
  if (byTime.length) figs.push({ file: 'compare-accuracy-time.svg', alt: 'Accuracy against training time, Pareto front marked', svg: await renderSvg(paretoSpec(byTime, 'training time (s)', spread(byTime), '~r')) });
  const note = '<p class="note">Accuracy is test accuracy (validation when a run has no test split). Score = accuracy / (params / 100,000). Red diamonds: the Pareto front (no other run is both more accurate and cheaper).</p>';
  return {
    id: 'comparison',
    title: 'Comparison',
    level: 2,
    html: `${html}${note}<div class="charts">${figs.map((f) => chartHtml(f)).join('')}</div>`,
    md: `${mdTable(table)}\n\n${figs.map((f) => chartMd(f, figDir)).join('\n\n')}`,
    figures: figs,
  };
}
