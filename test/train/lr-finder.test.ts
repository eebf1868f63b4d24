// The LR finder on a toy linear regression: ramp, smoothing, stopping, suggestions, exact restore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { SGD, type Optimizer } from '../../src/train/optim/index.js';
import { lrFind, lrFindAsync, paramSnapshot, suggestLrs, valleyIndex, steepIndex } from '../../src/train/lr-finder.js';

interface Toy {
  w: T.Tensor;
  b: T.Tensor;
  opt: Optimizer;
  batches: [T.Tensor, T.Tensor][];
  it: number;
}

/** y = X w* + 0.3 + noise, 4 features, 2 batches of 128; model = linear, SGD with momentum. */
function makeToy(): Toy {
  const g = new T.Generator(7);
  const X = T.randn([256, 4], { generator: g });
  const wTrue = T.tensor([[1.5], [-2.0], [0.5], [3.0]]);
  const y = X.matmul(wTrue).add(0.3).add(T.randn([256, 1], { generator: g }).mul(0.1));
  const batches: [T.Tensor, T.Tensor][] = [0, 1].map((i) => [X.slice({ dim: 0, start: i * 128, end: (i + 1) * 128 }), y.slice({ dim: 0, start: i * 128, end: (i + 1) * 128 })]);
  const w = T.zeros([1, 4]).requiresGrad_();
  const b = T.zeros([1]).requiresGrad_();
  const opt = new SGD([w, b], { lr: 0.01, momentum: 0.9 });
  return { w, b, opt, batches, it: 0 };
}

function trainStep(toy: Toy, lr: number): number {
  toy.opt.setLr(lr);
  const [x, y] = toy.batches[toy.it++ % toy.batches.length];
  const loss = T.tidy(() => {
    const l = T.linear(x, toy.w, { bias: toy.b }).sub(y).pow(2).mean();
    l.backward();
    return l.item();
  });
  toy.opt.step();
  toy.opt.zeroGrad();
  return loss;
}

function values(ts: T.Tensor[]): number[][] {
  return ts.map((t) => t.dataNumbers());
}

function optState(opt: Optimizer): { meta: string; tensors: [string, number[]][] } {
  const sd = opt.stateDict();
  const out = { meta: JSON.stringify(sd.meta), tensors: [...sd.tensors].map(([k, t]): [string, number[]] => [k, t.dataNumbers()]) };
  for (const t of sd.tensors.values()) t.dispose();
  return out;
}

test('lrFind: exponential ramp, smoothed loss, stops on divergence, sensible suggestion, exact restore', () => {
  const toy = makeToy();
  for (let i = 0; i < 5; i++) trainStep(toy, 0.01); // some optimiser state to restore
  const before = values([toy.w, toy.b]);
  const optBefore = optState(toy.opt);
  const snap = paramSnapshot([toy.w, toy.b], toy.opt);
  const res = lrFind({ trainStep: (lr) => trainStep(toy, lr), ...snap });
  snap.dispose();

  // the ramp: 1e-7 * (10 / 1e-7) ** (i / 100)
  assert.equal(res.lrs[0], 1e-7);
  for (let i = 1; i < res.lrs.length; i++) {
    assert.ok(Math.abs(res.lrs[i] / res.lrs[i - 1] - 10 ** (8 / 100)) < 1e-9, 'constant ratio');
  }
  // bias-corrected smoothing: the first smoothed loss is the first loss
  assert.ok(Math.abs(res.losses[0] - res.rawLosses[0]) <= 1e-12 * res.rawLosses[0]);
  let val = 0;
  res.rawLosses.forEach((l, i) => {
    val = val * 0.98 + l * 0.02;
    assert.ok(Math.abs(res.losses[i] - val / (1 - 0.98 ** (i + 1))) <= 1e-9 * Math.abs(res.losses[i]));
  });
  // divergence stop: the last smoothed loss is above 4x the best, the ones before are not
  assert.equal(res.diverged, true);
  assert.ok(res.lrs.length < 100);
  const best = Math.min(...res.losses);
  assert.ok(res.losses[res.losses.length - 1] > 4 * best);
  for (let i = 0; i < res.losses.length - 1; i++) assert.ok(res.losses[i] <= 4 * Math.min(...res.losses.slice(0, i + 1)));

  // suggestions: below the divergence point (lr ~1 for this problem), well above the flat start
  assert.equal(res.suggestion, res.steep);
  for (const [name, lr] of [['steep', res.steep], ['valley', res.valley], ['minimum', res.minimum]] as const) {
    assert.ok(lr > 1e-3 && lr < 1, `${name} suggestion ${lr}`);
  }

  // restored exactly: weights, optimiser state and hyper-parameters, no gradients
  assert.deepEqual(values([toy.w, toy.b]), before);
  assert.deepEqual(optState(toy.opt), optBefore);
  assert.deepEqual(toy.opt.lrs, [0.01]);
  assert.equal(toy.w.grad, null);
});

test('lrFind without divergence runs numIt iterations; numIt is at least 6; restores when trainStep throws', () => {
  let calls = 0;
  let saved = 0;
  let restored = 0;
  const cb = {
    trainStep: (lr: number): number => {
      calls++;
      return 1 / (1 + lr);
    },
    saveState: (): void => void saved++,
    restoreState: (): void => void restored++,
  };
  const res = lrFind(cb, { startLr: 1e-4, endLr: 1, numIt: 20 });
  assert.equal(calls, 20);
  assert.equal(res.lrs.length, 20);
  assert.equal(res.diverged, false);
  assert.deepEqual([saved, restored], [1, 1]);
  assert.ok(res.lrs[19] < 1);
  assert.equal(lrFind(cb, { numIt: 2 }).lrs.length, 6);

  assert.throws(
    () =>
      lrFind({
        ...cb,
        trainStep: (lr) => {
          if (lr > 1e-5) throw new Error('boom');
          return 1;
        },
      }),
    /boom/,
  );
  assert.equal(restored, 3);
  // a NaN loss stops the run
  const nan = lrFind({ ...cb, trainStep: (lr) => (lr > 1e-3 ? NaN : 1 - lr) });
  assert.equal(nan.diverged, true);
  assert.ok(Number.isNaN(nan.losses[nan.losses.length - 1]));
  assert.ok(Number.isFinite(nan.steep));
});

test('lrFindAsync gives the same result as lrFind', async () => {
  const a = makeToy();
  const snapA = paramSnapshot([a.w, a.b], a.opt);
  const sync = lrFind({ trainStep: (lr) => trainStep(a, lr), ...snapA });
  const b = makeToy();
  const snapB = paramSnapshot([b.w, b.b], b.opt);
  const res = await lrFindAsync({
    trainStep: async (lr) => {
      await new Promise((r) => setImmediate(r));
      return trainStep(b, lr);
    },
    saveState: async () => snapB.saveState(),
    restoreState: async () => snapB.restoreState(),
  });
  assert.deepEqual(res, sync);
  snapA.dispose();
  snapB.dispose();
});

test('suggestion functions follow fastai', () => {
  // values checked against fastai's valley() in Python
  assert.equal(valleyIndex([5, 4.5, 4.8, 4, 3, 3.2, 2.5, 2, 1.8, 1.7, 1.9, 3, 6, 10, 9, 20]), 4);
  assert.equal(valleyIndex([3, 2.9, 2.8, 3.5, 2.7, 2.5, 2.4, 2.2, 2.0, 1.5, 1.2, 1.1, 1.3, 2.0]), 4);
  const lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1];
  assert.equal(steepIndex(lrs, [1, 0.99, 0.7, 0.6, 2]), 1);
  // trimming: first numIt/10 and last 5 points are ignored
  const n = 30;
  const l = Array.from({ length: n }, (_, i) => 1e-5 * 10 ** (i / 5));
  const losses = l.map((_, i) => (i < 3 ? 10 - 3 * i : i > 24 ? -100 : 5 - 0.1 * i));
  const s = suggestLrs(l, losses, n);
  assert.ok(s.steep >= l[3] && s.steep <= l[24]);
  assert.equal(s.minimum, l[24] / 10);
});
