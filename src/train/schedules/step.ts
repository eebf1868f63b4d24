// Step-wise decays: StepLR, MultiStepLR, ExponentialLR (torch.optim.lr_scheduler, chainable form).
import type { Optimizer } from '../optim/optimizer.js';
import { LRScheduler, type ScheduleInterval } from './schedule.js';

export interface StepLROptions {
  /** Decay every stepSize epochs (or steps). */
  stepSize: number;
  gamma?: number;
  interval?: ScheduleInterval;
}

/** lr *= gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  get name(): string {
    return 'step';
  }

  constructor(optimizer: Optimizer, opts: StepLROptions) {
    super(optimizer, opts.interval ?? 'epoch');
    if (!(Number.isInteger(opts.stepSize) && opts.stepSize > 0)) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${opts.stepSize}`);
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }

  protected computeLrs(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }
}

export interface MultiStepLROptions {
  /** Epoch indices at which lr *= gamma (a repeated milestone decays that many times). */
  milestones: readonly number[];
  gamma?: number;
  interval?: ScheduleInterval;
}

/** lr *= gamma at each milestone. */
export class MultiStepLR extends LRScheduler {
  readonly milestones: Map<number, number>;
  readonly gamma: number;

  get name(): string {
    return 'multistep';
  }

  constructor(optimizer: Optimizer, opts: MultiStepLROptions) {
    super(optimizer, opts.interval ?? 'epoch');
    this.milestones = new Map();
    for (const m of opts.milestones) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }

  protected computeLrs(): number[] {
    const groups = this.optimizer.paramGroups;
    const count = this.milestones.get(this.lastEpoch);
    if (count === undefined) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma ** count);
  }
}

export interface ExponentialLROptions {
  gamma: number;
  interval?: ScheduleInterval;
}

/** lr *= gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  get name(): string {
    return 'exponential';
  }

  constructor(optimizer: Optimizer, opts: ExponentialLROptions) {
    super(optimizer, opts.interval ?? 'epoch');
    this.gamma = opts.gamma;
    this.initialStep();
  }

  protected computeLrs(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }
}
