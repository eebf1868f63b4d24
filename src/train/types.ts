// The small interfaces the fit loop codes against: optimisers, schedules, logs and the
// context callbacks see. Optimisers in src/train/optim and schedules in src/train/schedules
// satisfy them structurally.
import type { Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';

export interface OptimizerLike {
  step(): void;
  zeroGrad(): void;
  paramGroups: { lr: number }[];
  /** Tensors in the returned state may be copies; fit frees them after writing a checkpoint. */
  stateDict(): unknown;
  /** Must copy the tensors it is given: fit frees them after restoring. */
  loadStateDict(state: never): void;
}

export interface ScheduleLike {
  /** Advances the schedule; plateau schedules take the monitored metric. */
  step(metric?: number): void;
  stateDict(): unknown;
  loadStateDict(state: never): void;
  /** 'step' or 'batch': stepped after every optimiser step; 'epoch' (default): after every epoch. */
  interval?: 'step' | 'batch' | 'epoch';
  /** The schedule's kind; 'plateau' (ReduceLROnPlateau) is stepped with the monitored metric. */
  readonly name?: string;
  perBatch?: boolean;
  /** The log key a metric-driven schedule watches (e.g. 'val_loss'). */
  monitor?: string;
  /** True when step() needs a metric (ReduceLROnPlateau). */
  needsMetric?: boolean;
}

export function isPerBatch(s: ScheduleLike): boolean {
  return s.interval === 'batch' || s.interval === 'step' || s.perBatch === true;
}

/** Metric-driven schedules (ReduceLROnPlateau) get the monitored value at each epoch end. */
export function needsMetric(s: ScheduleLike): boolean {
  return s.needsMetric === true || s.monitor !== undefined || s.name === 'plateau' || s.name === 'reduce_lr_on_plateau';
}

/** Metric values by name: loss, accuracy, val_loss, val_accuracy, lr, time, ... */
export type Logs = Record<string, number>;

/** Keras-style history: one Logs record per epoch, and per-key series. */
export class History {
  readonly epochs: Logs[] = [];

  push(logs: Logs): void {
    this.epochs.push({ ...logs });
  }

  /** Series per key, e.g. history.series().val_accuracy. */
  series(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const e of this.epochs) for (const [k, v] of Object.entries(e)) (out[k] ??= []).push(v);
    return out;
  }

  get last(): Logs | undefined {
    return this.epochs[this.epochs.length - 1];
  }

  toJSON(): Logs[] {
    return this.epochs;
  }

  static from(epochs: Logs[]): History {
    const h = new History();
    for (const e of epochs) h.push(e);
    return h;
  }
}

/** What the loop exposes to callbacks. Set stopTraining to end after the current batch/epoch. */
export interface FitContext {
  model: Module;
  optimizer: OptimizerLike;
  schedule: ScheduleLike | null;
  history: History;
  params: { epochs: number; initialEpoch: number; stepsPerEpoch: number; batchSize: number; samples: number; metrics: string[] };
  stopTraining: boolean;
  /** The epoch in progress (0-based). */
  epoch: number;
}

/** Batch-level logs: size, loss and metrics of the batch; running means of the epoch so far. */
export interface BatchLogs extends Logs {
  batch: number;
  size: number;
  loss: number;
}

export type StateValue = unknown;

/** Helper for tensors that a callback keeps between epochs (e.g. best weights). */
export type TensorMap = Map<string, Tensor>;
