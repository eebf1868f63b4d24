// Opens a finished (or checkpointed) run folder for evaluation and prediction: its config, the
// class names, the trained weights and the preprocessing the model was trained with.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as T from '../torch/index.js';
import type { Augmentation, ChannelStats } from '../data/augment/index.js';
import { decodeImage } from '../data/decode.js';
import { loadConfig } from './load.js';
import { buildModel, type RunModel } from './run.js';
import { imageSizeOf, runAugmentation } from './data.js';
import type { ExperimentConfig } from './types.js';
import type { Predictor } from './predictor.js';

export { predictFiles, type Prediction } from './predictor.js';

export interface SavedRun extends Predictor {
  dir: string;
  config: ExperimentConfig;
  classes: string[];
  model: RunModel;
  imageSize: [number, number];
  /** Normalisation the model saw in evaluation (feature-wise statistics included). */
  augmentation: Augmentation;
}

export function openRun(dir: string): SavedRun {
  const configPath = join(dir, 'config.yaml');
  if (!existsSync(configPath)) throw new Error(`'${dir}' is not a run folder (no config.yaml)`);
  const config = loadConfig(configPath);
  const classesPath = join(dir, 'classes.json');
  if (!existsSync(classesPath)) throw new Error(`run '${dir}' has no classes.json (it did not get past data loading)`);
  const classes = JSON.parse(readFileSync(classesPath, 'utf8')) as string[];
  const weights = [join(dir, 'model.safetensors'), join(dir, 'checkpoints', 'best.safetensors')].find((p) => existsSync(p));
  if (!weights) throw new Error(`run '${dir}' has no trained weights (model.safetensors)`);
  const imageSize = imageSizeOf(config);
  const model = buildModel(config, classes.length, imageSize);
  const { tensors } = T.loadSafetensors(weights);
  try {
    model.loadStateDict(tensors);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  model.eval();
  const statsPath = join(dir, 'normalization.json');
  const stats = existsSync(statsPath) ? (JSON.parse(readFileSync(statsPath, 'utf8')) as ChannelStats) : undefined;
  // augmentation's evaluation transform plus a zoo model's mean/std
  const augmentation = runAugmentation(config, { numClasses: classes.length, stats });
  const run: SavedRun = {
    dir,
    config,
    classes,
    model,
    imageSize,
    augmentation,
    decode: (file) => decodeForRun(run, file),
    toInput: (px) => inputFromPixels(run, px),
  };
  return run;
}

/** The model's input batch [1, 3, H, W] from decoded HWC uint8 RGB pixels at the run's size. */
export function inputFromPixels(run: SavedRun, px: Uint8Array): T.Tensor {
  return T.tidy(() => {
    let x = T.fromTypedArray(px, [1, run.imageSize[0], run.imageSize[1], 3], { dtype: 'uint8' }).permute([0, 3, 1, 2]).float();
    if (run.config.data.scale !== 'byte') x = x.div(255);
    return run.augmentation.eval(x);
  });
}

/** Decodes one image file with the run's preprocessing (HWC uint8 RGB at the model's size). */
export function decodeForRun(run: SavedRun, file: string): Promise<Uint8Array> {
  return decodeImage(file, { size: run.imageSize, resize: run.config.data.resize, interpolation: run.config.data.interpolation });
}

/** Decodes one image file into the model's input batch [1, 3, H, W]. */
export async function loadInput(run: SavedRun, file: string): Promise<T.Tensor> {
  return inputFromPixels(run, await decodeForRun(run, file));
}
