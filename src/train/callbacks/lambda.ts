// A callback from plain functions (keras.callbacks.LambdaCallback).
import type { BatchLogs, FitContext, Logs } from '../types.js';
import { Callback } from './callback.js';

export interface LambdaHooks {
  onTrainBegin?: (ctx: FitContext) => void | Promise<void>;
  onTrainEnd?: (ctx: FitContext, logs: Logs) => void | Promise<void>;
  onEpochBegin?: (ctx: FitContext, epoch: number) => void | Promise<void>;
  onEpochEnd?: (ctx: FitContext, epoch: number, logs: Logs) => void | Promise<void>;
  onBatchBegin?: (ctx: FitContext, batch: number) => void | Promise<void>;
  onBatchEnd?: (ctx: FitContext, batch: number, logs: BatchLogs) => void | Promise<void>;
}

export class LambdaCallback extends Callback {
  constructor(readonly hooks: LambdaHooks) {
    super();
  }
  override onTrainBegin(ctx: FitContext): void | Promise<void> {
    return this.hooks.onTrainBegin?.(ctx);
  }
  override onTrainEnd(ctx: FitContext, logs: Logs): void | Promise<void> {
    return this.hooks.onTrainEnd?.(ctx, logs);
  }
  override onEpochBegin(ctx: FitContext, epoch: number): void | Promise<void> {
    return this.hooks.onEpochBegin?.(ctx, epoch);
  }
  override onEpochEnd(ctx: FitContext, epoch: number, logs: Logs): void | Promise<void> {
    return this.hooks.onEpochEnd?.(ctx, epoch, logs);
  }
  override onBatchBegin(ctx: FitContext, batch: number): void | Promise<void> {
    return this.hooks.onBatchBegin?.(ctx, batch);
  }
  override onBatchEnd(ctx: FitContext, batch: number, logs: BatchLogs): void | Promise<void> {
    return this.hooks.onBatchEnd?.(ctx, batch, logs);
  }
}
