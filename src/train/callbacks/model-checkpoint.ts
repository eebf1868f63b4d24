// Saves model weights to a folder at epoch ends: last.safetensors every epoch and
// best.safetensors when the monitored metric improves (keras.callbacks.ModelCheckpoint).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../../torch/index.js';
import type { FitContext, Logs } from '../types.js';
import { Callback } from './callback.js';
import { improves, resolveMode, worst, type MonitorMode } from './monitor.js';

export interface ModelCheckpointOptions {
  monitor?: string;
  mode?: MonitorMode;
  /** Write best.safetensors (default true). */
  saveBest?: boolean;
  /** Write last.safetensors (default true). */
  saveLast?: boolean;
}

export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly saveBest: boolean;
  readonly saveLast: boolean;
  best: number;
  bestEpoch = -1;

  constructor(
    readonly dir: string,
    o: ModelCheckpointOptions = {},
  ) {
    super();
    this.monitor = o.monitor ?? 'val_loss';
    this.mode = resolveMode(this.monitor, o.mode);
    this.saveBest = o.saveBest ?? true;
    this.saveLast = o.saveLast ?? true;
    this.best = worst(this.mode);
  }

  get bestPath(): string {
    return join(this.dir, 'best.safetensors');
  }

  get lastPath(): string {
    return join(this.dir, 'last.safetensors');
  }

  override onTrainBegin(): void {
    mkdirSync(this.dir, { recursive: true });
    this.best = worst(this.mode);
    this.bestEpoch = -1;
  }

  override onEpochEnd(ctx: FitContext, epoch: number, logs: Logs): void {
    const meta = (): Record<string, string> => ({ epoch: String(epoch), logs: JSON.stringify(logs) });
    if (this.saveLast) T.saveSafetensors(this.lastPath, ctx.model.stateDict(), meta());
    if (!this.saveBest) return;
    const current = logs[this.monitor];
    if (current === undefined) throw new Error(`ModelCheckpoint: metric '${this.monitor}' is not in the logs (have: ${Object.keys(logs).join(', ')})`);
    if (improves(current, this.best, this.mode)) {
      this.best = current;
      this.bestEpoch = epoch;
      T.saveSafetensors(this.bestPath, ctx.model.stateDict(), meta());
    }
  }

  override stateDict(): unknown {
    return { best: this.best, bestEpoch: this.bestEpoch };
  }

  override loadStateDict(state: unknown): void {
    const s = state as { best: number; bestEpoch: number };
    this.best = s.best;
    this.bestEpoch = s.bestEpoch;
  }
}
