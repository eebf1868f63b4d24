// Records the learning rate of every optimiser step (and, with a path, writes them as CSV at
// the end of each epoch: epoch,batch,lr per group).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BatchLogs, FitContext } from '../types.js';
import { Callback } from './callback.js';

export interface LrRecord {
  epoch: number;
  batch: number;
  lr: number[];
}

export class LRLogger extends Callback {
  readonly records: LrRecord[] = [];
  private pending: LrRecord[] = [];

  constructor(readonly path?: string) {
    super();
  }

  override onTrainBegin(ctx: FitContext): void {
    if (this.path) {
      mkdirSync(dirname(this.path), { recursive: true });
      if (ctx.params.initialEpoch === 0) writeFileSync(this.path, 'epoch,batch,lr\n');
    }
  }

  override onBatchEnd(ctx: FitContext, batch: number, _logs: BatchLogs): void {
    // fit steps a per-batch schedule after onBatchEnd, so these are the rates the step used
    const r = { epoch: ctx.epoch, batch, lr: ctx.optimizer.paramGroups.map((g) => g.lr) };
    this.records.push(r);
    this.pending.push(r);
  }

  override onEpochEnd(): void {
    if (this.path && this.pending.length) {
      appendFileSync(this.path, this.pending.map((r) => `${r.epoch},${r.batch},${r.lr.join(';')}`).join('\n') + '\n');
    }
    this.pending = [];
  }
}
