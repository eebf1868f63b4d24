// Turns the `data:` (and `augment:`) sections of an experiment into batch sources: scan the
// folders, split (seeded, stratified), take few-shot subsets, decode once (memory or disk
// cache), and attach augmentation to the training split only.
import { join } from 'node:path';
import * as T from '../torch/index.js';
import { checkSameClasses, countPerClass, DataError, hasSplitFolders, scanImageFolder, type ImageEntry, type ImageFolder } from '../data/image-folder.js';
import { decodeAll, type DecodedImages, type SkippedFile } from '../data/images.js';
import { imageSource } from '../data/image-source.js';
import { mixSeed, seededRandom, stratifiedSplit, type BatchSource } from '../data/source.js';
import { channelStats, createAugmentation, type Augmentation, type ChannelStats } from '../data/augment/index.js';
import { archPreprocessing } from '../models/index.js';
import type { ExperimentConfig } from './types.js';
import { repoRoot } from './env.js';

export interface SplitData {
  source: BatchSource;
  decoded: DecodedImages;
  counts: number[];
}

export interface PreparedData {
  classes: string[];
  train: SplitData;
  val: SplitData | null;
  test: SplitData | null;
  skipped: SkippedFile[];
  augmentation: Augmentation;
  stats: ChannelStats | null;
  imageSize: [number, number];
  decodeSeconds: number;
  fromCache: boolean;
}

/** [height, width] the model sees: data.image_size, else model.input_shape, else the architecture's input size, else 64x64. */
export function imageSizeOf(cfg: ExperimentConfig): [number, number] {
  if (cfg.data.image_size) return cfg.data.image_size;
  if (cfg.model.input_shape) return [cfg.model.input_shape[1], cfg.model.input_shape[2]];
  if (cfg.model.arch) {
    const [, h, w] = archPreprocessing(cfg.model.arch).inputSize;
    return [h, w];
  }
  return [64, 64];
}

/** The per-channel mean/std (of 0..1 pixels) a zoo model's inputs get, or null. */
export function modelNormalization(cfg: ExperimentConfig): { mean: [number, number, number]; std: [number, number, number] } | null {
  if (!cfg.model.arch) return null;
  const n = cfg.model.normalize ?? 'arch';
  if (n === 'none') return null;
  if (n === 'arch') {
    const a = archPreprocessing(cfg.model.arch);
    return { mean: a.mean, std: a.std }; // archPreprocessing returns a copy
  }
  return { mean: [...n.mean], std: [...n.std] };
}

/**
 * Adds a fixed per-channel normalisation after an augmentation's training and evaluation
 * transforms (a zoo model's pretrained mean/std), scaled to the pixel range (maxValue 1 or 255).
 */
export function withMeanStd(aug: Augmentation, norm: { mean: readonly number[]; std: readonly number[] } | null, maxValue = 1): Augmentation {
  if (!norm) return aug;
  const apply = (x: T.Tensor): T.Tensor =>
    T.tidy(() => x.sub(T.tensor(norm.mean.map((v) => v * maxValue)).reshape([1, 3, 1, 1])).div(T.tensor(norm.std.map((v) => v * maxValue)).reshape([1, 3, 1, 1])));
  return {
    softLabels: aug.softLabels,
    deterministic: aug.deterministic,
    eval(x) {
      const a = aug.eval(x);
      const out = apply(a);
      a.dispose();
      return out;
    },
    train(batch, ctx) {
      const b = aug.train(batch, ctx);
      const x = apply(b.x);
      b.x.dispose();
      return { x, y: b.y };
    },
  };
}

/** The augmentation (and normalisation) a run's images get, for training, evaluation and prediction. */
export function runAugmentation(cfg: ExperimentConfig, o: { numClasses: number; stats?: ChannelStats }): Augmentation {
  const maxValue = cfg.data.scale === 'byte' ? 255 : 1;
  const aug = createAugmentation((cfg.augment ?? {}) as Record<string, unknown>, { numClasses: o.numClasses, stats: o.stats, maxValue });
  return withMeanStd(aug, modelNormalization(cfg), maxValue);
}

export function cacheDir(): string {
  return process.env.FOVEA_CACHE ?? join(repoRoot(), '.cache', 'fovea');
}

/** n images per class from a seeded per-class shuffle; subset k takes the k-th disjoint block. */
export function fewShot(entries: readonly ImageEntry[], classes: readonly string[], n: number, subset: number, seed: number): ImageEntry[] {
  const rand = seededRandom(mixSeed(seed, 0xfe5));
  const out: ImageEntry[] = [];
  classes.forEach((name, c) => {
    const mine = entries.filter((e) => e.label === c);
    for (let i = mine.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [mine[i], mine[j]] = [mine[j], mine[i]];
    }
    if ((subset + 1) * n > mine.length) {
      throw new DataError(`per_class: class '${name}' has ${mine.length} training images, too few for subset ${subset} of ${n} per class`);
    }
    out.push(...mine.slice(subset * n, (subset + 1) * n));
  });
  return out;
}

function pick<T>(xs: readonly T[], idx: readonly number[]): T[] {
  return idx.map((i) => xs[i]);
}

interface EntrySplits {
  classes: string[];
  train: ImageEntry[];
  val: ImageEntry[];
  test: ImageEntry[];
}

/** Which files go to which split (no decoding). */
export function splitEntries(cfg: ExperimentConfig): EntrySplits {
  const d = cfg.data;
  let trainFolder: ImageFolder;
  let testFolder: ImageFolder | null = null;
  if (d.train) {
    trainFolder = scanImageFolder(d.train);
    if (d.test) testFolder = scanImageFolder(d.test);
  } else if (d.root && hasSplitFolders(d.root)) {
    trainFolder = scanImageFolder(join(d.root, 'train'));
    try {
      testFolder = scanImageFolder(join(d.root, 'test'));
    } catch (e) {
      if (!(e instanceof DataError && /does not exist/.test(e.message))) throw e;
    }
  } else if (d.root) {
    trainFolder = scanImageFolder(d.root);
  } else {
    throw new DataError('data: set data.root (or data.train)');
  }
  if (testFolder) checkSameClasses(trainFolder, testFolder);
  const classes = trainFolder.classes;
  const labels = trainFolder.entries.map((e) => e.label);
  let train: ImageEntry[];
  let val: ImageEntry[];
  let test: ImageEntry[];
  if (testFolder) {
    const [tr, va] = stratifiedSplit(labels, [1 - d.split.val, d.split.val], cfg.seed);
    train = pick(trainFolder.entries, tr);
    val = pick(trainFolder.entries, va);
    test = testFolder.entries;
  } else {
    const [tr, va, te] = stratifiedSplit(labels, [1 - d.split.val - d.split.test, d.split.val, d.split.test], cfg.seed);
    train = pick(trainFolder.entries, tr);
    val = pick(trainFolder.entries, va);
    test = pick(trainFolder.entries, te);
  }
  if (d.per_class) train = fewShot(train, classes, d.per_class.n, d.per_class.subset, d.per_class.seed);
  return { classes, train, val, test };
}

/** The run's data, decoded and ready to batch. Logs go to `log` (one line each). */
export async function prepareData(cfg: ExperimentConfig, log: (line: string) => void): Promise<PreparedData> {
  const t0 = performance.now();
  const { classes, train, val, test } = splitEntries(cfg);
  const size = imageSizeOf(cfg);
  const decodeOpts = {
    size,
    resize: cfg.data.resize,
    interpolation: cfg.data.interpolation,
    cacheDir: cfg.data.cache === 'disk' ? cacheDir() : undefined,
  };
  const skipped: SkippedFile[] = [];
  let fromCache = true;
  const decode = async (entries: ImageEntry[]): Promise<DecodedImages | null> => {
    if (entries.length === 0) return null;
    const d = await decodeAll(entries, decodeOpts);
    skipped.push(...d.skipped);
    fromCache &&= d.fromCache;
    return d;
  };
  const dTrain = await decode(train);
  if (!dTrain || dTrain.labels.shape[0] === 0) throw new DataError('no readable training images');
  const dVal = await decode(val);
  const dTest = await decode(test);
  const decodeSeconds = (performance.now() - t0) / 1000;
  const maxValue = cfg.data.scale === 'byte' ? 255 : 1;
  const aug = cfg.augment ?? {};
  const needsStats = Boolean(aug.featurewise_center || aug.featurewise_std_normalization);
  const stats = needsStats ? channelStats(dTrain.images, maxValue / 255) : null;
  const augmentation = runAugmentation(cfg, { numClasses: classes.length, stats: stats ?? undefined });
  const split = (d: DecodedImages | null, training: boolean): SplitData | null => {
    if (!d) return null;
    const source = imageSource(d.images, d.labels, {
      scale: cfg.data.scale,
      transform: training ? (b, ctx) => augmentation.train(b, ctx) : (b) => ({ x: augmentation.eval(b.x), y: b.y.clone() }),
    });
    return { source, decoded: d, counts: countPerClass(d.labels.dataNumbers().map((l) => ({ path: '', label: l })), classes.length) };
  };
  const out: PreparedData = {
    classes,
    train: split(dTrain, true)!,
    val: split(dVal, false),
    test: split(dTest, false),
    skipped,
    augmentation,
    stats,
    imageSize: size,
    decodeSeconds,
    fromCache,
  };
  log(
    `data: ${classes.length} classes; train ${out.train.decoded.files.length}, val ${out.val?.decoded.files.length ?? 0}, test ${out.test?.decoded.files.length ?? 0} images at ${size[0]}x${size[1]}` +
      ` (${fromCache ? 'from the disk cache' : `decoded in ${decodeSeconds.toFixed(1)} s`})`,
  );
  for (const [name, s] of [['train', out.train], ['val', out.val], ['test', out.test]] as const) {
    if (s) log(`data: ${name} per class: ${classes.map((c, i) => `${c} ${s.counts[i]}`).join(', ')}`);
  }
  void T;
  return out;
}
