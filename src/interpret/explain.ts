// One explanation as an image: a heat map (cam, gradcam, saliency) over the picture, or a
// feature-map grid.
import { basename, extname, join } from 'node:path';
import type { Tensor } from '../torch/index.js';
import type { Explainable } from './layers.js';
import { gradCam, type Explanation } from './gradcam.js';
import { classActivationMap } from './cam.js';
import { saliencyMap } from './saliency.js';
import { featureGrid, featureMaps } from './features.js';
import { overlayHeatMap, type OverlayOptions, type RgbImage } from './image.js';

export type ExplainMethod = 'cam' | 'gradcam' | 'features' | 'saliency';
export const EXPLAIN_METHODS: readonly ExplainMethod[] = ['cam', 'gradcam', 'features', 'saliency'];

export interface ExplainImageOptions extends OverlayOptions {
  method?: ExplainMethod;
  layer?: string;
  classIndex?: number;
}

export interface ExplainImageResult {
  method: ExplainMethod;
  image: RgbImage;
  layer: string;
  /** Absent for feature maps (they do not depend on a class). */
  explanation?: Explanation;
}

/** Explains model input x [1, C, H, W]; display is the picture (RGB, H x W) to draw over. */
export function explainInput(model: Explainable, x: Tensor, display: RgbImage, o: ExplainImageOptions = {}): ExplainImageResult {
  const method = o.method ?? 'gradcam';
  if (method === 'features') {
    const f = featureMaps(model, x, o.layer);
    return { method, image: featureGrid(f), layer: f.layer };
  }
  const target = { layer: o.layer, classIndex: o.classIndex };
  let e: Explanation;
  if (method === 'gradcam') e = gradCam(model, x, target);
  else if (method === 'cam') e = classActivationMap(model, x, target);
  else if (method === 'saliency') {
    if (o.layer !== undefined) throw new RangeError(`saliency explains the input pixels; it takes no layer (got '${o.layer}')`);
    e = saliencyMap(model, x, target);
  } else throw new RangeError(`unknown method '${String(method)}'; choose ${EXPLAIN_METHODS.join(', ')}`);
  return { method, image: overlayHeatMap(display, e.heat, o), layer: e.layer, explanation: e };
}

/** `<dir>/<image stem>-<method>.png`, with -2, -3... when two images share a stem. */
export function outputPath(dir: string, file: string, method: ExplainMethod, taken: Set<string>): string {
  const stem = basename(file, extname(file)) || 'image';
  let name = `${stem}-${method}.png`;
  for (let i = 2; taken.has(name); i++) name = `${stem}-${i}-${method}.png`;
  taken.add(name);
  return join(dir, name);
}
