// LR schedules against torch.optim.lr_scheduler (fixtures from tools/fixtures/make_optim_fixtures.py),
// state round trips and the config factory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/torch/index.js';
import { createOptimizer, type Optimizer, type OptimizerConfig } from '../../src/train/optim/index.js';
import {
  createSchedule,
  OneCycleLR,
  ReduceLROnPlateau,
  WarmupCosineLR,
  type LrSchedule,
  type ScheduleConfig,
  type ScheduleState,
} from '../../src/train/schedules/index.js';

interface SchedCase {
  name: string;
  optimizer: OptimizerConfig & { lr: number };
  schedule: ScheduleConfig;
  context: { epochs: number; steps_per_epoch: number };
  steps: number;
  metrics?: number[];
  lrs: number[][];
  momentums: number[][];
}

const FX = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/optim/schedules.json', import.meta.url)), 'utf8')) as {
  cases: SchedCase[];
};

/** The fixture's optimiser: two groups, the second with a tenth of the lr. */
function makeOptimizer(c: SchedCase): Optimizer {
  const a = T.zeros([2]).requiresGrad_();
  const b = T.zeros([2]).requiresGrad_();
  return createOptimizer(c.optimizer, [
    { params: [a], lr: c.optimizer.lr },
    { params: [b], lr: c.optimizer.lr / 10 },
  ]);
}

function ctxOf(c: SchedCase): { epochs: number; stepsPerEpoch: number } {
  return { epochs: c.context.epochs, stepsPerEpoch: c.context.steps_per_epoch };
}

function momentumOf(g: object): number {
  const x = g as { betas?: [number, number]; momentum?: number };
  return x.betas ? x.betas[0] : (x.momentum ?? 0);
}

function close(a: number, e: number, label: string, rtol = 1e-6): void {
  assert.ok(Math.abs(a - e) <= rtol * Math.abs(e) + 1e-15, `${label}: got ${a}, expected ${e}`);
}

const EXPECTED_INTERVAL: Record<string, string> = {
  step: 'epoch',
  multistep: 'epoch',
  exponential: 'epoch',
  cosine: 'epoch',
  warmup_cosine: 'step',
  onecycle: 'step',
  plateau: 'epoch',
};

for (const c of FX.cases) {
  test(`schedule matches PyTorch: ${c.name}`, () => {
    const opt = makeOptimizer(c);
    const s = createSchedule(c.schedule, opt, ctxOf(c));
    assert.equal(s.interval, c.schedule.interval ?? EXPECTED_INTERVAL[s.name]);
    const check = (i: number): void => {
      opt.paramGroups.forEach((g, j) => {
        close(g.lr, c.lrs[i][j], `${c.name}: lr of group ${j} after ${i} steps`);
        close(momentumOf(g), c.momentums[i][j], `${c.name}: momentum of group ${j} after ${i} steps`);
      });
      assert.deepEqual(s.lastLrs, opt.lrs);
    };
    check(0);
    for (let i = 0; i < c.steps; i++) {
      opt.step();
      s.step(c.metrics?.[i]);
      check(i + 1);
    }
    // the fixture is not trivially constant
    assert.ok(new Set(c.lrs.map((l) => l[0])).size > 2, 'lr changes');
  });
}

test('schedule + optimiser state round trip (JSON) resumes the same lr sequence', () => {
  for (const c of FX.cases) {
    const full = makeOptimizer(c);
    const sFull = createSchedule(c.schedule, full, ctxOf(c));
    const expected: number[][] = [];
    for (let i = 0; i < c.steps; i++) {
      sFull.step(c.metrics?.[i]);
      expected.push([...full.lrs, ...full.paramGroups.map(momentumOf)]);
    }
    const k = Math.floor(c.steps / 2);
    const first = makeOptimizer(c);
    const sFirst = createSchedule(c.schedule, first, ctxOf(c));
    for (let i = 0; i < k; i++) sFirst.step(c.metrics?.[i]);
    const saved = JSON.stringify({ schedule: sFirst.stateDict(), optimizer: first.stateDict().meta });
    const { schedule, optimizer } = JSON.parse(saved) as { schedule: ScheduleState; optimizer: ReturnType<Optimizer['stateDict']>['meta'] };
    const second = makeOptimizer(c);
    const sSecond: LrSchedule = createSchedule(c.schedule, second, ctxOf(c));
    second.loadStateDict({ tensors: new Map(), meta: optimizer });
    sSecond.loadStateDict(schedule);
    for (let i = k; i < c.steps; i++) {
      sSecond.step(c.metrics?.[i]);
      assert.deepEqual([...second.lrs, ...second.paramGroups.map(momentumOf)], expected[i], `${c.name}: step ${i + 1} after resume`);
    }
  }
});

test('ReduceLROnPlateau: needs the metric; state with an infinite best survives JSON', () => {
  const c = FX.cases.find((x) => x.schedule.name === 'plateau')!;
  const opt = makeOptimizer(c);
  const s = new ReduceLROnPlateau(opt, { patience: 0 });
  assert.throws(() => s.step(), /metric/);
  const st = JSON.parse(JSON.stringify(s.stateDict())) as ScheduleState;
  assert.equal(st.best, 'Infinity');
  const s2 = new ReduceLROnPlateau(opt, { patience: 0 });
  s2.loadStateDict(st);
  assert.equal(s2.best, Infinity);
  s2.step(1);
  s2.step(2);
  assert.deepEqual(opt.lrs, [0.1 * 0.1, 0.01 * 0.1]);
});

test('OneCycleLR: stepping past the total throws; optimisers without momentum need cycleMomentum false', () => {
  const c = FX.cases[0];
  const opt = makeOptimizer(c);
  const s = new OneCycleLR(opt, { maxLr: 1, totalSteps: 3 });
  s.step();
  s.step();
  s.step();
  assert.throws(() => s.step(), /total steps is 3/);
  const ada = createOptimizer({ name: 'adagrad' }, [T.zeros([1]).requiresGrad_()]);
  assert.throws(() => new OneCycleLR(ada, { maxLr: 1, totalSteps: 10 }), /cycleMomentum: false/);
  assert.throws(() => new OneCycleLR(opt, { maxLr: [1, 2, 3], totalSteps: 10 }), /expected 2 values/);
});

test('WarmupCosineLR: linear warm-up, cosine to an absolute floor, then flat', () => {
  const c = FX.cases[0];
  const opt = makeOptimizer(c); // lrs 0.1 and 0.01
  const s = createSchedule({ name: 'cosine', warmup_epochs: 1, min_lr: 0.001 }, opt, { epochs: 3, stepsPerEpoch: 4 });
  assert.ok(s instanceof WarmupCosineLR);
  const seq: number[] = [opt.lrs[0]];
  for (let i = 0; i < 14; i++) {
    s.step();
    seq.push(opt.lrs[0]);
  }
  // warm-up over 4 steps from 0
  [0, 0.025, 0.05, 0.075].forEach((v, i) => close(seq[i], v, `warm-up ${i}`, 1e-12));
  close(seq[4], 0.1, 'peak', 1e-12);
  close(seq[8], 0.001 + (0.1 - 0.001) * 0.5, 'half way', 1e-12);
  close(seq[12], 0.001, 'floor', 1e-12);
  close(seq[14], 0.001, 'after the end', 1e-12);
  for (let i = 5; i <= 12; i++) assert.ok(seq[i] < seq[i - 1], 'decreasing');
  close(opt.lrs[1], 0.001, 'absolute floor applies to every group', 1e-12);
});

test('createSchedule: names, intervals and errors', () => {
  const c = FX.cases[0];
  const ctx = { epochs: 4, stepsPerEpoch: 5 };
  const kinds: [ScheduleConfig, string, string][] = [
    [{ name: 'StepLR', step_size: 2 }, 'step', 'epoch'],
    [{ name: 'multi_step', milestones: [1, 2] }, 'multistep', 'epoch'],
    [{ name: 'exponential', gamma: 0.9 }, 'exponential', 'epoch'],
    [{ name: 'cosine' }, 'cosine', 'epoch'],
    [{ name: 'cosine', interval: 'step' }, 'cosine', 'step'],
    [{ name: 'warmup-cosine', warmup_epochs: 1 }, 'warmup_cosine', 'step'],
    [{ name: 'one_cycle' }, 'onecycle', 'step'],
    [{ name: 'reduce_lr_on_plateau', patience: 3 }, 'plateau', 'epoch'],
    [{ name: 'none' }, 'constant', 'epoch'],
  ];
  for (const [cfg, name, interval] of kinds) {
    const s = createSchedule(cfg, makeOptimizer(c), ctx);
    assert.equal(s.name, name, JSON.stringify(cfg));
    assert.equal(s.interval, interval, JSON.stringify(cfg));
  }
  // onecycle defaults max_lr to the optimiser's lrs and sizes itself from epochs x steps
  const opt = makeOptimizer(c);
  const oc = createSchedule({ name: 'onecycle' }, opt, ctx) as OneCycleLR;
  assert.deepEqual(oc.maxLrs, [0.1, 0.01]);
  assert.equal(oc.totalSteps, 20);
  assert.throws(() => createSchedule({ name: 'poly' }, makeOptimizer(c), ctx), /unknown schedule 'poly'/);
  assert.throws(() => createSchedule({ name: 'step', gamma: 0.5 }, makeOptimizer(c), ctx), /needs step_size/);
  assert.throws(() => createSchedule({ name: 'step', step_size: 1, patience: 2 }, makeOptimizer(c), ctx), /no option 'patience'/);
  assert.throws(() => createSchedule({ name: 'exponential', gamma: 'x' } as unknown as ScheduleConfig, makeOptimizer(c), ctx), /must be a number/);
  assert.throws(() => createSchedule({ name: 'plateau', interval: 'step' }, makeOptimizer(c), ctx), /once per epoch/);
});
