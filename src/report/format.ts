// Number and text formatting shared by the HTML and Markdown output (pure).

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export const mdEsc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export const NA = '—';
const ok = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export const fmtInt = (v: number | null | undefined): string => (ok(v) ? Math.round(v).toLocaleString('en-US') : NA);
export const fmtPct = (v: number | null | undefined, digits = 1): string => (ok(v) ? `${(v * 100).toFixed(digits)}%` : NA);
export const fmtNum = (v: number | null | undefined, digits = 4): string => (ok(v) ? v.toFixed(digits) : NA);

export function fmtSi(v: number | null | undefined): string {
  if (!ok(v)) return NA;
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [d, u] of units) if (Math.abs(v) >= d) return `${(v / d).toFixed(2)} ${u}`;
  return String(Math.round(v));
}

export function fmtBytes(v: number | null | undefined): string {
  if (!ok(v)) return NA;
  const units = ['B', 'KB', 'MB', 'GB'];
  let x = v;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return `${x.toFixed(i === 0 ? 0 : 2)} ${units[i]}`;
}

export function fmtSeconds(v: number | null | undefined): string {
  if (!ok(v)) return NA;
  if (v < 60) return `${v.toFixed(1)} s`;
  const m = Math.floor(v / 60);
  if (m < 60) return `${m} min ${Math.round(v - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The efficiency score: accuracy per 100,000 parameters. */
export { efficiencyScore } from '../eval/efficiency.js';

/** A tag-safe slug for ids and file names. */
export const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'run';

export interface Table {
  head: string[];
  rows: string[][];
  /** Columns aligned right (numbers). */
  numeric?: boolean[];
}

/** Cells are plain text; HTML escapes them (cellHtml, when given, is trusted HTML for that cell). */
export function htmlTable(t: Table, cellHtml?: (r: number, c: number) => string | undefined, cls = ''): string {
  const align = (c: number): string => (t.numeric?.[c] ? ' class="num"' : '');
  const head = t.head.map((h, c) => `<th${align(c)}>${esc(h)}</th>`).join('');
  const body = t.rows.map((row, r) => `<tr>${row.map((cell, c) => `<td${align(c)}>${cellHtml?.(r, c) ?? esc(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table${cls ? ` class="${cls}"` : ''}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

export function mdTable(t: Table): string {
  const line = (cells: string[]): string => `| ${cells.map(mdEsc).join(' | ')} |`;
  const sep = `|${t.head.map((_, c) => (t.numeric?.[c] ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(t.head), sep, ...t.rows.map(line)].join('\n');
}
