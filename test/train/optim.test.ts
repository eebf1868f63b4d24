// Optimisers against PyTorch 1.13 (fixtures from tools/fixtures/make_optim_fixtures.py), state
// dict round trips, factories, gradient clipping and memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/torch/index.js';
import {
  Adam,
  AdamW,
  SGD,
  adam,
  sgd,
  rmsprop,
  createOptimizer,
  clipGradNorm,
  clipGradValue,
  saveOptimizerState,
  loadOptimizerState,
  type Optimizer,
  type OptimizerConfig,
  type ParamGroupInput,
} from '../../src/train/optim/index.js';
import { createSchedule, type ScheduleConfig } from '../../src/train/schedules/index.js';

function fixture<J>(name: string): J {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../../test/fixtures/optim/${name}`, import.meta.url)), 'utf8')) as J;
}

interface Stored {
  shape: number[];
  values: number[];
}
interface OptimCase {
  name: string;
  config: OptimizerConfig;
  groups?: ({ params: string[] } & Record<string, unknown>)[];
  schedule?: ScheduleConfig;
  context?: { epochs: number; steps_per_epoch: number };
  losses: number[];
  params: Record<string, number[]>[];
}
interface OptimFixture {
  steps: number;
  problem: Record<string, Stored>;
  param_names: string[];
  cases: OptimCase[];
}

const FX = fixture<OptimFixture>('optimizers.json');
const NAMES = FX.param_names; // W, b, unused, frozen

function stored(s: Stored): T.Tensor {
  return T.tensor(Float32Array.from(s.values), { shape: s.shape });
}

interface Problem {
  ps: Record<string, T.Tensor>;
  X: T.Tensor;
  Y: T.Tensor;
}

function makeProblem(): Problem {
  const ps: Record<string, T.Tensor> = {};
  for (const n of NAMES) ps[n] = stored(FX.problem[n]);
  for (const n of ['W', 'b', 'unused']) ps[n].requiresGrad = true;
  return { ps, X: stored(FX.problem.X), Y: stored(FX.problem.Y) };
}

/** loss = mean((linear(X * frozen, W, b) - Y) ** 2); backward; returns the loss. */
function lossBackward(pr: Problem): number {
  return T.tidy(() => {
    const loss = T.linear(pr.X.mul(pr.ps.frozen), pr.ps.W, { bias: pr.ps.b }).sub(pr.Y).pow(2).mean();
    loss.backward();
    return loss.item();
  });
}

function camel(k: string): string {
  return k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function paramsFor(c: OptimCase, pr: Problem): T.Tensor[] | ParamGroupInput[] {
  if (!c.groups) return NAMES.map((n) => pr.ps[n]); // frozen included: must be skipped
  return c.groups.map((g) => {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) if (k !== 'params') o[camel(k)] = v;
    return { ...o, params: g.params.map((n) => pr.ps[n]) } as ParamGroupInput;
  });
}

/**
 * |a - e| <= rtol |e| + atol, elementwise. With the BLAS the fixtures were made with, the
 * optimisers match PyTorch bit for bit (checked with rtol 0, at 1 and 2 threads). The gradients
 * come from a BLAS matrix product, though, and another BLAS sums in another order (OpenBLAS
 * against netlib's reference BLAS: up to 1.4e-5 relative on a weight near zero, 7e-9 absolute,
 * after 5 steps), so the bound is 1e-5 relative plus 1e-8 absolute: still far below what a wrong
 * update rule gives (a missed bias correction or dampening moves the values by percents).
 */
function assertRel(actual: ArrayLike<number>, expected: readonly number[], label: string, rtol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = Math.fround(expected[i]);
    const a = actual[i];
    assert.ok(Math.abs(a - e) <= rtol * Math.abs(e) + 1e-8, `${label}[${i}]: got ${a}, expected ${e} (rel ${Math.abs(a - e) / Math.abs(e)})`);
  }
}

function snapshot(pr: Problem): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const n of NAMES) out[n] = Array.from(pr.ps[n].data() as Float32Array);
  return out;
}

for (const c of FX.cases) {
  test(`optimizer matches PyTorch: ${c.name}`, () => {
    const pr = makeProblem();
    const opt = createOptimizer(c.config, paramsFor(c, pr));
    const sched = c.schedule ? createSchedule(c.schedule, opt, { epochs: c.context!.epochs, stepsPerEpoch: c.context!.steps_per_epoch }) : null;
    for (let s = 0; s < FX.steps; s++) {
      opt.zeroGrad();
      const loss = lossBackward(pr);
      opt.step();
      sched?.step();
      assertRel([loss], [c.losses[s]], `${c.name} loss ${s}`);
      for (const n of NAMES) assertRel(pr.ps[n].data() as Float32Array, c.params[s][n], `${c.name} step ${s + 1} ${n}`);
    }
    opt.dispose();
  });
}

test('stateDict round trip through safetensors: 3 steps + save/load + 2 steps == 5 steps, for every case', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fovea-optim-'));
  try {
    for (const c of FX.cases) {
      if (c.schedule) continue;
      // uninterrupted
      const a = makeProblem();
      const optA = createOptimizer(c.config, paramsFor(c, a));
      for (let s = 0; s < 5; s++) {
        optA.zeroGrad();
        lossBackward(a);
        optA.step();
      }
      // interrupted: 3 steps, save, fresh parameters holding the same values, new optimiser, load
      const b = makeProblem();
      const optB = createOptimizer(c.config, paramsFor(c, b));
      for (let s = 0; s < 3; s++) {
        optB.zeroGrad();
        lossBackward(b);
        optB.step();
      }
      // change a hyper-parameter after saving: load must bring it back
      const path = join(dir, 'opt.safetensors');
      saveOptimizerState(path, optB);
      const c2 = makeProblem();
      T.noGrad(() => NAMES.forEach((n) => c2.ps[n].copy_(b.ps[n])));
      const optC = createOptimizer(c.config, paramsFor(c, c2));
      optC.paramGroups[0].lr = 123;
      loadOptimizerState(path, optC);
      assert.deepEqual(optC.lrs, optB.lrs, `${c.name}: lrs restored`);
      for (let s = 0; s < 2; s++) {
        optC.zeroGrad();
        lossBackward(c2);
        optC.step();
      }
      const ea = snapshot(a);
      const ec = snapshot(c2);
      for (const n of NAMES) assert.deepEqual(ec[n], ea[n], `${c.name}: ${n} after resume`);
      for (const o of [optA, optB, optC]) o.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stateDict is a snapshot with JSON meta; loadStateDict rejects mismatches', () => {
  const pr = makeProblem();
  const opt = new Adam([pr.ps.W, pr.ps.b], { lr: 0.01, amsgrad: true });
  opt.zeroGrad();
  lossBackward(pr);
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual([...sd.tensors.keys()].sort(), [
    'state.0.expAvg',
    'state.0.expAvgSq',
    'state.0.maxExpAvgSq',
    'state.1.expAvg',
    'state.1.expAvgSq',
    'state.1.maxExpAvgSq',
  ]);
  const meta = JSON.parse(JSON.stringify(sd.meta)) as typeof sd.meta;
  assert.deepEqual(meta, sd.meta);
  assert.equal(meta.optimizer, 'adam');
  assert.deepEqual(meta.state['0'], { step: 1 });
  assert.deepEqual(meta.groups[0].options, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false });
  // a copy: later steps do not change it
  const before = sd.tensors.get('state.0.expAvg')!.dataNumbers();
  opt.zeroGrad();
  lossBackward(pr);
  opt.step();
  assert.deepEqual(sd.tensors.get('state.0.expAvg')!.dataNumbers(), before);

  const pr2 = makeProblem();
  assert.throws(() => new AdamW([pr2.ps.W, pr2.ps.b]).loadStateDict(sd), /'adam' optimizer, this is 'adamw'/);
  assert.throws(() => new Adam([{ params: [pr2.ps.W] }, { params: [pr2.ps.b] }]).loadStateDict(sd), /1 parameter groups, optimizer has 2/);
  assert.throws(() => new Adam([pr2.ps.b, pr2.ps.W]).loadStateDict(sd), /shape/);
  for (const t of sd.tensors.values()) t.dispose();
  opt.dispose();
});

test('param groups: own lrs, defaults fill the rest, duplicates rejected, addParamGroup', () => {
  const pr = makeProblem();
  const opt = new SGD([{ params: [pr.ps.W], lr: 0.5 }, { params: [pr.ps.b], momentum: 0.9 }], { lr: 0.1 });
  assert.deepEqual(opt.lrs, [0.5, 0.1]);
  assert.equal(opt.paramGroups[0].momentum, 0);
  assert.equal(opt.paramGroups[1].momentum, 0.9);
  opt.setLr([0.2, 0.02]);
  assert.deepEqual(opt.lrs, [0.2, 0.02]);
  opt.setLr(0.3);
  assert.deepEqual(opt.lrs, [0.3, 0.3]);
  assert.throws(() => opt.addParamGroup({ params: [pr.ps.W] }), /more than one parameter group/);
  opt.addParamGroup({ params: [pr.ps.unused], lr: 1e-3 });
  assert.deepEqual(opt.lrs, [0.3, 0.3, 1e-3]);
  assert.equal(opt.params.length, 3);
  assert.throws(() => new SGD([pr.ps.W, pr.ps.W]), /twice/);
  assert.throws(() => new SGD([]), /empty/);
  assert.throws(() => new SGD([pr.ps.W], { nesterov: true }), /Nesterov/);
  assert.throws(() => new SGD([pr.ps.W], { lr: -1 }), /learning rate/);
  assert.throws(() => new Adam([pr.ps.W], { betas: [1.0, 0.9] }), /beta/);
  assert.throws(() => new SGD([T.tensor([1, 2], { dtype: 'int64' })]), /floating point/);
});

test('factories: Keras-style and config-driven', () => {
  const pr = makeProblem();
  const f = adam({ lr: 3e-4, weightDecay: 0.1 });
  assert.equal(f.name, 'adam');
  const o = f.create([pr.ps.W]);
  assert.ok(o instanceof Adam);
  assert.equal(o.paramGroups[0].lr, 3e-4);
  assert.equal(o.paramGroups[0].weightDecay, 0.1);
  assert.deepEqual(o.paramGroups[0].betas, [0.9, 0.999]);
  assert.ok(sgd({ momentum: 0.9, nesterov: true }).create([pr.ps.b]) instanceof SGD);
  assert.equal(rmsprop().create([pr.ps.b]).paramGroups[0].lr, 0.01);

  const c = createOptimizer({ name: 'SGD', lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 5e-4 }, [pr.ps.W]) as SGD;
  assert.equal(c.name, 'sgd');
  assert.equal(c.paramGroups[0].weightDecay, 5e-4);
  assert.equal(c.paramGroups[0].nesterov, true);
  const w = createOptimizer({ name: 'adamw', lr: 1e-3 }, [pr.ps.W]) as AdamW;
  assert.equal(w.paramGroups[0].weightDecay, 1e-2); // AdamW's default
  const camelCfg = { name: 'adagrad', lrDecay: 0.1, initial_accumulator_value: 0.5 } as unknown as OptimizerConfig;
  assert.equal((createOptimizer(camelCfg, [pr.ps.W]).paramGroups[0] as unknown as { lrDecay: number }).lrDecay, 0.1);
  assert.throws(() => createOptimizer({ name: 'lamb' }, [pr.ps.W]), /unknown optimizer 'lamb'/);
  assert.throws(() => createOptimizer({ name: 'adam', momentum: 0.9 }, [pr.ps.W]), /no option 'momentum'/);
  assert.throws(() => createOptimizer({ name: 'sgd', lr: '0.1' } as unknown as OptimizerConfig, [pr.ps.W]), /must be a number/);
  assert.throws(() => createOptimizer({ name: 'adam', betas: [0.9] } as unknown as OptimizerConfig, [pr.ps.W]), /list of 2 numbers/);
  assert.throws(() => createOptimizer({ name: 'nadam', maximize: true }, [pr.ps.W]), /no option 'maximize'/);
});

test('zeroGrad, and parameters with requiresGrad false or no grad are skipped', () => {
  const pr = makeProblem();
  const opt = new SGD([pr.ps.W, pr.ps.b, pr.ps.unused, pr.ps.frozen], { lr: 0.1, momentum: 0.9 });
  lossBackward(pr);
  // a stale gradient on a frozen tensor must not move it
  pr.ps.frozen.grad = T.onesLike(pr.ps.frozen);
  const frozen = pr.ps.frozen.dataNumbers();
  const unused = pr.ps.unused.dataNumbers();
  opt.step();
  assert.deepEqual(pr.ps.frozen.dataNumbers(), frozen);
  assert.deepEqual(pr.ps.unused.dataNumbers(), unused);
  assert.equal(opt.stateOf(pr.ps.unused), undefined);
  assert.ok(opt.stateOf(pr.ps.W)?.momentumBuffer);
  opt.zeroGrad(false);
  assert.deepEqual(pr.ps.W.grad!.dataNumbers(), new Array(12).fill(0));
  opt.zeroGrad();
  assert.equal(pr.ps.W.grad, null);
  assert.equal(pr.ps.b.grad, null);
  opt.dispose();
});

test('memory stays flat while stepping (temporaries freed)', () => {
  const configs: OptimizerConfig[] = [
    { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.01, maximize: true },
    { name: 'adam', amsgrad: true, weight_decay: 0.1, maximize: true },
    { name: 'adamw', amsgrad: true },
    { name: 'rmsprop', centered: true, momentum: 0.9, weight_decay: 0.1 },
    { name: 'adagrad', weight_decay: 0.1 },
    { name: 'adadelta', weight_decay: 0.1 },
    { name: 'adamax', weight_decay: 0.1 },
    { name: 'nadam', weight_decay: 0.1 },
  ];
  for (const cfg of configs) {
    const pr = makeProblem();
    const opt = createOptimizer(cfg, [pr.ps.W, pr.ps.b]);
    const run = (): void => {
      opt.zeroGrad();
      lossBackward(pr);
      opt.step();
      clipGradNorm([pr.ps.W, pr.ps.b], 1.0);
    };
    run();
    run();
    const before = T.memory().tensors;
    for (let i = 0; i < 10; i++) run();
    assert.equal(T.memory().tensors, before, `${cfg.name}: live tensors`);
    opt.dispose();
  }
});

interface ClipFixture {
  norm: { max_norm: number; norm_type: number | 'inf'; total_norm: number; grads: Record<string, number[]>; clipped: Record<string, number[]> }[];
  value: { clip: number; grads: Record<string, number[]>; clipped: Record<string, number[]> };
}

test('clipGradNorm / clipGradValue match torch.nn.utils', () => {
  const fx = fixture<ClipFixture>('clip.json');
  for (const c of fx.norm) {
    const pr = makeProblem();
    lossBackward(pr);
    const params = NAMES.map((n) => pr.ps[n]);
    for (const n of ['W', 'b']) assertRel(pr.ps[n].grad!.data() as Float32Array, c.grads[n], `grad ${n}`);
    const total = clipGradNorm(params, c.max_norm, c.norm_type);
    assertRel([total], [c.total_norm], `total norm (p=${c.norm_type})`);
    for (const n of ['W', 'b']) assertRel(pr.ps[n].grad!.data() as Float32Array, c.clipped[n], `clipped ${n} (p=${c.norm_type}, max ${c.max_norm})`);
    assert.equal(pr.ps.unused.grad, null);
  }
  const pr = makeProblem();
  lossBackward(pr);
  clipGradValue(NAMES.map((n) => pr.ps[n]), fx.value.clip);
  for (const n of ['W', 'b']) assertRel(pr.ps[n].grad!.data() as Float32Array, fx.value.clipped[n], `clip value ${n}`);
  assert.equal(clipGradNorm([pr.ps.unused], 1), 0);
  const bad = T.tensor([1, 2]).requiresGrad_();
  bad.grad = T.tensor([Infinity, 1]);
  assert.throws(() => clipGradNorm([bad], 1, 2, { errorIfNonfinite: true }), /non-finite/);
});

test('schedules drive the optimiser: group lr written each step', () => {
  const pr = makeProblem();
  const opt: Optimizer = new SGD([{ params: [pr.ps.W], lr: 0.1 }, { params: [pr.ps.b], lr: 0.01 }], { momentum: 0.9 });
  const s = createSchedule({ name: 'step', step_size: 1, gamma: 0.5 }, opt, { epochs: 3, stepsPerEpoch: 1 });
  s.step();
  assert.deepEqual(opt.lrs, [0.05, 0.005]);
});
