// What prediction needs from a model, whether a trained run folder or a zoo architecture with
// imported weights: the model, its class names, how a file is decoded and how pixels become
// the model's input. predictFiles is the one top-k prediction loop both use.
import * as T from '../torch/index.js';
import type { Module } from '../nn/module.js';

export interface Predictor {
  model: Module;
  classes: readonly string[];
  /** Decodes one image file with the model's preprocessing: HWC uint8 RGB at its input size. */
  decode(file: string): Promise<Uint8Array>;
  /** Decoded pixels -> the model's input batch [1, 3, H, W]. */
  toInput(px: Uint8Array): T.Tensor;
}

export interface Prediction {
  file: string;
  top?: { class: string; index: number; probability: number }[];
  error?: string;
}

/** Top-k classes of each image; an unreadable image gives an `error` and the others go on. */
export async function predictFiles(p: Predictor, files: readonly string[], k: number): Promise<Prediction[]> {
  const out: Prediction[] = [];
  for (const file of files) {
    let x: T.Tensor;
    try {
      x = p.toInput(await p.decode(file));
    } catch (e) {
      out.push({ file, error: (e as Error).message });
      continue;
    }
    const probs = T.tidy(() => T.inferenceMode(() => T.F.softmax(p.model.forward(x), 1).select(0, 0).dataNumbers()));
    x.dispose();
    const top = probs
      .map((q, i) => ({ class: p.classes[i] ?? String(i), index: i, probability: q }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, Math.min(k, probs.length));
    out.push({ file, top });
  }
  return out;
}
