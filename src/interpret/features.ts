// A named layer's feature maps as an image grid, each channel min-max scaled on its own.
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { forwardCapturing, spatialLayer, type Explainable } from './layers.js';
import { checkSingleImage } from './class-target.js';
import { applyColormap, type ColormapName } from './colormap.js';
import type { RgbImage } from './image.js';

export interface FeatureMaps {
  layer: string;
  channels: number;
  height: number;
  width: number;
  /** [channels, height, width] row-major. */
  data: Float32Array;
}

/** The named layer's output for one image (default: the last convolutional layer). */
export function featureMaps(model: Explainable, x: Tensor, layerName?: string): FeatureMaps {
  checkSingleImage(x);
  const layer = spatialLayer(model, layerName);
  return T.tidy(() =>
    T.noGrad(() => {
      const { features } = forwardCapturing(model, layer, x);
      const [, c, h, w] = features.shape;
      return { layer: layer.name, channels: c, height: h, width: w, data: features.float().to('cpu').contiguous().data() as Float32Array };
    }),
  );
}

export interface GridOptions {
  /** Tiles per row (default ceil(sqrt(channels))). */
  cols?: number;
  /** Each tile is scaled up by this integer factor (nearest; default: to at least 32 pixels). */
  tileScale?: number;
  /** Pixels between tiles (default 1). */
  gap?: number;
  colormap?: ColormapName;
  /** Show at most this many channels (default all). */
  maxChannels?: number;
}

export function gridLayout(f: Pick<FeatureMaps, 'channels' | 'height' | 'width'>, o: GridOptions = {}): { n: number; cols: number; rows: number; scale: number; gap: number; width: number; height: number } {
  const n = Math.min(f.channels, o.maxChannels ?? f.channels);
  const cols = o.cols ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const scale = o.tileScale ?? Math.max(1, Math.ceil(32 / Math.max(f.height, f.width)));
  const gap = o.gap ?? 1;
  return { n, cols, rows, scale, gap, width: cols * f.width * scale + (cols + 1) * gap, height: rows * f.height * scale + (rows + 1) * gap };
}

/** Channels as a grid of coloured tiles on a white background. */
export function featureGrid(f: FeatureMaps, o: GridOptions = {}): RgbImage {
  const L = gridLayout(f, o);
  const out = new Uint8Array(L.width * L.height * 3).fill(255);
  const hw = f.height * f.width;
  const tile = new Float32Array(hw);
  for (let ch = 0; ch < L.n; ch++) {
    const src = f.data.subarray(ch * hw, (ch + 1) * hw);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of src) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const range = hi - lo;
    for (let i = 0; i < hw; i++) tile[i] = range > 1e-12 ? (src[i] - lo) / range : 0;
    const rgb = applyColormap(tile, o.colormap ?? 'viridis');
    const x0 = L.gap + (ch % L.cols) * (f.width * L.scale + L.gap);
    const y0 = L.gap + Math.floor(ch / L.cols) * (f.height * L.scale + L.gap);
    for (let y = 0; y < f.height * L.scale; y++) {
      for (let x = 0; x < f.width * L.scale; x++) {
        const s = (Math.floor(y / L.scale) * f.width + Math.floor(x / L.scale)) * 3;
        const d = ((y0 + y) * L.width + x0 + x) * 3;
        out[d] = rgb[s];
        out[d + 1] = rgb[s + 1];
        out[d + 2] = rgb[s + 2];
      }
    }
  }
  return { width: L.width, height: L.height, data: out };
}
