// Model surgery through the ZooModel contract: freezing (frozen batch norm keeps its running
// statistics during fit), truncation, layer-list heads, dropout after every convolution,
// outputs of named layers, per-block parameter groups, gradual unfreezing and the block summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import {
  addDropoutAfterConv,
  createModel,
  freezeBatchNormStats,
  isDeterministicInTraining,
  applyFreeze,
  blockParamGroups,
  convDropoutCount,
  forwardWithOutputs,
  freezeAll,
  freezeUntil,
  frozenBlockCount,
  headParameters,
  replaceHeadWithLayers,
  truncate,
  unfreezeGroups,
  unfreezeLast,
  zooSummary,
  zooSummaryData,
} from '../../src/models/index.js';
import { BatchNorm2d } from '../../src/nn/modules/index.js';
import { Adam, SGD } from '../../src/train/optim/index.js';
import { fit } from '../../src/train/fit.js';
import { GradualUnfreezing, LambdaCallback } from '../../src/train/callbacks/index.js';
import { TinyZoo, colourData } from './tiny-zoo.js';

T.setNumThreads(1);

const trainable = (ts: Tensor[]): boolean[] => ts.map((p) => p.requiresGrad);
const count = (ts: Tensor[]): number => ts.reduce((a, p) => a + p.size, 0);
const snapshot = (ts: Tensor[]): number[][] => ts.map((t) => t.dataNumbers());

function blockParams(m: TinyZoo, name: string): Tensor[] {
  return m.blocks().find((b) => b.name === name)!.module.parameters();
}

test('freeze all / until a block / all but the last N: block flags and the head stays trainable', () => {
  T.manualSeed(0);
  const m = new TinyZoo();
  freezeAll(m);
  for (const b of ['features.0', 'features.1', 'features.2']) assert.ok(blockParams(m, b).every((p) => !p.requiresGrad), b);
  assert.ok(headParameters(m).length === 2 && headParameters(m).every((p) => p.requiresGrad));
  assert.equal(frozenBlockCount(m), 4);

  freezeUntil(m, 'features.1');
  assert.deepEqual(trainable(blockParams(m, 'features.0')), [false, false, false]);
  assert.deepEqual(trainable(blockParams(m, 'features.1')), [false, false, false]);
  assert.deepEqual(trainable(blockParams(m, 'features.2')), [true, true, true]);
  assert.equal(frozenBlockCount(m), 2);

  // the last block (final_relu) has no parameters: "the last 1" is features.2
  unfreezeLast(m, 1);
  assert.equal(frozenBlockCount(m), 2);
  unfreezeLast(m, 2);
  assert.equal(frozenBlockCount(m), 1);
  unfreezeLast(m, 0);
  assert.equal(frozenBlockCount(m), 4);
  applyFreeze(m, 'none');
  assert.ok(m.parameters().every((p) => p.requiresGrad));
  applyFreeze(m, { allButLast: 1 });
  assert.equal(frozenBlockCount(m), 2);
  applyFreeze(m, { until: 'features.0' });
  assert.equal(frozenBlockCount(m), 1);
  assert.throws(() => freezeUntil(m, 'features.9'), /no block 'features.9'; blocks: features.0, features.1, features.2, final_relu/);
  m.dispose();
});

test('frozen batch norm keeps its running statistics during fit; an unfrozen one updates them', async () => {
  T.manualSeed(1);
  const { x, y } = colourData(24, 1);
  const m = new TinyZoo();
  freezeUntil(m, 'features.1');
  const bns = m.namedModules().filter(([, mod]) => mod instanceof BatchNorm2d) as [string, BatchNorm2d][];
  assert.equal(bns.length, 3);
  const before = new Map(bns.map(([n, bn]) => [n, snapshot([bn.stateDict().get('running_mean')!, bn.stateDict().get('running_var')!])]));
  const frozenWeights = snapshot([...blockParams(m, 'features.0'), ...blockParams(m, 'features.1')]);
  const headBefore = snapshot(headParameters(m));
  await fit(m, [x, y], { epochs: 2, batchSize: 8, optimizer: new Adam(m.trainableParameters(), { lr: 0.01 }), verbose: 0, seed: 0 });
  for (const [n, bn] of bns) {
    const now = snapshot([bn.stateDict().get('running_mean')!, bn.stateDict().get('running_var')!]);
    const tracked = Number(bn.stateDict().get('num_batches_tracked')!.item());
    if (n.startsWith('features.2')) {
      assert.notDeepEqual(now, before.get(n), `${n} trains: running stats move`);
      assert.equal(tracked, 6);
    } else {
      assert.deepEqual(now, before.get(n), `${n} is frozen: running stats fixed`);
      assert.equal(tracked, 0);
    }
  }
  assert.deepEqual(snapshot([...blockParams(m, 'features.0'), ...blockParams(m, 'features.1')]), frozenWeights);
  assert.notDeepEqual(snapshot(headParameters(m)), headBefore);
  T.dispose([x, y]);
  m.dispose();
});

test('truncate after a block: the new head reads the new channel count; dropped blocks leave the state dict', () => {
  T.manualSeed(2);
  const m = new TinyZoo(5);
  truncate(m, 'features.1', { numClasses: 4 });
  assert.deepEqual(m.blockNames(), ['features.0', 'features.1']);
  assert.deepEqual(m.featureShape(), [16, 8, 8]);
  const keys = [...m.stateDict().keys()];
  assert.ok(!keys.some((k) => k.startsWith('features.2') || k.startsWith('fc.')), keys.join(', '));
  assert.ok(keys.includes('head.fc.weight'));
  const out = T.tidy(() => T.noGrad(() => m.eval().call(T.randn([2, 3, 16, 16])).shape));
  assert.deepEqual(out, [2, 4]);

  // a layer-list head on a truncated model
  const m2 = new TinyZoo();
  truncate(m2, 'features.0', { head: [{ type: 'GlobalAveragePooling2D' }, { type: 'Dense', units: 6, activation: 'relu' }, { type: 'Dense', units: 2 }] });
  const d = zooSummaryData(m2);
  assert.deepEqual(
    d.layers.map((l) => [l.name, l.outputShape]),
    [
      ['features.0', [8, 16, 16]],
      ['head.global_average_pooling2d', [8]],
      ['head.dense', [6]],
      ['head.dense_1', [2]],
    ],
  );
  assert.equal(d.layers[2].params, 8 * 6 + 6);
  m.dispose();
  m2.dispose();
});

test('replace the head with a Keras-style layer list; the summary follows every edit', () => {
  T.manualSeed(3);
  const m = new TinyZoo();
  const convParams = 3 * 8 * 9 + 8 * 16 * 9 + 16 * 16 * 9;
  const bnParams = 2 * (8 + 16 + 16);
  const macs0 = 16 * 16 * 8 * 3 * 9; // conv 3->8, 3x3, 16x16 output
  const macs1 = 8 * 8 * 16 * 8 * 9;
  const macs2 = 8 * 8 * 16 * 16 * 9;
  let d = zooSummaryData(m);
  assert.deepEqual(d.layers.map((l) => l.name), ['features.0', 'features.1', 'features.2', 'final_relu', 'drop', 'fc']);
  assert.deepEqual(d.layers.slice(0, 3).map((l) => l.macs), [macs0, macs1, macs2]);
  assert.equal(d.layers[5].macs, 16 * 3);
  assert.equal(d.totalParams, convParams + bnParams + 16 * 3 + 3);
  assert.equal(d.nonTrainableParams, 0);

  freezeAll(m);
  d = zooSummaryData(m);
  assert.equal(d.nonTrainableParams, convParams + bnParams);
  assert.equal(d.trainableParams, 16 * 3 + 3);
  assert.deepEqual([d.layers[0].trainableParams, d.layers[0].nonTrainableParams], [0, 3 * 8 * 9 + 16]);

  const head = replaceHeadWithLayers(m, [
    { type: 'GlobalAveragePooling2D' },
    { type: 'Dense', units: 10, activation: 'relu' },
    { type: 'Dropout', rate: 0.5 },
    { type: 'Dense', units: 5 },
  ]);
  assert.ok(head.built);
  assert.ok(!m.stateDict().has('fc.weight'));
  assert.ok([...m.stateDict().keys()].some((k) => k.startsWith('head.dense')));
  d = zooSummaryData(m);
  assert.deepEqual(d.layers.slice(4).map((l) => [l.name, l.outputShape, l.params]), [
    ['head.global_average_pooling2d', [16], 0],
    ['head.dense', [10], 16 * 10 + 10],
    ['head.dropout', [10], 0],
    ['head.dense_1', [5], 10 * 5 + 5],
  ]);
  assert.equal(d.trainableParams, 16 * 10 + 10 + 55);
  assert.equal(d.macs, macs0 + macs1 + macs2 + 16 * 10 + 10 * 5);
  const text = zooSummary(m);
  assert.match(text, /Block \(type\) +Output Shape +Param # +Trainable +Frozen +MACs/);
  assert.match(text, /features\.1 \(TinyBlock\) +\(None, 16, 8, 8\) +1,184 +0 +1,184 +73,728/);
  assert.match(text, /Trainable params: 225 /);
  const out = T.tidy(() => T.noGrad(() => m.eval().call(T.randn([2, 3, 16, 16])).shape));
  assert.deepEqual(out, [2, 5]);
  // a different input size builds the head for that feature map
  const m2 = new TinyZoo();
  replaceHeadWithLayers(m2, [{ type: 'Flatten' }, { type: 'Dense', units: 2 }], { inputShape: [3, 8, 8] });
  assert.equal(zooSummaryData(m2, [3, 8, 8]).layers.at(-1)!.params, 16 * 4 * 4 * 2 + 2);
  m.dispose();
  m2.dispose();
});

test('dropout after every convolution: random in training, identity in eval, state dict unchanged, removable', () => {
  T.manualSeed(4);
  const m = new TinyZoo();
  const keys = [...m.stateDict().keys()];
  const x = T.randn([2, 3, 16, 16]);
  const evalOut = T.tidy(() => T.noGrad(() => m.eval().call(x).dataNumbers()));
  const remove = addDropoutAfterConv(m, 0.5);
  assert.equal(convDropoutCount(m), 3);
  assert.deepEqual([...m.stateDict().keys()], keys);
  assert.deepEqual(T.tidy(() => T.noGrad(() => m.eval().call(x).dataNumbers())), evalOut);
  // in training mode with frozen BN (running stats), only dropout makes two passes differ
  freezeAll(m);
  const a = T.tidy(() => T.noGrad(() => m.train().forwardFeatures(x).dataNumbers()));
  const b = T.tidy(() => T.noGrad(() => m.train().forwardFeatures(x).dataNumbers()));
  assert.notDeepEqual(a, b);
  // about half the stem's conv outputs are zeroed
  const stem = T.tidy(() => T.noGrad(() => forwardWithOutputs(m.train(), x, ['features.0.conv.0']).get('features.0.conv.0')!));
  const zeros = T.tidy(() => stem.eq(0).float().mean().item());
  assert.ok(zeros > 0.4 && zeros < 0.6, `zeroed fraction ${zeros}`);
  remove();
  assert.equal(convDropoutCount(m), 0);
  const c = T.tidy(() => T.noGrad(() => m.train().forwardFeatures(x).dataNumbers()));
  const e = T.tidy(() => T.noGrad(() => m.eval().forwardFeatures(x).dataNumbers()));
  assert.deepEqual(c, e);
  T.dispose([x, stem]);
  m.dispose();
});

test('forwardWithOutputs: block names and module paths; stops after the last block needed', () => {
  T.manualSeed(5);
  const m = new TinyZoo().eval();
  const x = T.randn([2, 3, 16, 16]);
  let headRan = 0;
  const off = m.child('fc')!.registerForwardHook(() => void headRan++);
  let lastBlockRan = 0;
  const off2 = m.blocks()[2].module.registerForwardHook(() => void lastBlockRan++);
  T.tidy(() =>
    T.noGrad(() => {
      const outs = forwardWithOutputs(m, x, ['features.0', 'features.1.conv.1']);
      assert.deepEqual([...outs.keys()], ['features.0', 'features.1.conv.1']);
      assert.deepEqual(outs.get('features.0')!.shape, [2, 8, 16, 16]);
      assert.deepEqual(outs.get('features.1.conv.1')!.shape, [2, 16, 8, 8]);
      // the same values as the full forward path
      const full = m.forwardBlocks(x, 0, 1);
      assert.equal(full.sub(outs.get('features.0')!).abs().max().item(), 0);
    }),
  );
  assert.equal(headRan, 0);
  assert.equal(lastBlockRan, 0);
  T.tidy(() => T.noGrad(() => assert.deepEqual(forwardWithOutputs(m, x, ['fc', 'final_relu']).get('fc')!.shape, [2, 3])));
  assert.equal(headRan, 1);
  assert.throws(() => forwardWithOutputs(m, x, ['nope']), /no layer 'nope'; blocks: features.0/);
  off();
  off2();
  x.dispose();
  m.dispose();
});

test('per-block parameter groups with discriminative learning rates', () => {
  T.manualSeed(6);
  const m = new TinyZoo();
  freezeAll(m);
  const groups = blockParamGroups(m, { lr: 0.1, decay: 0.5 });
  assert.deepEqual(groups.map((g) => g.name), ['features.0', 'features.1', 'features.2', 'head']);
  assert.deepEqual(groups.map((g) => g.lr), [0.0125, 0.025, 0.05, 0.1]);
  assert.equal(count(groups.flatMap((g) => g.params)), count(m.parameters()));
  const two = blockParamGroups(m, { lr: 1, decay: 0.1, groups: 2 });
  assert.deepEqual(two.map((g) => g.name), ['features.0', 'features.1..features.2', 'head']);
  assert.deepEqual(two.map((g) => g.lr), [0.010000000000000002, 0.1, 1]);
  // only trainable parameters: the head alone
  assert.deepEqual(blockParamGroups(m, { trainableOnly: true }).map((g) => g.name), ['head']);
  const opt = new SGD(groups, { lr: 1 });
  assert.deepEqual(opt.lrs, [0.0125, 0.025, 0.05, 0.1]);
  m.dispose();
});

test('gradual unfreezing: one more block every epoch, frozen blocks untouched until then', async () => {
  T.manualSeed(7);
  const { x, y } = colourData(18, 7);
  const m = new TinyZoo();
  freezeAll(m);
  const groups = unfreezeGroups(m);
  assert.deepEqual(groups.map((g) => g.names), [['features.2'], ['features.1'], ['features.0']]);
  const lines: string[] = [];
  const gu = GradualUnfreezing.forModel(m, { every: 1, log: (l) => lines.push(l) });
  const seen: number[] = [];
  const snaps: number[][][] = [];
  const spy = new LambdaCallback({
    onEpochBegin: () => void seen.push(frozenBlockCount(m)),
    onEpochEnd: () => void snaps.push(snapshot(blockParams(m, 'features.1'))),
  });
  // every parameter in the optimiser from the start: frozen ones are skipped until unfrozen
  const opt = new Adam(blockParamGroups(m, { lr: 0.01 }), { lr: 0.01 });
  const initial = snapshot(blockParams(m, 'features.1'));
  await fit(m, [x, y], { epochs: 4, batchSize: 6, optimizer: opt, callbacks: [gu, spy], verbose: 0, seed: 0 });
  assert.deepEqual(seen, [4, 2, 1, 0]);
  assert.deepEqual(snaps[0], initial);
  assert.deepEqual(snaps[1], initial); // features.1 unfreezes at epoch 2
  assert.notDeepEqual(snaps[2], initial);
  assert.equal(lines.length, 3);
  assert.match(lines[0], /epoch 2: 1 of 3 groups trainable \(features\.2\)/);
  assert.equal(gu.unfrozenAt(0), 0);
  assert.equal(gu.unfrozenAt(10), 3);
  // downTo stops early; blocksPerStep groups blocks
  freezeAll(m);
  assert.deepEqual(unfreezeGroups(m, { blocksPerStep: 2, downTo: 'features.1' }).map((g) => g.names), [['features.2', 'features.1']]);
  T.dispose([x, y]);
  m.dispose();
});

test('forwardBlocks frees each block\'s insides (and consumed block outputs); gradients are unchanged', () => {
  T.manualSeed(8);
  const m = new TinyZoo().eval();
  const x = T.randn([4, 3, 16, 16]);
  const params = m.parameters();
  let liveRef = 0;
  let liveTidy = 0;
  const ref = T.tidy(() => {
    // every module call in one scope: every activation stays until the end
    let y = x;
    for (const b of m.blocks()) y = b.module.call(y);
    const loss = m.forwardHead(y).square().sum();
    liveRef = T.memory().tensors;
    return T.grad(loss, params).map((g) => g!.dataNumbers());
  });
  const ours = T.tidy(() => {
    const loss = m.call(x).square().sum();
    liveTidy = T.memory().tensors;
    return T.grad(loss, params).map((g) => g!.dataNumbers());
  });
  assert.deepEqual(ours, ref);
  assert.ok(liveTidy < liveRef, `live tensors after the forward: ${liveTidy} (per-block scopes) vs ${liveRef}`);
  // a hook handing out a block output keeps it alive (adopt), the outputs are still right
  const outs = T.tidy(() => {
    const o = forwardWithOutputs(m, x, ['features.0', 'features.1', 'features.2.conv.0']);
    return [...o.values()].map((t) => t.shape);
  });
  assert.deepEqual(outs, [[4, 8, 16, 16], [4, 16, 8, 8], [4, 16, 8, 8]]);
  x.dispose();
  m.dispose();
});

test('freezeBatchNormStats: training-mode forward uses the running statistics and leaves them alone, weights still train', () => {
  T.manualSeed(3);
  const model = createModel('resnet18', { numClasses: 4 });
  // non-trivial statistics, as imported weights would have
  T.noGrad(() => {
    for (const [, m] of model.namedModules()) {
      if (m instanceof BatchNorm2d) {
        m.stateDict().get('running_mean')!.copy_(T.randn([m.numFeatures]).mul(0.1));
        m.stateDict().get('running_var')!.copy_(T.rand([m.numFeatures]).add(0.5));
      }
    }
  });
  assert.ok(freezeBatchNormStats(model) >= 20);
  const x = T.randn([2, 3, 64, 64]);
  const bn = model.getModule('layer1.0.bn1') as BatchNorm2d;
  const before = bn.stateDict().get('running_mean')!.clone();
  const evalOut = T.noGrad(() => model.eval().call(x));
  const trainOut = model.train().call(x);
  assert.ok(bn.stateDict().get('weight')!.requiresGrad, 'affine parameters stay trainable');
  assert.ok(trainOut.sub(evalOut).abs().max().item() < 1e-5, 'same function as eval mode');
  assert.equal(bn.stateDict().get('running_mean')!.sub(before).abs().max().item(), 0);
  trainOut.sum().backward();
  assert.ok(bn.stateDict().get('weight')!.grad !== null);
  assert.ok(isDeterministicInTraining(model.getModule('layer1')), 'a stats-frozen prefix can be cached');
  freezeBatchNormStats(model, false);
  const again = model.train().call(x);
  assert.ok(again.sub(evalOut).abs().max().item() > 1e-3, 'batch statistics again once released');
});
