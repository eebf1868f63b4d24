// A zoo architecture with imported weights, used without a run folder: `fovea predict --arch`,
// `fovea eval --arch`, `fovea import`. Preprocessing comes from the architecture's config (shorter
// side to resizeShortSide, centre crop to inputSize, pixels / 255, then mean / std).
import { existsSync, readFileSync } from 'node:fs';
import * as T from '../torch/index.js';
import { createModel, importWeights, type ImportOptions, type ImportReport, type ZooModel } from '../models/index.js';
import { decodeImage, type DecodeOptions } from '../data/decode.js';
import { imageSource } from '../data/image-source.js';
import type { BatchSource } from '../data/source.js';
import type { Predictor } from './predictor.js';

export interface PretrainedModel extends Predictor {
  model: ZooModel;
  arch: string;
  weights: string;
  report: ImportReport;
  /** How images are decoded for this architecture (short side, centre crop). */
  decodeOptions: DecodeOptions;
}

export interface OpenPretrainedOptions extends ImportOptions {
  /** A JSON file with the class names: an array, or { "labels": [...] }. */
  labels?: string;
  /** Classes of the classifier (default: the architecture's, 1000 for ImageNet ones). */
  numClasses?: number;
  /** Architecture options (e.g. { alpha: 0.25 }). */
  archOptions?: Record<string, unknown>;
}

/** Class names from a JSON file (an array, or an object with a `labels` array). */
export function readLabels(file: string, numClasses?: number): string[] {
  if (!existsSync(file)) throw new Error(`labels file '${file}' does not exist`);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`labels file '${file}' is not valid JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(v) ? v : (v as { labels?: unknown })?.labels;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' || typeof x === 'number')) {
    throw new Error(`labels file '${file}' must hold a JSON array of names or {"labels": [...]}`);
  }
  if (numClasses !== undefined && list.length !== numClasses) throw new Error(`labels file '${file}' has ${list.length} names, the model predicts ${numClasses} classes`);
  return list.map(String);
}

/** The decode options of an architecture's evaluation preprocessing. */
export function archDecodeOptions(model: ZooModel): DecodeOptions {
  const [, h, w] = model.config.inputSize;
  return { size: [h, w], resizeShortSide: model.config.resizeShortSide ?? Math.max(h, w), interpolation: 'bilinear' };
}

/** HWC uint8 pixels at the input size -> [1, 3, H, W] normalised as the architecture expects. */
export function archInput(model: ZooModel, px: Uint8Array): T.Tensor {
  const [, h, w] = model.config.inputSize;
  return T.tidy(() =>
    T.fromTypedArray(px, [1, h, w, 3], { dtype: 'uint8' })
      .permute([0, 3, 1, 2])
      .float()
      .div(255)
      .sub(T.tensor([...model.config.mean]).reshape([1, 3, 1, 1]))
      .div(T.tensor([...model.config.std]).reshape([1, 3, 1, 1])),
  );
}

/** Builds the architecture, imports the weights into it and sets eval mode. */
export async function openPretrained(arch: string, weights: string, o: OpenPretrainedOptions = {}): Promise<PretrainedModel> {
  const model = createModel(arch, { ...(o.archOptions ?? {}), ...(o.numClasses !== undefined ? { numClasses: o.numClasses } : {}) });
  let report: ImportReport;
  try {
    report = await importWeights(weights, model, o);
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.eval();
  const n = model.config.numClasses;
  const classes = o.labels ? readLabels(o.labels, n) : Array.from({ length: n }, (_, i) => String(i));
  const decodeOptions = archDecodeOptions(model);
  return {
    model,
    arch,
    weights,
    report,
    classes,
    decodeOptions,
    decode: (file) => decodeImage(file, decodeOptions),
    toInput: (px) => archInput(model, px),
  };
}

/** A batch source over decoded images (uint8 [N, H, W, 3]) normalised for the architecture. */
export function archSource(model: ZooModel, images: T.Tensor, labels: T.Tensor): BatchSource {
  return imageSource(images, labels, { mean: model.config.mean, std: model.config.std });
}
