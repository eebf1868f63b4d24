// Per-image rows: file, true class, predicted class, the probability of every class, correct.
import { argmaxRows, checkLabels, probabilityMatrix, row, type ProbabilityInput, type ProbabilityMatrix } from './probabilities.js';

export interface PredictionRow {
  file: string;
  /** True class name and index. */
  label: string;
  label_index: number;
  /** Predicted (most probable) class name and index. */
  prediction: string;
  prediction_index: number;
  /** Probability of the predicted class. */
  confidence: number;
  correct: boolean;
  /** One probability per class, in the order of `classes`. */
  probabilities: number[];
}

export function predictionTable(
  files: readonly string[],
  probs: ProbabilityInput | ProbabilityMatrix,
  labels: ArrayLike<number>,
  classes: readonly string[],
): PredictionRow[] {
  const m = probabilityMatrix(probs, classes.length);
  checkLabels(m, labels);
  if (files.length !== m.n) throw new RangeError(`predictionTable(): ${files.length} files for ${m.n} rows of probabilities`);
  if (classes.length !== m.c) throw new RangeError(`predictionTable(): ${classes.length} class names for ${m.c} classes`);
  const pred = argmaxRows(m);
  return files.map((file, i) => {
    const probabilities = row(m, i);
    return {
      file,
      label: classes[labels[i]],
      label_index: labels[i],
      prediction: classes[pred[i]],
      prediction_index: pred[i],
      confidence: probabilities[pred[i]],
      correct: pred[i] === labels[i],
      probabilities,
    };
  });
}
