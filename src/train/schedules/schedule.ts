// The learning-rate schedule interface and the base of the "chainable" schedules, which mirror
// torch.optim.lr_scheduler._LRScheduler: constructing one records each group's lr as its base lr
// and performs the initial step (epoch 0); step() advances lastEpoch and writes the new lrs into
// the optimiser's parameter groups.
import type { JSONValue, Optimizer } from '../optim/optimizer.js';

/** When the fit loop should call step(): after every epoch or after every optimiser step (batch). */
export type ScheduleInterval = 'epoch' | 'step';

/** A schedule's state: plain JSON (non-finite numbers are encoded as strings). */
export type ScheduleState = { name: string } & { [key: string]: JSONValue };

export interface LrSchedule {
  /** The kind, e.g. 'onecycle'. */
  readonly name: string;
  /** How the fit loop should step it. */
  readonly interval: ScheduleInterval;
  readonly optimizer: Optimizer;
  /** Advances the schedule (after optimizer.step()); ReduceLROnPlateau needs the monitored metric. */
  step(metric?: number): void;
  /** The lr of each parameter group after the last step (or construction). */
  readonly lastLrs: number[];
  stateDict(): ScheduleState;
  loadStateDict(state: ScheduleState): void;
}

/** ±Infinity and NaN as strings, so a state survives JSON.stringify. */
export function encodeNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

export function decodeNumber(x: JSONValue | undefined): number {
  if (typeof x === 'number') return x;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  if (x === 'NaN') return NaN;
  throw new TypeError(`schedule state: expected a number, got ${JSON.stringify(x)}`);
}

export function decodeNumbers(x: JSONValue | undefined): number[] {
  if (!Array.isArray(x)) throw new TypeError(`schedule state: expected a list of numbers, got ${JSON.stringify(x)}`);
  return x.map(decodeNumber);
}

/** Base of the epoch-indexed schedules (StepLR, CosineAnnealingLR, OneCycleLR, ...). */
export abstract class LRScheduler implements LrSchedule {
  abstract get name(): string;
  readonly interval: ScheduleInterval;
  readonly optimizer: Optimizer;
  /** Each group's lr when the schedule was created (PyTorch's base_lrs / initial_lr). */
  baseLrs: number[];
  /** Index of the current epoch (or step): 0 after construction. */
  lastEpoch = -1;
  /** Number of step() calls including the initial one. */
  protected stepCount = 0;
  lastLrs: number[] = [];

  constructor(optimizer: Optimizer, interval: ScheduleInterval) {
    this.optimizer = optimizer;
    this.interval = interval;
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lrs for the current lastEpoch (PyTorch's chainable get_lr). */
  protected abstract computeLrs(): number[];

  /** Subclasses call this at the end of their constructor (PyTorch's _initial_step). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.computeLrs();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
    this.lastLrs = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Extra state of a subclass (numbers, lists of numbers). */
  protected extraState(): { [key: string]: JSONValue } {
    return {};
  }

  protected loadExtraState(_state: ScheduleState): void {}

  stateDict(): ScheduleState {
    return {
      name: this.name,
      lastEpoch: this.lastEpoch,
      stepCount: this.stepCount,
      baseLrs: this.baseLrs.map(encodeNumber),
      lastLrs: this.lastLrs.map(encodeNumber),
      ...this.extraState(),
    };
  }

  /** Restores the schedule position. The optimiser's lrs come back with the optimiser's own state. */
  loadStateDict(state: ScheduleState): void {
    if (state.name !== this.name) throw new Error(`loadStateDict: state of a '${state.name}' schedule, this is '${this.name}'`);
    this.lastEpoch = decodeNumber(state.lastEpoch);
    this.stepCount = decodeNumber(state.stepCount);
    this.baseLrs = decodeNumbers(state.baseLrs);
    this.lastLrs = decodeNumbers(state.lastLrs);
    this.loadExtraState(state);
  }
}

/** A schedule that leaves the lrs alone (for configs that ask for none). */
export class ConstantLR extends LRScheduler {
  get name(): string {
    return 'constant';
  }

  constructor(optimizer: Optimizer, interval: ScheduleInterval = 'epoch') {
    super(optimizer, interval);
    this.initialStep();
  }

  protected computeLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }
}
