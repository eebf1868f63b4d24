// Feature caching: when the leading blocks of a zoo model are frozen and deterministic (no
// trainable parameter, no dropout or stochastic depth, batch norm on running statistics) and the
// training images are not augmented (or come as a fixed number of augmented copies), their outputs
// are computed once per image and training runs only the trainable suffix (the remaining blocks
// and the head) on them. The fit loop is unchanged: it gets a suffix view of the model (same
// parameters, same state dict, so checkpoints, early stopping and resume work as without the
// cache) and tensor sources over the cached features.
//
// Cached features can also be kept on disk (beside the decoded-image cache), in a file named by a
// hash of the prefix's weights and structure and of every input tensor the prefix saw (so the
// images, their preprocessing and the augmented copies): any change gives a new key.
import { createHash, type Hash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../nn/module.js';
import { Layer } from '../nn/layer.js';
import { Model } from '../nn/model.js';
import { Seq } from '../nn/modules/index.js';
import { ZooModel, isDeterministicInTraining } from '../models/index.js';
import { tensorSource, type Batch, type BatchOptions, type BatchSource } from '../data/source.js';

/** What is computed once: the first `blocks` feature blocks, then the first `headLayers` head layers. */
export interface CachePlan {
  blocks: number;
  /** Leading parameter-free, deterministic layers of a replaced head (e.g. global pooling), when every block is cached. */
  headLayers: number;
  /** Names of the cached blocks and head layers, in order. */
  names: string[];
  /** Why caching stops where it does (for the log). */
  stop: string;
}

export interface PlanOptions {
  /** Parameters that become trainable later (gradual unfreezing): their blocks are not cached. */
  reserved?: Iterable<Tensor>;
}

/** The head's layers when it is a layer list (a replaced head), else null. */
function headLayerList(model: ZooModel): Module[] | null {
  if (!model.hasCustomHead) return null;
  const head = model.child('head');
  if (head instanceof Model) return head.layers;
  if (head instanceof Seq) return head.children().map(([, m]) => m);
  return null;
}

function isFixedFunction(m: Module): boolean {
  return m.parameters().length === 0 && m.namedBuffers().length === 0 && isDeterministicInTraining(m);
}

/**
 * The longest prefix of the feature path whose output does not depend on training: every block
 * with no trainable (or reserved) parameter that is deterministic in training mode. Null when
 * not even the first block qualifies.
 */
export function planFeatureCache(model: ZooModel, o: PlanOptions = {}): CachePlan | null {
  const reserved = new Set(o.reserved ?? []);
  const blocks = model.blocks();
  let k = 0;
  let stop = 'every block is frozen';
  for (; k < blocks.length; k++) {
    const b = blocks[k];
    const ps = b.module.parameters();
    if (ps.some((p) => p.requiresGrad)) {
      stop = `block ${b.name} is trainable`;
      break;
    }
    if (ps.some((p) => reserved.has(p))) {
      stop = `block ${b.name} is unfrozen later`;
      break;
    }
    if (!isDeterministicInTraining(b.module)) {
      stop = `block ${b.name} is random or uses batch statistics in training`;
      break;
    }
  }
  if (k === 0) return null;
  const names = blocks.slice(0, k).map((b) => b.name);
  let headLayers = 0;
  if (k === blocks.length) {
    const layers = headLayerList(model) ?? [];
    while (headLayers < layers.length && isFixedFunction(layers[headLayers])) {
      names.push(`head.${layers[headLayers].name}`);
      headLayers++;
    }
  }
  return { blocks: k, headLayers, names, stop };
}

/** Runs the cached prefix (call under noGrad, in eval mode). */
function prefixForward(model: ZooModel, plan: CachePlan, x: Tensor): Tensor {
  let y = model.forwardBlocks(x, 0, plan.blocks);
  if (plan.headLayers > 0) for (const l of headLayerList(model)!.slice(0, plan.headLayers)) y = l.call(y);
  return y;
}

/**
 * The trainable suffix of a zoo model as a module of its own: forward takes cached prefix outputs.
 * Parameters, buffers, sub-modules, state dict and train/eval mode are the full model's, so the
 * fit loop, checkpoints and early stopping see the same model as without the cache.
 */
export class FeatureSuffix extends Module {
  constructor(
    readonly model: ZooModel,
    readonly plan: CachePlan,
  ) {
    super(`${model.name}_suffix`);
  }

  forward(f: Tensor): Tensor {
    const { model, plan } = this;
    if (plan.headLayers > 0) {
      let y = f;
      for (const l of headLayerList(model)!.slice(plan.headLayers)) y = l.call(y);
      return y;
    }
    return model.forwardHead(model.forwardBlocks(f, plan.blocks));
  }

  override namedModules(prefix = ''): [string, Module][] {
    return this.model.namedModules(prefix);
  }

  override namedParameters(prefix = '', recurse = true): [string, Tensor][] {
    return this.model.namedParameters(prefix, recurse);
  }

  override namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.model.namedBuffers(prefix, recurse);
  }

  override children(): [string, Module][] {
    return this.model.children();
  }

  override train(mode = true): this {
    this.model.train(mode);
    this.training = mode;
    return this;
  }

  override to(target: Parameters<Module['to']>[0]): this {
    this.model.to(target);
    return this;
  }

  /** The model's tensors are not this view's to free. */
  override dispose(): void {}
}

export interface FeatureCacheOptions extends PlanOptions {
  /** Batch size for computing the features (default 64). */
  batchSize?: number;
  /**
   * Augmented copies of each training image (default 1). With 1 the training source must be
   * deterministic; with k > 1 epoch e trains on copy e mod k (the source's epoch-k augmentation).
   */
  copies?: number;
  /** Seed handed to the sources' batches (their augmentation), normally the run seed. */
  seed?: number;
  /** Folder for persisted features (the decoded-image cache folder); memory only when absent. */
  dir?: string;
  /**
   * Identity of everything the prefix will be fed (images, labels, preprocessing, augmentation
   * and seed), when the caller can name it cheaply; otherwise the disk key hashes every input
   * batch, which runs the sources (and their augmentation) once more.
   */
  inputKey?: string;
  /** Largest cache kept in memory (bytes, default 4 GiB); larger ones are not built. */
  maxBytes?: number;
  /** Largest cache written to disk (bytes, default 2 GiB). */
  maxDiskBytes?: number;
  log?: (line: string) => void;
}

export interface CachedSplits {
  train: BatchSource;
  val?: BatchSource | null;
  test?: BatchSource | null;
}

export interface FeatureCache {
  plan: CachePlan;
  /** The model to fit and evaluate on the cached sources. */
  model: FeatureSuffix;
  train: BatchSource;
  val: BatchSource | null;
  test: BatchSource | null;
  /** Shape of one cached sample. */
  featureShape: number[];
  bytes: number;
  seconds: number;
  /** Disk file holding the features, when persisted. */
  file: string | null;
  fromDisk: boolean;
  /** One line for the run log. */
  summary: string;
  dispose(): void;
}

const FORMAT = 'fovea.features/1';

/** Structure and weights of the prefix, for the cache key. */
function hashPrefix(h: Hash, model: ZooModel, plan: CachePlan): void {
  h.update(JSON.stringify({ format: FORMAT, arch: model.config.name, names: plan.names }));
  for (const b of model.blocks().slice(0, plan.blocks)) {
    const sd = [...b.module.stateDict()].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0));
    for (const [n, t] of sd) hashTensor(h, `${b.name}.${n}`, t);
    // frozen batch norm normalises with running statistics only when it is frozen
    for (const [n, m] of b.module.namedModules()) h.update(`${b.name}.${n}:${m.constructor.name}`);
  }
  if (plan.headLayers > 0) {
    for (const l of headLayerList(model)!.slice(0, plan.headLayers)) h.update(JSON.stringify(l instanceof Layer ? l.getConfig() : { type: l.constructor.name, name: l.name }));
  }
}

function hashTensor(h: Hash, name: string, t: Tensor): void {
  h.update(`${name}:${t.dtype}:[${t.shape.join(',')}]`);
  const c = T.tidy(() => t.detach().contiguous());
  try {
    const v = c.dataView();
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  } finally {
    if (c !== t) c.dispose();
  }
}

interface SplitPlan {
  name: 'train' | 'val' | 'test';
  source: BatchSource;
  copies: number;
}

function batchOpts(o: FeatureCacheOptions, copy: number): BatchOptions {
  return { epoch: copy, batchSize: o.batchSize ?? 64, shuffle: false, seed: o.seed ?? 0 };
}

/** Hash of every input batch (and label) each split would feed the prefix. */
async function hashInputs(h: Hash, splits: SplitPlan[], o: FeatureCacheOptions): Promise<void> {
  for (const s of splits) {
    h.update(`${s.name}:${s.source.size}:${s.copies}`);
    for (let c = 0; c < s.copies; c++) {
      for await (const b of s.source.batches(batchOpts(o, c))) {
        try {
          hashTensor(h, 'x', b.x);
          hashTensor(h, 'y', b.y);
        } finally {
          b.x.dispose();
          b.y.dispose();
        }
      }
    }
  }
}

class TooLarge extends Error {}

/** Prefix outputs of one copy of a split: x [N, ...] and the labels. */
async function computeCopy(model: ZooModel, plan: CachePlan, s: SplitPlan, copy: number, o: FeatureCacheOptions, budget: { left: number }): Promise<{ x: Tensor; y: Tensor }> {
  let x: Tensor | null = null;
  const ys: Tensor[] = [];
  let at = 0;
  try {
    for await (const b of s.source.batches(batchOpts(o, copy))) {
      try {
        const f = T.tidy(() => T.noGrad(() => prefixForward(model, plan, b.x)));
        try {
          if (x === null) {
            const per = f.shape.slice(1).reduce((a, d) => a * d, 1) * T.elementSize(f.dtype);
            const need = per * s.source.size;
            if (need > budget.left) throw new TooLarge(`${(need / 2 ** 20).toFixed(0)} MB for the ${s.name} split exceeds the limit`);
            budget.left -= need;
            x = T.keep(T.empty([s.source.size, ...f.shape.slice(1)], { dtype: f.dtype as T.DType }));
          }
          T.tidy(() => T.noGrad(() => x!.narrow(0, at, f.shape[0]).copy_(f)));
          at += f.shape[0];
        } finally {
          f.dispose();
        }
        ys.push(T.keep(b.y.clone()));
      } finally {
        b.x.dispose();
        b.y.dispose();
      }
    }
    if (x === null || at !== s.source.size) throw new Error(`feature cache: the ${s.name} source gave ${at} of ${s.source.size} examples`);
    const y = T.keep(T.cat(ys, { dim: 0 }));
    return { x, y };
  } catch (e) {
    x?.dispose();
    throw e;
  } finally {
    T.dispose(ys);
  }
}

/** A training source over k cached copies: epoch e batches copy e mod k. */
function copiesSource(xs: Tensor[], ys: Tensor[], indices?: readonly number[]): BatchSource {
  const parts = xs.map((x, i) => tensorSource(x, ys[i], indices));
  return {
    size: parts[0].size,
    batches(opts: BatchOptions): AsyncIterable<Batch> {
      return parts[opts.epoch % parts.length].batches(opts);
    },
    labels: () => parts[0].labels!(),
    subset: (sub: readonly number[]) => copiesSource(xs, ys, indices ? sub.map((i) => indices[i]) : sub),
  };
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

/**
 * Builds the feature cache for a zoo model, or returns null (with the reason logged) when no
 * block can be cached or the features would not fit. The training source must be deterministic
 * when copies is 1 (the caller knows its augmentation); val and test always are.
 */
export async function buildFeatureCache(model: ZooModel, splits: CachedSplits, o: FeatureCacheOptions = {}): Promise<FeatureCache | null> {
  const log = o.log ?? (() => {});
  const plan = planFeatureCache(model, o);
  if (!plan) {
    log(`feature cache: off (${model.blocks()[0] ? `the first block, ${model.blocks()[0].name}, is trainable, random or reserved for unfreezing` : 'no blocks'})`);
    return null;
  }
  const copies = o.copies ?? 1;
  if (!Number.isInteger(copies) || copies < 1) throw new RangeError(`feature cache: copies must be a whole number >= 1, got ${copies}`);
  const list: SplitPlan[] = [{ name: 'train', source: splits.train, copies }];
  if (splits.val) list.push({ name: 'val', source: splits.val, copies: 1 });
  if (splits.test) list.push({ name: 'test', source: splits.test, copies: 1 });
  const t0 = performance.now();
  const wasTraining = model.training;
  model.eval();
  const made: Tensor[] = [];
  try {
    let file: string | null = null;
    if (o.dir) {
      const h = createHash('sha256');
      hashPrefix(h, model, plan);
      if (o.inputKey !== undefined) h.update(`inputs:${o.inputKey}:${list.map((s) => `${s.name}:${s.source.size}:${s.copies}`).join(',')}:${o.batchSize ?? 64}`);
      else await hashInputs(h, list, o);
      file = join(o.dir, `features-${h.digest('hex').slice(0, 32)}.safetensors`);
    }
    const out = new Map<string, { x: Tensor[]; y: Tensor[] }>();
    let fromDisk = false;
    if (file && existsSync(file)) {
      try {
        const { tensors } = T.loadSafetensors(file);
        for (const s of list) {
          const xs: Tensor[] = [];
          const ys: Tensor[] = [];
          for (let c = 0; c < s.copies; c++) {
            const x = tensors.get(`${s.name}.${c}.x`);
            const y = tensors.get(`${s.name}.${c}.y`);
            if (!x || !y || x.shape[0] !== s.source.size) throw new Error('incomplete');
            xs.push(x);
            ys.push(y);
          }
          out.set(s.name, { x: xs, y: ys });
        }
        const used = new Set([...out.values()].flatMap((v) => [...v.x, ...v.y]));
        for (const t of tensors.values()) if (!used.has(t)) t.dispose();
        made.push(...used);
        fromDisk = true;
      } catch {
        out.clear(); // a damaged or partial file is rebuilt
      }
    }
    if (!fromDisk) {
      const budget = { left: o.maxBytes ?? 4 * 2 ** 30 };
      try {
        for (const s of list) {
          const xs: Tensor[] = [];
          const ys: Tensor[] = [];
          for (let c = 0; c < s.copies; c++) {
            const r = await computeCopy(model, plan, s, c, o, budget);
            made.push(r.x, r.y);
            xs.push(r.x);
            ys.push(r.y);
          }
          out.set(s.name, { x: xs, y: ys });
        }
      } catch (e) {
        if (!(e instanceof TooLarge)) throw e;
        log(`feature cache: off (${e.message})`);
        T.dispose(made);
        return null;
      }
    }
    const bytes = made.reduce((a, t) => a + t.size * T.elementSize(t.dtype), 0);
    let saved = false;
    if (file && !fromDisk && bytes <= (o.maxDiskBytes ?? 2 * 2 ** 30)) {
      mkdirSync(o.dir!, { recursive: true });
      const all = new Map<string, Tensor>();
      for (const [name, v] of out) v.x.forEach((x, c) => (all.set(`${name}.${c}.x`, x), all.set(`${name}.${c}.y`, v.y[c])));
      T.saveSafetensors(file, all, { format: FORMAT, names: JSON.stringify(plan.names) });
      saved = true;
    }
    const tr = out.get('train')!;
    const featureShape = tr.x[0].shape.slice(1);
    const seconds = (performance.now() - t0) / 1000;
    const where = fromDisk ? `loaded from ${file}` : `computed in ${seconds.toFixed(1)} s${saved ? `, saved to ${file}` : ''}`;
    const counts = list.map((s) => `${s.name} ${s.source.size}${s.copies > 1 ? ` x ${s.copies} copies` : ''}`).join(', ');
    const last = plan.names[plan.names.length - 1];
    const summary =
      `feature cache: frozen prefix ${plan.names[0]}..${last} (${plan.names.length} steps; ${plan.stop}) computed once per image (${counts}); ` +
      `features [${featureShape.join(', ')}], ${mb(bytes)} in memory, ${where}; training runs the trainable suffix only`;
    log(summary);
    const val = out.get('val');
    const test = out.get('test');
    return {
      plan,
      model: new FeatureSuffix(model, plan),
      train: copies > 1 ? copiesSource(tr.x, tr.y) : tensorSource(tr.x[0], tr.y[0]),
      val: val ? tensorSource(val.x[0], val.y[0]) : null,
      test: test ? tensorSource(test.x[0], test.y[0]) : null,
      featureShape,
      bytes,
      seconds,
      file: saved || fromDisk ? file : null,
      fromDisk,
      summary,
      dispose: () => T.dispose(made),
    };
  } catch (e) {
    T.dispose(made);
    throw e;
  } finally {
    model.train(wasTraining);
  }
}

/** Size of a cache file, or 0 (for logs and tests). */
export function cacheFileBytes(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}
