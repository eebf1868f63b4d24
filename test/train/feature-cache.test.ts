// Feature caching: which prefix is cacheable, training on cached features gives the same
// result as training the whole model, the suffix view shares the model's state, disk caching is
// keyed by weights + inputs, augmented copies, and the memory limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { addDropoutAfterConv, freezeAll, freezeUntil, headParameters, replaceHeadWithLayers } from '../../src/models/index.js';
import { BatchNorm2d } from '../../src/nn/modules/index.js';
import type { LayerConfig } from '../../src/nn/config.js';
import { tensorSource, type Batch, type BatchOptions, type BatchSource } from '../../src/data/source.js';
import { Adam } from '../../src/train/optim/index.js';
import { fit } from '../../src/train/fit.js';
import { evaluate } from '../../src/train/evaluate.js';
import { GradualUnfreezing } from '../../src/train/callbacks/index.js';
import { buildFeatureCache, planFeatureCache } from '../../src/train/feature-cache.js';
import { TinyZoo, colourData } from '../models/tiny-zoo.js';

T.setNumThreads(1);

const tmp = mkdtempSync(join(tmpdir(), 'fovea-features-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const HEAD: LayerConfig[] = [{ type: 'GlobalAveragePooling2D' }, { type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dense', units: 3 }];

function maxDiff(a: Tensor[], b: Tensor[]): number {
  return Math.max(...a.map((t, i) => T.tidy(() => t.sub(b[i]).abs().max().item())));
}

function cloneAll(ts: Tensor[]): Tensor[] {
  return ts.map((t) => T.keep(T.noGrad(() => t.detach().clone())));
}

/** A source that adds epoch-seeded noise to every batch (an augmentation stand-in). */
function noisy(base: BatchSource): BatchSource {
  return {
    size: base.size,
    async *batches(o: BatchOptions): AsyncIterable<Batch> {
      const g = new T.Generator(1000 + o.epoch);
      for await (const b of base.batches(o)) {
        const x = T.tidy(() => b.x.add(T.randn(b.x.shape, { generator: g }).mul(0.1)));
        b.x.dispose();
        yield { x, y: b.y };
      }
    },
    labels: base.labels,
  };
}

test('the cacheable prefix: frozen, deterministic blocks (and parameter-free head layers), stopping at the first that is not', () => {
  T.manualSeed(0);
  const m = new TinyZoo();
  assert.equal(planFeatureCache(m), null, 'nothing frozen');
  freezeUntil(m, 'features.1');
  let p = planFeatureCache(m)!;
  assert.deepEqual([p.blocks, p.headLayers, p.names], [2, 0, ['features.0', 'features.1']]);
  assert.match(p.stop, /features\.2 is trainable/);

  freezeAll(m);
  replaceHeadWithLayers(m, HEAD);
  p = planFeatureCache(m)!;
  assert.deepEqual([p.blocks, p.headLayers], [4, 1]);
  assert.deepEqual(p.names, ['features.0', 'features.1', 'features.2', 'final_relu', 'head.global_average_pooling2d']);

  // blocks that gradual unfreezing will open are not cached
  const gu = GradualUnfreezing.forModel(m, { every: 2, downTo: 'features.2' });
  p = planFeatureCache(m, { reserved: gu.parameters })!;
  assert.deepEqual([p.blocks, p.headLayers], [2, 0]);
  assert.match(p.stop, /features\.2 is unfrozen later/);

  // batch norm that would use batch statistics in training
  const bn = m.blocks()[1].module.namedModules().find(([, x]) => x instanceof BatchNorm2d)![1] as BatchNorm2d;
  bn.evalWhenFrozen = false;
  assert.equal(planFeatureCache(m)!.blocks, 1);
  bn.evalWhenFrozen = true;

  // dropout after the convolutions makes every block random
  const remove = addDropoutAfterConv(m, 0.1);
  assert.equal(planFeatureCache(m), null);
  remove();
  assert.equal(planFeatureCache(m)!.blocks, 4);
  m.dispose();
});

test('training the suffix on cached features matches training the whole model', async () => {
  const data = colourData(30, 1);
  const val = colourData(12, 2);
  const run = async (cached: boolean): Promise<{ losses: number[]; weights: Tensor[]; valAcc: number; bnStats: number[] }> => {
    T.manualSeed(3);
    const m = new TinyZoo();
    freezeUntil(m, 'features.1');
    const opt = new Adam(m.trainableParameters(), { lr: 0.01 });
    let model = m as import('../../src/nn/module.js').Module;
    let train: BatchSource = tensorSource(data.x, data.y);
    let v: BatchSource = tensorSource(val.x, val.y);
    const cache = cached ? await buildFeatureCache(m, { train, val: v }, { batchSize: 7 }) : null;
    if (cache) {
      assert.deepEqual(cache.featureShape, [16, 8, 8]);
      assert.equal(cache.bytes, (30 + 12) * 16 * 8 * 8 * 4 + (30 + 12) * 8);
      ({ model, train } = cache);
      v = cache.val!;
      // the view shares the model's parameters and state dict
      assert.deepEqual([...model.stateDict().keys()], [...m.stateDict().keys()]);
      assert.equal(model.parameters()[0], m.parameters()[0]);
    }
    const h = await fit(model, train, { epochs: 3, batchSize: 8, optimizer: opt, validationData: v, verbose: 0, seed: 5 });
    const valAcc = (await evaluate(m, tensorSource(val.x, val.y))).accuracy;
    const bn = m.blocks()[0].module.namedModules().find(([, x]) => x instanceof BatchNorm2d)![1];
    const out = { losses: h.epochs.map((e) => e.loss), weights: cloneAll(m.parameters()), valAcc, bnStats: bn.stateDict().get('running_mean')!.dataNumbers() };
    if (cached) assert.equal(h.last!.val_accuracy, valAcc, 'validation on cached features = full model');
    cache?.dispose();
    m.dispose();
    return out;
  };
  const full = await run(false);
  const cached = await run(true);
  for (let i = 0; i < full.losses.length; i++) assert.ok(Math.abs(full.losses[i] - cached.losses[i]) < 1e-5, `epoch ${i}: ${full.losses[i]} vs ${cached.losses[i]}`);
  assert.ok(maxDiff(full.weights, cached.weights) < 1e-4, `weights differ by ${maxDiff(full.weights, cached.weights)}`);
  assert.equal(full.valAcc, cached.valAcc);
  assert.deepEqual(full.bnStats, cached.bnStats);
  assert.deepEqual(cached.bnStats, new Array(8).fill(0), 'frozen BN running mean never moved');
  T.dispose([full.weights, cached.weights, data, val]);
});

test('head-only training on pooled features; the disk cache is keyed by weights and inputs', async () => {
  const data = colourData(24, 4);
  const other = colourData(24, 5);
  const dir = join(tmp, 'disk');
  T.manualSeed(6);
  const m = new TinyZoo();
  freezeAll(m);
  replaceHeadWithLayers(m, HEAD);
  const lines: string[] = [];
  const c1 = (await buildFeatureCache(m, { train: tensorSource(data.x, data.y) }, { dir, log: (l) => lines.push(l) }))!;
  assert.deepEqual(c1.featureShape, [16]);
  assert.equal(c1.fromDisk, false);
  assert.ok(c1.file && readdirSync(dir).length === 1);
  assert.match(lines[0], /feature cache: frozen prefix features\.0\.\.head\.global_average_pooling2d .*train 24.*features \[16\].*saved to/);
  const headBefore = cloneAll(headParameters(m));
  const h = await fit(c1.model, c1.train, { epochs: 30, batchSize: 8, optimizer: new Adam(m.trainableParameters(), { lr: 0.05 }), verbose: 0, seed: 0 });
  assert.ok(h.last!.accuracy > 0.9, `head-only accuracy ${h.last!.accuracy}`);
  assert.ok(maxDiff(headBefore, headParameters(m)) > 0);
  // the suffix gives the full model's outputs
  T.tidy(() =>
    T.noGrad(() => {
      m.eval();
      c1.model.eval();
      const full = m.call(data.x.narrow(0, 0, 4));
      const viaCache = c1.model.call(m.forwardBlocks(data.x.narrow(0, 0, 4)).mean([2, 3]));
      assert.ok(full.sub(viaCache).abs().max().item() < 1e-5);
    }),
  );

  // same weights and inputs: loaded from disk, same features
  const c2 = (await buildFeatureCache(m, { train: tensorSource(data.x, data.y) }, { dir }))!;
  assert.equal(c2.fromDisk, true);
  assert.equal(c2.file, c1.file);
  const b1 = await first(c1.train);
  const b2 = await first(c2.train);
  assert.equal(maxDiff([b1.x, b1.y.float()], [b2.x, b2.y.float()]), 0);
  // training the head does not change the key (only the cached prefix's weights count)
  assert.equal(c2.file, c1.file);
  // other images: a new key
  const c3 = (await buildFeatureCache(m, { train: tensorSource(other.x, other.y) }, { dir }))!;
  assert.notEqual(c3.file, c1.file);
  // other preprocessing of the same images: a new key
  const scaled = T.tidy(() => data.x.mul(0.5));
  const c4 = (await buildFeatureCache(m, { train: tensorSource(scaled, data.y) }, { dir }))!;
  assert.notEqual(c4.file, c1.file);
  // other weights in the frozen prefix: a new key
  T.noGrad(() => m.blocks()[0].module.parameters()[0].mul_(1.01));
  const c5 = (await buildFeatureCache(m, { train: tensorSource(data.x, data.y) }, { dir }))!;
  assert.notEqual(c5.file, c1.file);
  assert.equal(c5.fromDisk, false);
  assert.equal(readdirSync(dir).length, 4);
  for (const c of [c1, c2, c3, c4, c5]) c.dispose();
  T.dispose([data, other, scaled, b1, b2]);
  m.dispose();
});

async function first(s: BatchSource): Promise<Batch> {
  for await (const b of s.batches({ epoch: 0, batchSize: 100, shuffle: false, seed: 0 })) return b;
  throw new Error('empty source');
}

test('augmented copies: epoch e trains on copy e mod k; memory limit turns caching off', async () => {
  const data = colourData(12, 8);
  T.manualSeed(9);
  const m = new TinyZoo();
  freezeAll(m);
  replaceHeadWithLayers(m, HEAD);
  const src = noisy(tensorSource(data.x, data.y));
  const c = (await buildFeatureCache(m, { train: src }, { copies: 2 }))!;
  const at = async (epoch: number): Promise<Batch> => {
    for await (const b of c.train.batches({ epoch, batchSize: 12, shuffle: false, seed: 0 })) return b;
    throw new Error('empty');
  };
  const [e0, e1, e2] = [await at(0), await at(1), await at(2)];
  assert.equal(maxDiff([e0.x], [e2.x]), 0);
  assert.ok(maxDiff([e0.x], [e1.x]) > 1e-4);
  // copy 1 is the prefix output of the source's epoch-1 batches
  const want = await (async () => {
    for await (const b of src.batches({ epoch: 1, batchSize: 12, shuffle: false, seed: 0 })) {
      const f = T.tidy(() => T.noGrad(() => m.eval().forwardFeatures(b.x).mean([2, 3])));
      T.dispose(b);
      return f;
    }
    throw new Error('empty');
  })();
  assert.ok(maxDiff([e1.x], [want]) < 1e-5);
  assert.match(c.summary, /train 12 x 2 copies/);
  c.dispose();

  const lines: string[] = [];
  const none = await buildFeatureCache(m, { train: src }, { maxBytes: 100, log: (l) => lines.push(l) });
  assert.equal(none, null);
  assert.match(lines[0], /feature cache: off \(.*exceeds the limit\)/);
  T.dispose([data, e0, e1, e2, want]);
  m.dispose();
});
