// RGB images as plain bytes: heat-map overlays and PNG writing (sharp).
import sharp from 'sharp';
import { applyColormap, type ColormapName } from './colormap.js';
import type { HeatMap } from './heatmap.js';

/** An 8-bit RGB image, rows top to bottom, HWC. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface OverlayOptions {
  /** Weight of the colour map in the blend (default 0.45). */
  alpha?: number;
  colormap?: ColormapName;
}

/** Colours the heat map and alpha-blends it over the image (same size). */
export function overlayHeatMap(image: RgbImage, heat: HeatMap, o: OverlayOptions = {}): RgbImage {
  if (image.width !== heat.width || image.height !== heat.height) {
    throw new RangeError(`overlayHeatMap(): image is ${image.width}x${image.height} but the heat map is ${heat.width}x${heat.height}`);
  }
  const alpha = o.alpha ?? 0.45;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`overlayHeatMap(): alpha must be in [0, 1], got ${alpha}`);
  const colours = applyColormap(heat.data, o.colormap ?? 'turbo');
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round((1 - alpha) * image.data[i] + alpha * colours[i]);
  return { width: image.width, height: image.height, data: out };
}

/** The heat map alone in colour. */
export function heatMapImage(heat: HeatMap, colormap: ColormapName = 'turbo'): RgbImage {
  return { width: heat.width, height: heat.height, data: applyColormap(heat.data, colormap) };
}

export interface PngOptions {
  /** Integer upscaling factor (default 1). */
  scale?: number;
  /** Resampling for the upscaling (default nearest: shows the true pixels). */
  kernel?: 'nearest' | 'cubic';
}

export async function writePng(image: RgbImage, path: string, o: PngOptions = {}): Promise<void> {
  const scale = o.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`writePng(): scale must be a positive integer, got ${scale}`);
  let img = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } });
  if (scale > 1) img = img.resize(image.width * scale, image.height * scale, { kernel: o.kernel ?? 'nearest' });
  await img.png().toFile(path);
}
