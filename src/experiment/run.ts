// Runs one experiment end to end: data, model, training with checkpoints, test evaluation, and a
// run folder that can be re-run or resumed (config.yaml, summary.txt, history.jsonl,
// checkpoints/, model.safetensors, result.json).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import * as T from '../torch/index.js';
import { modelFromConfig, summaryData, type Model } from '../nn/index.js';
import type { Module } from '../nn/module.js';
import { ZooModel } from '../models/index.js';
import { createOptimizer } from '../train/optim/index.js';
import { createSchedule } from '../train/schedules/index.js';
import { fit } from '../train/fit.js';
import { evaluate } from '../train/evaluate.js';
import { EarlyStopping, JsonlLogger, type Callback } from '../train/callbacks/index.js';
import { batchCount } from '../data/source.js';
import { skippedWarning } from '../data/images.js';
import { writeFileAtomic } from '../util/atomic.js';
import { evaluateRun, headlineMetrics, measureEfficiency, writeRunMetrics, type Efficiency } from '../eval/index.js';
import { cacheDir, prepareData, type PreparedData } from './data.js';
import { buildZooModel, inputKeyOf, loadZooWeights, zooFeatureCache, zooMacs, zooOptimizer, zooSummaryFor, zooUnfreezing } from './zoo.js';
import type { BatchSource } from '../data/source.js';
import { writeCamGallery } from './cam-gallery.js';
import { writeRunReport } from '../report/index.js';
import { saveResolvedConfig } from './load.js';
import type { ExperimentConfig } from './types.js';

export interface RunOptions {
  /** Exact run folder; default `<output.dir>/<name>-<timestamp>`. */
  outDir?: string;
  /** Continue the run in outDir from its newest checkpoint. */
  resume?: boolean;
  /** Progress and log lines (stderr by default). */
  log?: (line: string) => void;
  /** 0 hides the progress bar. */
  verbose?: 0 | 1;
}

export interface RunResult {
  name: string;
  run_dir: string;
  classes: string[];
  epochs: number;
  train: Record<string, number>;
  val: Record<string, number>;
  /** Loss and metrics, plus macro_f1, ece and accuracy_ci ([lower, upper], bootstrap 95%). */
  test: Record<string, number | [number, number]>;
  params: { total: number; trainable: number; non_trainable: number };
  macs: number;
  efficiency: Efficiency;
  data: {
    image_size: [number, number];
    counts: { train: number[]; val: number[]; test: number[] };
    skipped: number;
    skipped_files: { file: string; reason: string }[];
  };
  timings: { decode_s: number; train_s: number; eval_s: number; total_s: number; epoch_s: number[] };
  threads: number;
  seed: number;
  /** Zoo runs whose frozen prefix was computed once per image. */
  feature_cache?: { prefix: string[]; feature_shape: number[]; bytes: number; seconds: number; from_disk: boolean };
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function defaultRunDir(cfg: ExperimentConfig): string {
  const safe = cfg.name.replace(/[^A-Za-z0-9._-]+/g, '_');
  return resolve(cfg.output.dir, `${safe}-${timestamp()}`);
}

function classWeights(cfg: ExperimentConfig, counts: number[]): number[] | undefined {
  const cw = cfg.train.loss.class_weights;
  if (cw === undefined) return undefined;
  if (cw === 'balanced') {
    // scikit-learn's 'balanced': n_samples / (n_classes * count)
    const n = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => (c > 0 ? n / (counts.length * c) : 0));
  }
  if (cw.length !== counts.length) {
    throw new Error(`train.loss.class_weights has ${cw.length} entries but the data has ${counts.length} classes`);
  }
  return cw;
}

/** A run's model: a Keras-style layer list, or a zoo architecture. */
export type RunModel = Model | ZooModel;

/**
 * The model of a config for numClasses classes and images of imageSize. Zoo models come with
 * their surgery done but without pretrained weights (loadZooWeights).
 */
export function buildModel(cfg: ExperimentConfig, numClasses: number, imageSize: [number, number]): RunModel {
  if (cfg.model.arch) return buildZooModel(cfg, numClasses, imageSize);
  if (!cfg.model.layers) throw new Error('model: set model.layers or model.arch');
  const inputShape: [number, number, number] = cfg.model.input_shape ?? [3, imageSize[0], imageSize[1]];
  const model = modelFromConfig(cfg.model.layers as never, { inputShape });
  const out = T.tidy(() => T.noGrad(() => model.eval().forward(T.zeros([1, ...inputShape])).shape));
  model.train();
  if (out.length !== 2 || out[1] !== numClasses) {
    throw new Error(`model.layers: the model outputs shape [${out.join(', ')}] per batch, but the data has ${numClasses} classes (make the last layer Dense with ${numClasses} units)`);
  }
  return model;
}

/** Trains and evaluates one experiment; returns the result (also written to result.json). */
export async function runExperiment(cfg: ExperimentConfig, o: RunOptions = {}): Promise<RunResult> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const t0 = performance.now();
  // Debian's libtorch starts with one OpenMP thread; 0 means every core
  T.setNumThreads(cfg.threads > 0 ? cfg.threads : availableParallelism());
  T.manualSeed(cfg.seed);
  const runDir = resolve(o.outDir ?? defaultRunDir(cfg));
  if (!o.resume && existsSync(join(runDir, 'result.json'))) {
    throw new Error(`run folder '${runDir}' already holds a finished run; choose another --out`);
  }
  mkdirSync(runDir, { recursive: true });
  saveResolvedConfig(runDir, cfg);
  log(`run: ${runDir}`);

  const data: PreparedData = await prepareData(cfg, log);
  const warn = skippedWarning(data.skipped);
  if (warn) log(warn);
  T.manualSeed(cfg.seed); // initialisation does not depend on how much randomness decoding used
  const model = buildModel(cfg, data.classes.length, data.imageSize);
  const zoo = model instanceof ZooModel ? model : null;
  if (zoo) await loadZooWeights(zoo, cfg, log);
  const inputShape: [number, number, number] = cfg.model.input_shape ?? [3, data.imageSize[0], data.imageSize[1]];
  const summary = zoo ? zooSummaryFor(zoo, data.imageSize) : (model as Model).summary({ inputShape });
  writeFileAtomic(join(runDir, 'summary.txt'), `${summary}\n`);
  writeFileAtomic(join(runDir, 'classes.json'), `${JSON.stringify(data.classes, null, 2)}\n`);
  if (data.stats) writeFileAtomic(join(runDir, 'normalization.json'), `${JSON.stringify(data.stats, null, 2)}\n`);

  // zoo: every parameter is in the optimiser (frozen ones are skipped until unfrozen), one group per block
  const optimizer = zoo ? zooOptimizer(zoo, cfg) : createOptimizer(cfg.train.optimizer, model.trainableParameters());
  const stepsPerEpoch = batchCount(data.train.source.size, cfg.train.batch_size);
  const schedule = cfg.train.schedule ? createSchedule(cfg.train.schedule, optimizer, { epochs: cfg.train.epochs, stepsPerEpoch }) : null;
  const unfreezing = zoo ? zooUnfreezing(zoo, cfg, log) : null;
  const callbacks: Callback[] = [...(unfreezing ? [unfreezing] : []), new JsonlLogger(join(runDir, 'history.jsonl'))];
  const es = cfg.train.early_stopping;
  if (es) {
    callbacks.push(new EarlyStopping({ monitor: es.monitor, mode: es.mode, patience: es.patience, minDelta: es.min_delta, restoreBestWeights: es.restore_best_weights }));
  }
  const loss = { labelSmoothing: cfg.train.loss.label_smoothing, classWeights: classWeights(cfg, data.train.counts) };
  const gc = cfg.train.grad_clip;
  const gradClip = gc === undefined ? undefined : typeof gc === 'number' ? { maxNorm: gc } : { maxNorm: gc.max_norm, value: gc.value, normType: gc.norm_type };

  // a frozen, deterministic prefix is computed once per image; training runs the rest
  const cache = zoo
    ? await zooFeatureCache(zoo, cfg, { train: data.train.source, val: data.val?.source, test: data.test?.source }, {
        augmentation: data.augmentation,
        reserved: unfreezing?.parameters,
        dir: cfg.data.cache === 'disk' ? cacheDir() : undefined,
        inputKey: inputKeyOf(cfg, { stats: data.stats, splits: [data.train.decoded, data.val?.decoded, data.test?.decoded] }),
        log,
      })
    : null;
  const fitModel: Module = cache ? cache.model : model;
  const trainSource: BatchSource = cache ? cache.train : data.train.source;
  const valSource: BatchSource | undefined = (cache ? cache.val : data.val?.source) ?? undefined;
  const testSource: BatchSource | undefined = (cache ? cache.test : data.test?.source) ?? undefined;

  const tTrain = performance.now();
  const history = await fit(fitModel, trainSource, {
    epochs: cfg.train.epochs,
    batchSize: cfg.train.batch_size,
    optimizer,
    schedule,
    loss,
    validationData: valSource,
    metrics: cfg.train.metrics,
    callbacks,
    seed: cfg.seed,
    verbose: o.verbose ?? 1,
    gradClip,
    checkpointDir: join(runDir, 'checkpoints'),
    resume: o.resume ?? false,
  });
  const trainSeconds = (performance.now() - tTrain) / 1000;
  T.saveSafetensors(join(runDir, 'model.safetensors'), model.stateDict(), { classes: JSON.stringify(data.classes) });

  const tEval = performance.now();
  const evalOpts = { batchSize: cfg.train.batch_size, metrics: cfg.train.metrics, loss: { labelSmoothing: cfg.train.loss.label_smoothing } };
  // with the feature cache, evaluation runs the suffix on cached features (the same outputs);
  // one pass over the test split gives its loss, metrics.json and predictions.jsonl
  const testEval = testSource
    ? await evaluateRun(fitModel, testSource, data.test!.decoded.files, data.classes, { ...evalOpts, bootstrap: { seed: cfg.seed } })
    : null;
  const test = testEval?.summary ?? {};
  const val = valSource ? await evaluate(fitModel, valSource, evalOpts) : {};
  const cacheInfo = cache ? { prefix: cache.plan.names, feature_shape: cache.featureShape, bytes: cache.bytes, seconds: round3(cache.seconds), from_disk: cache.fromDisk } : null;
  cache?.dispose();
  if (testEval) {
    writeRunMetrics(runDir, testEval.metrics, testEval.predictions);
    try {
      await writeCamGallery(runDir, model, data.test!.decoded, testEval.predictions, { scale: cfg.data.scale, augmentation: data.augmentation });
    } catch (e) {
      log(`cam gallery: skipped (${(e as Error).message})`); // e.g. a model without convolutions
    }
  }
  const evalSeconds = (performance.now() - tEval) / 1000;
  const last = history.last ?? {};
  const counts = model.countParams();
  const macs = zoo ? zooMacs(zoo, data.imageSize) : summaryData(model as Model, inputShape).macs;
  const result: RunResult = {
    name: cfg.name,
    run_dir: runDir,
    classes: data.classes,
    epochs: history.epochs.length,
    train: pickMetrics(last, ''),
    val,
    test: testEval ? { ...test, ...headlineMetrics(testEval.metrics) } : test,
    params: { total: counts.total, trainable: counts.trainable, non_trainable: counts.nonTrainable },
    macs,
    efficiency: measureEfficiency(model, inputShape, typeof test.accuracy === 'number' ? test.accuracy : undefined),
    data: {
      image_size: data.imageSize,
      counts: { train: data.train.counts, val: data.val?.counts ?? [], test: data.test?.counts ?? [] },
      skipped: data.skipped.length,
      skipped_files: data.skipped,
    },
    timings: {
      decode_s: data.decodeSeconds,
      train_s: trainSeconds,
      eval_s: evalSeconds,
      total_s: (performance.now() - t0) / 1000,
      epoch_s: history.epochs.map((e) => e.time ?? e.epoch_time ?? 0),
    },
    threads: T.getNumThreads(),
    seed: cfg.seed,
    ...(cacheInfo ? { feature_cache: cacheInfo } : {}),
  };
  writeFileAtomic(join(runDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  const report = await writeRunReport(runDir);
  log(`report: ${report.html}`);
  const fmt = (r: Record<string, number>): string => (r.accuracy === undefined ? 'n/a' : `accuracy ${r.accuracy.toFixed(4)}, loss ${r.loss.toFixed(4)}`);
  log(`result: test ${fmt(test)}; val ${fmt(val)}; ${result.epochs} epochs in ${trainSeconds.toFixed(1)} s`);
  model.dispose();
  return result;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function pickMetrics(logs: Record<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(logs)) {
    if (k.startsWith('val_')) continue;
    if (k === 'loss' || k === 'accuracy' || /^top\d+/.test(k)) out[prefix + k] = v;
  }
  return out;
}

/** The result.json of a finished run folder. */
export function readResult(runDir: string): RunResult {
  return JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as RunResult;
}
