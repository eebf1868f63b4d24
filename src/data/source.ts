// The batch-source interface the training loop consumes, an in-memory implementation over
// tensors, and a seeded stratified split. Shuffling draws from a Generator seeded from
// (seed, epoch), so an epoch's order is reproducible and a resumed run sees the same order.
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export interface Batch {
  /** Inputs, e.g. [B, C, H, W] float32. Owned by the consumer: dispose after use. */
  x: Tensor;
  /** Class indices [B] (int64). Owned by the consumer. */
  y: Tensor;
}

export interface BatchOptions {
  epoch: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  /** Drop a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
}

export interface BatchSource {
  /** Number of examples. */
  readonly size: number;
  /** The batches of one epoch; each yielded tensor belongs to the consumer. */
  batches(opts: BatchOptions): AsyncIterable<Batch>;
  /** Class label of every example (enables stratified validation splits). */
  labels?(): number[];
  /** A source over the given example indices (enables validation splits). */
  subset?(indices: readonly number[]): BatchSource;
  /** State of any random generators the source owns (augmentation), for checkpoints. */
  stateDict?(): Record<string, unknown>;
  loadStateDict?(state: Record<string, unknown>): void;
}

/** Number of batches an epoch of `size` examples yields. */
export function batchCount(size: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
}

/** A 32-bit seed mixing a run seed and an epoch (splitmix-style avalanche). */
export function mixSeed(seed: number, epoch: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul((epoch + 1) >>> 0, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * An in-memory source over x [N, ...] and integer labels y [N]. The tensors stay the caller's;
 * batches are fresh tensors (index_select, or narrow views when not shuffling).
 */
export function tensorSource(x: Tensor, y: Tensor, indices?: readonly number[]): BatchSource {
  if (x.shape[0] !== y.shape[0]) throw new RangeError(`tensorSource(): x has ${x.shape[0]} rows, y has ${y.shape[0]}`);
  const idx = indices ? T.keep(T.tensor([...indices], { dtype: 'int64' })) : null;
  const size = idx ? indices!.length : x.shape[0];
  let labelCache: number[] | undefined;
  return {
    size,
    async *batches(o: BatchOptions): AsyncIterable<Batch> {
      const perm = o.shuffle ? T.randperm(size, { generator: new T.Generator(mixSeed(o.seed, o.epoch)) }) : null;
      const order = perm && idx ? idx.indexSelect(0, perm) : (perm ?? idx);
      try {
        const n = batchCount(size, o.batchSize, o.dropLast);
        for (let b = 0; b < n; b++) {
          const start = b * o.batchSize;
          const len = Math.min(o.batchSize, size - start);
          const batch = T.tidy((): Batch => {
            if (order === null) return { x: x.narrow(0, start, len), y: y.narrow(0, start, len) };
            const sel = order.narrow(0, start, len);
            return { x: x.indexSelect(0, sel), y: y.indexSelect(0, sel) };
          });
          yield batch;
        }
      } finally {
        if (order !== idx) order?.dispose();
        if (perm && perm !== order) perm.dispose();
      }
    },
    labels(): number[] {
      if (!labelCache) {
        const all = y.dataNumbers();
        labelCache = indices ? indices.map((i) => all[i]) : all;
      }
      return labelCache;
    },
    subset(sub: readonly number[]): BatchSource {
      return tensorSource(x, y, indices ? sub.map((i) => indices[i]) : sub);
    },
  };
}

/** mulberry32: a small seeded PRNG for index shuffles done in JavaScript. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Splits example indices into parts with the given fractions (summing to 1), class by class, so
 * every part keeps the class proportions. Seeded; each part's indices are sorted ascending.
 */
export function stratifiedSplit(labels: ArrayLike<number>, fractions: readonly number[], seed: number): number[][] {
  const total = fractions.reduce((a, b) => a + b, 0);
  if (fractions.some((f) => f < 0) || Math.abs(total - 1) > 1e-6) {
    throw new RangeError(`stratifiedSplit(): fractions must be non-negative and sum to 1, got [${fractions.join(', ')}]`);
  }
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const rand = seededRandom(mixSeed(seed, 0x5eed));
  const parts: number[][] = fractions.map(() => []);
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = byClass.get(c)!;
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
    let cum = 0;
    let prev = 0;
    fractions.forEach((f, p) => {
      cum += f;
      const end = p === fractions.length - 1 ? list.length : Math.round(cum * list.length);
      parts[p].push(...list.slice(prev, end));
      prev = end;
    });
  }
  for (const p of parts) p.sort((a, b) => a - b);
  return parts;
}
