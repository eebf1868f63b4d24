// Numerical parity with PyTorch: rebuilds the computations of tools/fixtures/make_engine_fixtures.py
// with Fovea's operators from the fixture inputs and compares outputs and gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { F, type Tensor } from '../../src/torch/index.js';
import { assertClose, assertValues, fixturePath } from './helpers.js';

const TOL = { atol: 1e-5, rtol: 1e-5 };

function load(name: string): Map<string, Tensor> {
  const { tensors } = T.loadSafetensors(fixturePath(name));
  for (const t of tensors.values()) T.keep(t);
  return tensors;
}

function get(m: Map<string, Tensor>, key: string): Tensor {
  const t = m.get(key);
  assert.ok(t, `fixture tensor '${key}' is missing`);
  return t;
}

// ---------------------------------------------------------------------------------------------
// The small CNN
// ---------------------------------------------------------------------------------------------

const CNN_WEIGHTS = [
  'conv1.weight',
  'conv1.bias',
  'bn1.weight',
  'bn1.bias',
  'conv2.weight',
  'conv2.bias',
  'fc1.weight',
  'fc1.bias',
  'fc2.weight',
  'fc2.bias',
];

function cnnForward(p: Map<string, Tensor>, x: Tensor, runningMean: Tensor, runningVar: Tensor): Tensor {
  let h = F.conv2d(x, p.get('conv1.weight')!, p.get('conv1.bias')!, { padding: 1 });
  h = F.batchNorm(h, runningMean, runningVar, { weight: p.get('bn1.weight')!, bias: p.get('bn1.bias')!, training: true, momentum: 0.1, eps: 1e-5 });
  h = F.relu(h);
  h = F.maxPool2d(h, 2);
  h = F.conv2d(h, p.get('conv2.weight')!, p.get('conv2.bias')!, { padding: 1 });
  h = F.relu(h);
  h = F.avgPool2d(h, 2, { stride: 1 });
  h = F.adaptiveAvgPool2d(h, 2);
  h = h.flatten({ startDim: 1 });
  h = F.linear(h, p.get('fc1.weight')!, p.get('fc1.bias')!);
  h = F.relu(h);
  h = F.dropout(h, 0.5, false);
  return F.linear(h, p.get('fc2.weight')!, p.get('fc2.bias')!);
}

const fx = load('cnn.safetensors');

for (const [name, lossOpts] of [
  ['a', {}],
  ['b', { weight: get(fx, 'class_weight'), labelSmoothing: 0.1 }],
] as const) {
  const desc = name === 'a' ? 'plain cross entropy' : 'class weights and label smoothing';
  test(`CNN parity with PyTorch (${desc}): logits, loss, running stats, gradients`, () => {
    T.tidy(() => {
      const params = new Map<string, Tensor>();
      for (const k of CNN_WEIGHTS) params.set(k, get(fx, k).clone().requiresGrad_());
      const x = get(fx, 'input').clone().requiresGrad_();
      const rm = get(fx, 'bn1.running_mean').clone();
      const rv = get(fx, 'bn1.running_var').clone();
      const target = get(fx, 'target');
      assert.equal(target.dtype, 'int64');

      const logits = cnnForward(params, x, rm, rv);
      assert.deepEqual(logits.shape, [4, 5]);
      const loss = F.crossEntropy(logits, target, lossOpts);
      assertClose(logits, get(fx, `${name}.logits`), 'logits', TOL);
      assertClose(loss, get(fx, `${name}.loss`), 'loss', TOL);
      // batch norm in training mode updates the running statistics in place
      assertClose(rm, get(fx, `${name}.bn1.running_mean`), 'running_mean', TOL);
      assertClose(rv, get(fx, `${name}.bn1.running_var`), 'running_var', TOL);
      assert.ok(Math.abs(rm.sub(get(fx, 'bn1.running_mean')).abs().max().item()) > 1e-4, 'running mean moved');

      loss.backward();
      assertClose(x.grad, get(fx, `${name}.grad.input`), 'grad input', TOL);
      for (const k of CNN_WEIGHTS) assertClose(params.get(k)!.grad, get(fx, `${name}.grad.${k}`), `grad ${k}`, TOL);
    });
  });
}

test('CNN parity also holds for channels-last input and weights', () => {
  T.tidy(() => {
    const params = new Map<string, Tensor>();
    for (const k of CNN_WEIGHTS) {
      const w = get(fx, k);
      params.set(k, (w.ndim === 4 ? w.channelsLast() : w.clone()).requiresGrad_());
    }
    const x = get(fx, 'input').channelsLast().requiresGrad_();
    assert.ok(x.isContiguous('channels_last'));
    const rm = get(fx, 'bn1.running_mean').clone();
    const rv = get(fx, 'bn1.running_var').clone();
    const loss = F.crossEntropy(cnnForward(params, x, rm, rv), get(fx, 'target'));
    assertClose(loss, get(fx, 'a.loss'), 'loss', TOL);
    loss.backward();
    assertClose(x.grad, get(fx, 'a.grad.input'), 'grad input', TOL);
    assertClose(params.get('conv1.weight')!.grad, get(fx, 'a.grad.conv1.weight'), 'grad conv1.weight', TOL);
  });
});

// ---------------------------------------------------------------------------------------------
// Single operators
// ---------------------------------------------------------------------------------------------

type In = (k: string) => Tensor;

const GRID_MODES = ['bilinear', 'nearest', 'bicubic'] as const;
const GRID_PADS = ['zeros', 'border', 'reflection'] as const;

const OPS: Record<string, (i: In) => Tensor> = {
  interp_bilinear_aa_down: (i) => F.interpolate(i('x'), { size: [5, 3], mode: 'bilinear', alignCorners: false, antialias: true }),
  interp_bicubic_aa_down: (i) => F.interpolate(i('x'), { size: [3, 6], mode: 'bicubic', alignCorners: false, antialias: true }),
  interp_bilinear_up: (i) => F.interpolate(i('x'), { size: [9, 11], mode: 'bilinear', alignCorners: false }),
  interp_bilinear_up_ac: (i) => F.interpolate(i('x'), { scaleFactor: 2, mode: 'bilinear', alignCorners: true }),
  interp_bicubic_up: (i) => F.interpolate(i('x'), { size: [8, 9], mode: 'bicubic', alignCorners: false }),
  interp_nearest_up: (i) => F.interpolate(i('x'), { scaleFactor: 2, mode: 'nearest' }),
  affine_grid_noac: (i) => F.affineGrid(i('theta'), [2, 3, 5, 6], false),
  affine_grid_ac: (i) => F.affineGrid(i('theta'), [2, 3, 5, 6], true),
  layer_norm: (i) => F.layerNorm(i('x'), [4, 5], { weight: i('w'), bias: i('b'), eps: 1e-5 }),
  group_norm: (i) => F.groupNorm(i('x'), 3, { weight: i('w'), bias: i('b'), eps: 1e-5 }),
  batch_norm_eval: (i) => F.batchNorm(i('x'), i('rm'), i('rv'), { weight: i('w'), bias: i('b'), training: false, eps: 1e-5 }),
  conv_transpose2d: (i) => F.convTranspose2d(i('x'), i('w'), i('b'), { stride: 2, padding: 1, outputPadding: 1 }),
  conv_transpose2d_groups_dilation: (i) => F.convTranspose2d(i('x'), i('w'), i('b'), { stride: 1, padding: 1, groups: 2, dilation: 2 }),
  conv2d_depthwise: (i) => F.conv2d(i('x'), i('w'), i('b'), { padding: 1, groups: 4 }),
  conv2d_dilation: (i) => F.conv2d(i('x'), i('w'), i('b'), { padding: 2, dilation: 2 }),
  conv2d_stride: (i) => F.conv2d(i('x'), i('w'), i('b'), { stride: 2, padding: [1, 0] }),
  conv2d_same: (i) => F.conv2d(i('x'), i('w'), i('b'), { padding: 'same' }),
  conv2d_same_dilation: (i) => F.conv2d(i('x'), i('w'), null, { padding: 'same', dilation: 2 }),
  conv2d_valid: (i) => F.conv2d(i('x'), i('w'), null, { padding: 'valid' }),
  max_pool2d_pad_ceil: (i) => F.maxPool2d(i('x'), 3, { stride: 2, padding: 1, ceilMode: true }),
  avg_pool2d_pad_noinclude: (i) => F.avgPool2d(i('x'), 3, { stride: 2, padding: 1, countIncludePad: false }),
  adaptive_max_pool2d: (i) => F.adaptiveMaxPool2d(i('x'), [3, 2])[0],
  multi_margin_p1: (i) => F.multiMarginLoss(i('x'), i('t')),
  multi_margin_p2_w: (i) => F.multiMarginLoss(i('x'), i('t'), { p: 2, margin: 0.5, weight: i('w') }),
  multi_margin_sum: (i) => F.multiMarginLoss(i('x'), i('t'), { reduction: 'sum' }),
  bce_with_logits: (i) => F.binaryCrossEntropyWithLogits(i('x'), i('t')),
  bce_with_logits_w_pos: (i) => F.binaryCrossEntropyWithLogits(i('x'), i('t'), { weight: i('w'), posWeight: i('pw') }),
  bce_with_logits_none: (i) => F.binaryCrossEntropyWithLogits(i('x'), i('t'), { reduction: 'none' }),
  cross_entropy_probs: (i) => F.crossEntropy(i('x'), i('t')),
  cross_entropy_ignore: (i) => F.crossEntropy(i('x'), i('t'), { weight: i('w'), ignoreIndex: 2, labelSmoothing: 0.2 }),
  one_hot: (i) => F.oneHot(i('i'), 6),
  one_hot_infer: (i) => F.oneHot(i('i')),
};
for (const mode of GRID_MODES) {
  for (const pad of GRID_PADS) {
    for (const ac of [false, true]) {
      OPS[`grid_sample_${mode}_${pad}_${ac ? 'ac' : 'noac'}`] = (i) => F.gridSample(i('x'), i('grid'), { mode, paddingMode: pad, alignCorners: ac });
    }
  }
}

const ops = load('ops.safetensors');
const caseNames = [...new Set([...ops.keys()].filter((k) => k.endsWith('.out')).map((k) => k.slice(0, -'.out'.length)))].sort();

test('every operator fixture has a Fovea implementation (and vice versa)', () => {
  assert.deepEqual(caseNames, Object.keys(OPS).sort());
  assert.ok(caseNames.length >= 45, `${caseNames.length} cases`);
});

for (const name of caseNames) {
  test(`operator parity with PyTorch: ${name}`, () => {
    const impl = OPS[name];
    assert.ok(impl, `no Fovea implementation for fixture case '${name}'`);
    T.tidy(() => {
      const inputs = new Map<string, Tensor>();
      for (const [k, v] of ops) {
        if (!k.startsWith(`${name}.in.`)) continue;
        const key = k.slice(`${name}.in.`.length);
        const differentiable = ops.has(`${name}.grad.${key}`);
        inputs.set(key, differentiable ? v.clone().requiresGrad_() : v);
      }
      const out = impl((k) => {
        const t = inputs.get(k);
        assert.ok(t, `${name}: no input '${k}'`);
        return t;
      });
      const expected = get(ops, `${name}.out`);
      assert.equal(out.dtype, expected.dtype, `${name}: dtype`);
      if (expected.dtype === 'int64') assert.deepEqual(out.toArray(), expected.toArray());
      else assertClose(out, expected, `${name} output`, TOL);

      const gout = ops.get(`${name}.gout`);
      if (gout === undefined) return;
      out.mul(gout).sum().backward();
      for (const [key, t] of inputs) {
        const g = ops.get(`${name}.grad.${key}`);
        if (g === undefined) continue;
        assertClose(t.grad, g, `${name} grad ${key}`, TOL);
      }
    });
  });
}

test('seeded generators give the same streams as PyTorch', () => {
  T.tidy(() => {
    assertClose(T.randn([20], { generator: new T.Generator(42) }), get(ops, 'rng.seed42.randn'), 'randn', { atol: 0, rtol: 0 });
    assertClose(T.rand([20], { generator: new T.Generator(42) }), get(ops, 'rng.seed42.rand'), 'rand', { atol: 0, rtol: 0 });
    const ri = T.randint(0, 100, [12], { generator: new T.Generator(42) });
    assert.equal(ri.dtype, 'int64');
    assertValues(ri, get(ops, 'rng.seed42.randint').dataNumbers(), 'randint');
    assertValues(T.randperm(10, { generator: new T.Generator(42) }), get(ops, 'rng.seed42.randperm').dataNumbers(), 'randperm');
  });
});
