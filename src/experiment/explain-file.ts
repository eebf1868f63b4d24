// Explanations of image files with a saved run (the picture drawn at the model's input size).
import { explainInput, type ExplainImageOptions, type ExplainImageResult } from '../interpret/index.js';
import { decodeForRun, inputFromPixels, type SavedRun } from './saved-run.js';

export async function explainFile(run: SavedRun, file: string, o: ExplainImageOptions = {}): Promise<ExplainImageResult> {
  const model = run.model;
  const [h, w] = run.imageSize;
  const px = await decodeForRun(run, file); // decoded once: the picture and the model input
  const x = inputFromPixels(run, px);
  try {
    return explainInput(model, x, { width: w, height: h, data: px }, o);
  } finally {
    x.dispose();
  }
}

