// Stops training when a monitored metric stops improving (keras.callbacks.EarlyStopping).
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { cloneTensors } from '../state-pack.js';
import type { FitContext, Logs } from '../types.js';
import { Callback } from './callback.js';
import { improves, resolveMode, worst, type MonitorMode } from './monitor.js';

export interface EarlyStoppingOptions {
  monitor?: string;
  mode?: MonitorMode;
  patience?: number;
  minDelta?: number;
  /**
   * At the end of training, load the weights of the best epoch, whether or not training stopped
   * early (default false; Keras 3's behaviour: Keras 2 restored only after an early stop, so a
   * run that used every epoch kept its last weights).
   */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts. */
  startFromEpoch?: number;
}

export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  best: number;
  bestEpoch = -1;
  wait = 0;
  /** Epoch at which training was stopped, or -1. */
  stoppedEpoch = -1;
  private bestWeights: Map<string, Tensor> | null = null;

  constructor(o: EarlyStoppingOptions = {}) {
    super();
    this.monitor = o.monitor ?? 'val_loss';
    this.mode = resolveMode(this.monitor, o.mode);
    this.patience = o.patience ?? 0;
    this.minDelta = o.minDelta ?? 0;
    this.restoreBestWeights = o.restoreBestWeights ?? false;
    this.startFromEpoch = o.startFromEpoch ?? 0;
    this.best = worst(this.mode);
  }

  override onTrainBegin(): void {
    this.best = worst(this.mode);
    this.bestEpoch = -1;
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.dropWeights();
  }

  override onEpochEnd(ctx: FitContext, epoch: number, logs: Logs): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      throw new Error(`EarlyStopping: metric '${this.monitor}' is not in the logs (have: ${Object.keys(logs).join(', ')})`);
    }
    if (epoch < this.startFromEpoch) return;
    if (improves(current, this.best, this.mode, this.minDelta) || this.bestEpoch < 0) {
      this.best = current;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) {
        this.dropWeights();
        this.bestWeights = cloneTensors(ctx.model.stateDict());
      }
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
    }
  }

  override onTrainEnd(ctx: FitContext): void {
    if (this.restoreBestWeights && this.bestWeights) ctx.model.loadStateDict(this.bestWeights);
    this.dropWeights();
  }

  private dropWeights(): void {
    if (this.bestWeights) T.dispose(this.bestWeights);
    this.bestWeights = null;
  }

  override stateDict(): unknown {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait, stoppedEpoch: this.stoppedEpoch, bestWeights: this.bestWeights };
  }

  override loadStateDict(state: unknown): void {
    const s = state as { best: number; bestEpoch: number; wait: number; stoppedEpoch: number; bestWeights: Map<string, Tensor> | null };
    this.best = s.best;
    this.bestEpoch = s.bestEpoch;
    this.wait = s.wait;
    this.stoppedEpoch = s.stoppedEpoch;
    this.dropWeights();
    this.bestWeights = s.bestWeights ? cloneTensors(s.bestWeights) : null;
  }
}
