// Model surgery on any zoo model, through the ZooModel contract only (no per-architecture code):
// freezing by block, truncation, new heads from Keras-style layer lists, dropout after every
// convolution, outputs of named layers, per-block parameter groups (discriminative learning
// rates) and the module-tree summary. Frozen BatchNorm2d layers normalise with their running
// statistics (BatchNorm2d.evalWhenFrozen), so a frozen backbone does not drift while the head trains.
import { F, adopt, currentScope, type Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';
import { Layer } from '../nn/layer.js';
import { Model } from '../nn/model.js';
import { modelFromConfig } from '../nn/serialize.js';
import type { LayerConfig, Shape } from '../nn/config.js';
import { moduleSummaryData, moduleSummaryTable } from '../nn/module-summary.js';
import type { SummaryData } from '../nn/summary.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout as TorchDropout, Flatten, Linear, Seq, StochasticDepth } from '../nn/modules/index.js';
import { ZooModel, type Block } from './zoo-model.js';

// ---- which parameters belong where ----

/** Parameters of the feature blocks in use, block by block (unregistered blocks have none). */
export function blockParameters(model: ZooModel): Tensor[][] {
  return model.blocks().map((b) => b.module.parameters());
}

/** Parameters outside the feature blocks: the head (default or replaced) and anything else. */
export function headParameters(model: ZooModel): Tensor[] {
  const inBlocks = new Set(blockParameters(model).flat());
  return model.parameters().filter((p) => !inBlocks.has(p));
}

function setTrainable(params: readonly Tensor[], v: boolean): void {
  for (const p of params) p.requiresGrad = v;
}

// ---- freezing ----

/**
 * How much of the feature path to freeze: 'none'; 'all' blocks; every block up to and including
 * `until`; or every block except the last `allButLast`. The head is always left trainable.
 */
export type FreezeSpec = 'none' | 'all' | { until: string } | { allButLast: number };

/** Freezes the first `n` feature blocks and makes the rest of the model (later blocks, head) trainable. */
export function freezeFirst(model: ZooModel, n: number): ZooModel {
  const blocks = blockParameters(model);
  if (!Number.isInteger(n) || n < 0 || n > blocks.length) throw new RangeError(`${model.config.name}: cannot freeze ${n} blocks; it has ${blocks.length}`);
  blocks.forEach((ps, i) => setTrainable(ps, i >= n));
  setTrainable(headParameters(model), true);
  return model;
}

/** Freezes every feature block (Keras's base_model.trainable = False); the head stays trainable. */
export function freezeAll(model: ZooModel): ZooModel {
  return freezeFirst(model, model.blocks().length);
}

/** Freezes the feature blocks up to and including `blockName`. */
export function freezeUntil(model: ZooModel, blockName: string): ZooModel {
  return freezeFirst(model, model.blockIndex(blockName) + 1);
}

/**
 * Freezes every feature block, then unfreezes the last `n` blocks that have parameters
 * (parameter-free steps such as a final activation do not count); 0: only the head trains.
 */
export function unfreezeLast(model: ZooModel, n: number): ZooModel {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${model.config.name}: unfreezeLast needs a whole number >= 0, got ${n}`);
  const blocks = blockParameters(model);
  let first = blocks.length;
  for (let seen = 0; first > 0 && seen < n; ) {
    first--;
    if (blocks[first].length > 0) seen++;
  }
  return freezeFirst(model, first);
}

/** Unfreezes every parameter. */
export function unfreezeAll(model: ZooModel): ZooModel {
  return freezeFirst(model, 0);
}

export function applyFreeze(model: ZooModel, spec: FreezeSpec): ZooModel {
  if (spec === 'none') return unfreezeAll(model);
  if (spec === 'all') return freezeAll(model);
  if ('until' in spec) return freezeUntil(model, spec.until);
  return unfreezeLast(model, spec.allButLast);
}

/** Leading feature blocks none of whose parameters is trainable. */
export function frozenBlockCount(model: ZooModel): number {
  const blocks = blockParameters(model);
  const i = blocks.findIndex((ps) => ps.some((p) => p.requiresGrad));
  return i < 0 ? blocks.length : i;
}

// ---- heads and truncation ----

/** A plain classifier head for `channels` feature maps: global average pooling, flatten, linear. */
export function linearHead(channels: number, numClasses: number): Seq {
  return new Seq([
    ['pool', new AdaptiveAvgPool2d(1)],
    ['flatten', Flatten()],
    ['fc', new Linear(channels, numClasses)],
  ]);
}

/** The [C, H, W] the head receives for images of `inputShape` (default: the architecture's). */
export function headInputShape(model: ZooModel, inputShape?: readonly number[]): Shape {
  return model.featureShape(inputShape ?? model.config.inputSize);
}

/**
 * Replaces the head with a Keras-style layer list, e.g. [{type: GlobalAveragePooling2D},
 * {type: Dense, units: 100, activation: relu}, {type: Dropout, rate: 0.5}, {type: Dense, units: 5}],
 * built (weights created) for the feature maps of `inputShape` images.
 */
export function replaceHeadWithLayers(model: ZooModel, layers: readonly LayerConfig[], o: { inputShape?: readonly number[] } = {}): Model {
  if (!Array.isArray(layers) || layers.length === 0) throw new Error(`${model.config.name}: a head needs at least one layer`);
  const shape = headInputShape(model, o.inputShape);
  const head = modelFromConfig([...layers], { inputShape: shape });
  model.replaceHead(head);
  return head;
}

/**
 * Keeps the feature blocks up to and including `blockName` and attaches a head to the new
 * channel count: the given layer list, or global pooling + a linear classifier of numClasses.
 */
export function truncate(model: ZooModel, blockName: string, o: { numClasses?: number; head?: readonly LayerConfig[]; inputShape?: readonly number[] } = {}): ZooModel {
  model.truncateAfter(blockName);
  if (o.head) {
    replaceHeadWithLayers(model, o.head, { inputShape: o.inputShape });
  } else {
    const [channels] = headInputShape(model, o.inputShape);
    model.replaceHead(linearHead(channels, o.numClasses ?? model.config.numClasses));
  }
  return model;
}

// ---- dropout after every convolution ----

/** Convolutions that got a dropout hook, with the rate (feature caching checks it). */
const convDropout = new WeakMap<Module, number>();

function isConv(m: Module): boolean {
  return m instanceof Conv2d || (m instanceof Layer && /^(Conv2D|DepthwiseConv2D|SeparableConv2D|Conv2DTranspose)$/.test(m.type));
}

/**
 * Adds dropout (active in training mode only) after every convolution of the feature path, with
 * forward hooks, so parameter names and state dicts do not change. Returns a function removing it.
 */
export function addDropoutAfterConv(model: ZooModel, rate: number): () => void {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${rate}`);
  const removers: (() => void)[] = [];
  const seen = new Set<Module>();
  for (const b of model.blocks()) {
    for (const [, m] of b.module.namedModules()) {
      if (!isConv(m) || seen.has(m) || convDropout.has(m)) continue;
      seen.add(m);
      convDropout.set(m, rate);
      const remove = m.registerForwardHook((mod, _inputs, out) => (mod.training && rate > 0 ? F.dropout(out, rate, true) : out));
      removers.push(() => {
        remove();
        convDropout.delete(m);
      });
    }
  }
  return () => {
    for (const r of removers) r();
  };
}

/** Number of convolutions with a dropout hook in a module tree. */
export function convDropoutCount(m: Module): number {
  return m.namedModules().filter(([, x]) => (convDropout.get(x) ?? 0) > 0).length;
}

/**
 * Whether a module behaves randomly in training mode: dropout of any kind, stochastic depth,
 * noise layers, and convolutions with a dropout hook. (Feature caching needs deterministic prefixes.)
 */
export function isStochastic(m: Module): boolean {
  if ((convDropout.get(m) ?? 0) > 0) return true;
  if (m instanceof TorchDropout) return m.p > 0;
  if (m instanceof StochasticDepth) return m.p > 0;
  if (m instanceof Layer) return /Dropout|Noise/.test(m.type);
  return /dropout|droppath|drop_path|stochastic|noise/i.test(m.constructor.name);
}

/** Makes every BatchNorm2d normalise with its running statistics in training too; returns how many. */
export function freezeBatchNormStats(model: Module, on = true): number {
  let n = 0;
  for (const [, m] of model.namedModules()) {
    if (m instanceof BatchNorm2d) {
      m.statsFrozen = on;
      n++;
    }
  }
  return n;
}

/**
 * Whether a module computes the same function in training and evaluation mode, given its
 * current trainable flags: no randomness and no batch statistics (frozen BatchNorm2d uses its
 * running statistics; Keras BatchNormalization layers follow the mode).
 */
export function isDeterministicInTraining(m: Module): boolean {
  for (const [, x] of m.namedModules()) {
    if (isStochastic(x)) return false;
    if (x instanceof BatchNorm2d && !x.statsFrozen && !(x.evalWhenFrozen && x.frozen)) return false;
    if (x instanceof Layer && /BatchNormalization/.test(x.type)) return false;
  }
  return true;
}

// ---- outputs of named layers ----

/** The module a name refers to: a block name or any dotted module path. */
export function resolveLayer(model: Module, name: string): Module {
  if (model instanceof ZooModel) {
    const b = model.blocks().find((x) => x.name === name);
    if (b) return b.module;
  }
  try {
    return model.getModule(name);
  } catch {
    const blocks = model instanceof ZooModel ? `; blocks: ${model.blockNames().join(', ')}` : '';
    throw new Error(`${model.name}: no layer '${name}'${blocks}`);
  }
}

function blockContaining(blocks: Block[], m: Module): number {
  return blocks.findIndex((b) => b.module === m || b.module.namedModules().some(([, x]) => x === m));
}

/**
 * Runs the model on x and returns the outputs of the named layers (block names or module paths),
 * in a Map by name. When every name lies in the feature path of a zoo model, only the blocks up to
 * the last one needed run. Call inside T.tidy (or dispose the outputs) as with any forward.
 */
export function forwardWithOutputs(model: Module, x: Tensor, names: readonly string[]): Map<string, Tensor> {
  const targets = names.map((n) => [n, resolveLayer(model, n)] as const);
  const captured = new Map<string, Tensor>();
  // outputs from inside a block would go with the block's own tidy scope: they join the caller's
  const scope = currentScope();
  const removers = targets.map(([n, m]) =>
    m.registerForwardHook((_m, _in, out) => {
      captured.set(n, adopt(scope, out));
    }),
  );
  try {
    let stopAfter = -1;
    if (model instanceof ZooModel) {
      const blocks = model.blocks();
      const idx = targets.map(([, m]) => blockContaining(blocks, m));
      if (idx.every((i) => i >= 0)) stopAfter = Math.max(...idx);
    }
    if (stopAfter >= 0) (model as ZooModel).forwardBlocks(x, 0, stopAfter + 1);
    else model.call(x);
  } finally {
    for (const r of removers) r();
  }
  const out = new Map<string, Tensor>();
  for (const [n] of targets) {
    const t = captured.get(n);
    if (!t) throw new Error(`${model.name}: layer '${n}' did not run in the forward pass`);
    out.set(n, t);
  }
  return out;
}

// ---- parameter groups ----

/** One optimiser parameter group (src/train/optim's ParamGroupInput shape) with a name. */
export interface BlockParamGroup {
  name: string;
  params: Tensor[];
  lr?: number;
}

export interface ParamGroupOptions {
  /** Learning rate of the head; the blocks' rates decay from it. */
  lr?: number;
  /** Each group towards the input gets `decay` times the rate of the next (discriminative rates); default 1. */
  decay?: number;
  /** Contiguous feature-block groups (fastai's layer groups); default: one per block. */
  groups?: number;
  /** Leave frozen parameters out (default false: they stay in, so unfreezing later needs no new group). */
  trainableOnly?: boolean;
}

/**
 * Parameter groups for discriminative learning rates: the feature blocks in `groups` contiguous
 * groups (first to last) and the head last; group k from the end gets lr * decay^k.
 */
export function blockParamGroups(model: ZooModel, o: ParamGroupOptions = {}): BlockParamGroup[] {
  const blocks = model.blocks();
  const params = blockParameters(model);
  const withParams = blocks.map((b, i) => ({ name: b.name, params: params[i] })).filter((b) => b.params.length > 0);
  const k = Math.min(o.groups ?? withParams.length, withParams.length);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`blockParamGroups: groups must be a whole number, got ${o.groups}`);
  const groups: BlockParamGroup[] = [];
  for (let g = 0; g < k; g++) {
    const part = withParams.slice(Math.floor((g * withParams.length) / k), Math.floor(((g + 1) * withParams.length) / k));
    if (!part.length) continue;
    const name = part.length === 1 ? part[0].name : `${part[0].name}..${part[part.length - 1].name}`;
    groups.push({ name, params: part.flatMap((b) => b.params) });
  }
  groups.push({ name: 'head', params: headParameters(model) });
  const decay = o.decay ?? 1;
  const out = groups
    .map((g, i) => ({ ...g, ...(o.lr !== undefined ? { lr: o.lr * decay ** (groups.length - 1 - i) } : {}) }))
    .map((g) => (o.trainableOnly ? { ...g, params: g.params.filter((p) => p.requiresGrad) } : g))
    .filter((g) => g.params.length > 0);
  return out;
}

/**
 * Feature-block parameter groups for gradual unfreezing (fastai): from the last block backwards,
 * `blocksPerStep` blocks per group, stopping at `downTo` (inclusive; default the first block).
 * Only currently frozen blocks are included.
 */
export function unfreezeGroups(model: ZooModel, o: { blocksPerStep?: number; downTo?: string } = {}): { names: string[]; params: Tensor[] }[] {
  const step = o.blocksPerStep ?? 1;
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`unfreezeGroups: blocksPerStep must be a whole number >= 1, got ${step}`);
  const blocks = model.blocks();
  const first = o.downTo !== undefined ? model.blockIndex(o.downTo) : 0;
  const params = blockParameters(model);
  const candidates: { name: string; params: Tensor[] }[] = [];
  for (let i = blocks.length - 1; i >= first; i--) {
    if (params[i].length === 0 || params[i].some((p) => p.requiresGrad)) continue;
    candidates.push({ name: blocks[i].name, params: params[i] });
  }
  const out: { names: string[]; params: Tensor[] }[] = [];
  for (let i = 0; i < candidates.length; i += step) {
    const part = candidates.slice(i, i + step);
    out.push({ names: part.map((c) => c.name), params: part.flatMap((c) => c.params) });
  }
  return out;
}

// ---- summary ----

/** Summary rows of a zoo model: every feature block, then the head (a layer-list head layer by layer). */
export function summaryRows(model: ZooModel): [string, Module][] {
  const rows: [string, Module][] = model.blocks().map((b) => [b.name, b.module]);
  if (model.hasCustomHead) {
    const head = model.child('head')!;
    if (head instanceof Model) for (const l of head.layers) rows.push([`head.${l.name}`, l]);
    else if (head instanceof Seq) for (const [n, m] of head.children()) rows.push([`head.${n}`, m]);
    else rows.push(['head', head]);
  } else {
    const blockModules = new Set(model.blocks().map((b) => b.module));
    const insideBlocks = new Set(model.blocks().flatMap((b) => b.module.namedModules().map(([, x]) => x)));
    for (const [n, m] of model.children()) {
      if (insideBlocks.has(m) || m.namedModules().some(([, x]) => blockModules.has(x))) continue;
      rows.push([n, m]);
    }
  }
  return rows;
}

/** Summary data of a zoo model for images of `inputShape` (default: the architecture's input size). */
export function zooSummaryData(model: ZooModel, inputShape?: readonly number[]): SummaryData {
  return moduleSummaryData(model, { inputShape: [...(inputShape ?? model.config.inputSize)], rows: summaryRows(model), name: model.config.name });
}

/** The block-by-block summary: output shape, parameters (trainable / frozen) and MACs per row. */
export function zooSummary(model: ZooModel, inputShape?: readonly number[]): string {
  return moduleSummaryTable(model, { inputShape: [...(inputShape ?? model.config.inputSize)], rows: summaryRows(model), name: model.config.name });
}
