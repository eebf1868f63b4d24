// fastai's learning-rate finder (Learner.lr_find): trains for up to numIt batches while the lr grows
// exponentially from startLr to endLr, records the smoothed loss, stops once it diverges (more than
// 4x the best), restores the model and optimiser, and suggests learning rates.
//
// It depends only on callbacks, so any training loop can drive it: `trainStep(lr)` sets the lr,
// trains one batch and returns its loss; `saveState()` / `restoreState()` snapshot and restore the
// weights and optimiser state (see paramSnapshot for a ready-made pair).
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Optimizer, OptimizerStateDict } from './optim/optimizer.js';

export interface LrFinderCallbacks {
  /** Sets the lr (every group), runs one training batch, returns its loss. */
  trainStep(lr: number): number;
  saveState(): void;
  restoreState(): void;
}

export interface AsyncLrFinderCallbacks {
  trainStep(lr: number): number | Promise<number>;
  saveState(): void | Promise<void>;
  restoreState(): void | Promise<void>;
}

export interface LrFindOptions {
  /** First lr (default 1e-7). */
  startLr?: number;
  /** The lr the ramp heads for (default 10; reached at iteration numIt, which is not run). */
  endLr?: number;
  /** Maximum iterations (default 100, at least 6 as in fastai). */
  numIt?: number;
  /** Stop when the smoothed loss exceeds divergeFactor x the best one (default true). */
  stopDiv?: boolean;
  /** Default 4. */
  divergeFactor?: number;
  /** Smoothing of the loss (fastai's AvgSmoothLoss, default 0.98), bias-corrected. */
  beta?: number;
}

export interface LrFindResult {
  /** The lr of each iteration run. */
  lrs: number[];
  /** Smoothed (bias-corrected) loss after each iteration. */
  losses: number[];
  /** The raw loss of each iteration. */
  rawLosses: number[];
  /** The steepest-descent suggestion (same as `steep`). */
  suggestion: number;
  /** lr where the smoothed loss falls fastest against log(lr) (fastai's `steep`). */
  steep: number;
  /** fastai's default: about two thirds of the way down the longest descending valley. */
  valley: number;
  /** One tenth of the lr with the lowest smoothed loss (fastai's `minimum`). */
  minimum: number;
  /** Whether the run stopped because the loss diverged (or became NaN) before numIt iterations. */
  diverged: boolean;
}

/** The lr ramp, the smoothing and the stopping rule, shared by the sync and async drivers. */
class LrFinderRun {
  readonly startLr: number;
  readonly endLr: number;
  readonly numIt: number;
  readonly stopDiv: boolean;
  readonly divergeFactor: number;
  readonly beta: number;
  readonly lrs: number[] = [];
  readonly losses: number[] = [];
  readonly rawLosses: number[] = [];
  private val = 0;
  private count = 0;
  private best = Infinity;
  diverged = false;

  constructor(o: LrFindOptions) {
    this.startLr = o.startLr ?? 1e-7;
    this.endLr = o.endLr ?? 10;
    this.numIt = Math.max(6, Math.floor(o.numIt ?? 100));
    this.stopDiv = o.stopDiv ?? true;
    this.divergeFactor = o.divergeFactor ?? 4;
    this.beta = o.beta ?? 0.98;
    if (!(this.startLr > 0 && this.endLr > this.startLr)) throw new RangeError(`lrFind: need 0 < startLr < endLr, got ${this.startLr}, ${this.endLr}`);
    if (!(this.beta >= 0 && this.beta < 1)) throw new RangeError(`lrFind: beta must be in [0, 1), got ${this.beta}`);
  }

  /** fastai's SchedExp at pos = i / numIt. */
  lrAt(i: number): number {
    return this.startLr * (this.endLr / this.startLr) ** (i / this.numIt);
  }

  /** Records iteration i's loss; returns whether to go on. */
  record(i: number, lr: number, loss: number): boolean {
    this.count++;
    // torch.lerp(loss, val, beta) = loss + beta * (val - loss)
    this.val = loss + this.beta * (this.val - loss);
    const smooth = this.val / (1 - this.beta ** this.count);
    this.lrs.push(lr);
    this.rawLosses.push(loss);
    this.losses.push(smooth);
    if (smooth < this.best) this.best = smooth;
    if (!Number.isFinite(smooth) || (this.stopDiv && smooth > this.divergeFactor * this.best)) {
      this.diverged = true;
      return false;
    }
    return i + 1 < this.numIt;
  }

  result(): LrFindResult {
    const s = suggestLrs(this.lrs, this.losses, this.numIt);
    return {
      lrs: [...this.lrs],
      losses: [...this.losses],
      rawLosses: [...this.rawLosses],
      suggestion: s.steep,
      ...s,
      diverged: this.diverged,
    };
  }
}

/** Runs the lr range test synchronously. The state is restored even if trainStep throws. */
export function lrFind(cb: LrFinderCallbacks, opts: LrFindOptions = {}): LrFindResult {
  const run = new LrFinderRun(opts);
  cb.saveState();
  try {
    for (let i = 0; i < run.numIt; i++) {
      const lr = run.lrAt(i);
      if (!run.record(i, lr, cb.trainStep(lr))) break;
    }
  } finally {
    cb.restoreState();
  }
  return run.result();
}

/** lrFind for training loops whose steps are asynchronous (e.g. awaiting the data loader). */
export async function lrFindAsync(cb: AsyncLrFinderCallbacks, opts: LrFindOptions = {}): Promise<LrFindResult> {
  const run = new LrFinderRun(opts);
  await cb.saveState();
  try {
    for (let i = 0; i < run.numIt; i++) {
      const lr = run.lrAt(i);
      if (!run.record(i, lr, await cb.trainStep(lr))) break;
    }
  } finally {
    await cb.restoreState();
  }
  return run.result();
}

// ---- suggestions (fastai.callback.schedule) ----

/**
 * fastai's `valley`: the longest run of decreasing losses (longest decreasing subsequence ending at
 * each point), and the lr about 2/3 of the way along it. Returns the index.
 */
export function valleyIndex(losses: readonly number[]): number {
  const n = losses.length;
  let maxStart = 0;
  let maxEnd = 0;
  const lds = new Array<number>(n).fill(1);
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[maxEnd] < lds[i]) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd];
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  return maxStart + Math.trunc(sections) + Math.trunc(sections / 2);
}

/** fastai's `steep`: the index where (loss[i+1] - loss[i]) / (log lr[i+1] - log lr[i]) is lowest. */
export function steepIndex(lrs: readonly number[], losses: readonly number[]): number {
  let best = 0;
  let bestGrad = Infinity;
  for (let i = 0; i + 1 < losses.length; i++) {
    const g = (losses[i + 1] - losses[i]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i]));
    if (g < bestGrad) {
      bestGrad = g;
      best = i;
    }
  }
  return best;
}

/**
 * The suggestions fastai's lr_find computes: on the recorded curve without its first numIt/10 and
 * last 5 points (fastai's trimming, skipped when too little is left), cut at the first non-finite loss.
 */
export function suggestLrs(lrs: readonly number[], losses: readonly number[], numIt: number): { steep: number; valley: number; minimum: number } {
  let l = lrs.slice(Math.floor(numIt / 10), Math.max(0, lrs.length - 5));
  let s = losses.slice(Math.floor(numIt / 10), Math.max(0, losses.length - 5));
  if (s.filter(Number.isFinite).length < 2) {
    l = [...lrs];
    s = [...losses];
  }
  const bad = s.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    l = l.slice(0, bad);
    s = s.slice(0, bad);
  }
  if (s.length === 0) return { steep: NaN, valley: NaN, minimum: NaN };
  if (s.length === 1) return { steep: l[0], valley: l[0], minimum: l[0] / 10 };
  let argmin = 0;
  for (let i = 1; i < s.length; i++) if (s[i] < s[argmin]) argmin = i;
  return { steep: l[steepIndex(l, s)], valley: l[valleyIndex(s)], minimum: l[argmin] / 10 };
}

// ---- a ready-made saveState / restoreState ----

export interface ParamSnapshot {
  /** Copies the parameters (and the optimiser's state, if given). */
  saveState(): void;
  /** Writes the copies back, clears gradients, restores the optimiser. */
  restoreState(): void;
  /** Frees the copies. */
  dispose(): void;
}

/**
 * saveState/restoreState over tensors (model parameters and buffers such as batch-norm running
 * stats) and optionally an optimiser (its state and hyper-parameters, lr included).
 */
export function paramSnapshot(tensors: readonly Tensor[], optimizer?: Optimizer): ParamSnapshot {
  let saved: Tensor[] | null = null;
  let opt: OptimizerStateDict | null = null;
  const free = (): void => {
    if (saved) for (const t of saved) t.dispose();
    if (opt) for (const t of opt.tensors.values()) t.dispose();
    saved = null;
    opt = null;
  };
  return {
    saveState(): void {
      free();
      saved = T.noGrad(() => tensors.map((t) => T.keep(t.clone())));
      if (optimizer) {
        opt = optimizer.stateDict();
        for (const t of opt.tensors.values()) T.keep(t);
      }
    },
    restoreState(): void {
      if (!saved) throw new Error('paramSnapshot: restoreState() before saveState()');
      const copies = saved;
      T.noGrad(() => tensors.forEach((t, i) => t.copy_(copies[i])));
      for (const t of tensors) if (t.requiresGrad) t.grad = null;
      if (optimizer && opt) optimizer.loadStateDict(opt);
    },
    dispose: free,
  };
}
