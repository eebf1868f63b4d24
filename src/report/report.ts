// Builds and writes reports: one self-contained HTML file (inline CSS, inline SVG charts, data-URI
// images) and a Markdown twin with PNG figures in a folder beside it.
import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { comparisonSection } from './comparison.js';
import { writeFigures } from './figures.js';
import { readRunData } from './load.js';
import type { ReportOptions } from './options.js';
import { renderHtml, renderMarkdown, type RunGroup } from './page.js';
import { runSections } from './run-sections.js';
import { slug } from './format.js';
import type { Figure, Section } from './section.js';
import type { RunData } from './types.js';
import { writeFileAtomic } from '../util/atomic.js';

export interface BuiltReport {
  html: string;
  markdown: string;
  figures: Figure[];
  /** Section ids and titles in order (for checks and tables of contents). */
  sections: { id: string; title: string }[];
}

/** Report of one or more runs (several: a comparison first, then each run). */
export async function buildReport(runs: readonly RunData[], opts: ReportOptions = {}): Promise<BuiltReport> {
  if (!runs.length) throw new Error('a report needs at least one run');
  const single = runs.length === 1;
  const used = new Set<string>();
  const groups: RunGroup[] = [];
  for (const [i, run] of runs.entries()) {
    let id = single ? '' : `run-${slug(run.name)}`;
    while (used.has(id)) id = `${id}-${i}`;
    used.add(id);
    groups.push({ id, title: run.name, sections: await runSections(run, opts, single ? 2 : 3, id) });
  }
  const top: Section[] = single ? [] : [await comparisonSection(runs, opts)];
  const stamp = new Date().toISOString().replace('T', ' ').slice(0, 16);
  const parts = {
    title: opts.title ?? (single ? `Run report: ${runs[0].name}` : `Comparison of ${runs.length} runs`),
    subtitle: `${single ? runs[0].dir : runs.map((r) => r.name).join(', ')} · generated ${stamp} UTC by fovea report`,
    top,
    groups,
  };
  const all = [...top, ...groups.flatMap((g) => g.sections)];
  return { html: renderHtml(parts), markdown: renderMarkdown(parts), figures: all.flatMap((s) => s.figures), sections: all.map((s) => ({ id: s.id, title: s.title })) };
}

export interface WrittenReport {
  html: string;
  markdown: string;
  figuresDir: string;
  figures: string[];
}

/** Writes `out` (HTML), its .md twin and `<name>-figures/` beside it. */
export async function writeReport(runDirs: readonly string[], out: string, opts: ReportOptions = {}): Promise<WrittenReport> {
  const html = resolve(out);
  const stem = basename(html, extname(html));
  const figName = `${stem}-figures`;
  const runs = runDirs.map(readRunData);
  const built = await buildReport(runs, { ...opts, figuresDir: figName });
  mkdirSync(dirname(html), { recursive: true });
  writeFileAtomic(html, built.html);
  const markdown = join(dirname(html), `${stem}.md`);
  writeFileAtomic(markdown, built.markdown);
  const figuresDir = join(dirname(html), figName);
  const figures = await writeFigures(built.figures, figuresDir);
  return { html, markdown, figuresDir, figures };
}

/** The single-run report in the run folder (report.html, report.md, report-figures/); for the runner. */
export async function writeRunReport(runDir: string, opts: ReportOptions = {}): Promise<WrittenReport> {
  return writeReport([runDir], join(runDir, 'report.html'), opts);
}
