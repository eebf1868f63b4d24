// Grad-CAM (Selvaraju et al.): a conv layer's feature maps weighted by the spatial mean of the
// class score's gradients with respect to them, summed over channels, ReLU.
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { forwardCapturing, spatialLayer, type Explainable } from './layers.js';
import { checkSingleImage, targetClass } from './class-target.js';
import { toHeatMap, type HeatMap } from './heatmap.js';

export interface ExplainOptions {
  /** Layer name (default: the last convolutional layer). */
  layer?: string;
  /** Class index (default: the predicted class). */
  classIndex?: number;
}

export interface Explanation {
  heat: HeatMap;
  /** The explained class and its score (model output, before any softmax outside the model). */
  classIndex: number;
  score: number;
  /** The layer whose feature maps were used ('' for input saliency). */
  layer: string;
}

/** Grad-CAM for one image x [1, C, H, W]; the heat map has the input's size. Run the model in eval mode. */
export function gradCam(model: Explainable, x: Tensor, o: ExplainOptions = {}): Explanation {
  checkSingleImage(x);
  const layer = spatialLayer(model, o.layer);
  const [, , H, W] = x.shape;
  return T.tidy(() =>
    T.enableGrad(() => {
      // a leaf that requires grad keeps the graph even when every parameter is frozen
      const xin = x.detach().clone().requiresGrad_();
      const { output, features } = forwardCapturing(model, layer, xin);
      const k = targetClass(output, o.classIndex);
      const score = output.select(0, 0).select(0, k);
      const [g] = T.grad(score, features, { allowUnused: true });
      if (!g) throw new Error(`${model.name}: the class score does not depend on layer '${layer.name}'`);
      const weights = g.mean([2, 3], { keepdim: true });
      const cam = features.detach().mul(weights).sum(1, { keepdim: true }).relu();
      return { heat: toHeatMap(cam, H, W, 'max'), classIndex: k, score: score.item(), layer: layer.name };
    }),
  );
}
