// The fovea subcommands: each parses, validates and calls the library.
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import * as T from '../torch/index.js';
import { loadConfig } from '../experiment/load.js';
import { runExperiment } from '../experiment/run.js';
import { openRun, predictFiles } from '../experiment/saved-run.js';
import { buildModel } from '../experiment/run.js';
import { prepareData, splitEntries } from '../experiment/data.js';
import { evaluate } from '../train/evaluate.js';
import { scanImageFolder, checkSameClasses } from '../data/image-folder.js';
import { decodeAll, skippedWarning } from '../data/images.js';
import { imageSource } from '../data/image-source.js';
import { writeAugmentationGrid } from '../data/augment/index.js';
import { parse, intOption } from './args.js';
import { UsageError } from './errors.js';

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

Evaluates a trained run on its own test split, or on DIR (a folder of class folders with the
run's classes). Prints loss and accuracy (a JSON object with --json).`;

export const evalCmd: Command = {
  usage: EVAL,
  async run(argv) {
    const { values, positionals } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean' } }, EVAL);
    if (help(values, EVAL)) return;
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
    const metrics = await evaluate(run.model, source, { batchSize: cfg.train.batch_size, metrics: cfg.train.metrics });
    const result = { run: run.dir, images: decoded.files.length, skipped: decoded.skipped.length, ...metrics };
    if (values.json) out(JSON.stringify(result));
    else out(Object.entries(result).map(([k, v]) => `${k}: ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v}`).join('\n'));
  },
};

const PREDICT = `usage: fovea predict RUN IMAGE... [--top K] [--json]

Predicts the class of each image with a trained run. With --json, one JSON object per line:
{"file": path, "top": [{"class": name, "index": i, "probability": p}, ...]}; an unreadable
image gives {"file": path, "error": message} and the others are still predicted.`;

export const predict: Command = {
  usage: PREDICT,
  async run(argv) {
    const { values, positionals } = parse(argv, { top: { type: 'string' }, json: { type: 'boolean' } }, PREDICT);
    if (help(values, PREDICT)) return;
    if (positionals.length < 2) throw new UsageError(`predict needs a RUN folder and at least one IMAGE\n\n${PREDICT}`);
    const k = intOption(values.top, 'top') ?? 5;
    const run = openRun(positionals[0]);
    const preds = await predictFiles(run, positionals.slice(1), k);
    for (const p of preds) {
      if (values.json) out(JSON.stringify(p));
      else if (p.error) out(`${p.file}: error: ${p.error}`);
      else out(`${p.file}: ${p.top!.map((t) => `${t.class} ${(t.probability * 100).toFixed(1)}%`).join(', ')}`);
    }
    if (preds.some((p) => p.error)) process.exitCode = 1;
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
    const size = cfg.data.image_size ?? ([cfg.model.input_shape?.[1] ?? 64, cfg.model.input_shape?.[2] ?? 64] as [number, number]);
    const inputShape: [number, number, number] = cfg.model.input_shape ?? [3, size[0], size[1]];
    const lastUnits = cfg.model.layers?.at(-1)?.units;
    const model = buildModel(cfg, typeof lastUnits === 'number' ? lastUnits : 0, size);
    out(model.summary({ inputShape }));
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
    const data = await prepareData({ ...cfg, data: { ...cfg.data, cache: cfg.data.cache } }, err);
    const decoded = data.train.decoded;
    const n = Math.min(rows, decoded.files.length);
    const imgs = T.tidy(() => decoded.images.narrow(0, 0, n).permute([0, 3, 1, 2]).float().div(cfg.data.scale === 'byte' ? 1 : 255));
    const labels = decoded.labels.narrow(0, 0, n);
    await writeAugmentationGrid(imgs, labels, (b, ctx) => data.augmentation.train(b, ctx), values.out as string, { rows: n, cols, maxValue: cfg.data.scale === 'byte' ? 255 : 1 }, cfg.seed);
    out(resolve(values.out as string));
  },
};

export const COMMANDS: Record<string, Command> = { train, eval: evalCmd, predict, summary, augment };
