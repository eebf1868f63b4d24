// A PNG grid of augmented samples (for `fovea augment`), to look at what training sees.
import sharp from 'sharp';
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { Batch } from '../source.js';
import type { AugmentContext } from './random.js';

export interface GridOptions {
  rows: number;
  cols: number;
  /** Pixels between tiles. */
  gap?: number;
  /** Largest pixel value of the batch (1 for unit-scaled images). */
  maxValue?: number;
}

/**
 * images: float NCHW batch (the augmentation's input scale); each grid row shows one image's
 * augmented variants (column c uses batch index c), the first column the original.
 */
export async function writeAugmentationGrid(
  images: Tensor,
  labels: Tensor,
  transform: (b: Batch, ctx: AugmentContext) => Batch,
  path: string,
  o: GridOptions,
  seed = 0,
): Promise<void> {
  const [n, , h, w] = images.shape;
  const rows = Math.min(o.rows, n);
  const gap = o.gap ?? 4;
  const tiles: Tensor[] = [];
  T.tidy(() => {
    const src = images.narrow(0, 0, rows);
    const y = labels.narrow(0, 0, rows);
    tiles.push(T.keep(src.clone()));
    for (let c = 1; c < o.cols; c++) tiles.push(T.keep(transform({ x: src, y }, { epoch: 0, batch: c, seed }).x));
  });
  const W = o.cols * w + (o.cols + 1) * gap;
  const H = rows * h + (rows + 1) * gap;
  const canvas = new Uint8Array(W * H * 3).fill(255);
  tiles.forEach((t, c) => {
    const px = T.tidy(() => t.div(o.maxValue ?? 1).mul(255).clamp({ min: 0, max: 255 }).round().to('uint8').permute([0, 2, 3, 1]).contiguous().data() as Uint8Array);
    t.dispose();
    for (let r = 0; r < rows; r++) {
      for (let yy = 0; yy < h; yy++) {
        const srcOff = ((r * h + yy) * w) * 3;
        const dstOff = (((gap + r * (h + gap) + yy) * W) + gap + c * (w + gap)) * 3;
        canvas.set(px.subarray(srcOff, srcOff + w * 3), dstOff);
      }
    }
  });
  await sharp(Buffer.from(canvas.buffer), { raw: { width: W, height: H, channels: 3 } }).png().toFile(path);
}
