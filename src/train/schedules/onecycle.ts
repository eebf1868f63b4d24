// The 1cycle policy (Smith & Topin): torch.optim.lr_scheduler.OneCycleLR. Stepped after every
// batch: the lr rises from maxLr / divFactor to maxLr over pctStart of the steps, then anneals to
// initialLr / finalDivFactor; momentum (SGD's momentum or Adam's beta1) cycles the other way.
import type { Optimizer, ParamGroup } from '../optim/optimizer.js';
import { LRScheduler, decodeNumbers, type ScheduleInterval, type ScheduleState } from './schedule.js';
import type { JSONValue } from '../optim/optimizer.js';

export interface OneCycleOptions {
  /** Peak lr: one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** Total number of steps; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to initialLr, then to minLr) instead of two. */
  threePhase?: boolean;
  interval?: ScheduleInterval;
}

type Which = 'initial' | 'max' | 'min';
interface Phase {
  endStep: number;
  startLr: Which;
  endLr: Which;
  startMomentum: 'max' | 'base';
  endMomentum: 'max' | 'base';
}

function perGroup(name: string, v: number | readonly number[], n: number): number[] {
  if (typeof v === 'number') return new Array<number>(n).fill(v);
  if (v.length !== n) throw new RangeError(`OneCycleLR: expected ${n} values for ${name}, got ${v.length}`);
  return [...v];
}

function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

type MomentumGroup = ParamGroup & { momentum?: number; betas?: [number, number] };

export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly phases: Phase[];
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  /** Whether momentum lives in betas[0] (Adam family) rather than `momentum`. */
  readonly useBeta1: boolean;
  initialLrs: number[];
  maxLrs: number[];
  minLrs: number[];
  maxMomentums: number[] = [];
  baseMomentums: number[] = [];

  get name(): string {
    return 'onecycle';
  }

  constructor(optimizer: Optimizer, opts: OneCycleOptions) {
    super(optimizer, opts.interval ?? 'step');
    const n = optimizer.paramGroups.length;
    if (opts.totalSteps !== undefined) {
      if (!(Number.isInteger(opts.totalSteps) && opts.totalSteps > 0)) throw new RangeError(`OneCycleLR: expected a positive integer totalSteps, got ${opts.totalSteps}`);
      this.totalSteps = opts.totalSteps;
    } else {
      const { epochs, stepsPerEpoch } = opts;
      if (epochs === undefined || stepsPerEpoch === undefined) throw new Error('OneCycleLR: give totalSteps or (epochs and stepsPerEpoch)');
      if (!(Number.isInteger(epochs) && epochs > 0)) throw new RangeError(`OneCycleLR: expected a positive integer epochs, got ${epochs}`);
      if (!(Number.isInteger(stepsPerEpoch) && stepsPerEpoch > 0)) throw new RangeError(`OneCycleLR: expected a positive integer stepsPerEpoch, got ${stepsPerEpoch}`);
      this.totalSteps = epochs * stepsPerEpoch;
    }
    const pct = opts.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1)) throw new RangeError(`OneCycleLR: pctStart must be in [0, 1], got ${pct}`);
    const total = this.totalSteps;
    this.phases = opts.threePhase
      ? [
          { endStep: pct * total - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: 2 * pct * total - 2, startLr: 'max', endLr: 'initial', startMomentum: 'base', endMomentum: 'max' },
          { endStep: total - 1, startLr: 'initial', endLr: 'min', startMomentum: 'max', endMomentum: 'max' },
        ]
      : [
          { endStep: pct * total - 1, startLr: 'initial', endLr: 'max', startMomentum: 'max', endMomentum: 'base' },
          { endStep: total - 1, startLr: 'max', endLr: 'min', startMomentum: 'base', endMomentum: 'max' },
        ];
    this.annealStrategy = opts.annealStrategy ?? 'cos';
    if (this.annealStrategy !== 'cos' && this.annealStrategy !== 'linear') throw new Error(`OneCycleLR: annealStrategy must be 'cos' or 'linear'`);
    const divFactor = opts.divFactor ?? 25;
    const finalDivFactor = opts.finalDivFactor ?? 1e4;
    this.maxLrs = perGroup('maxLr', opts.maxLr, n);
    this.initialLrs = this.maxLrs.map((m) => m / divFactor);
    this.minLrs = this.initialLrs.map((l) => l / finalDivFactor);
    this.baseLrs = [...this.initialLrs];
    this.cycleMomentum = opts.cycleMomentum ?? true;
    const defaults = optimizer.defaults as Readonly<Record<string, unknown>>;
    this.useBeta1 = 'betas' in defaults;
    if (this.cycleMomentum) {
      if (!('momentum' in defaults) && !this.useBeta1) {
        throw new Error(`OneCycleLR: optimizer '${optimizer.name}' has no momentum or betas to cycle; pass cycleMomentum: false`);
      }
      this.maxMomentums = perGroup('maxMomentum', opts.maxMomentum ?? 0.95, n);
      this.baseMomentums = perGroup('baseMomentum', opts.baseMomentum ?? 0.85, n);
      optimizer.paramGroups.forEach((g, i) => this.setMomentum(g as MomentumGroup, this.maxMomentums[i]));
    }
    this.initialStep();
  }

  private setMomentum(g: MomentumGroup, m: number): void {
    if (this.useBeta1) g.betas = [m, g.betas![1]];
    else g.momentum = m;
  }

  private lrOf(which: Which, i: number): number {
    return which === 'initial' ? this.initialLrs[i] : which === 'max' ? this.maxLrs[i] : this.minLrs[i];
  }

  protected computeLrs(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new RangeError(`OneCycleLR: tried to step ${stepNum + 1} times; the specified number of total steps is ${this.totalSteps}`);
    }
    const anneal = this.annealStrategy === 'cos' ? annealCos : annealLinear;
    return this.optimizer.paramGroups.map((g, i) => {
      let startStep = 0;
      let lr = NaN;
      let momentum = NaN;
      for (let k = 0; k < this.phases.length; k++) {
        const phase = this.phases[k];
        const endStep = phase.endStep;
        if (stepNum <= endStep || k === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (endStep - startStep);
          lr = anneal(this.lrOf(phase.startLr, i), this.lrOf(phase.endLr, i), pct);
          if (this.cycleMomentum) {
            const mom = (w: 'max' | 'base'): number => (w === 'max' ? this.maxMomentums[i] : this.baseMomentums[i]);
            momentum = anneal(mom(phase.startMomentum), mom(phase.endMomentum), pct);
          }
          break;
        }
        startStep = phase.endStep;
      }
      if (this.cycleMomentum) this.setMomentum(g as MomentumGroup, momentum);
      return lr;
    });
  }

  protected override extraState(): { [key: string]: JSONValue } {
    return {
      initialLrs: this.initialLrs,
      maxLrs: this.maxLrs,
      minLrs: this.minLrs,
      maxMomentums: this.maxMomentums,
      baseMomentums: this.baseMomentums,
    };
  }

  protected override loadExtraState(state: ScheduleState): void {
    this.initialLrs = decodeNumbers(state.initialLrs);
    this.maxLrs = decodeNumbers(state.maxLrs);
    this.minLrs = decodeNumbers(state.minLrs);
    this.maxMomentums = decodeNumbers(state.maxMomentums);
    this.baseMomentums = decodeNumbers(state.baseMomentums);
  }
}
