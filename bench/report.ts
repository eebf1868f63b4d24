// `npm run bench -- report`: how long `fovea report` takes for one run and for a comparison of
// many (issue target: one run under 10 s, 20 runs under 30 s). The runs are real: small flowers
// CNNs (few-shot training split, 64x64, one or two epochs) that differ in learning rate, dropout,
// batch size and epochs, trained once into --runs (reused when they are already there), so the
// report has real curves, confusion matrices, galleries and a comparison table with changes.
// There is no reference implementation: the figures are absolute times against the targets.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../src/torch/index.js';
import { repoRoot } from '../src/experiment/env.js';
import { resolveConfig } from '../src/experiment/load.js';
import { runExperiment } from '../src/experiment/run.js';
import type { Json } from '../src/experiment/schema.js';
import { writeReport } from '../src/report/report.js';
import { intArg, log, median, round, threadsFlag, type BenchArgs, type Benchmark, type BenchResult } from './common.js';

const TARGET_ONE_S = 10;
const TARGET_MANY_S = 30;

/** The i-th run's config: a small CNN whose hyper-parameters vary with i (a grid search's runs). */
function runConfig(i: number): Json {
  const lrs = [0.003, 0.001, 0.0003];
  const dropouts = [0.1, 0.3];
  return {
    name: `report-bench-${String(i).padStart(2, '0')}`,
    seed: i,
    data: { root: '${FOVEA_SHARED}/datasets/flowers', split: { val: 0.2, test: 0.1 }, per_class: { n: 20 }, image_size: 64 },
    augment: { horizontal_flip: true },
    model: {
      input_shape: [3, 64, 64],
      layers: [
        { type: 'Conv2D', filters: 8 + 4 * (i % 3), kernel_size: 3, padding: 'same', activation: 'relu' },
        { type: 'MaxPooling2D', pool_size: 2 },
        { type: 'Conv2D', filters: 16, kernel_size: 3, padding: 'same', activation: 'relu' },
        { type: 'GlobalAveragePooling2D' },
        { type: 'Dropout', rate: dropouts[i % 2] },
        { type: 'Dense', units: 5 },
      ],
    },
    train: { epochs: 1 + (i % 2), batch_size: i % 4 < 2 ? 16 : 32, optimizer: { name: 'adam', lr: lrs[i % 3] }, metrics: ['accuracy'] },
  };
}

/** Trains the runs not yet in dir; returns every run folder. */
async function ensureRuns(dir: string, count: number): Promise<string[]> {
  const runs: string[] = [];
  for (let i = 0; i < count; i++) {
    const out = join(dir, `run-${String(i).padStart(2, '0')}`);
    if (!existsSync(join(out, 'result.json'))) {
      rmSync(out, { recursive: true, force: true });
      const cfg = resolveConfig(runConfig(i), { baseDir: repoRoot(), source: `report bench run ${i}` });
      const t0 = performance.now();
      await runExperiment(cfg, { outDir: out, verbose: 0, log: () => {} });
      log(`trained ${out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    runs.push(out);
  }
  return runs;
}

async function timeReport(runs: readonly string[], out: string, repeats: number): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    rmSync(out, { force: true });
    const t0 = performance.now();
    await writeReport(runs, out);
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

export const benchmark: Benchmark = {
  name: 'report',
  description: 'fovea report: seconds for one run and for a comparison of 20 real runs (targets 10 s / 30 s)',
  details: 'Trains 20 small flowers CNNs into --runs once (about 2 minutes on 2 cores), then times writeReport (HTML, Markdown, PNG figures) for run 0 alone and for all of them.',
  flags: {
    threads: threadsFlag,
    runs: { type: 'string', default: '', help: 'folder for the bench runs (default: a fresh temporary folder, removed afterwards)' },
    count: { type: 'string', default: '20', help: 'runs in the comparison' },
    repeats: { type: 'string', default: '3', help: 'timings per report (median reported)' },
  },
  async run(args: BenchArgs): Promise<BenchResult[]> {
    T.setNumThreads(intArg(args, 'threads'));
    const count = intArg(args, 'count', 2);
    const repeats = intArg(args, 'repeats');
    const given = typeof args.runs === 'string' && args.runs !== '' ? args.runs : undefined;
    const dir = given ?? mkdtempSync(join(tmpdir(), 'fovea-report-bench-'));
    mkdirSync(dir, { recursive: true });
    try {
      const runs = await ensureRuns(dir, count);
      const one = await timeReport(runs.slice(0, 1), join(dir, 'one.html'), repeats);
      log(`report of 1 run: ${one.toFixed(2)} s (target < ${TARGET_ONE_S} s)`);
      const many = await timeReport(runs, join(dir, 'many.html'), repeats);
      log(`report of ${count} runs: ${many.toFixed(2)} s (target < ${TARGET_MANY_S} s)`);
      return [
        { bench: 'report', runs: 1, seconds: round(one), target_s: TARGET_ONE_S, met: one < TARGET_ONE_S },
        { bench: 'report', runs: count, seconds: round(many), target_s: TARGET_MANY_S, met: many < TARGET_MANY_S },
      ];
    } finally {
      if (!given) rmSync(dir, { recursive: true, force: true });
    }
  },
};
