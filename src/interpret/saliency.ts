// Input-gradient saliency (Simonyan et al.): |d score / d pixel|, maximum over channels.
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../nn/module.js';
import { checkSingleImage, targetClass } from './class-target.js';
import { toHeatMap } from './heatmap.js';
import type { Explanation } from './gradcam.js';

export function saliencyMap(model: Module, x: Tensor, o: { classIndex?: number } = {}): Explanation {
  checkSingleImage(x);
  const [, , H, W] = x.shape;
  return T.tidy(() =>
    T.enableGrad(() => {
      const xin = x.detach().clone().requiresGrad_();
      const output = model.call(xin);
      const k = targetClass(output, o.classIndex);
      const score = output.select(0, 0).select(0, k);
      const [g] = T.grad(score, xin);
      const sal = g!.abs().amax({ dim: [1], keepdim: true });
      return { heat: toHeatMap(sal, H, W, 'max'), classIndex: k, score: score.item(), layer: '' };
    }),
  );
}
