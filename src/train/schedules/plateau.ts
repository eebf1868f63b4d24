// torch.optim.lr_scheduler.ReduceLROnPlateau: multiplies the lrs by `factor` when a monitored
// metric has stopped improving for `patience` epochs.
import type { JSONValue, Optimizer } from '../optim/optimizer.js';
import { decodeNumber, decodeNumbers, encodeNumber, type LrSchedule, type ScheduleInterval, type ScheduleState } from './schedule.js';

export interface ReduceLROnPlateauOptions {
  /** 'min': lower is better (losses); 'max': higher is better (accuracy). */
  mode?: 'min' | 'max';
  factor?: number;
  /** Epochs without improvement tolerated before reducing. */
  patience?: number;
  threshold?: number;
  /** 'rel': improvement means better than best * (1 ∓ threshold); 'abs': best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. */
  cooldown?: number;
  /** Floor: one for all groups or one per group. */
  minLr?: number | readonly number[];
  /** Reductions smaller than eps are skipped. */
  eps?: number;
}

export class ReduceLROnPlateau implements LrSchedule {
  readonly interval: ScheduleInterval = 'epoch';
  readonly optimizer: Optimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  lastLrs: number[];

  get name(): string {
    return 'plateau';
  }

  constructor(optimizer: Optimizer, opts: ReduceLROnPlateauOptions = {}) {
    this.optimizer = optimizer;
    this.factor = opts.factor ?? 0.1;
    if (!(this.factor < 1)) throw new RangeError('ReduceLROnPlateau: factor should be < 1.0');
    this.mode = opts.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max') throw new Error(`ReduceLROnPlateau: mode ${String(this.mode)} is unknown`);
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new Error(`ReduceLROnPlateau: threshold mode ${String(this.thresholdMode)} is unknown`);
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.cooldown = opts.cooldown ?? 0;
    this.eps = opts.eps ?? 1e-8;
    const n = optimizer.paramGroups.length;
    const minLr = opts.minLr ?? 0;
    if (typeof minLr === 'number') {
      this.minLrs = new Array<number>(n).fill(minLr);
    } else {
      if (minLr.length !== n) throw new RangeError(`ReduceLROnPlateau: expected ${n} min lrs, got ${minLr.length}`);
      this.minLrs = [...minLr];
    }
    this.best = this.modeWorse;
    this.lastLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  private get modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Call once per epoch with the monitored metric. */
  step(metric?: number): void {
    if (metric === undefined || typeof metric !== 'number') throw new TypeError('ReduceLROnPlateau.step() needs the monitored metric');
    const current = metric;
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // ignore any bad epochs in cooldown
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLrs = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  /** Resets the best value and the counters (PyTorch's _reset). */
  reset(): void {
    this.best = this.modeWorse;
    this.cooldownCounter = 0;
    this.numBadEpochs = 0;
  }

  stateDict(): ScheduleState {
    const s: { [key: string]: JSONValue } = {
      best: encodeNumber(this.best),
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLrs: this.lastLrs.map(encodeNumber),
    };
    return { name: this.name, ...s };
  }

  loadStateDict(state: ScheduleState): void {
    if (state.name !== this.name) throw new Error(`loadStateDict: state of a '${state.name}' schedule, this is '${this.name}'`);
    this.best = decodeNumber(state.best);
    this.numBadEpochs = decodeNumber(state.numBadEpochs);
    this.cooldownCounter = decodeNumber(state.cooldownCounter);
    this.lastEpoch = decodeNumber(state.lastEpoch);
    this.lastLrs = decodeNumbers(state.lastLrs);
  }
}
