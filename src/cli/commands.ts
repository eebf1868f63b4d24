// The fovea subcommands: each parses, validates and calls the library.
import { resolve } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import * as T from '../torch/index.js';
import { loadConfig } from '../experiment/load.js';
import { runExperiment } from '../experiment/run.js';
import { openRun, predictFiles } from '../experiment/saved-run.js';
import { openPretrained, archSource, readLabels } from '../experiment/pretrained.js';
import { createModel, importWeights, archNames } from '../models/index.js';
import { scanWnidFolder, isWnidFolder } from '../data/wnid-folder.js';
import { buildModel } from '../experiment/run.js';
import { imageSizeOf, prepareData, splitEntries } from '../experiment/data.js';
import { scanImageFolder, checkSameClasses } from '../data/image-folder.js';
import { decodeAll, skippedWarning } from '../data/images.js';
import { imageSource } from '../data/image-source.js';
import { writeAugmentationGrid } from '../data/augment/index.js';
import { evaluateRun, formatRunMetrics } from '../eval/index.js';
import { outputPath, resolveClass, writePng, CamStructureError, UnknownLayerError, EXPLAIN_METHODS, type ExplainMethod } from '../interpret/index.js';
import { explainFile } from '../experiment/explain-file.js';
import { parse, intOption } from './args.js';
import { UsageError } from './errors.js';
import { writeReport } from '../report/index.js';
import { diffConfigs, formatChanges } from '../experiment/diff.js';
import { configSummary, models } from './zoo-commands.js';

export interface Command {
  usage: string;
  run(argv: string[]): Promise<void>;
}

const out = (s: string): void => void process.stdout.write(`${s}\n`);
const err = (s: string): void => void process.stderr.write(`${s}\n`);

function help(values: Record<string, unknown>, usage: string): boolean {
  if (values.help) out(usage);
  return Boolean(values.help);
}

const TRAIN = `usage: fovea train CONFIG [--set key.path=value ...] [--out DIR] [--quiet]
       fovea train --resume RUN

Trains the experiment CONFIG (YAML), evaluates it on the test split and writes a run folder
(config.yaml, summary.txt, history.jsonl, checkpoints/, model.safetensors, result.json).
The last line of standard output is the run folder.

  --set key.path=value   override a config value (repeatable), e.g. --set train.epochs=5
  --out DIR              the run folder (default: <output.dir>/<name>-<time>)
  --resume RUN           continue the run in RUN from its newest checkpoint
  --quiet                no progress bar`;

export const train: Command = {
  usage: TRAIN,
  async run(argv) {
    const { values, positionals } = parse(argv, { set: { type: 'string', multiple: true }, out: { type: 'string' }, resume: { type: 'string' }, quiet: { type: 'boolean' } }, TRAIN);
    if (help(values, TRAIN)) return;
    const resumeDir = values.resume as string | undefined;
    if (resumeDir) {
      if (positionals.length) throw new UsageError(`--resume takes the run folder only\n\n${TRAIN}`);
      const cfgPath = resolve(resumeDir, 'config.yaml');
      if (!existsSync(cfgPath)) throw new UsageError(`--resume: '${resumeDir}' is not a run folder (no config.yaml)`);
      const cfg = loadConfig(cfgPath);
      const r = await runExperiment(cfg, { outDir: resumeDir, resume: true, verbose: values.quiet ? 0 : 1 });
      out(r.run_dir);
      return;
    }
    if (positionals.length !== 1) throw new UsageError(`train needs one CONFIG file\n\n${TRAIN}`);
    const cfg = loadConfig(positionals[0], { set: (values.set as string[] | undefined) ?? [] });
    const r = await runExperiment(cfg, { outDir: values.out as string | undefined, verbose: values.quiet ? 0 : 1 });
    out(r.run_dir);
  },
};

const EVAL = `usage: fovea eval RUN [--data DIR] [--json]
       fovea eval --arch NAME --weights FILE --data DIR [--limit N] [--json]

Evaluates a trained run on its own test split, or on DIR (a folder of class folders with the
run's classes). Prints loss, accuracy and scikit-learn's classification report (per-class
precision, recall, F1, support), the accuracy's bootstrap 95% CI, log loss, the expected
calibration error and the most confused classes. With --json, one JSON object with all of it
(confusion matrices and reliability-diagram bins included).

With --arch and --weights, evaluates a zoo architecture with imported weights (any format
\`fovea import\` reads) without a run folder, preprocessed as the architecture's config says
(shorter side resized, centre crop, mean/std). DIR is a folder of class folders, or a flat
ImageNet-style folder of <wnid>_<label>.jpg files (class = rank of the wnid). Prints top-1 and
top-5 accuracy, the CI, log loss and ECE.

  --limit N   only the first N images (in file-name order)`;

export const evalCmd: Command = {
  usage: EVAL,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { data: { type: 'string' }, json: { type: 'boolean' }, arch: { type: 'string' }, weights: { type: 'string' }, limit: { type: 'string' } },
      EVAL,
    );
    if (help(values, EVAL)) return;
    if (values.arch !== undefined || values.weights !== undefined) {
      await evalPretrained(values, positionals);
      return;
    }
    if (values.limit !== undefined) throw new UsageError(`--limit goes with --arch\n\n${EVAL}`);
    if (positionals.length !== 1) throw new UsageError(`eval needs one RUN folder\n\n${EVAL}`);
    const run = openRun(positionals[0]);
    const cfg = run.config;
    let entries;
    if (values.data) {
      const folder = scanImageFolder(values.data as string);
      checkSameClasses({ root: run.dir, classes: run.classes, entries: [] }, folder);
      entries = folder.entries;
    } else {
      entries = splitEntries(cfg).test;
      if (entries.length === 0) throw new UsageError(`run '${run.dir}' has no test split; give --data DIR`);
    }
    const decoded = await decodeAll(entries, { size: run.imageSize, resize: cfg.data.resize, interpolation: cfg.data.interpolation });
    const warn = skippedWarning(decoded.skipped);
    if (warn) err(warn);
    const source = imageSource(decoded.images, decoded.labels, { scale: cfg.data.scale, transform: (b) => ({ x: run.augmentation.eval(b.x), y: b.y.clone() }) });
    const evaluation = await evaluateRun(run.model, source, decoded.files, run.classes, { batchSize: cfg.train.batch_size, metrics: cfg.train.metrics, loss: { labelSmoothing: cfg.train.loss.label_smoothing }, bootstrap: { seed: cfg.seed } });
    const { metrics: full, summary: metrics } = evaluation;
    const result = { run: run.dir, images: decoded.files.length, skipped: decoded.skipped.length, ...metrics };
    if (values.json) out(JSON.stringify({ ...result, ...full, ...metrics }));
    else out(`${Object.entries(result).map(([k, v]) => `${k}: ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v}`).join('\n')}\n\n${formatRunMetrics(full)}`);
  },
};

function archArgs(values: Record<string, unknown>, usage: string): { arch: string; weights: string } {
  const arch = values.arch as string | undefined;
  const weights = values.weights as string | undefined;
  if (!arch || !weights) throw new UsageError(`--arch and --weights go together\n\n${usage}`);
  if (!archNames().includes(arch)) throw new UsageError(`--arch: unknown architecture '${arch}'; known: ${archNames().join(', ')}`);
  if (!existsSync(weights)) throw new UsageError(`--weights: '${weights}' does not exist`);
  return { arch, weights };
}

async function evalPretrained(values: Record<string, unknown>, positionals: string[]): Promise<void> {
  const { arch, weights } = archArgs(values, EVAL);
  if (positionals.length) throw new UsageError(`eval --arch takes no RUN folder\n\n${EVAL}`);
  const dir = values.data as string | undefined;
  if (!dir) throw new UsageError(`eval --arch needs --data DIR\n\n${EVAL}`);
  const limit = intOption(values.limit, 'limit');
  const folder = isWnidFolder(dir) ? scanWnidFolder(dir) : scanImageFolder(dir);
  const p = await openPretrained(arch, weights);
  const n = p.model.config.numClasses;
  if (folder.classes.length !== n) throw new UsageError(`--data: '${dir}' has ${folder.classes.length} classes, ${arch} predicts ${n}`);
  const entries = limit === undefined ? folder.entries : folder.entries.slice(0, limit);
  const decoded = await decodeAll(entries, p.decodeOptions);
  const warn = skippedWarning(decoded.skipped);
  if (warn) err(warn);
  const source = archSource(p.model, decoded.images, decoded.labels);
  const m = (await evaluateRun(p.model, source, decoded.files, folder.classes, { batchSize: 32, metrics: ['accuracy', 'top5'], bootstrap: { seed: 0 } })).metrics;
  const result = { arch, weights, data: dir, images: decoded.files.length, skipped: decoded.skipped.length, top1: m.accuracy, top5: m.top_k.top5, accuracy_ci: m.accuracy_ci, log_loss: m.log_loss, ece: m.ece, macro_f1: m.macro_f1 };
  if (values.json) {
    out(JSON.stringify(result));
    return;
  }
  const f = (x: number): string => x.toFixed(4);
  out(
    [
      `arch: ${arch}`,
      `weights: ${weights}`,
      `images: ${result.images}${result.skipped ? ` (${result.skipped} skipped)` : ''}`,
      `top1: ${f(m.accuracy)} (95% CI ${f(m.accuracy_ci.lower)}-${f(m.accuracy_ci.upper)})`,
      `top5: ${f(m.top_k.top5)}`,
      `log loss: ${f(m.log_loss)}, ECE: ${f(m.ece)}`,
    ].join('\n'),
  );
}

const PREDICT = `usage: fovea predict RUN IMAGE... [--top K] [--json]
       fovea predict --arch NAME --weights FILE IMAGE... [--labels FILE] [--top K] [--json]

Predicts the class of each image with a trained run, or with a zoo architecture and imported
weights (--arch, --weights: any format \`fovea import\` reads; preprocessing from the
architecture's config). With --json, one JSON object per line:
{"file": path, "top": [{"class": name, "index": i, "probability": p}, ...]}; an unreadable
image gives {"file": path, "error": message} and the others are still predicted.

  --labels FILE   class names for --arch: a JSON array or {"labels": [...]} (default: indices)`;

export const predict: Command = {
  usage: PREDICT,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { top: { type: 'string' }, json: { type: 'boolean' }, arch: { type: 'string' }, weights: { type: 'string' }, labels: { type: 'string' } },
      PREDICT,
    );
    if (help(values, PREDICT)) return;
    const k = intOption(values.top, 'top') ?? 5;
    let predictor;
    let files: string[];
    if (values.arch !== undefined || values.weights !== undefined) {
      const { arch, weights } = archArgs(values, PREDICT);
      if (positionals.length < 1) throw new UsageError(`predict --arch needs at least one IMAGE\n\n${PREDICT}`);
      if (values.labels !== undefined) {
        try {
          readLabels(values.labels as string);
        } catch (e) {
          throw new UsageError(`--labels: ${(e as Error).message}`);
        }
      }
      predictor = await openPretrained(arch, weights, { labels: values.labels as string | undefined });
      files = positionals;
    } else {
      if (values.labels !== undefined) throw new UsageError(`--labels goes with --arch (a run has its own class names)\n\n${PREDICT}`);
      if (positionals.length < 2) throw new UsageError(`predict needs a RUN folder and at least one IMAGE\n\n${PREDICT}`);
      predictor = openRun(positionals[0]);
      files = positionals.slice(1);
    }
    const preds = await predictFiles(predictor, files, k);
    for (const p of preds) {
      if (values.json) out(JSON.stringify(p));
      else if (p.error) out(`${p.file}: error: ${p.error}`);
      else out(`${p.file}: ${p.top!.map((t) => `${t.class} ${(t.probability * 100).toFixed(1)}%`).join(', ')}`);
    }
    if (preds.some((p) => p.error)) process.exitCode = 1;
  },
};

const IMPORT = `usage: fovea import FILE --arch NAME --out model.safetensors [--num-classes N] [--non-strict]

Converts weights to a safetensors state dict of a zoo architecture, once: safetensors,
PyTorch .pt/.pth/.bin checkpoints (zip format; a state dict, or one under 'state_dict' or
'model'), ONNX models (float or int8-quantised: QLinearConv / DequantizeLinear weights are
dequantised; batch norm folded by the exporter becomes an identity plus the conv bias) and TF.js
layers models (a folder with model.json, or model.json). Prints what was loaded, skipped and
missing; an error names a missing or mis-shaped parameter. The output loads with
--weights, or in a config's model.weights.

  --num-classes N   the architecture's classifier size (default: its own, 1000 for ImageNet)
  --non-strict      write the file even when some parameters get no value (they keep their init)`;

export const importCmd: Command = {
  usage: IMPORT,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { arch: { type: 'string' }, out: { type: 'string' }, 'num-classes': { type: 'string' }, 'non-strict': { type: 'boolean' } },
      IMPORT,
    );
    if (help(values, IMPORT)) return;
    if (positionals.length !== 1 || !values.arch || !values.out) throw new UsageError(`import needs one FILE, --arch NAME and --out FILE\n\n${IMPORT}`);
    const arch = values.arch as string;
    if (!archNames().includes(arch)) throw new UsageError(`--arch: unknown architecture '${arch}'; known: ${archNames().join(', ')}`);
    const file = positionals[0];
    if (!existsSync(file)) throw new UsageError(`'${file}' does not exist`);
    const numClasses = intOption(values['num-classes'], 'num-classes');
    const model = createModel(arch, numClasses !== undefined ? { numClasses } : {});
    try {
      const r = await importWeights(file, model, { strict: !values['non-strict'] });
      const outPath = resolve(values.out as string);
      T.saveSafetensors(outPath, model.stateDict(), { arch, source: file, format: r.format });
      err(`${r.format}: loaded ${r.loaded.length}, skipped ${r.skipped.length}, missing ${r.missing.length}`);
      if (r.skipped.length) err(`skipped: ${r.skipped.join(', ')}`);
      if (r.missing.length) err(`missing: ${r.missing.join(', ')}`);
      out(outPath);
    } finally {
      model.dispose();
    }
  },
};

const SUMMARY = `usage: fovea summary CONFIG [--set key.path=value ...]

Prints the model summary of an experiment config without training.`;

export const summary: Command = {
  usage: SUMMARY,
  async run(argv) {
    const { values, positionals } = parse(argv, { set: { type: 'string', multiple: true } }, SUMMARY);
    if (help(values, SUMMARY)) return;
    if (positionals.length !== 1) throw new UsageError(`summary needs one CONFIG file\n\n${SUMMARY}`);
    const cfg = loadConfig(positionals[0], { set: (values.set as string[] | undefined) ?? [] });
    out(configSummary(cfg));
  },
};

const AUGMENT = `usage: fovea augment CONFIG --out grid.png [--rows N] [--cols N] [--set key.path=value ...]

Writes a grid of augmented training samples: each row one image, the first column the
original, the others augmented as training would.`;

export const augment: Command = {
  usage: AUGMENT,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { out: { type: 'string' }, rows: { type: 'string' }, cols: { type: 'string' }, set: { type: 'string', multiple: true } },
      AUGMENT,
    );
    if (help(values, AUGMENT)) return;
    if (positionals.length !== 1 || !values.out) throw new UsageError(`augment needs a CONFIG and --out FILE\n\n${AUGMENT}`);
    const cfg = loadConfig(positionals[0], { set: (values.set as string[] | undefined) ?? [] });
    const rows = intOption(values.rows, 'rows') ?? 4;
    const cols = intOption(values.cols, 'cols') ?? 8;
    const data = await prepareData(cfg, err);
    const decoded = data.train.decoded;
    const n = Math.min(rows, decoded.files.length);
    const imgs = T.tidy(() => decoded.images.narrow(0, 0, n).permute([0, 3, 1, 2]).float().div(cfg.data.scale === 'byte' ? 1 : 255));
    const labels = decoded.labels.narrow(0, 0, n);
    await writeAugmentationGrid(imgs, labels, (b, ctx) => data.augmentation.train(b, ctx), values.out as string, { rows: n, cols, maxValue: cfg.data.scale === 'byte' ? 255 : 1 }, cfg.seed);
    out(resolve(values.out as string));
  },
};

const EXPLAIN = `usage: fovea explain RUN IMAGE... --out DIR [--method cam|gradcam|features|saliency]
                     [--layer NAME] [--class NAME|INDEX] [--scale N]

Explains the predictions of a trained run: writes one PNG per image into DIR
(<image name>-<method>.png) and prints their paths.

  --method M        gradcam (default): Grad-CAM heat map over the image
                    cam: class activation map (networks ending GlobalAveragePooling2D + Dense)
                    saliency: input-gradient saliency (max |gradient| over colour channels)
                    features: the layer's feature maps as a grid, one tile per channel
  --layer NAME      the layer for gradcam/features (default: the last convolutional layer)
  --class C         class name or index to explain (default: the predicted class)
  --scale N         upscale the written image N times (default: to about 256 pixels)`;

export const explain: Command = {
  usage: EXPLAIN,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      { out: { type: 'string' }, method: { type: 'string' }, layer: { type: 'string' }, class: { type: 'string' }, scale: { type: 'string' } },
      EXPLAIN,
    );
    if (help(values, EXPLAIN)) return;
    if (positionals.length < 2 || !values.out) throw new UsageError(`explain needs a RUN folder, at least one IMAGE and --out DIR\n\n${EXPLAIN}`);
    const method = (values.method as string | undefined) ?? 'gradcam';
    if (!(EXPLAIN_METHODS as readonly string[]).includes(method)) throw new UsageError(`--method must be one of ${EXPLAIN_METHODS.join(', ')}, got '${method}'`);
    const scaleOpt = intOption(values.scale, 'scale');
    const run = openRun(positionals[0]);
    let classIndex: number | undefined;
    if (values.class !== undefined) {
      try {
        classIndex = resolveClass(values.class as string, run.classes);
      } catch (e) {
        throw new UsageError(`--class: ${(e as Error).message}`);
      }
    }
    const dir = resolve(values.out as string);
    mkdirSync(dir, { recursive: true });
    const taken = new Set<string>();
    for (const file of positionals.slice(1)) {
      let r;
      try {
        r = await explainFile(run, file, { method: method as ExplainMethod, layer: values.layer as string | undefined, classIndex });
      } catch (e) {
        // a wrong --layer or a model CAM cannot explain is a usage error (exit 2)
        if (e instanceof UnknownLayerError || e instanceof CamStructureError) throw new UsageError(e.message);
        throw e;
      }
      const scale = scaleOpt ?? Math.max(1, Math.round(256 / Math.max(r.image.width, r.image.height)));
      const path = outputPath(dir, file, r.method, taken);
      await writePng(r.image, path, { scale, kernel: r.method === 'features' ? 'nearest' : 'cubic' });
      const e = r.explanation;
      err(e ? `${file}: ${method} for class ${run.classes[e.classIndex]} (score ${e.score.toFixed(3)})${r.layer ? ` at layer ${r.layer}` : ''}` : `${file}: feature maps of layer ${r.layer}`);
      out(path);
    }
  },
};

const REPORT = `usage: fovea report RUN... [--out report.html] [--title TEXT] [--max-misclassified N]

Writes one self-contained HTML report (inline charts and images; opens offline in any browser)
and a Markdown twin (report.md with PNG figures in report-figures/ beside it). One run: config,
model summary, training curves, classification report, confusion matrix, misclassified gallery,
CAM overlays (<run>/cam/*.png) and efficiency. Several runs: a comparison table (config changes
against the first run) and accuracy-vs-parameters/time plots with the Pareto front, then each run.

  --out FILE               the HTML file (default: RUN/report.html for one run, ./report.html for several)
  --title TEXT             page title
  --max-misclassified N    images in the misclassified gallery per run (default 24)`;

export const report: Command = {
  usage: REPORT,
  async run(argv) {
    const { values, positionals } = parse(argv, { out: { type: 'string' }, title: { type: 'string' }, 'max-misclassified': { type: 'string' } }, REPORT);
    if (help(values, REPORT)) return;
    if (positionals.length === 0) throw new UsageError(`report needs at least one RUN folder\n\n${REPORT}`);
    for (const dir of positionals) if (!existsSync(resolve(dir, 'config.yaml'))) throw new UsageError(`'${dir}' is not a run folder (no config.yaml)`);
    const outPath = (values.out as string | undefined) ?? (positionals.length === 1 ? resolve(positionals[0], 'report.html') : 'report.html');
    const w = await writeReport(positionals, outPath, {
      title: values.title as string | undefined,
      maxMisclassified: intOption(values['max-misclassified'], 'max-misclassified'),
      configChanges: (a, b) => formatChanges(diffConfigs(a, b)),
    });
    err(`markdown: ${w.markdown} (figures in ${w.figuresDir})`);
    out(w.html);
  },
};

export const COMMANDS: Record<string, Command> = { train, eval: evalCmd, predict, import: importCmd, summary, models, augment, explain, report };
