// Colour augmentation with torchvision's ColorJitter formulas, per-sample factors:
// brightness x*f; contrast x*f + mean(gray)*(1-f); saturation x*f + gray*(1-f); clamped.
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { batchGenerator, uniform, type AugmentContext } from './random.js';

export interface ColourOptions {
  /** Multiplicative factor range (Keras brightness_range), e.g. [0.8, 1.2]. */
  brightness?: readonly [number, number];
  contrast?: readonly [number, number];
  saturation?: readonly [number, number];
  /** Largest pixel value: 1 for unit-scaled images, 255 for byte-scaled. */
  maxValue?: number;
}

export function hasColour(o: ColourOptions): boolean {
  return Boolean(o.brightness || o.contrast || o.saturation);
}

/** ITU-R 601 luma, [n, 1, h, w], as torchvision's rgb_to_grayscale. */
export function grayscale(x: Tensor): Tensor {
  return T.tidy(() => {
    const [r, g, b] = x.unbind({ dim: 1 });
    return r.mul(0.299).add(g.mul(0.587)).add(b.mul(0.114)).unsqueeze(1);
  });
}

function blend(a: Tensor, b: Tensor, f: Tensor, maxValue: number): Tensor {
  // a*f + b*(1-f), clamped to the valid range
  return a.mul(f).add(b.mul(f.neg().add(1))).clamp({ min: 0, max: maxValue });
}

export function applyColour(x: Tensor, o: ColourOptions, ctx: AugmentContext): Tensor {
  const n = x.shape[0];
  const maxValue = o.maxValue ?? 1;
  return T.tidy(() => {
    const g = batchGenerator(ctx, 0xc010);
    let out = x;
    if (o.brightness) {
      const f = uniform(g, n, o.brightness[0], o.brightness[1]).reshape([n, 1, 1, 1]);
      out = out.mul(f).clamp({ min: 0, max: maxValue });
    }
    if (o.contrast) {
      const f = uniform(g, n, o.contrast[0], o.contrast[1]).reshape([n, 1, 1, 1]);
      const m = grayscale(out).mean([1, 2, 3], { keepdim: true });
      out = blend(out, m, f, maxValue);
    }
    if (o.saturation) {
      const f = uniform(g, n, o.saturation[0], o.saturation[1]).reshape([n, 1, 1, 1]);
      out = blend(out, grayscale(out), f, maxValue);
    }
    return out;
  });
}
