// PyTorch's default parameter initialisation (torch.nn.init), used by the torch-style modules so
// a zoo model trained from scratch starts where the same torchvision model would.
import { keep, rand, randn, noGrad, tidy, type Tensor } from '../../torch/index.js';

/** fan_in and fan_out of a weight in PyTorch layout ([out, in, ...kernel]). */
export function torchFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: (shape[1] ?? 1) * receptive, fanOut: shape[0] * receptive };
}

/** U(-bound, bound), kept out of any tidy scope (it becomes a parameter). */
export function uniformParam(shape: readonly number[], bound: number): Tensor {
  return keep(noGrad(() => rand(shape).mul_(2 * bound).sub_(bound)));
}

/** N(0, std), kept out of any tidy scope. */
export function normalParam(shape: readonly number[], std: number): Tensor {
  return keep(noGrad(() => randn(shape).mul_(std)));
}

/** N(0, std) truncated to [-2std, 2std] by redrawing outliers (trunc_normal_(std=std, a=-2std, b=2std)). */
export function truncNormalParam(shape: readonly number[], std: number): Tensor {
  return keep(
    tidy(() =>
      noGrad(() => {
        let x = randn(shape);
        for (let i = 0; i < 20; i++) {
          const out = x.abs().gt(2);
          if (!out.any().item()) break;
          x = x.maskedFill(out, 0).add(randn(shape).mul(out));
        }
        return x.clamp_({ min: -2, max: 2 }).mul_(std);
      }),
    ),
  );
}

/** nn.Conv2d / nn.Linear default: kaiming_uniform(a=sqrt(5)) = U(±1/sqrt(fan_in)). */
export function defaultWeight(shape: readonly number[]): Tensor {
  return uniformParam(shape, 1 / Math.sqrt(Math.max(1, torchFans(shape).fanIn)));
}

/** torchvision's conv init: kaiming_normal(mode='fan_out', nonlinearity='relu'). */
export function kaimingNormalFanOut(shape: readonly number[]): Tensor {
  return normalParam(shape, Math.sqrt(2 / Math.max(1, torchFans(shape).fanOut)));
}
