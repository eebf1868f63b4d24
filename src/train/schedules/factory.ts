// Schedules from experiment configs: createSchedule({ name: 'onecycle', max_lr: 0.01 }, optimizer,
// { epochs, stepsPerEpoch }). Option names are snake_case (camelCase accepted); unknown options
// are rejected.
import type { Optimizer } from '../optim/optimizer.js';
import { ConstantLR, type LrSchedule, type ScheduleInterval } from './schedule.js';
import { StepLR, MultiStepLR, ExponentialLR } from './step.js';
import { CosineAnnealingLR, WarmupCosineLR } from './cosine.js';
import { OneCycleLR } from './onecycle.js';
import { ReduceLROnPlateau } from './plateau.js';

/** How long training runs, to size the schedules. */
export interface ScheduleContext {
  epochs: number;
  /** Optimiser steps (batches) per epoch. */
  stepsPerEpoch: number;
}

/**
 * A schedule as written in an experiment config. Names (case, '_' and '-' ignored):
 * - `step` (step_size, gamma), `multistep` (milestones, gamma), `exponential` (gamma): per epoch;
 * - `cosine` (t_max = epochs or epochs*steps_per_epoch, eta_min; with warmup_* it is warmup_cosine);
 * - `warmup_cosine` (warmup_epochs | warmup_steps, min_lr | min_lr_ratio, warmup_start_ratio): per step;
 * - `onecycle` (max_lr = the optimiser's lrs by default, pct_start, div_factor, final_div_factor,
 *   anneal_strategy, three_phase, cycle_momentum, base_momentum, max_momentum): per step;
 * - `plateau` (mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps): per
 *   epoch, stepped with the monitored metric;
 * - `constant` / `none`.
 * `interval: 'epoch' | 'step'` overrides where it makes sense (lengths are then counted in that unit).
 */
export interface ScheduleConfig {
  name: string;
  interval?: ScheduleInterval;
  step_size?: number;
  gamma?: number;
  milestones?: number[];
  t_max?: number;
  eta_min?: number;
  warmup_epochs?: number;
  warmup_steps?: number;
  min_lr?: number | number[];
  min_lr_ratio?: number;
  warmup_start_ratio?: number;
  max_lr?: number | number[];
  pct_start?: number;
  div_factor?: number;
  final_div_factor?: number;
  anneal_strategy?: 'cos' | 'linear';
  three_phase?: boolean;
  cycle_momentum?: boolean;
  base_momentum?: number | number[];
  max_momentum?: number | number[];
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  threshold_mode?: 'rel' | 'abs';
  cooldown?: number;
  eps?: number;
}

const ALIASES: Record<string, string> = {
  step: 'step',
  steplr: 'step',
  multistep: 'multistep',
  multisteplr: 'multistep',
  exponential: 'exponential',
  exponentiallr: 'exponential',
  exp: 'exponential',
  cosine: 'cosine',
  cosineannealing: 'cosine',
  cosineannealinglr: 'cosine',
  warmupcosine: 'warmup_cosine',
  cosinewarmup: 'warmup_cosine',
  cosinewithwarmup: 'warmup_cosine',
  onecycle: 'onecycle',
  onecyclelr: 'onecycle',
  plateau: 'plateau',
  reduceonplateau: 'plateau',
  reducelronplateau: 'plateau',
  constant: 'constant',
  none: 'constant',
};

const ALLOWED: Record<string, string[]> = {
  step: ['step_size', 'gamma'],
  multistep: ['milestones', 'gamma'],
  exponential: ['gamma'],
  cosine: ['t_max', 'eta_min', 'min_lr', 'warmup_epochs', 'warmup_steps', 'min_lr_ratio', 'warmup_start_ratio'],
  warmup_cosine: ['warmup_epochs', 'warmup_steps', 'min_lr', 'min_lr_ratio', 'warmup_start_ratio'],
  onecycle: ['max_lr', 'pct_start', 'div_factor', 'final_div_factor', 'anneal_strategy', 'three_phase', 'cycle_momentum', 'base_momentum', 'max_momentum'],
  plateau: ['mode', 'factor', 'patience', 'threshold', 'threshold_mode', 'cooldown', 'min_lr', 'eps'],
  constant: [],
};

/** Canonical schedule names. */
export const SCHEDULE_NAMES = Object.freeze(Object.keys(ALLOWED));

function camelToSnake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function num(name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`schedule option '${name}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function numOrList(name: string, v: unknown): number | number[] {
  if (Array.isArray(v)) return v.map((x, i) => num(`${name}[${i}]`, x));
  return num(name, v);
}

function bool(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`schedule option '${name}' must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new TypeError(`schedule option '${name}' must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** Builds the schedule a config asks for, sized by the training length. */
export function createSchedule(config: ScheduleConfig, optimizer: Optimizer, ctx: ScheduleContext): LrSchedule {
  if (config === null || typeof config !== 'object') throw new TypeError('schedule config must be an object with a `name`');
  const key = String(config.name ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  let name = ALIASES[key];
  if (!name) throw new Error(`unknown schedule '${String(config.name)}' (one of ${SCHEDULE_NAMES.join(', ')})`);
  const o: Record<string, unknown> = {};
  let interval: ScheduleInterval | undefined;
  for (const [k, v] of Object.entries(config)) {
    if (k === 'name' || v === undefined) continue;
    const sk = camelToSnake(k);
    if (sk === 'interval') {
      interval = oneOf('interval', v, ['epoch', 'step'] as const);
      continue;
    }
    if (!ALLOWED[name].includes(sk)) {
      throw new Error(`schedule '${name}' has no option '${k}' (options: ${[...ALLOWED[name], 'interval'].join(', ')})`);
    }
    o[sk] = v;
  }
  if (name === 'cosine' && (o.warmup_epochs !== undefined || o.warmup_steps !== undefined || o.min_lr_ratio !== undefined || o.warmup_start_ratio !== undefined)) {
    name = 'warmup_cosine';
  }
  const epochs = ctx.epochs;
  const spe = ctx.stepsPerEpoch;
  if (!(Number.isInteger(epochs) && epochs > 0)) throw new RangeError(`createSchedule: epochs must be a positive integer, got ${epochs}`);
  if (!(Number.isInteger(spe) && spe > 0)) throw new RangeError(`createSchedule: stepsPerEpoch must be a positive integer, got ${spe}`);
  switch (name) {
    case 'step':
      if (o.step_size === undefined) throw new Error("schedule 'step' needs step_size");
      return new StepLR(optimizer, {
        stepSize: num('step_size', o.step_size),
        gamma: o.gamma === undefined ? undefined : num('gamma', o.gamma),
        interval,
      });
    case 'multistep': {
      if (!Array.isArray(o.milestones)) throw new Error("schedule 'multistep' needs milestones (a list of epochs)");
      return new MultiStepLR(optimizer, {
        milestones: o.milestones.map((m, i) => num(`milestones[${i}]`, m)),
        gamma: o.gamma === undefined ? undefined : num('gamma', o.gamma),
        interval,
      });
    }
    case 'exponential':
      if (o.gamma === undefined) throw new Error("schedule 'exponential' needs gamma");
      return new ExponentialLR(optimizer, { gamma: num('gamma', o.gamma), interval });
    case 'cosine': {
      const iv = interval ?? 'epoch';
      const etaMin = o.eta_min ?? o.min_lr;
      return new CosineAnnealingLR(optimizer, {
        tMax: o.t_max === undefined ? (iv === 'step' ? epochs * spe : epochs) : num('t_max', o.t_max),
        etaMin: etaMin === undefined ? undefined : num('eta_min', etaMin),
        interval: iv,
      });
    }
    case 'warmup_cosine': {
      const iv = interval ?? 'step';
      const unit = iv === 'step' ? spe : 1;
      let warmup = 0;
      if (o.warmup_steps !== undefined) {
        if (iv !== 'step') throw new Error("schedule 'warmup_cosine': warmup_steps needs interval 'step' (use warmup_epochs)");
        warmup = num('warmup_steps', o.warmup_steps);
      } else if (o.warmup_epochs !== undefined) {
        warmup = Math.round(num('warmup_epochs', o.warmup_epochs) * unit);
      }
      return new WarmupCosineLR(optimizer, {
        warmup,
        total: epochs * unit,
        minLr: o.min_lr === undefined ? undefined : num('min_lr', o.min_lr),
        minLrRatio: o.min_lr_ratio === undefined ? undefined : num('min_lr_ratio', o.min_lr_ratio),
        warmupStartRatio: o.warmup_start_ratio === undefined ? undefined : num('warmup_start_ratio', o.warmup_start_ratio),
        interval: iv,
      });
    }
    case 'onecycle': {
      const iv = interval ?? 'step';
      return new OneCycleLR(optimizer, {
        maxLr: o.max_lr === undefined ? optimizer.paramGroups.map((g) => g.lr) : numOrList('max_lr', o.max_lr),
        totalSteps: iv === 'step' ? epochs * spe : epochs,
        pctStart: o.pct_start === undefined ? undefined : num('pct_start', o.pct_start),
        divFactor: o.div_factor === undefined ? undefined : num('div_factor', o.div_factor),
        finalDivFactor: o.final_div_factor === undefined ? undefined : num('final_div_factor', o.final_div_factor),
        annealStrategy: o.anneal_strategy === undefined ? undefined : oneOf('anneal_strategy', o.anneal_strategy, ['cos', 'linear'] as const),
        threePhase: o.three_phase === undefined ? undefined : bool('three_phase', o.three_phase),
        cycleMomentum: o.cycle_momentum === undefined ? undefined : bool('cycle_momentum', o.cycle_momentum),
        baseMomentum: o.base_momentum === undefined ? undefined : numOrList('base_momentum', o.base_momentum),
        maxMomentum: o.max_momentum === undefined ? undefined : numOrList('max_momentum', o.max_momentum),
        interval: iv,
      });
    }
    case 'plateau':
      if (interval === 'step') throw new Error("schedule 'plateau' steps once per epoch with the monitored metric");
      return new ReduceLROnPlateau(optimizer, {
        mode: o.mode === undefined ? undefined : oneOf('mode', o.mode, ['min', 'max'] as const),
        factor: o.factor === undefined ? undefined : num('factor', o.factor),
        patience: o.patience === undefined ? undefined : num('patience', o.patience),
        threshold: o.threshold === undefined ? undefined : num('threshold', o.threshold),
        thresholdMode: o.threshold_mode === undefined ? undefined : oneOf('threshold_mode', o.threshold_mode, ['rel', 'abs'] as const),
        cooldown: o.cooldown === undefined ? undefined : num('cooldown', o.cooldown),
        minLr: o.min_lr === undefined ? undefined : numOrList('min_lr', o.min_lr),
        eps: o.eps === undefined ? undefined : num('eps', o.eps),
      });
    default:
      return new ConstantLR(optimizer, interval ?? 'epoch');
  }
}
