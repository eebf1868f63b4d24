// Train/eval behaviour: dropout, spatial dropout, batch norm statistics, Gaussian noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import * as nn from '../../src/nn/index.js';
import { close } from './helpers.js';

test('Dropout zeroes about rate of the units in train (scaling the rest) and nothing in eval', () => {
  T.manualSeed(3);
  T.tidy(() => {
    const d = nn.dropout({ rate: 0.3 });
    const x = T.ones([20, 1000]);
    const y = d.train().call(x);
    const zeros = y.eq(0).float().mean().item();
    assert.ok(Math.abs(zeros - 0.3) < 0.02, `zero fraction ${zeros}`);
    assert.ok(close(y.max().item(), 1 / 0.7));
    assert.equal(d.eval().call(x).eq(1).all().item(), 1);
  });
});

test('SpatialDropout2D drops whole channels in train only', () => {
  T.manualSeed(4);
  T.tidy(() => {
    const d = nn.spatialDropout2d({ rate: 0.5 });
    const y = d.train().call(T.ones([8, 64, 3, 3]));
    const perChannel = y.amax({ dim: [2, 3] }).sub(y.amin({ dim: [2, 3] }));
    assert.equal(perChannel.abs().max().item(), 0, 'each channel is all zero or all kept');
    const zeroFrac = y.eq(0).float().mean().item();
    assert.ok(zeroFrac > 0.35 && zeroFrac < 0.65, `zero fraction ${zeroFrac}`);
    assert.equal(d.eval().call(T.ones([2, 4, 3, 3])).eq(1).all().item(), 1);
  });
});

test('GaussianNoise adds noise of the given stddev in train only', () => {
  T.manualSeed(5);
  T.tidy(() => {
    const g = nn.gaussianNoise({ stddev: 0.5 });
    const x = T.zeros([100, 100]);
    const std = g.train().call(x).std(null).item();
    assert.ok(Math.abs(std - 0.5) < 0.02, `std ${std}`);
    assert.equal(g.eval().call(x).abs().max().item(), 0);
  });
});

test('BatchNormalization: batch stats and Keras momentum in train, running stats in eval', () => {
  T.manualSeed(6);
  const bn = nn.batchNormalization();
  bn.build([3, 4, 4]);
  T.tidy(() => {
    const x = T.randn([8, 3, 4, 4]).mul(2).add(5);
    const y = bn.train().call(x);
    // training output is normalised with the batch statistics (biased variance), epsilon 1e-3
    const m = x.mean([0, 2, 3]);
    const v = x.sub(m.reshape([1, 3, 1, 1])).square().mean([0, 2, 3]);
    const want = x.sub(m.reshape([1, 3, 1, 1])).div(v.add(1e-3).sqrt().reshape([1, 3, 1, 1]));
    assert.ok(y.sub(want).abs().max().item() < 1e-4);
    // running stats: 0.99 · old + 0.01 · batch (unbiased variance, as PyTorch)
    const rm = bn.stateDict().get('running_mean')!.dataNumbers();
    const rv = bn.stateDict().get('running_var')!.dataNumbers();
    const unbiased = v.mul(128 / 127).dataNumbers();
    m.dataNumbers().forEach((mi, i) => assert.ok(close(rm[i], 0.01 * mi, 1e-4), `running_mean[${i}]`));
    unbiased.forEach((vi, i) => assert.ok(close(rv[i], 0.99 + 0.01 * vi, 1e-4), `running_var[${i}]`));
    assert.equal(bn.stateDict().get('num_batches_tracked')!.item(), 1);
    // eval: running statistics, no updates
    const ye = bn.eval().call(x);
    const wantEval = x.sub(T.tensor(rm).reshape([1, 3, 1, 1])).div(T.tensor(rv).add(1e-3).sqrt().reshape([1, 3, 1, 1]));
    assert.ok(ye.sub(wantEval).abs().max().item() < 1e-4);
    assert.deepEqual(bn.stateDict().get('running_mean')!.dataNumbers(), rm);
    assert.equal(bn.stateDict().get('num_batches_tracked')!.item(), 1);
  });
  bn.dispose();
});

test('model.train()/eval() reach every layer', () => {
  const m = nn.sequential([nn.dense({ units: 4 }), nn.dropout({ rate: 0.5 })], { inputShape: [3] });
  m.eval();
  assert.ok(m.layers.every((l) => !l.training));
  T.tidy(() => {
    const x = T.ones([2, 3]);
    assert.ok(m.call(x).sub(m.call(x)).abs().max().item() === 0, 'eval is deterministic');
  });
  m.train();
  assert.ok(m.layers.every((l) => l.training));
  m.dispose();
});
