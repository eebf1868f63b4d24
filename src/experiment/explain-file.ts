// Explanations of image files with a saved run (the picture drawn at the model's input size).
import { decodeImage } from '../data/decode.js';
import { explainInput, type ExplainImageOptions, type ExplainImageResult } from '../interpret/index.js';
import { loadInput, type SavedRun } from './saved-run.js';

export async function explainFile(run: SavedRun, file: string, o: ExplainImageOptions = {}): Promise<ExplainImageResult> {
  const [h, w] = run.imageSize;
  const px = await decodeImage(file, { size: run.imageSize, resize: run.config.data.resize, interpolation: run.config.data.interpolation });
  const x = await loadInput(run, file);
  try {
    return explainInput(run.model, x, { width: w, height: h, data: px }, o);
  } finally {
    x.dispose();
  }
}

