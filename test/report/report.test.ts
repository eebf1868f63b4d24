// Reports of real (tiny) runs: every section present, charts with SVG marks, the Markdown twin with
// PNG figures, a multi-run comparison with Pareto plots, and the HTML checked in headless Chromium.
// Generation times (1 run, 20 runs) are printed, not asserted.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { diffConfigs, formatChanges } from '../../src/experiment/diff.js';
import { buildReport, paretoFront, parseMetricsFile, readRunData, writeReport, writeRunReport, type ReportOptions } from '../../src/report/index.js';
import { checkInBrowser, haveChromium } from './browser.js';
import { CLASSES, makeImages, makeRun, writeConfig } from './fixture.js';

const tmp = mkdtempSync(join(tmpdir(), 'fovea-report-'));
process.on('exit', () => { if (!process.env.FOVEA_KEEP_REPORT) rmSync(tmp, { recursive: true, force: true }); });
const changes: ReportOptions['configChanges'] = (a, b) => formatChanges(diffConfigs(a, b));
let runA = '';
let runB = '';

const RUN_SECTIONS = ['Configuration', 'Model summary', 'Training curves', 'Classification report', 'Confusion matrix', 'Misclassified test images', 'Class activation maps', 'Efficiency'];

before(async () => {
  const root = join(tmp, 'images');
  await makeImages(root);
  runA = await makeRun(writeConfig(tmp, root, 'tiny-linear', '    - {type: Flatten}'), join(tmp, 'run-a'));
  runB = await makeRun(writeConfig(tmp, root, 'tiny-hidden', '    - {type: Flatten}\n    - {type: Dense, units: 16, activation: relu}'), join(tmp, 'run-b'));
  // a CAM overlay for the hook (synthetic, not a data-set image)
  mkdirSync(join(runA, 'cam'), { recursive: true });
  await sharp({ create: { width: 48, height: 48, channels: 3, background: { r: 200, g: 80, b: 40 } } }).png().toFile(join(runA, 'cam', 'overlay-0.png'));
});

test('pareto front: cheaper-or-more-accurate points only', () => {
  const pts = [{ cost: 1, accuracy: 0.5 }, { cost: 2, accuracy: 0.4 }, { cost: 3, accuracy: 0.9 }, { cost: 3, accuracy: 0.8 }, { cost: 0.5, accuracy: 0.5 }];
  assert.deepEqual(paretoFront(pts), [4, 2]);
});

test('metrics.json from src/eval is read (confusion matrix, ECE, bootstrap interval)', () => {
  const raw = JSON.parse(readFileSync(join(runA, 'metrics.json'), 'utf8')) as { accuracy: number; macro_f1: number; ece: number };
  const m = parseMetricsFile(raw, CLASSES);
  assert.ok(m);
  assert.equal(m.source, 'metrics.json');
  assert.ok(Math.abs(m.accuracy - raw.accuracy) < 1e-12);
  assert.ok(Math.abs(m.macro.f1 - raw.macro_f1) < 1e-9, 'per-class scores derived from the matrix match src/eval');
  assert.equal(m.ece, raw.ece);
  assert.ok(m.accuracyCi && m.accuracyCi.low <= m.accuracy && m.accuracy <= m.accuracyCi.high);
});

test('single-run report: every section, charts with marks, gallery, Markdown twin with PNGs', async () => {
  const t0 = performance.now();
  const w = await writeRunReport(runA);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`report of 1 run: ${seconds.toFixed(2)} s`);
  const html = readFileSync(w.html, 'utf8');
  for (const title of RUN_SECTIONS) assert.match(html, new RegExp(`<h2>${title}</h2>`), title);
  assert.doesNotMatch(html, /not available/, 'a real run with metrics has every section');
  const charts = html.match(/<figure class="chart"[\s\S]*?<\/figure>/g) ?? [];
  assert.equal(charts.length, 3, 'loss, accuracy, confusion');
  for (const c of charts) {
    assert.match(c, /<svg[^>]*class="marks"/);
    assert.match(c, /class="mark-(line|rect|symbol)/);
  }
  for (const name of CLASSES) assert.ok(html.includes(name), `class ${name} appears`);
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external fetches');
  const preds = readFileSync(join(runA, 'predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { correct: boolean });
  const wrong = preds.filter((p) => !p.correct).length;
  const thumbs = (html.match(/<img src="data:image\/jpeg;base64,/g) ?? []).length;
  assert.equal(thumbs, Math.min(wrong, 24), 'one thumbnail per misclassified image');
  assert.match(html, /<img src="data:image\/png;base64,[^"]+" alt="overlay-0.png"/, 'CAM hook shows the overlay');
  const md = readFileSync(w.markdown, 'utf8');
  for (const title of RUN_SECTIONS) assert.match(md, new RegExp(`^## ${title}$`, 'm'));
  for (const f of ['loss.png', 'accuracy.png', 'confusion.png']) {
    assert.ok(md.includes(`report-figures/${f}`));
    const meta = await sharp(join(w.figuresDir, f)).metadata();
    assert.ok((meta.width ?? 0) > 100 && (meta.height ?? 0) > 100, f);
  }
});

test('a run folder without evaluation files still reports, saying what is missing', async () => {
  const bare = join(tmp, 'bare');
  mkdirSync(bare);
  writeFileSync(join(bare, 'config.yaml'), readFileSync(join(runA, 'config.yaml')));
  const r = await buildReport([readRunData(bare)]);
  assert.equal(r.sections.length, RUN_SECTIONS.length);
  assert.match(r.html, /Confusion matrix: not available/);
  assert.match(r.html, /Misclassified gallery \(no predictions.jsonl\): not available/);
});

test('comparison of two runs: table with config changes, Pareto plots, per-run sections', async () => {
  const out = join(tmp, 'cmp', 'report.html');
  const w = await writeReport([runA, runB], out, { configChanges: changes });
  const html = readFileSync(w.html, 'utf8');
  assert.match(html, /<h2>Comparison<\/h2>/);
  assert.match(html, /model\.layers\[1\]/, 'the config change is listed');
  assert.equal((html.match(/Pareto front/g) ?? []).length >= 2, true);
  assert.equal((html.match(/<h3>Confusion matrix<\/h3>/g) ?? []).length, 2);
  assert.ok(existsSync(join(w.figuresDir, 'compare-accuracy-params.png')));
  assert.ok(existsSync(join(w.figuresDir, 'compare-accuracy-time.png')));
});

test('timing: 20 runs', async () => {
  const dirs = Array.from({ length: 20 }, (_, i) => (i % 2 ? runB : runA));
  const t0 = performance.now();
  const w = await writeReport(dirs, join(tmp, 'many', 'report.html'), { configChanges: changes });
  console.log(`report of 20 runs: ${((performance.now() - t0) / 1000).toFixed(2)} s, ${(readFileSync(w.html).length / 1e6).toFixed(2)} MB`);
});

test('HTML renders in headless Chromium without errors; every image and chart has a size', { skip: haveChromium() ? false : 'no /usr/bin/chromium (apt-get install chromium)' }, async () => {
  for (const html of [join(runA, 'report.html'), join(tmp, 'cmp', 'report.html')]) {
    const shot = process.env.FOVEA_REPORT_SHOT ? `${process.env.FOVEA_REPORT_SHOT}-${html.includes('cmp') ? 'cmp' : 'one'}.png` : undefined;
    const c = await checkInBrowser(html, shot);
    assert.deepEqual(c.errors, [], 'console errors');
    assert.deepEqual(c.requests, [], 'external requests');
    assert.ok(c.images.length > 0 && c.charts.length >= 3);
    for (const i of c.images) assert.ok(i.width > 0 && i.height > 0 && i.natural > 0, `image ${i.alt}`);
    for (const ch of c.charts) assert.ok(ch.width > 0 && ch.height > 0 && ch.marks > 0, `chart ${ch.label}`);
  }
});
