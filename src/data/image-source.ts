// A BatchSource over decoded images: uint8 [N, H, W, 3] kept in memory once, batches come out as
// float32 NCHW, scaled to [0, 1] (or [0, 255] for Keras-style models with a Rescaling layer),
// optionally normalised by mean/std and passed through a batch transform (augmentation).
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { tensorSource, type Batch, type BatchOptions, type BatchSource } from './source.js';

export interface ImageSourceOptions {
  /** 'unit' divides by 255 (default); 'byte' keeps 0..255. */
  scale?: 'unit' | 'byte';
  /** Per-channel mean and std applied after scaling (e.g. ImageNet's). */
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
  /**
   * A batch transform (augmentation, mixing, normalisation); gets the epoch and batch index. It
   * may replace the labels (mixup/cutmix soft targets). Its result belongs to the consumer.
   */
  transform?: (b: Batch, ctx: { epoch: number; batch: number; seed: number }) => Batch;
}

/** images: uint8 [N, H, W, 3]; labels: int64 [N]. The source keeps an NCHW copy of the images. */
export function imageSource(images: Tensor, labels: Tensor, o: ImageSourceOptions = {}): BatchSource {
  if (images.dtype !== 'uint8' || images.ndim !== 4 || images.shape[3] !== 3) {
    throw new TypeError(`imageSource(): expects uint8 [N, H, W, 3] images, got ${images.dtype} [${images.shape.join(', ')}]`);
  }
  const nchw = T.keep(T.tidy(() => images.permute([0, 3, 1, 2]).contiguous()));
  return wrapSource(tensorSource(nchw, labels), o);
}

function wrapSource(base: BatchSource, o: ImageSourceOptions): BatchSource {
  const mean = o.mean ? T.keep(T.tensor([...o.mean]).reshape([1, 3, 1, 1])) : null;
  const std = o.std ? T.keep(T.tensor([...o.std]).reshape([1, 3, 1, 1])) : null;
  return {
    size: base.size,
    async *batches(opts: BatchOptions): AsyncIterable<Batch> {
      let i = 0;
      for await (const b of base.batches(opts)) {
        let x = T.tidy(() => {
          let f = b.x.float();
          if ((o.scale ?? 'unit') === 'unit') f = f.div(255);
          if (mean) f = f.sub(mean);
          if (std) f = f.div(std);
          return f;
        });
        b.x.dispose();
        let y = b.y;
        if (o.transform) {
          const out = o.transform({ x, y }, { epoch: opts.epoch, batch: i, seed: opts.seed });
          if (out.x !== x) x.dispose();
          if (out.y !== y) y.dispose();
          ({ x, y } = out);
        }
        i++;
        yield { x, y };
      }
    },
    labels: base.labels ? () => base.labels!() : undefined,
    subset: base.subset ? (indices: readonly number[]) => wrapSource(base.subset!(indices), o) : undefined,
  };
}
