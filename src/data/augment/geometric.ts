// Geometric augmentation in one affine_grid + grid_sample pass: each sample's flips, rotation,
// zoom, shift, shear (and random resized crop) are composed into one 2x3 matrix in the
// normalised [-1, 1] coordinates that affine_grid uses (output -> input mapping).
import * as T from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { batchGenerator, coin, uniform, type AugmentContext } from './random.js';

export type FillMode = 'nearest' | 'reflect' | 'constant';

export interface GeometricOptions {
  horizontalFlip?: boolean;
  verticalFlip?: boolean;
  /** Degrees: rotation uniform in [-r, r]. */
  rotationRange?: number;
  /** Keras semantics: z -> zoom uniform in [1 - z, 1 + z]; or an explicit [lo, hi]. */
  zoomRange?: number | readonly [number, number];
  /** Fractions of width / height. */
  widthShiftRange?: number;
  heightShiftRange?: number;
  /** Degrees. */
  shearRange?: number;
  fillMode?: FillMode;
  /** Fill value for 'constant' (in the image's scale, 0..1 by default). */
  cval?: number;
  /** torchvision RandomResizedCrop: area fraction and aspect-ratio ranges. */
  randomResizedCrop?: { scale?: readonly [number, number]; ratio?: readonly [number, number] };
}

export function hasGeometric(o: GeometricOptions): boolean {
  return Boolean(
    o.horizontalFlip || o.verticalFlip || o.rotationRange || o.zoomRange || o.widthShiftRange || o.heightShiftRange || o.shearRange || o.randomResizedCrop,
  );
}

const RAD = Math.PI / 180;

/** Per-sample 2x3 matrices [n, 2, 3] (float32) for the options; pure function of the generator. */
export function affineMatrices(o: GeometricOptions, n: number, g: T.Generator): Tensor {
  return T.tidy(() => {
    // Draw everything in a fixed order so results do not depend on which options are set.
    const one = T.ones([n]);
    const fx = o.horizontalFlip ? coin(g, n, 0.5).mul(-2).add(1) : one; // -1 flips
    const fy = o.verticalFlip ? coin(g, n, 0.5).mul(-2).add(1) : one;
    const rot = o.rotationRange ? uniform(g, n, -o.rotationRange * RAD, o.rotationRange * RAD) : T.zeros([n]);
    const shear = o.shearRange ? uniform(g, n, -o.shearRange * RAD, o.shearRange * RAD) : T.zeros([n]);
    let zx: Tensor = one;
    let zy: Tensor = one;
    if (o.zoomRange !== undefined && o.zoomRange !== 0) {
      const [lo, hi] = typeof o.zoomRange === 'number' ? [1 - o.zoomRange, 1 + o.zoomRange] : o.zoomRange;
      // Keras draws independent x and y zoom factors; a factor > 1 shows more of the image (zoom out)
      zx = uniform(g, n, lo, hi);
      zy = uniform(g, n, lo, hi);
    }
    let tx = o.widthShiftRange ? uniform(g, n, -o.widthShiftRange * 2, o.widthShiftRange * 2) : T.zeros([n]);
    let ty = o.heightShiftRange ? uniform(g, n, -o.heightShiftRange * 2, o.heightShiftRange * 2) : T.zeros([n]);
    if (o.randomResizedCrop) {
      const [s0, s1] = o.randomResizedCrop.scale ?? [0.08, 1];
      const [r0, r1] = o.randomResizedCrop.ratio ?? [3 / 4, 4 / 3];
      const area = uniform(g, n, s0, s1);
      const logr = uniform(g, n, Math.log(r0), Math.log(r1)).exp();
      // crop width/height as fractions of the image (clamped to fit), centre anywhere it fits
      const cw = area.mul(logr).sqrt().clamp({ max: 1 });
      const ch = area.div(logr).sqrt().clamp({ max: 1 });
      zx = zx.mul(cw);
      zy = zy.mul(ch);
      tx = tx.add(uniform(g, n, -1, 1).mul(one.sub(cw)));
      ty = ty.add(uniform(g, n, -1, 1).mul(one.sub(ch)));
    }
    // M = Translate * Rotate * Shear * Scale * Flip, mapping output coords to input coords
    const c = rot.cos();
    const s = rot.sin();
    const tanSh = shear.sin().div(shear.cos());
    // R * Sh: [[c, c*tan - s], [s, s*tan + c]]
    const a00 = c;
    const a01 = c.mul(tanSh).sub(s);
    const a10 = s;
    const a11 = s.mul(tanSh).add(c);
    const sx = zx.mul(fx);
    const sy = zy.mul(fy);
    const row0 = T.stack([a00.mul(sx), a01.mul(sy), tx], { dim: 1 });
    const row1 = T.stack([a10.mul(sx), a11.mul(sy), ty], { dim: 1 });
    return T.stack([row0, row1], { dim: 1 });
  });
}

/** Applies the geometric options to a float NCHW batch. */
export function applyGeometric(x: Tensor, o: GeometricOptions, ctx: AugmentContext): Tensor {
  const n = x.shape[0];
  return T.tidy(() => {
    const theta = affineMatrices(o, n, batchGenerator(ctx, 0x6e0));
    const grid = T.F.affineGrid(theta, x.shape, false);
    const fill = o.fillMode ?? 'nearest';
    if (fill === 'constant' && (o.cval ?? 0) !== 0) {
      // sample a mask of ones too: where it falls off the image, blend in the constant
      const ones = T.onesLike(x.narrow(1, 0, 1));
      const mask = T.F.gridSample(ones, grid, { mode: 'bilinear', paddingMode: 'zeros', alignCorners: false });
      const out = T.F.gridSample(x, grid, { mode: 'bilinear', paddingMode: 'zeros', alignCorners: false });
      return out.add(mask.neg().add(1).mul(o.cval ?? 0));
    }
    const paddingMode = fill === 'nearest' ? 'border' : fill === 'reflect' ? 'reflection' : 'zeros';
    return T.F.gridSample(x, grid, { mode: 'bilinear', paddingMode, alignCorners: false });
  });
}
