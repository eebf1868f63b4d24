// Regularisers (Keras formulas), constraints, initialisers (fans, seeding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import * as nn from '../../src/nn/index.js';
import { close } from './helpers.js';

function sumOf(t: T.Tensor, f: (v: number) => number): number {
  return t.dataNumbers().reduce((a, v) => a + f(v), 0);
}

test('L1, L2, L1L2 penalties are l1·Σ|w| and l2·Σw² (no ½); string defaults are 0.01', () => {
  T.tidy(() => {
    const w = T.tensor([[1, -2], [3, -4]]);
    assert.ok(close(nn.l2(1e-3).penalty(w).item(), 1e-3 * 30));
    assert.ok(close(nn.l1(0.1).penalty(w).item(), 0.1 * 10));
    assert.ok(close(nn.l1l2({ l1: 0.1, l2: 0.01 }).penalty(w).item(), 1 + 0.3));
    assert.ok(close(nn.getRegularizer('l2')!.penalty(w).item(), 0.3));
    assert.ok(close(nn.getRegularizer('l1_l2')!.penalty(w).item(), 0.1 + 0.3));
  });
  assert.throws(() => nn.getRegularizer('l3'), /unknown regularizer 'l3'/);
});

test('regularizationLoss sums kernel, bias and last-forward activity penalties', () => {
  const m = nn.sequential(
    [
      { type: 'Conv2D', filters: 4, kernel_size: 3, kernel_regularizer: { l2: 1e-3 }, bias_regularizer: { l1: 0.5 }, bias_initializer: { type: 'constant', value: 0.25 } },
      { type: 'Flatten' },
      { type: 'Dense', units: 3, kernel_regularizer: 'l1', activity_regularizer: { l2: 0.1 } },
    ],
    { inputShape: [2, 5, 5] },
  );
  T.tidy(() => {
    const conv = m.getLayer('conv2d').stateDict();
    const dense = m.getLayer('dense').stateDict();
    const weights = 1e-3 * sumOf(conv.get('weight')!, (v) => v * v) + 0.5 * 4 * 0.25 + 0.01 * sumOf(dense.get('weight')!, Math.abs);
    assert.ok(close(nn.regularizationLoss(m)!.item(), weights, 1e-4));
    const y = m.call(T.randn([4, 2, 5, 5]));
    const activity = (0.1 * sumOf(y, (v) => v * v)) / 4; // divided by the batch size, as Keras
    const total = nn.regularizationLoss(m)!;
    assert.ok(close(total.item(), weights + activity, 1e-4));
    // differentiable with respect to the kernels
    total.backward();
    assert.ok(conv.get('weight')!.grad !== null);
  });
  assert.equal(nn.regularizationLoss(nn.sequential([nn.dense({ units: 2 })], { inputShape: [3] })), null);
  m.dispose();
});

test('constraints hold after applyConstraints', () => {
  const m = nn.sequential(
    [
      nn.conv2d({ filters: 6, kernelSize: 3, kernelConstraint: { type: 'max_norm', maxValue: 0.5 }, biasConstraint: 'non_neg', biasInitializer: { type: 'random_normal', stddev: 1 } }),
      nn.flatten(),
      nn.dense({ units: 4, kernelConstraint: 'unit_norm', kernelInitializer: { type: 'random_normal', stddev: 3 } }),
    ],
    { inputShape: [3, 5, 5] },
  );
  T.noGrad(() => m.getLayer('conv2d').stateDict().get('weight')!.mul_(50));
  nn.applyConstraints(m);
  T.tidy(() => {
    const conv = m.getLayer('conv2d').stateDict();
    const norms = conv.get('weight')!.square().sum([1, 2, 3]).sqrt().dataNumbers(); // per output channel
    assert.ok(norms.every((n) => n <= 0.5 + 1e-5), `norms ${norms}`);
    assert.ok(norms.some((n) => n > 0.49));
    assert.ok(conv.get('bias')!.dataNumbers().every((v) => v >= 0));
    const dn = m.getLayer('dense').stateDict().get('weight')!.square().sum([1]).sqrt().dataNumbers();
    assert.ok(dn.every((n) => Math.abs(n - 1) < 1e-4), `unit norms ${dn}`);
  });
  assert.throws(() => nn.getConstraint('max'), /unknown constraint 'max'; allowed: max_norm/);
  m.dispose();
});

test('initialisers: Keras fans for conv kernels, default glorot_uniform / zeros, seeded by manualSeed', () => {
  const make = (): nn.Conv2D => {
    const c = nn.conv2d({ filters: 32, kernelSize: 3 });
    c.build([16, 8, 8]);
    return c;
  };
  T.manualSeed(42);
  const a = make();
  T.manualSeed(42);
  const b = make();
  const wa = a.stateDict().get('weight')!.dataNumbers();
  assert.deepEqual(wa, b.stateDict().get('weight')!.dataNumbers(), 'same seed, same weights');
  const limit = Math.sqrt(6 / (9 * 16 + 9 * 32));
  const maxAbs = Math.max(...wa.map(Math.abs));
  assert.ok(maxAbs <= limit && maxAbs > 0.95 * limit, `glorot limit ${limit}, max ${maxAbs}`);
  assert.ok(a.stateDict().get('bias')!.dataNumbers().every((v) => v === 0));
  // depthwise: Keras fans use the input channels (kh·kw·in, kh·kw·mult)
  const dw = nn.depthwiseConv2d({ kernelSize: 3 });
  dw.build([64, 8, 8]);
  const dlim = Math.sqrt(6 / (9 * 64 + 9));
  assert.ok(Math.max(...dw.stateDict().get('weight')!.dataNumbers().map(Math.abs)) <= dlim);
  // he_normal: truncated at 2σ with σ = sqrt(2 / fan_in)/0.8796, overall std sqrt(2 / fan_in)
  T.manualSeed(1);
  const he = nn.initTensor('he_normal', [256, 128, 3, 3], { fanIn: 128 * 9, fanOut: 256 * 9 });
  const std = he.std(null).item();
  assert.ok(Math.abs(std - Math.sqrt(2 / (128 * 9))) < 0.01 * Math.sqrt(2 / 1152) * 10, `he std ${std}`);
  assert.ok(he.abs().max().item() <= (2 * Math.sqrt(2 / 1152)) / 0.8796256610342398 + 1e-6);
  const tn = nn.initTensor({ type: 'truncated_normal', stddev: 0.1 }, [10000]);
  assert.ok(tn.abs().max().item() <= 0.2 + 1e-6);
  const lu = nn.initTensor('lecun_uniform', [100, 50], { fanIn: 50, fanOut: 100 });
  assert.ok(lu.abs().max().item() <= Math.sqrt(3 / 50));
  const c = nn.initTensor({ type: 'constant', value: 3 }, [2, 2]);
  assert.equal(c.dtype, 'float32');
  assert.deepEqual(c.dataNumbers(), [3, 3, 3, 3]);
  for (const [rows, cols] of [[16, 32], [32, 16]]) {
    const q = nn.initTensor('orthogonal', [rows, cols]);
    const gram = rows <= cols ? q.matmul(q.t()) : q.t().matmul(q);
    assert.ok(gram.sub(T.eye(Math.min(rows, cols))).abs().max().item() < 1e-5, 'orthogonal');
    q.dispose();
  }
  assert.throws(() => nn.dense({ units: 3, kernelInitializer: 'glorot' }), /unknown initializer 'glorot'; allowed: zeros/);
  for (const t of [he, tn, lu, c]) t.dispose();
  a.dispose();
  b.dispose();
  dw.dispose();
});
