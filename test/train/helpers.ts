// Shared helpers of the training tests: a separable synthetic image task, a small CNN built from
// T.F ops, and a minimal Adam (so these tests do not depend on src/train/optim).
import * as T from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { Module } from '../../src/nn/module.js';
import type { OptimizerLike } from '../../src/train/types.js';

/**
 * n grayscale 16x16 images: class 0 has a bright blob in the left half, class 1 in the right
 * half, plus Gaussian noise. Deterministic for a given seed.
 */
export function blobData(n: number, seed: number, size = 16): { x: Tensor; y: Tensor } {
  return T.tidy(() => {
    const g = new T.Generator(seed);
    const y = T.randint(0, 2, [n], { generator: g });
    const cy = T.randint(2, size - 2, [n], { generator: g }).float();
    const half = size / 2;
    const cxOff = T.randint(2, half - 2, [n], { generator: g }).float();
    const cx = cxOff.add(y.float().mul(half));
    const coords = T.arange(size).float();
    const dy = coords.view([1, size, 1]).sub(cy.view([n, 1, 1])).square();
    const dx = coords.view([1, 1, size]).sub(cx.view([n, 1, 1])).square();
    const blob = dy.add(dx).div(-2 * 1.5 * 1.5).exp();
    const noise = T.randn([n, size, size], { generator: g }).mul(0.3);
    return { x: blob.add(noise).unsqueeze(1).contiguous(), y: y.long() };
  });
}

/** conv(1→8) relu pool2 → conv(8→8) relu pool2 → flatten → dropout → linear(128→2) (16x16 input). */
export class TinyCNN extends Module {
  private readonly w1: Tensor;
  private readonly b1: Tensor;
  private readonly w2: Tensor;
  private readonly b2: Tensor;
  private readonly w3: Tensor;
  private readonly b3: Tensor;

  constructor(readonly dropout = 0.2) {
    super('tinycnn');
    const p = (shape: number[], fanIn: number): Tensor => T.noGrad(() => T.randn(shape).mul(Math.sqrt(2 / fanIn)));
    this.w1 = this.registerParameter('conv1.weight', p([8, 1, 3, 3], 9));
    this.b1 = this.registerParameter('conv1.bias', T.zeros([8]));
    this.w2 = this.registerParameter('conv2.weight', p([8, 8, 3, 3], 72));
    this.b2 = this.registerParameter('conv2.bias', T.zeros([8]));
    this.w3 = this.registerParameter('fc.weight', p([2, 128], 128));
    this.b3 = this.registerParameter('fc.bias', T.zeros([2]));
  }

  forward(x: Tensor): Tensor {
    let h = T.F.relu(T.F.conv2d(x, this.w1, this.b1, { padding: 1 }));
    h = T.F.maxPool2d(h, 2);
    h = T.F.relu(T.F.conv2d(h, this.w2, this.b2, { padding: 1 }));
    h = T.F.maxPool2d(h, 2).flatten({ startDim: 1 });
    h = T.F.dropout(h, this.dropout, this.training);
    return T.F.linear(h, this.w3, this.b3);
  }
}

/** A linear classifier on flattened inputs (for loss-formula tests). */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(inF: number, outF: number) {
    super('linear');
    this.weight = this.registerParameter('weight', T.noGrad(() => T.randn([outF, inF]).mul(0.1)));
    this.bias = this.registerParameter('bias', T.zeros([outF]));
  }
  forward(x: Tensor): Tensor {
    return T.F.linear(x.flatten({ startDim: 1 }), this.weight, this.bias);
  }
}

/** Minimal Adam (PyTorch's formulas, no weight decay) satisfying OptimizerLike. */
export class MiniAdam implements OptimizerLike {
  paramGroups: { lr: number }[];
  private t = 0;
  private m: Tensor[];
  private v: Tensor[];
  constructor(
    readonly params: Tensor[],
    lr = 1e-2,
  ) {
    this.paramGroups = [{ lr }];
    this.m = params.map((p) => T.keep(T.zerosLike(p)));
    this.v = params.map((p) => T.keep(T.zerosLike(p)));
  }
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }
  step(): void {
    this.t++;
    const lr = this.paramGroups[0].lr;
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    T.tidy(() =>
      T.noGrad(() => {
        this.params.forEach((p, i) => {
          const g = p.grad;
          if (!g) return;
          this.m[i].mul_(b1).add_(g, { alpha: 1 - b1 });
          this.v[i].mul_(b2).addcmul_(g, g, { value: 1 - b2 });
          const denom = this.v[i].div(1 - b2 ** this.t).sqrt().add(eps);
          p.addcdiv_(this.m[i], denom, { value: -lr / (1 - b1 ** this.t) });
        });
      }),
    );
  }
  stateDict(): unknown {
    return { t: this.t, lr: this.paramGroups[0].lr, m: this.m, v: this.v };
  }
  loadStateDict(s: { t: number; lr: number; m: Tensor[]; v: Tensor[] }): void {
    this.t = s.t;
    this.paramGroups[0].lr = s.lr;
    T.noGrad(() => {
      s.m.forEach((t, i) => this.m[i].copy_(t));
      s.v.forEach((t, i) => this.v[i].copy_(t));
    });
  }
}

/** Drops time-dependent keys so histories of two runs can be compared exactly. */
export function stableHistory(epochs: Record<string, number>[]): Record<string, number>[] {
  return epochs.map((e) => {
    const o = { ...e };
    delete o.time;
    delete o.samples_per_sec;
    return o;
  });
}
