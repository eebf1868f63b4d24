// Zoo models from experiment configs: the architecture, surgery (truncate, head, dropout after
// convolutions, freezing), pretrained weights, parameter groups, gradual unfreezing and the
// feature cache, with errors that name the config key.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as T from '../torch/index.js';
import type { LayerConfig } from '../nn/config.js';
import { snakeToCamel } from '../nn/config.js';
import type { Module } from '../nn/module.js';
import {
  addDropoutAfterConv,
  applyFreeze,
  blockParamGroups,
  blockParameters,
  createModel,
  replaceHeadWithLayers,
  truncate,
  freezeBatchNormStats,
  zooSummary,
  zooSummaryData,
  type FreezeSpec,
  type ZooModel,
} from '../models/index.js';
import { importWeights } from '../models/import/index.js';
import { createOptimizer, type Optimizer } from '../train/optim/index.js';
import { GradualUnfreezing } from '../train/callbacks/gradual-unfreezing.js';
import { buildFeatureCache, type FeatureCache } from '../train/feature-cache.js';
import type { BatchSource } from '../data/source.js';
import type { Augmentation } from '../data/augment/index.js';
import type { ExperimentConfig, FreezeConfig } from './types.js';
import { modelNormalization } from './data.js';

/** An error in the model section, naming the key. */
export class ZooConfigError extends Error {
  constructor(key: string, message: string) {
    super(`${key}: ${message}`);
    this.name = 'ZooConfigError';
  }
}

function at<R>(key: string, f: () => R): R {
  try {
    return f();
  } catch (e) {
    if (e instanceof ZooConfigError) throw e;
    throw new ZooConfigError(key, (e as Error).message);
  }
}

export function freezeSpec(f: FreezeConfig | undefined): FreezeSpec {
  if (f === undefined || f === 'none' || f === false) return 'none';
  if (f === 'all' || f === true) return 'all';
  if ('until' in f) return { until: f.until };
  return { allButLast: f.all_but_last };
}

/**
 * The zoo model of a config, without pretrained weights (loadZooWeights adds them): the
 * architecture, truncation, the head (a layer list, or a new classifier for numClasses),
 * dropout after convolutions and freezing. Throws errors naming the config key.
 */
export function buildZooModel(cfg: ExperimentConfig, numClasses: number, imageSize: [number, number]): ZooModel {
  const mc = cfg.model;
  const arch = mc.arch!;
  const model = at('model.arch', () => createModel(arch, archOptions(cfg)));
  try {
    const inputShape = [3, imageSize[0], imageSize[1]];
    const head = mc.head as LayerConfig[] | undefined;
    if (mc.truncate !== undefined) at('model.truncate', () => truncate(model, mc.truncate!, { numClasses, head, inputShape }));
    else if (head) at('model.head', () => replaceHeadWithLayers(model, head, { inputShape }));
    else model.resetClassifier(numClasses);
    if (mc.dropout_after_conv) addDropoutAfterConv(model, mc.dropout_after_conv);
    if (mc.freeze_bn_stats) freezeBatchNormStats(model);
    at('model.freeze', () => applyFreeze(model, freezeSpec(mc.freeze)));
    const out = at('model', () => T.tidy(() => T.noGrad(() => model.eval().call(T.zeros([1, ...inputShape])).shape)));
    model.train();
    if (out.length !== 2 || out[1] !== numClasses) {
      throw new ZooConfigError(head ? 'model.head' : 'model', `the model outputs shape [${out.join(', ')}] per batch, but the data has ${numClasses} classes${head ? ` (make the last layer Dense with ${numClasses} units)` : ''}`);
    }
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

function archOptions(cfg: ExperimentConfig): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg.model.arch_options ?? {})) options[snakeToCamel(k)] = v;
  return options;
}

/**
 * Loads model.weights into a built zoo model: the file is imported into the unmodified
 * architecture (the importers map whole networks), then every tensor whose name and shape fit
 * the model after surgery is copied; the old classifier and dropped blocks are left out. Every
 * feature-block parameter must get a value.
 */
export async function loadZooWeights(model: ZooModel, cfg: ExperimentConfig, log: (line: string) => void): Promise<void> {
  const path = cfg.model.weights;
  if (!path) {
    log(`model: ${model.config.name} from random initialisation (no model.weights)`);
    return;
  }
  if (!existsSync(path)) throw new ZooConfigError('model.weights', `'${path}' does not exist`);
  const base = createModel(cfg.model.arch!, archOptions(cfg));
  try {
    let r;
    try {
      r = await importWeights(path, base, { strict: false, skipMismatched: true });
    } catch (e) {
      throw new ZooConfigError('model.weights', (e as Error).message);
    }
    const got = new Set(r.loaded);
    const src = base.stateDict();
    const use = new Map<string, T.Tensor>();
    for (const [k, t] of model.stateDict()) {
      const s = src.get(k);
      if (s && got.has(k) && s.shape.length === t.shape.length && s.shape.every((d, i) => d === t.shape[i])) use.set(k, s);
    }
    const names = new Map(model.namedParameters().map(([n, p]) => [p, n]));
    const missing = blockParameters(model)
      .flat()
      .map((p) => names.get(p)!)
      .filter((k) => !use.has(k));
    if (missing.length) {
      throw new ZooConfigError('model.weights', `'${path}' has no values for ${missing.length} feature parameter${missing.length > 1 ? 's' : ''}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''}`);
    }
    model.loadStateDict(use, { strict: false });
    const fresh = [...model.stateDict().keys()].filter((k) => !use.has(k) && !k.endsWith('num_batches_tracked'));
    log(`model: ${model.config.name} weights from ${path} (${r.format}): ${use.size} tensors loaded${fresh.length ? `; newly initialised: ${fresh.join(', ')}` : ''}`);
  } finally {
    base.dispose();
  }
}

/**
 * The optimiser over every parameter (frozen ones are skipped until unfrozen, so gradual
 * unfreezing and resumed runs keep one group layout): the head first (its rate is the one the
 * history logs), then one group per feature block; with train.block_lr_decay, block k from the
 * end gets lr * decay^k (discriminative learning rates).
 */
export function zooOptimizer(model: ZooModel, cfg: ExperimentConfig): Optimizer {
  const groups = blockParamGroups(model);
  const head = groups.pop()!;
  const opt = createOptimizer(cfg.train.optimizer, [{ params: head.params }, ...groups.map((g) => ({ params: g.params }))]);
  const decay = cfg.train.block_lr_decay;
  if (decay !== undefined && decay !== 1) {
    const n = groups.length;
    opt.paramGroups.forEach((g, i) => (g.lr = opt.defaults.lr * (i === 0 ? 1 : decay ** (n - i + 1))));
  }
  return opt;
}

/** The gradual-unfreezing callback of train.gradual_unfreezing, or null. */
export function zooUnfreezing(model: ZooModel, cfg: ExperimentConfig, log: (line: string) => void): GradualUnfreezing | null {
  const g = cfg.train.gradual_unfreezing;
  if (!g) return null;
  const cb = at('train.gradual_unfreezing', () => GradualUnfreezing.forModel(model, { every: g.every, blocksPerStep: g.blocks_per_step, downTo: g.down_to, start: g.start, log }));
  if (cb.groups.length === 0) log('gradual unfreezing: no frozen block to unfreeze (set model.freeze)');
  else log(`gradual unfreezing: ${cb.groups.length} step${cb.groups.length > 1 ? 's' : ''} of ${g.blocks_per_step} block${g.blocks_per_step > 1 ? 's' : ''} every ${g.every} epochs from epoch ${cb.start + 1}: ${cb.groups.map((x) => x.names.join('+')).join(', ')}`);
  return cb;
}

/** The feature cache when train.feature_cache allows it and the frozen prefix qualifies; null otherwise (the reason is logged). */
export async function zooFeatureCache(
  model: ZooModel,
  cfg: ExperimentConfig,
  splits: { train: BatchSource; val?: BatchSource | null; test?: BatchSource | null },
  o: { augmentation: Augmentation; reserved?: Iterable<T.Tensor>; dir?: string; inputKey?: string; log: (line: string) => void },
): Promise<FeatureCache | null> {
  const fc = cfg.train.feature_cache ?? 'auto';
  if (fc === 'off') {
    o.log('feature cache: off (train.feature_cache: off)');
    return null;
  }
  const copies = typeof fc === 'object' ? fc.copies : 1;
  if (copies === 1 && !o.augmentation.deterministic) {
    o.log('feature cache: off (the training images are augmented; train.feature_cache: {copies: k} caches k augmented copies)');
    return null;
  }
  return buildFeatureCache(model, splits, { batchSize: Math.max(cfg.train.batch_size, 64), copies, seed: cfg.seed, dir: o.dir, inputKey: o.inputKey, reserved: o.reserved, log: o.log });
}

/**
 * What the feature cache's disk key needs to know about a run's inputs, cheaply: the decoded
 * images and labels of every split (bytes hashed), and everything that turns them into the
 * prefix's inputs (scale, augmentation, normalisation, statistics, seed).
 */
export function inputKeyOf(cfg: ExperimentConfig, data: { stats: unknown; splits: ({ images: T.Tensor; labels: T.Tensor } | null | undefined)[] }): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: 1, scale: cfg.data.scale, augment: cfg.augment ?? {}, normalize: modelNormalization(cfg), stats: data.stats ?? null, seed: cfg.seed }));
  for (const s of data.splits) {
    if (!s) {
      h.update('none');
      continue;
    }
    for (const t of [s.images, s.labels]) {
      h.update(`${t.dtype}[${t.shape.join(',')}]`);
      const c = T.tidy(() => t.contiguous());
      const v = c.dataView();
      h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      if (c !== t) c.dispose();
    }
  }
  return h.digest('hex');
}

/** The block summary of a zoo model for the run's image size. */
export function zooSummaryFor(model: ZooModel, imageSize: [number, number]): string {
  return zooSummary(model, [3, imageSize[0], imageSize[1]]);
}

export function zooMacs(model: ZooModel, imageSize: [number, number]): number {
  return zooSummaryData(model, [3, imageSize[0], imageSize[1]]).macs;
}
