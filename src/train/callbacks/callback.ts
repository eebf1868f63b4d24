// The callback base class (Keras hooks) and the list that dispatches to several callbacks.
import type { BatchLogs, FitContext, Logs } from '../types.js';

export abstract class Callback {
  /** Key under which a checkpoint stores this callback's state; unique within one fit. */
  stateKey: string = this.constructor.name;

  onTrainBegin(_ctx: FitContext): void | Promise<void> {}
  onTrainEnd(_ctx: FitContext, _logs: Logs): void | Promise<void> {}
  onEpochBegin(_ctx: FitContext, _epoch: number): void | Promise<void> {}
  onEpochEnd(_ctx: FitContext, _epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchBegin(_ctx: FitContext, _batch: number): void | Promise<void> {}
  onBatchEnd(_ctx: FitContext, _batch: number, _logs: BatchLogs): void | Promise<void> {}

  /** State to keep in resume checkpoints (JSON values and tensors); undefined when none. */
  stateDict(): unknown {
    return undefined;
  }

  /** Restores stateDict()'s value; must copy any tensors in it (fit frees them afterwards). */
  loadStateDict(_state: unknown): void {}
}

/** Dispatches each hook to every callback in order. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {
    const seen = new Map<string, number>();
    for (const c of callbacks) {
      const n = seen.get(c.stateKey) ?? 0;
      seen.set(c.stateKey, n + 1);
      if (n > 0) c.stateKey = `${c.stateKey}_${n}`;
    }
  }

  async trainBegin(ctx: FitContext): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin(ctx);
  }
  async trainEnd(ctx: FitContext, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd(ctx, logs);
  }
  async epochBegin(ctx: FitContext, epoch: number): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin(ctx, epoch);
  }
  async epochEnd(ctx: FitContext, epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd(ctx, epoch, logs);
  }
  async batchBegin(ctx: FitContext, batch: number): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin(ctx, batch);
  }
  async batchEnd(ctx: FitContext, batch: number, logs: BatchLogs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd(ctx, batch, logs);
  }

  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.callbacks) {
      const s = c.stateDict();
      if (s !== undefined) out[c.stateKey] = s;
    }
    return out;
  }

  loadStateDict(state: Record<string, unknown>): void {
    for (const c of this.callbacks) if (c.stateKey in state) c.loadStateDict(state[c.stateKey]);
  }
}
