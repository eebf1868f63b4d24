// Gradual unfreezing (fastai's ULMFiT recipe): training starts with the backbone frozen and
// one more group of blocks, from the last towards the input, becomes trainable every `every`
// epochs. Which groups are trainable follows from the epoch alone, so a resumed run continues
// with the same blocks unfrozen. Frozen BatchNorm2d layers switch to batch statistics when their
// block is unfrozen (BatchNorm2d.evalWhenFrozen reads the trainable flags).
import type { Tensor } from '../../torch/index.js';
import { unfreezeGroups, type ZooModel } from '../../models/index.js';
import type { FitContext } from '../types.js';
import { Callback } from './callback.js';

export interface UnfreezeGroup {
  /** For the log, e.g. the block names. */
  names: string[];
  params: Tensor[];
}

export interface GradualUnfreezingOptions {
  /** Groups in unfreezing order (the last blocks first); each is frozen until its epoch. */
  groups: UnfreezeGroup[];
  /** Epochs between two unfreezing steps (>= 1). */
  every: number;
  /** Epoch of the first step (default `every`: the head trains alone for `every` epochs). */
  start?: number;
  /** One line per step (default: none). */
  log?: (line: string) => void;
}

/** Optimisers that can take new parameter groups (src/train/optim's Optimizer). */
interface GrowableOptimizer {
  params: Tensor[];
  addParamGroup(g: { params: Tensor[] }): void;
}

function growable(o: unknown): o is GrowableOptimizer {
  return typeof (o as Partial<GrowableOptimizer>).addParamGroup === 'function' && Array.isArray((o as Partial<GrowableOptimizer>).params);
}

export class GradualUnfreezing extends Callback {
  readonly groups: UnfreezeGroup[];
  readonly every: number;
  readonly start: number;
  private readonly log: ((line: string) => void) | null;
  private unfrozen = -1;

  constructor(o: GradualUnfreezingOptions) {
    super();
    if (!Number.isInteger(o.every) || o.every < 1) throw new RangeError(`GradualUnfreezing: every must be a whole number of epochs >= 1, got ${o.every}`);
    this.groups = o.groups;
    this.every = o.every;
    this.start = o.start ?? o.every;
    if (!Number.isInteger(this.start) || this.start < 0) throw new RangeError(`GradualUnfreezing: start must be a whole number >= 0, got ${this.start}`);
    this.log = o.log ?? null;
  }

  /**
   * For a zoo model: the currently frozen blocks, `blocksPerStep` at a time from the last one
   * back to `downTo` (inclusive; default the first block).
   */
  static forModel(model: ZooModel, o: { every: number; blocksPerStep?: number; downTo?: string; start?: number; log?: (line: string) => void }): GradualUnfreezing {
    return new GradualUnfreezing({ groups: unfreezeGroups(model, { blocksPerStep: o.blocksPerStep, downTo: o.downTo }), every: o.every, start: o.start, log: o.log });
  }

  /** Every parameter this callback will make trainable at some point (feature caching keeps their blocks out of the cache). */
  get parameters(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  /** Number of groups trainable during `epoch`. */
  unfrozenAt(epoch: number): number {
    if (epoch < this.start) return 0;
    return Math.min(this.groups.length, 1 + Math.floor((epoch - this.start) / this.every));
  }

  private apply(ctx: FitContext, epoch: number): void {
    const n = this.unfrozenAt(epoch);
    this.groups.forEach((g, i) => {
      for (const p of g.params) p.requiresGrad = i < n;
    });
    // parameters the optimiser does not hold yet join as a new group with its defaults
    if (growable(ctx.optimizer)) {
      const held = new Set(ctx.optimizer.params);
      const missing = this.groups.slice(0, n).flatMap((g) => g.params.filter((p) => !held.has(p)));
      if (missing.length) ctx.optimizer.addParamGroup({ params: missing });
    }
    if (n !== this.unfrozen && this.unfrozen >= 0 && this.log) {
      const names = this.groups.slice(0, n).flatMap((g) => g.names);
      this.log(`gradual unfreezing: epoch ${epoch + 1}: ${n} of ${this.groups.length} groups trainable (${names.length ? names.join(', ') : 'head only'})`);
    }
    this.unfrozen = n;
  }

  override onTrainBegin(ctx: FitContext): void {
    this.apply(ctx, ctx.params.initialEpoch);
  }

  override onEpochBegin(ctx: FitContext, epoch: number): void {
    this.apply(ctx, epoch);
  }
}
