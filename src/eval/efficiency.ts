// Efficiency figures of a model: measured inference latency at batch 1 and throughput at batch
// 32 (eval mode, inference mode, medians of timed repeats after warm-up), weight bytes, and the
// studies' score accuracy / (parameters / 100,000).
import * as T from '../torch/index.js';
import type { Module } from '../nn/module.js';

export interface Efficiency {
  params_total: number;
  params_trainable: number;
  weight_bytes: number;
  latency_ms_batch1: number;
  throughput_batch32: number;
  threads: number;
  /** accuracy / (params / 100,000); null without an accuracy. */
  score: number | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median seconds of `repeats` forward passes of a batch after `warmup` untimed ones. */
export function timeForward(model: Module, inputShape: readonly number[], batch: number, repeats: number, warmup = 2): number {
  const x = T.rand([batch, ...inputShape]);
  const wasTraining = model.training;
  model.eval();
  try {
    const times: number[] = [];
    for (let i = 0; i < warmup + repeats; i++) {
      const t0 = performance.now();
      T.tidy(() => T.inferenceMode(() => model.forward(x).dataNumbers()));
      if (i >= warmup) times.push((performance.now() - t0) / 1000);
    }
    return median(times);
  } finally {
    x.dispose();
    model.train(wasTraining);
  }
}

/** The studies' score accuracy / (parameters / 100,000); undefined without both figures. */
export function efficiencyScore(accuracy: number | undefined, params: number | undefined): number | undefined {
  const ok = (x: number | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
  return ok(accuracy) && ok(params) && params > 0 ? accuracy / (params / 100_000) : undefined;
}

export function measureEfficiency(model: Module, inputShape: readonly number[], accuracy?: number, o: { repeats?: number } = {}): Efficiency {
  const repeats = o.repeats ?? 10;
  const counts = model.countParams();
  const weightBytes = model.parameters().reduce((a, p) => a + p.size * T.elementSize(p.dtype), 0) + model.namedBuffers().reduce((a, [, b]) => a + b.size * T.elementSize(b.dtype), 0);
  const latency = timeForward(model, inputShape, 1, repeats);
  const batch32 = timeForward(model, inputShape, 32, Math.max(3, Math.ceil(repeats / 3)));
  return {
    params_total: counts.total,
    params_trainable: counts.trainable,
    weight_bytes: weightBytes,
    latency_ms_batch1: latency * 1000,
    throughput_batch32: 32 / batch32,
    threads: T.getNumThreads(),
    score: efficiencyScore(accuracy, counts.total) ?? null,
  };
}
