// `npm run bench -- finetune`: fine-tuning accuracy, Fovea against PyTorch on the same images,
// split and starting weights. Fovea trains an experiment config (default the flowers MobileNetV2
// example); the reference (bench/ref/finetune.py) fine-tunes torchvision's architecture of the
// same name, every layer, with the usual recipe (random resized crop and flip, AdamW, one-cycle,
// label smoothing), from the weights Fovea imported from the config's model.weights, on the
// files of Fovea's own seeded split. Both report the test accuracy of their best-validation
// epoch; the ratio is Fovea's over PyTorch's. This is about accuracy, not speed, and it takes
// about 22 minutes on 2 cores for the flowers example (Fovea 7, PyTorch 15).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as T from '../src/torch/index.js';
import { packageRoot } from '../src/torch/native.js';
import { createModel, importWeights } from '../src/models/index.js';
import { loadConfig } from '../src/experiment/load.js';
import { splitEntries } from '../src/experiment/data.js';
import { runExperiment } from '../src/experiment/run.js';
import type { ExperimentConfig } from '../src/experiment/types.js';
import { intArg, log, PYTHON, round, threadsFlag, UsageError, type BenchArgs, type Benchmark, type BenchResult } from './common.js';

interface SideResult {
  test_accuracy: number;
  val_accuracy: number;
  minutes: number;
}

/** Fovea's split of the config's data, as file lists the reference reads. */
function writeSplit(cfg: ExperimentConfig, file: string): number[] {
  const s = splitEntries(cfg);
  if (s.val.length === 0 || s.test.length === 0) throw new UsageError(`${cfg.name}: the config needs validation and test images`);
  const rows = (xs: typeof s.train): [string, number][] => xs.map((e) => [resolve(e.path), e.label]);
  writeFileSync(file, JSON.stringify({ classes: s.classes, train: rows(s.train), val: rows(s.val), test: rows(s.test) }));
  return [s.train.length, s.val.length, s.test.length];
}

/** The config's pretrained weights imported into the unmodified architecture, saved for torchvision. */
async function writeWeights(cfg: ExperimentConfig, file: string): Promise<string> {
  const model = createModel(cfg.model.arch!);
  try {
    await importWeights(cfg.model.weights!, model);
    T.saveSafetensors(file, model.stateDict());
    return model.config.classifier;
  } finally {
    model.dispose();
  }
}

function reference(args: BenchArgs, threads: number, split: string, weights: string, arch: string, classifier: string, size: number): SideResult & { best_epoch: number } {
  const script = join(packageRoot(), 'bench/ref/finetune.py');
  const argv = [script, '--split', split, '--weights', weights, '--arch', arch, '--classifier', classifier, '--size', String(size), '--epochs', String(intArg(args, 'ref-epochs')), '--threads', String(threads)];
  const nt = String(threads);
  const r = spawnSync(PYTHON, argv, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: nt, MKL_NUM_THREADS: nt }, maxBuffer: 1 << 22 });
  if (r.status !== 0) throw new Error(`${PYTHON} bench/ref/finetune.py failed (${r.error?.message ?? r.signal ?? `exit code ${r.status}`})`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const out = JSON.parse(last) as { best_epoch: number; val_accuracy: number; test_accuracy: number; total_s: number };
  return { best_epoch: out.best_epoch, val_accuracy: out.val_accuracy, test_accuracy: out.test_accuracy, minutes: out.total_s / 60 };
}

async function fovea(cfg: ExperimentConfig, dir: string): Promise<SideResult & { epochs: number }> {
  const t0 = performance.now();
  const r = await runExperiment(cfg, { outDir: join(dir, 'fovea-run'), verbose: 0, log: (line) => log(`fovea: ${line}`) });
  const test = r.test.accuracy;
  if (typeof test !== 'number') throw new Error(`${cfg.name}: the run reported no test accuracy`);
  return { test_accuracy: test, val_accuracy: r.val.accuracy, minutes: (performance.now() - t0) / 60_000, epochs: r.epochs };
}

export const benchmark: Benchmark = {
  name: 'finetune',
  description: 'fine-tuning accuracy: a zoo experiment config in Fovea vs a PyTorch full fine-tune (same split and starting weights)',
  details:
    'Fovea trains --config as `fovea train` would; PyTorch fine-tunes torchvision.models.<model.arch> from the weights Fovea imports from model.weights, on the files of Fovea\'s split (bench/ref/finetune.py has the recipe). Each side reports the test accuracy of its best-validation epoch. About 22 minutes on 2 cores for the default config.',
  flags: {
    threads: threadsFlag,
    config: { type: 'string', default: 'examples/flowers-mobilenetv2.yaml', help: 'a zoo experiment (model.arch, model.weights, a validation and a test split)' },
    'ref-epochs': { type: 'string', default: '10', help: 'epochs of the PyTorch fine-tune' },
    side: { type: 'string', default: 'both', help: 'both | fovea | pytorch' },
  },
  async run(args: BenchArgs): Promise<BenchResult[]> {
    const threads = intArg(args, 'threads');
    const side = String(args.side);
    if (!['both', 'fovea', 'pytorch'].includes(side)) throw new UsageError(`--side must be both, fovea or pytorch, got '${side}'`);
    const cfg = loadConfig(String(args.config), { set: [`threads=${threads}`] });
    if (!cfg.model.arch || !cfg.model.weights) throw new UsageError(`${String(args.config)}: the finetune benchmark needs model.arch and model.weights`);
    const [h, w] = cfg.data.image_size ?? [224, 224];
    // the reference resizes the shorter side and centre-crops a square, as resize: crop does
    if (h !== w || cfg.data.resize !== 'crop') throw new UsageError(`${String(args.config)}: the finetune benchmark needs a square data.image_size and data.resize: crop (the reference's preprocessing)`);
    const size = h;
    const dir = mkdtempSync(join(tmpdir(), 'fovea-bench-finetune-'));
    const results: BenchResult[] = [];
    try {
      const base = { bench: 'finetune', config: String(args.config), arch: cfg.model.arch, threads };
      let ours: (SideResult & { epochs: number }) | null = null;
      let theirs: (SideResult & { best_epoch: number }) | null = null;
      if (side !== 'pytorch') {
        log(`finetune: Fovea trains ${String(args.config)} (${threads} thread(s))`);
        ours = await fovea(cfg, dir);
        log(`finetune: Fovea test accuracy ${ours.test_accuracy.toFixed(4)} (val ${ours.val_accuracy.toFixed(4)}) in ${ours.minutes.toFixed(1)} min`);
        results.push({ ...base, side: 'fovea', test_accuracy: round(ours.test_accuracy, 4), val_accuracy: round(ours.val_accuracy, 4), epochs: ours.epochs, minutes: round(ours.minutes, 1) });
      }
      if (side !== 'fovea') {
        const split = join(dir, 'split.json');
        const weights = join(dir, 'weights.safetensors');
        const counts = writeSplit(cfg, split);
        const classifier = await writeWeights(cfg, weights);
        log(`finetune: PyTorch fine-tunes torchvision ${cfg.model.arch} at ${size}x${size} on Fovea's split (train/val/test ${counts.join('/')})`);
        theirs = reference(args, threads, split, weights, cfg.model.arch, classifier, size);
        log(`finetune: PyTorch test accuracy ${theirs.test_accuracy.toFixed(4)} (val ${theirs.val_accuracy.toFixed(4)}, epoch ${theirs.best_epoch}) in ${theirs.minutes.toFixed(1)} min`);
        results.push({ ...base, side: 'pytorch', test_accuracy: round(theirs.test_accuracy, 4), val_accuracy: round(theirs.val_accuracy, 4), best_epoch: theirs.best_epoch, minutes: round(theirs.minutes, 1) });
      }
      if (ours && theirs) {
        const ratio = ours.test_accuracy / theirs.test_accuracy;
        log(`finetune: test accuracy ratio Fovea / PyTorch ${ratio.toFixed(3)}`);
        results.push({ ...base, side: 'ratio', ratio: round(ratio, 3) });
      }
      return results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
