// Cosine schedules: CosineAnnealingLR (torch.optim.lr_scheduler, recursive chainable form, which
// keeps cycling past tMax) and WarmupCosineLR (linear warm-up then half a cosine down to a floor,
// as transformers' get_cosine_schedule_with_warmup and timm's CosineLRScheduler).
import type { Optimizer } from '../optim/optimizer.js';
import { LRScheduler, type ScheduleInterval } from './schedule.js';

export interface CosineAnnealingOptions {
  /** Half-period in epochs (or steps). */
  tMax: number;
  /** Lowest lr (PyTorch's eta_min). */
  etaMin?: number;
  interval?: ScheduleInterval;
}

export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  get name(): string {
    return 'cosine';
  }

  constructor(optimizer: Optimizer, opts: CosineAnnealingOptions) {
    super(optimizer, opts.interval ?? 'epoch');
    if (!(opts.tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${opts.tMax}`);
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    this.initialStep();
  }

  protected computeLrs(): number[] {
    const groups = this.optimizer.paramGroups;
    const e = this.lastEpoch;
    const T = this.tMax;
    const etaMin = this.etaMin;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map((g) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) + etaMin);
  }
}

export interface WarmupCosineOptions {
  /** Length of the linear warm-up, in the schedule's interval (steps by default). */
  warmup: number;
  /** Total length (warm-up included); the lr stays at the floor afterwards. */
  total: number;
  /** Absolute floor for every group (timm's lr_min). */
  minLr?: number;
  /** Floor as a fraction of each group's base lr (used when minLr is not given; default 0). */
  minLrRatio?: number;
  /** Warm-up starts at this fraction of the base lr (default 0, as in transformers and timm). */
  warmupStartRatio?: number;
  interval?: ScheduleInterval;
}

/**
 * lr(t) = base * (s + (1 - s) * t / warmup) for t < warmup (s = warmupStartRatio); then
 * floor + (base - floor) * (1 + cos(pi * progress)) / 2 with progress = (t - warmup) / (total - warmup),
 * capped at 1. With minLrRatio r the cosine phase is computed as base * (r + (1 - r) * cosine).
 */
export class WarmupCosineLR extends LRScheduler {
  readonly warmup: number;
  readonly total: number;
  readonly minLr: number | undefined;
  readonly minLrRatio: number;
  readonly warmupStartRatio: number;

  get name(): string {
    return 'warmup_cosine';
  }

  constructor(optimizer: Optimizer, opts: WarmupCosineOptions) {
    super(optimizer, opts.interval ?? 'step');
    if (!(opts.warmup >= 0)) throw new RangeError(`WarmupCosineLR: warmup must be >= 0, got ${opts.warmup}`);
    if (!(opts.total > 0)) throw new RangeError(`WarmupCosineLR: total must be positive, got ${opts.total}`);
    this.warmup = opts.warmup;
    this.total = opts.total;
    this.minLr = opts.minLr;
    this.minLrRatio = opts.minLrRatio ?? 0;
    this.warmupStartRatio = opts.warmupStartRatio ?? 0;
    this.initialStep();
  }

  /** The lr of a group with base lr `base` at step t (closed form). */
  lrAt(base: number, t: number): number {
    if (t < this.warmup) {
      const s = this.warmupStartRatio;
      return base * (s + ((1 - s) * t) / Math.max(1, this.warmup));
    }
    const progress = Math.min(1, (t - this.warmup) / Math.max(1, this.total - this.warmup));
    const cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
    if (this.minLr !== undefined) return this.minLr + (base - this.minLr) * cosine;
    const r = this.minLrRatio;
    return base * (r + (1 - r) * cosine);
  }

  protected computeLrs(): number[] {
    return this.baseLrs.map((base) => this.lrAt(base, this.lastEpoch));
  }
}
