// The classification loss the loop minimises: cross-entropy with optional label smoothing and
// per-class weights (PyTorch's formulas: a weighted mean divides by the sum of the targets'
// weights; smoothing mixes the one-hot target with the uniform distribution).
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export interface LossOptions {
  /** Probability mass spread uniformly over the classes, in [0, 1). */
  labelSmoothing?: number;
  /** One weight per class (class imbalance), applied during training. */
  classWeights?: readonly number[];
}

export interface ClassificationLoss {
  /** Mean loss of a batch (a scalar tensor with grad). */
  (logits: Tensor, target: Tensor): Tensor;
  /** Frees the class-weight tensor. */
  dispose(): void;
}

export function classificationLoss(o: LossOptions = {}, useClassWeights = true): ClassificationLoss {
  const ls = o.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls < 1)) throw new RangeError(`labelSmoothing must be in [0, 1), got ${ls}`);
  const weight = useClassWeights && o.classWeights ? T.keep(T.tensor([...o.classWeights])) : null;
  const fn = ((logits: Tensor, target: Tensor) => T.F.crossEntropy(logits, target, { weight, labelSmoothing: ls })) as ClassificationLoss;
  fn.dispose = () => weight?.dispose();
  return fn;
}
