// The training loop: one loop, extended by callbacks (Keras hooks, fastai's design). Each step
// runs forward, loss (+ regularisation), backward, optional clipping, the optimiser step and
// constraints inside T.tidy, so memory stays flat. With checkpointDir, every epoch end writes a
// resume checkpoint; resume: true continues from the newest one and reproduces the metrics of
// an uninterrupted run exactly (same seed, same thread count).
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';
import { regularizationLoss } from '../nn/regularizers.js';
import { applyConstraints } from '../nn/constraints.js';
import { batchCount, stratifiedSplit, tensorSource, type BatchSource } from '../data/source.js';
import { Callback, CallbackList } from './callbacks/callback.js';
import { ProgressBar } from './callbacks/progress-bar.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { evaluate } from './evaluate.js';
import { applyGradClip, type GradClip } from './grad-clip.js';
import { classificationLoss, type LossOptions } from './loss.js';
import { MetricAccumulator } from './metrics.js';
import { History, isPerBatch, needsMetric, type BatchLogs, type FitContext, type Logs, type OptimizerLike, type ScheduleLike } from './types.js';

export type DataInput = BatchSource | readonly [Tensor, Tensor];

export interface FitOptions {
  epochs: number;
  batchSize?: number;
  optimizer: OptimizerLike;
  loss?: LossOptions;
  validationData?: DataInput;
  /** Fraction of the training data held out for validation, split stratified by class (seeded). */
  validationSplit?: number;
  /** 'accuracy' and/or 'topK' (e.g. 'top5'); default ['accuracy']. */
  metrics?: string[];
  schedule?: ScheduleLike | null;
  callbacks?: Callback[];
  /** Seeds libtorch (dropout, random ops) at the start, shuffling and the validation split. */
  seed?: number;
  /** 0: silent; 1 (default): a ProgressBar on stderr unless one is among the callbacks. */
  verbose?: 0 | 1;
  gradClip?: GradClip;
  shuffle?: boolean;
  /** Folder for resume checkpoints (written at epoch ends). */
  checkpointDir?: string;
  /** Continue from the newest checkpoint in checkpointDir, if any. */
  resume?: boolean;
  /** Write a resume checkpoint every n epochs (default 1; the last epoch always). */
  checkpointEvery?: number;
}

function asSource(d: DataInput): BatchSource {
  return 'batches' in d ? d : tensorSource(d[0], d[1]);
}

/** Trains `model` and returns its per-epoch history. */
export async function fit(model: Module, trainData: DataInput, opts: FitOptions): Promise<History> {
  const batchSize = opts.batchSize ?? 32;
  const metrics = opts.metrics ?? ['accuracy'];
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (opts.seed !== undefined) T.manualSeed(opts.seed);
  // a resumed run takes its seed (shuffling, validation split) from the checkpoint
  const ck = opts.checkpointDir && opts.resume ? loadCheckpoint(opts.checkpointDir) : null;
  const runSeed = ck ? ck.state.seed : seed;
  let train = asSource(trainData);
  let val = opts.validationData ? asSource(opts.validationData) : null;
  if (opts.validationSplit !== undefined && opts.validationSplit > 0) {
    if (val) throw new Error('fit(): give validationData or validationSplit, not both');
    if (!train.labels || !train.subset) throw new Error('fit(): validationSplit needs a data source with labels() and subset()');
    const [tr, va] = stratifiedSplit(train.labels(), [1 - opts.validationSplit, opts.validationSplit], runSeed);
    val = train.subset(va);
    train = train.subset(tr);
  }
  const userCallbacks = opts.callbacks ?? [];
  const verbose = opts.verbose ?? 1;
  const all = verbose > 0 && !userCallbacks.some((c) => c instanceof ProgressBar) ? [...userCallbacks, new ProgressBar()] : userCallbacks;
  const callbacks = new CallbackList(all);
  const schedule = opts.schedule ?? null;
  const optimizer = opts.optimizer;
  const stepsPerEpoch = batchCount(train.size, batchSize);
  const history = new History();
  const ctx: FitContext = {
    model,
    optimizer,
    schedule,
    history,
    params: { epochs: opts.epochs, initialEpoch: 0, stepsPerEpoch, batchSize, samples: train.size, metrics },
    stopTraining: false,
    epoch: 0,
  };

  // ---- resume ----
  let restoredCallbacks: Record<string, unknown> | null = null;
  // loadStateDict implementations copy what they are given, so the loaded tensors go afterwards
  let pendingDispose: Map<string, Tensor> | null = null;
  if (ck) {
    const s = ck.state;
    model.loadStateDict(ck.weights);
    T.dispose(ck.weights);
    optimizer.loadStateDict(s.optimizer as never);
    if (schedule && s.schedule !== undefined && s.schedule !== null) schedule.loadStateDict(s.schedule as never);
    if (s.data && train.loadStateDict) train.loadStateDict(s.data);
    T.setRngState(s.rng);
    for (const e of s.history) history.push(e);
    ctx.params.initialEpoch = s.epoch + 1;
    ctx.stopTraining = s.stopped;
    restoredCallbacks = s.callbacks;
    pendingDispose = ck.stateTensors;
  }

  const lossFn = classificationLoss(opts.loss);
  const perBatch = schedule !== null && isPerBatch(schedule);
  const every = Math.max(1, opts.checkpointEvery ?? 1);
  const wasTraining = model.training;
  let lastLogs: Logs = history.last ?? {};
  try {
    await callbacks.trainBegin(ctx);
    if (restoredCallbacks) callbacks.loadStateDict(restoredCallbacks);
    if (pendingDispose) T.dispose(pendingDispose);
    for (let epoch = ctx.params.initialEpoch; epoch < opts.epochs && !ctx.stopTraining; epoch++) {
      ctx.epoch = epoch;
      model.train();
      await callbacks.epochBegin(ctx, epoch);
      const lr = optimizer.paramGroups[0]?.lr ?? NaN;
      const acc = new MetricAccumulator(metrics);
      const t0 = performance.now();
      let b = 0;
      for await (const { x, y } of train.batches({ epoch, batchSize, shuffle: opts.shuffle ?? true, seed: runSeed })) {
        await callbacks.batchBegin(ctx, b);
        const n = y.shape[0];
        let batchLogs: BatchLogs;
        try {
          batchLogs = T.tidy(() => {
            optimizer.zeroGrad();
            const logits = model.call(x);
            let loss = lossFn(logits, y);
            const reg = regularizationLoss(model);
            if (reg) loss = loss.add(reg);
            loss.backward();
            // read each step: callbacks may freeze or unfreeze parameters (gradual unfreezing)
            if (opts.gradClip !== undefined) applyGradClip(model.trainableParameters(), opts.gradClip);
            optimizer.step();
            const lv = loss.item();
            const m = T.noGrad(() => acc.add(logits, y, lv * n, n));
            return { ...m, batch: b, size: n, loss: lv };
          });
        } finally {
          x.dispose();
          y.dispose();
        }
        T.noGrad(() => applyConstraints(model));
        batchLogs.lr = optimizer.paramGroups[0]?.lr ?? NaN;
        await callbacks.batchEnd(ctx, b, batchLogs);
        if (perBatch) schedule!.step();
        b++;
        if (ctx.stopTraining) break;
      }
      const trainTime = (performance.now() - t0) / 1000;
      const logs: Logs = { epoch, ...acc.result() };
      if (val) Object.assign(logs, await evaluate(model, val, { batchSize, metrics, loss: opts.loss, prefix: 'val_' }));
      logs.lr = lr;
      logs.time = (performance.now() - t0) / 1000;
      logs.samples_per_sec = acc.samples / Math.max(trainTime, 1e-9);
      if (schedule && !perBatch) {
        if (needsMetric(schedule)) {
          const key = schedule.monitor ?? (val ? 'val_loss' : 'loss');
          schedule.step(logs[key]);
        } else schedule.step();
      }
      await callbacks.epochEnd(ctx, epoch, logs);
      // after the callbacks, so values they add to logs are part of the history
      history.push(logs);
      lastLogs = logs;
      const last = epoch === opts.epochs - 1 || ctx.stopTraining;
      if (opts.checkpointDir && (last || (epoch + 1) % every === 0)) {
        // state dicts may return copies (the optimiser's do): tidy frees whatever is made here
        T.tidy(() =>
          saveCheckpoint(opts.checkpointDir!, model, {
            epoch,
            history: history.epochs,
            stopped: ctx.stopTraining,
            seed: runSeed,
            optimizer: optimizer.stateDict(),
            schedule: schedule ? schedule.stateDict() : null,
            callbacks: callbacks.stateDict(),
            data: train.stateDict ? train.stateDict() : null,
            rng: T.getRngState(),
          }),
        );
      }
    }
    await callbacks.trainEnd(ctx, lastLogs);
  } finally {
    lossFn.dispose();
    model.train(wasTraining);
  }
  return history;
}
