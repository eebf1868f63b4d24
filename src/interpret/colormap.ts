// Perceptual colour maps as polynomial fits: viridis (matplotlib's default) and turbo (Google's
// improved rainbow). Each maps t in [0, 1] to RGB bytes.

export type ColormapName = 'viridis' | 'turbo';
export const COLORMAPS: readonly ColormapName[] = ['viridis', 'turbo'];

type Poly = readonly [readonly number[], readonly number[], readonly number[]];

// coefficients from t^0 upwards, one list per channel
const VIRIDIS: Poly = [
  [0.2777273272234177, 0.1050930431085774, -0.3308618287255563, -4.634230498983486, 6.228269936347081, 4.776384997670288, -5.435455855934631],
  [0.005407344544966578, 1.404613529898575, 0.214847559468213, -5.799100973351585, 14.17993336680509, -13.74514537774601, 4.645852612178535],
  [0.3340998053353061, 1.384590162594685, 0.09509516302823659, -19.33244095627987, 56.69055260068105, -65.35303263337234, 26.3124352495832],
];

const TURBO: Poly = [
  [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943],
  [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604],
  [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973],
];

function horner(c: readonly number[], t: number): number {
  let v = 0;
  for (let i = c.length - 1; i >= 0; i--) v = v * t + c[i];
  return v;
}

function toByte(v: number): number {
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

/** A 256-entry lookup table (RGB bytes, 768 long). */
export function colormapTable(name: ColormapName): Uint8Array {
  const poly = name === 'viridis' ? VIRIDIS : name === 'turbo' ? TURBO : null;
  if (!poly) throw new RangeError(`unknown colour map '${String(name)}'; choose ${COLORMAPS.join(' or ')}`);
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = toByte(horner(poly[c], t));
  }
  return lut;
}

/** Colours values in [0, 1] (clamped) into RGB bytes (HWC). */
export function applyColormap(values: Float32Array, name: ColormapName): Uint8Array {
  const lut = colormapTable(name);
  const out = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const k = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 255) : 0;
    out[i * 3] = lut[k * 3];
    out[i * 3 + 1] = lut[k * 3 + 1];
    out[i * 3 + 2] = lut[k * 3 + 2];
  }
  return out;
}
