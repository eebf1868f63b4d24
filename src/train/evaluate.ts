// Batched evaluation and prediction in eval mode without autograd.
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';
import type { BatchSource } from '../data/source.js';
import { MetricAccumulator } from './metrics.js';
import type { LossOptions } from './loss.js';

export interface EvaluateOptions {
  batchSize?: number;
  /** Metric names besides the loss: 'accuracy', 'top5', ... (default ['accuracy']). */
  metrics?: readonly string[];
  /** Label smoothing applies to the evaluation loss; class weights do not (Keras' convention). */
  loss?: LossOptions;
  /** Key prefix, e.g. 'val_'. */
  prefix?: string;
}

/** Mean loss and metrics over a data source (exact over an uneven last batch). */
export async function evaluate(model: Module, data: BatchSource, opts: EvaluateOptions = {}): Promise<Record<string, number>> {
  const batchSize = opts.batchSize ?? 32;
  const acc = new MetricAccumulator(opts.metrics ?? ['accuracy']);
  const ls = opts.loss?.labelSmoothing ?? 0;
  const wasTraining = model.training;
  model.eval();
  try {
    for await (const { x, y } of data.batches({ epoch: 0, batchSize, shuffle: false, seed: 0 })) {
      try {
        T.tidy(() =>
          T.inferenceMode(() => {
            const logits = model.call(x);
            const lossSum = T.F.crossEntropy(logits, y, { labelSmoothing: ls, reduction: 'sum' }).item();
            acc.add(logits, y, lossSum);
          }),
        );
      } finally {
        x.dispose();
        y.dispose();
      }
    }
  } finally {
    model.train(wasTraining);
  }
  return acc.result(opts.prefix ?? '');
}

/** Model outputs for every example, concatenated along dim 0 (eval mode, no autograd). */
export async function predict(model: Module, input: Tensor | BatchSource, opts: { batchSize?: number } = {}): Promise<Tensor> {
  const batchSize = opts.batchSize ?? 32;
  const wasTraining = model.training;
  model.eval();
  const outs: Tensor[] = [];
  try {
    if (!('batches' in input)) {
      const n = input.shape[0];
      for (let s = 0; s < n; s += batchSize) {
        outs.push(T.tidy(() => T.noGrad(() => model.call(input.narrow(0, s, Math.min(batchSize, n - s))))));
      }
    } else {
      for await (const { x, y } of input.batches({ epoch: 0, batchSize, shuffle: false, seed: 0 })) {
        try {
          outs.push(T.tidy(() => T.noGrad(() => model.call(x))));
        } finally {
          x.dispose();
          y.dispose();
        }
      }
    }
    return T.cat(outs, { dim: 0 });
  } finally {
    T.dispose(outs);
    model.train(wasTraining);
  }
}
