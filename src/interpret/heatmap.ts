// Heat maps: a single-channel map over the input image, scaled to [0, 1].
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export interface HeatMap {
  width: number;
  height: number;
  /** Row-major values in [0, 1]. */
  data: Float32Array;
}

export type Scaling = 'max' | 'minmax';

/**
 * Upsamples a [1, 1, h, w] map to [height, width] (bilinear) and scales it to [0, 1]: 'max'
 * divides by the maximum (non-negative maps such as Grad-CAM), 'minmax' stretches min..max.
 * An all-zero (or constant) map stays zero.
 */
export function toHeatMap(map: Tensor, height: number, width: number, scaling: Scaling): HeatMap {
  if (map.ndim !== 4 || map.shape[0] !== 1 || map.shape[1] !== 1) throw new RangeError(`toHeatMap(): expects [1, 1, h, w], got [${map.shape.join(', ')}]`);
  const data = T.tidy(() => {
    const m = map.detach().float();
    const up = m.shape[2] === height && m.shape[3] === width ? m : T.F.interpolate(m, { size: [height, width], mode: 'bilinear', alignCorners: false });
    return up.to('cpu').contiguous().data() as Float32Array;
  });
  return { width, height, data: scale(data, scaling) };
}

function scale(d: Float32Array, scaling: Scaling): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of d) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const base = scaling === 'minmax' ? lo : 0;
  const range = hi - base;
  const out = new Float32Array(d.length);
  if (!(range > 1e-12)) return out;
  for (let i = 0; i < d.length; i++) out[i] = Math.min(1, Math.max(0, (d[i] - base) / range));
  return out;
}

/** Where the heat map is largest: {x, y} pixel of the maximum. */
export function heatPeak(h: HeatMap): { x: number; y: number } {
  let best = 0;
  for (let i = 1; i < h.data.length; i++) if (h.data[i] > h.data[best]) best = i;
  return { x: best % h.width, y: Math.floor(best / h.width) };
}
