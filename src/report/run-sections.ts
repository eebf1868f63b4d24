// The sections about one run: config, model summary, training curves, classification report,
// confusion matrix, misclassified gallery, CAM gallery and efficiency figures.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { renderSvg } from './charts/render.js';
import { confusionSpec, curveSpec } from './charts/specs.js';
import { rowNormalise } from './metrics.js';
import { chartHtml, chartMd, unavailable, type Figure, type Section } from './section.js';
import { dataUri, locateImage, thumbnail } from './thumbs.js';
import { efficiencyScore, esc, fmtBytes, fmtInt, fmtNum, fmtPct, fmtSeconds, fmtSi, htmlTable, mdTable, slug, type Table } from './format.js';
import type { ReportOptions } from './options.js';
import type { RunData } from './types.js';

interface Ctx {
  run: RunData;
  prefix: string;
  level: 2 | 3;
  figDir: string;
  opts: ReportOptions;
}

const sec = (c: Ctx, id: string, title: string, html: string, md: string, figures: Figure[] = []): Section => ({ id: `${c.prefix}${id}`, title, level: c.level, html, md, figures });
const naMd = (what: string): string => `_${what}: not available._`;

function configSection(c: Ctx): Section {
  const text = c.run.configYaml.replace(/^#.*\n/, '');
  return sec(c, 'config', 'Configuration', `<pre class="code">${esc(text)}</pre>`, `\`\`\`yaml\n${text.trimEnd()}\n\`\`\``);
}

function summarySection(c: Ctx): Section {
  const s = c.run.summary;
  if (!s) return sec(c, 'model', 'Model summary', unavailable('Model summary'), naMd('Model summary'));
  return sec(c, 'model', 'Model summary', `<pre class="code">${esc(s.trimEnd())}</pre>`, `\`\`\`text\n${s.trimEnd()}\n\`\`\``);
}

async function curvesSection(c: Ctx): Promise<Section> {
  const h = c.run.history;
  if (!h.length) return sec(c, 'curves', 'Training curves', unavailable('Training history'), naMd('Training history'));
  const figs: Figure[] = [];
  for (const [metric, title] of [['loss', 'Loss'], ['accuracy', 'Accuracy']] as const) {
    if (!h.some((r) => r[metric] !== undefined || r[`val_${metric}`] !== undefined)) continue;
    figs.push({ file: `${c.prefix}${metric}.svg`, alt: `${title} per epoch, train and validation`, svg: await renderSvg(curveSpec(h, metric, title)) });
  }
  return sec(c, 'curves', 'Training curves', `<div class="charts">${figs.map((f) => chartHtml(f)).join('')}</div>`, figs.map((f) => chartMd(f, c.figDir)).join('\n\n'), figs);
}

function reportSection(c: Ctx): Section {
  const m = c.run.metrics;
  if (!m) return sec(c, 'classification', 'Classification report', unavailable('Classification report (no metrics.json or predictions.jsonl)'), naMd('Classification report'));
  const row = (name: string, s: { precision: number; recall: number; f1: number; support: number }): string[] => [name, fmtNum(s.precision, 3), fmtNum(s.recall, 3), fmtNum(s.f1, 3), fmtInt(s.support)];
  const t: Table = {
    head: ['class', 'precision', 'recall', 'F1', 'support'],
    rows: [...m.perClass.map((p) => row(p.name, p)), row('macro avg', m.macro), row('weighted avg', m.weighted)],
    numeric: [false, true, true, true, true],
  };
  const extras = [`accuracy ${fmtPct(m.accuracy, 2)} on ${fmtInt(m.macro.support)} test images`];
  if (m.accuracyCi) extras.push(`${m.accuracyCi.level ? `${Math.round(m.accuracyCi.level * (m.accuracyCi.level <= 1 ? 100 : 1))}% ` : ''}bootstrap interval ${fmtPct(m.accuracyCi.low, 2)} – ${fmtPct(m.accuracyCi.high, 2)}`);
  if (m.ece !== undefined) extras.push(`expected calibration error ${fmtNum(m.ece, 4)}`);
  const pairs = m.mostConfused.slice(0, 5).map((p) => `${p.truth} → ${p.prediction} (${p.count})`);
  const k = m.perClass.length;
  const html = htmlTable(t, (r, col) => (col === 0 && r >= k ? `<em>${esc(t.rows[r][col])}</em>` : undefined), 'report') +
    `<p class="note">${extras.map(esc).join(' · ')}</p>` +
    (pairs.length ? `<p class="note">Most confused (true → predicted): ${pairs.map(esc).join(', ')}</p>` : '') +
    `<p class="source">From ${m.source}.</p>`;
  const md = `${mdTable(t)}\n\n${extras.join(' · ')}${pairs.length ? `\n\nMost confused (true → predicted): ${pairs.join(', ')}` : ''}`;
  return sec(c, 'classification', 'Classification report', html, md);
}

async function confusionSection(c: Ctx): Promise<Section> {
  const m = c.run.metrics;
  if (!m) return sec(c, 'confusion', 'Confusion matrix', unavailable('Confusion matrix'), naMd('Confusion matrix'));
  const f: Figure = { file: `${c.prefix}confusion.svg`, alt: 'Confusion matrix: counts, coloured by share of the true class', svg: await renderSvg(confusionSpec(m.classes, m.confusion, rowNormalise(m.confusion))) };
  return sec(c, 'confusion', 'Confusion matrix', chartHtml(f, 'Rows: true class; columns: predicted class. Numbers are image counts; colour is the share of the row.'), chartMd(f, c.figDir), [f]);
}

function probBars(classes: readonly string[], probs: readonly number[], truth: number, pred: number): string {
  const order = probs.map((p, i) => ({ p, i })).sort((a, b) => b.p - a.p);
  const shown = order.length > 10 ? order.slice(0, 8) : order;
  const items = shown.map(({ p, i }) => {
    const cls = i === truth ? 'truth' : i === pred ? 'pred' : '';
    return `<li class="${cls}"><span class="lbl" title="${esc(classes[i] ?? String(i))}">${esc(classes[i] ?? String(i))}</span><span class="bar"><span style="width:${(p * 100).toFixed(1)}%"></span></span><span class="val">${fmtPct(p, 1)}</span></li>`;
  });
  if (shown.length < order.length) items.push(`<li class="more">… ${order.length - shown.length} more classes</li>`);
  return `<ul class="probs">${items.join('')}</ul>`;
}

async function gallerySection(c: Ctx): Promise<Section> {
  const preds = c.run.predictions;
  const title = 'Misclassified test images';
  if (!preds) return sec(c, 'misclassified', title, unavailable('Misclassified gallery (no predictions.jsonl)'), naMd('Misclassified gallery'));
  const wrong = preds.filter((p) => p.truth !== p.prediction).sort((a, b) => (b.probabilities[b.prediction] ?? 0) - (a.probabilities[a.prediction] ?? 0));
  if (!wrong.length) return sec(c, 'misclassified', title, '<p class="note">No misclassified test images.</p>', '_No misclassified test images._');
  const max = c.opts.maxMisclassified ?? 24;
  const shown = wrong.slice(0, max);
  const cfg = c.run.config as { data?: { root?: string } } | null;
  const roots = [cfg?.data?.root, c.run.dir].filter((r): r is string => typeof r === 'string');
  const classes = c.run.classes;
  const figs: Figure[] = [];
  const cards: string[] = [];
  const mdRows: string[][] = [];
  for (const [n, p] of shown.entries()) {
    const path = locateImage(p.file, roots);
    const thumb = path ? await thumbnail(path) : null;
    const file = `${c.prefix}miss-${n}.jpg`;
    if (thumb) figs.push({ file, alt: basename(p.file), raster: thumb });
    const img = thumb ? `<img src="${dataUri(thumb, 'image/jpeg')}" alt="${esc(basename(p.file))}" width="112" height="112">` : '<div class="noimg">image not found</div>';
    const conf = p.probabilities[p.prediction];
    cards.push(
      `<div class="card">${img}<div class="meta"><div class="file" title="${esc(p.file)}">${esc(basename(p.file))}</div>` +
        `<div>true: <b class="t">${esc(classes[p.truth] ?? String(p.truth))}</b></div><div>predicted: <b class="p">${esc(classes[p.prediction] ?? String(p.prediction))}</b>${conf !== undefined ? ` (${fmtPct(conf, 0)})` : ''}</div>` +
        `${p.probabilities.length ? probBars(classes, p.probabilities, p.truth, p.prediction) : ''}</div></div>`,
    );
    const top = p.probabilities.map((q, i) => ({ q, i })).sort((a, b) => b.q - a.q).slice(0, 5).map(({ q, i }) => `${classes[i] ?? i} ${fmtPct(q, 0)}`).join(', ');
    mdRows.push([thumb ? `![](${c.figDir}/${file})` : '', basename(p.file), classes[p.truth] ?? String(p.truth), classes[p.prediction] ?? String(p.prediction), top]);
  }
  const note = `<p class="note">${wrong.length} of ${preds.length} test images misclassified${wrong.length > shown.length ? `; the ${shown.length} most confident mistakes shown` : ''}.</p>`;
  const md = `${wrong.length} of ${preds.length} test images misclassified.\n\n| image | file | true | predicted | probabilities |\n| --- | --- | --- | --- | --- |\n${mdRows.map((r) => `| ${r.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`).join('\n')}`;
  return sec(c, 'misclassified', title, `${note}<div class="gallery">${cards.join('\n')}</div>`, md, figs);
}

function defaultCams(run: RunData): string[] {
  for (const d of ['cam', 'explain']) {
    const dir = join(run.dir, d);
    if (existsSync(dir)) return readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.png')).sort().map((f) => join(dir, f));
  }
  return [];
}

/** CAM gallery: the hook for class-activation overlays; shows the PNGs it is given. */
export function camSection(c: Ctx, pngs: readonly string[]): Section {
  const title = 'Class activation maps';
  const present = pngs.filter((p) => existsSync(p));
  if (!present.length) return sec(c, 'cam', title, unavailable('CAM overlays (run `fovea explain`)'), naMd('CAM overlays'));
  const figs = present.map((p, n) => ({ file: `${c.prefix}cam-${n}.png`, alt: basename(p), raster: readFileSync(p) }));
  const html = `<div class="gallery cams">${figs.map((f) => `<figure class="card"><img src="${dataUri(f.raster, 'image/png')}" alt="${esc(f.alt)}"><figcaption>${esc(f.alt)}</figcaption></figure>`).join('\n')}</div>`;
  return sec(c, 'cam', title, html, figs.map((f) => `![${f.alt}](${c.figDir}/${f.file})`).join('\n'), figs);
}

function efficiencySection(c: Ctx): Section {
  const r = c.run.result;
  if (!r) return sec(c, 'efficiency', 'Efficiency', unavailable('Efficiency figures (no result.json)'), naMd('Efficiency figures'));
  const acc = r.test?.accuracy ?? r.val?.accuracy;
  const score = efficiencyScore(acc, r.params?.total);
  const t: Table = {
    head: ['figure', 'value'],
    rows: [
      ['parameters (total)', fmtInt(r.params?.total)],
      ['parameters (trainable)', fmtInt(r.params?.trainable)],
      ['MACs per image', `${fmtSi(r.macs)} (${fmtInt(r.macs)})`],
      ['weight file size', fmtBytes(c.run.weightBytes)],
      ...(r.efficiency
        ? [
            ['inference latency, batch 1', `${fmtNum(r.efficiency.latency_ms_batch1, 2)} ms`],
            ['inference throughput, batch 32', `${fmtNum(r.efficiency.throughput_batch32, 1)} images/s (${r.efficiency.threads} threads)`],
          ]
        : []),
      ['epochs', fmtInt(r.epochs)],
      ['training time', fmtSeconds(r.timings?.train_s)],
      ['total run time', fmtSeconds(r.timings?.total_s)],
      [`${r.test?.accuracy !== undefined ? 'test' : 'validation'} accuracy`, fmtPct(acc, 2)],
      ['score = accuracy / (params / 100,000)', fmtNum(score, 4)],
    ],
    numeric: [false, true],
  };
  return sec(c, 'efficiency', 'Efficiency', htmlTable(t, undefined, 'kv'), mdTable(t));
}

/** All sections of one run; `prefix` keeps ids and figure names unique in multi-run reports. */
export async function runSections(run: RunData, opts: ReportOptions, level: 2 | 3, prefix: string): Promise<Section[]> {
  const c: Ctx = { run, prefix: prefix ? `${slug(prefix)}-` : '', level, figDir: opts.figuresDir ?? 'report-figures', opts };
  const cams = (opts.camImages ?? defaultCams)(run);
  return [
    configSection(c),
    summarySection(c),
    await curvesSection(c),
    reportSection(c),
    await confusionSection(c),
    await gallerySection(c),
    camSection(c, cams),
    efficiencySection(c),
  ];
}
