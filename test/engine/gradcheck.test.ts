// Finite-difference gradient checks (float64, small shapes) for every differentiable operator in
// the arithmetic/math, reductions, views/indexing, comparisons/selection, nn functional and losses
// sections of src/torch/ops.txt. A coverage test reads ops.txt so that a newly listed operator
// fails here until it gets a case or a reason for having none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/torch/index.js';
import { F, type Tensor, type GradcheckOptions } from '../../src/torch/index.js';

const gen = new T.Generator(20240611);

type Kind = 'normal' | 'pos' | 'away' | 'distinct' | 'unit';

/** A float64 tensor: normal, pos (0.5..2), away (|x| >= 0.3), distinct (spaced >= 0.3 apart), unit (0.1..0.9). */
function v(shape: number[], kind: Kind = 'normal'): Tensor {
  return T.tidy(() => {
    switch (kind) {
      case 'normal':
        return T.randn(shape, { generator: gen, dtype: 'float64' });
      case 'pos':
        return T.rand(shape, { generator: gen, dtype: 'float64' }).mul(1.5).add(0.5);
      case 'away': {
        const x = T.randn(shape, { generator: gen, dtype: 'float64' });
        return x.sign().mul(x.abs().add(0.3)).add(x.eq(0).double().mul(0.5));
      }
      case 'distinct': {
        const n = shape.reduce((a, b) => a * b, 1);
        const p = T.randperm(n, { generator: gen, dtype: 'float64' });
        const noise = T.rand([n], { generator: gen, dtype: 'float64' }).mul(0.05);
        return p.mul(0.37).sub(0.185 * n).add(noise).reshape(shape);
      }
      case 'unit':
        return T.rand(shape, { generator: gen, dtype: 'float64' }).mul(0.8).add(0.1);
    }
  });
}

/** Like v() but checked by gradcheck (requiresGrad). */
function g(shape: number[], kind: Kind = 'normal'): Tensor {
  return v(shape, kind).requiresGrad_();
}

const long = (data: T.NestedArray) => T.tensor(data, { dtype: 'int64' });
const bool = (data: T.NestedArray) => T.tensor(data, { dtype: 'bool' });

interface Case {
  /** The ops.txt tsName the case exercises. */
  op: string;
  label?: string;
  inputs: () => Tensor[];
  fn: (...xs: Tensor[]) => Tensor;
  tol?: GradcheckOptions;
}

const CASES: Case[] = [
  // ---- arithmetic and math ----
  { op: 'add', label: 'tensor, broadcast, alpha', inputs: () => [g([2, 3]), g([3])], fn: (a, b) => a.add(b, { alpha: 0.7 }) },
  { op: 'add', label: 'scalar', inputs: () => [g([2, 3])], fn: (a) => a.add(2.5) },
  { op: 'sub', label: 'tensor, alpha', inputs: () => [g([2, 3]), g([2, 1])], fn: (a, b) => a.sub(b, { alpha: 1.5 }) },
  { op: 'sub', label: 'scalar', inputs: () => [g([3])], fn: (a) => a.sub(3) },
  { op: 'mul', label: 'tensor', inputs: () => [g([2, 3]), g([2, 3])], fn: (a, b) => a.mul(b) },
  { op: 'mul', label: 'scalar', inputs: () => [g([2, 3])], fn: (a) => a.mul(-1.25) },
  { op: 'div', label: 'tensor', inputs: () => [g([2, 3]), g([3], 'away')], fn: (a, b) => a.div(b) },
  { op: 'div', label: 'scalar', inputs: () => [g([2, 3])], fn: (a) => a.div(4) },
  { op: 'divMode', label: 'true division (rounding modes have zero gradient)', inputs: () => [g([2, 3]), g([2, 3], 'away')], fn: (a, b) => a.divMode(b, { roundingMode: null }) },
  { op: 'remainder', label: 'scalar', inputs: () => [g([2, 3])], fn: (a) => a.remainder(0.7) },
  { op: 'remainder', label: 'tensor', inputs: () => [g([2, 3]), g([2, 3], 'pos')], fn: (a, b) => a.remainder(b) },
  { op: 'pow', label: 'tensor ** tensor', inputs: () => [g([2, 3], 'pos'), g([2, 3])], fn: (a, b) => a.pow(b) },
  { op: 'pow', label: 'tensor ** 3', inputs: () => [g([2, 3])], fn: (a) => a.pow(3) },
  { op: 'pow', label: 'tensor ** 0.5', inputs: () => [g([2, 3], 'pos')], fn: (a) => a.pow(0.5) },
  { op: 'add_', inputs: () => [g([2, 3]), g([2, 3])], fn: (a, b) => a.clone().add_(b, { alpha: 2 }).add_(1) },
  { op: 'sub_', inputs: () => [g([2, 3]), g([3])], fn: (a, b) => a.clone().sub_(b, { alpha: 0.5 }).sub_(1) },
  { op: 'mul_', inputs: () => [g([2, 3]), g([2, 3])], fn: (a, b) => a.clone().mul_(b).mul_(3) },
  { op: 'div_', inputs: () => [g([2, 3]), g([2, 3], 'away')], fn: (a, b) => a.clone().div_(b).div_(2) },
  { op: 'addcmul_', inputs: () => [g([2, 3]), g([2, 3]), g([2, 3])], fn: (a, b, c) => a.clone().addcmul_(b, c, { value: 0.5 }) },
  { op: 'addcdiv_', inputs: () => [g([2, 3]), g([2, 3]), g([2, 3], 'away')], fn: (a, b, c) => a.clone().addcdiv_(b, c, { value: -0.5 }) },
  { op: 'addcmul', inputs: () => [g([2, 3]), g([2, 3]), g([3])], fn: (a, b, c) => T.addcmul(a, b, c, { value: 2 }) },
  { op: 'addcdiv', inputs: () => [g([2, 3]), g([2, 3]), g([2, 3], 'away')], fn: (a, b, c) => T.addcdiv(a, b, c, { value: 0.3 }) },
  { op: 'lerp_', inputs: () => [g([2, 3]), g([2, 3])], fn: (a, b) => a.clone().lerp_(b, 0.3) },
  { op: 'lerp', inputs: () => [g([2, 3]), g([2, 3])], fn: (a, b) => T.lerp(a, b, 0.8) },
  { op: 'clamp_', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.clone().clamp_({ min: -0.9, max: 1.1 }) },
  { op: 'clampMin_', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.clone().clampMin_(0.1) },
  { op: 'sqrt_', inputs: () => [g([2, 3], 'pos')], fn: (a) => a.clone().sqrt_() },
  { op: 'neg', inputs: () => [g([2, 3])], fn: (a) => a.neg() },
  { op: 'abs', inputs: () => [g([2, 3], 'away')], fn: (a) => a.abs() },
  { op: 'sign', label: 'zero gradient away from 0', inputs: () => [g([2, 3], 'away')], fn: (a) => a.sign() },
  { op: 'exp', inputs: () => [g([2, 3])], fn: (a) => a.exp() },
  { op: 'log', inputs: () => [g([2, 3], 'pos')], fn: (a) => a.log() },
  { op: 'log1p', inputs: () => [g([2, 3], 'pos')], fn: (a) => a.log1p() },
  { op: 'expm1', inputs: () => [g([2, 3])], fn: (a) => a.expm1() },
  { op: 'log2', inputs: () => [g([2, 3], 'pos')], fn: (a) => a.log2() },
  { op: 'sqrt', inputs: () => [g([2, 3], 'pos')], fn: (a) => a.sqrt() },
  { op: 'rsqrt', inputs: () => [g([2, 3], 'pos')], fn: (a) => a.rsqrt() },
  { op: 'square', inputs: () => [g([2, 3])], fn: (a) => a.square() },
  { op: 'reciprocal', inputs: () => [g([2, 3], 'away')], fn: (a) => a.reciprocal() },
  { op: 'sin', inputs: () => [g([2, 3])], fn: (a) => a.sin() },
  { op: 'cos', inputs: () => [g([2, 3])], fn: (a) => a.cos() },
  // floor/ceil/round/trunc: piecewise constant, zero gradient away from the steps ('distinct'
  // values are 0.37 * k + noise, at least 0.02 from integers and half-integers)
  { op: 'floor', inputs: () => [g([2, 3], 'distinct')], fn: (a) => a.floor() },
  { op: 'ceil', inputs: () => [g([2, 3], 'distinct')], fn: (a) => a.ceil() },
  { op: 'round', inputs: () => [g([2, 3], 'distinct')], fn: (a) => a.round() },
  { op: 'trunc', inputs: () => [g([2, 3], 'distinct')], fn: (a) => a.trunc() },
  { op: 'matmul', label: '2-D', inputs: () => [g([2, 3]), g([3, 2])], fn: (a, b) => a.matmul(b) },
  { op: 'matmul', label: 'batched x 2-D', inputs: () => [g([2, 2, 3]), g([3, 2])], fn: (a, b) => a.matmul(b) },
  { op: 'matmul', label: 'matrix x vector', inputs: () => [g([2, 3]), g([3])], fn: (a, b) => a.matmul(b) },
  { op: 'mm', inputs: () => [g([2, 3]), g([3, 2])], fn: (a, b) => a.mm(b) },
  { op: 'bmm', inputs: () => [g([2, 2, 3]), g([2, 3, 2])], fn: (a, b) => a.bmm(b) },
  { op: 'addmm', inputs: () => [g([2, 2]), g([2, 3]), g([3, 2])], fn: (c, a, b) => c.addmm(a, b, { beta: 0.5, alpha: 2 }) },
  { op: 'outer', inputs: () => [g([3]), g([2])], fn: (a, b) => a.outer(b) },
  { op: 't', inputs: () => [g([2, 3])], fn: (a) => a.t().mul(T.tensor([[1], [2], [3]], { dtype: 'float64' })) },
  { op: 'maximum', inputs: () => [g([2, 3], 'distinct'), g([2, 3], 'distinct')], fn: (a, b) => T.maximum(a, b) },
  { op: 'minimum', inputs: () => [g([2, 3], 'distinct'), g([2, 3], 'distinct')], fn: (a, b) => T.minimum(a, b) },

  // ---- reductions ----
  { op: 'sum', label: 'all', inputs: () => [g([2, 3])], fn: (a) => a.sum() },
  { op: 'sum', label: 'dims, keepdim', inputs: () => [g([2, 3, 2])], fn: (a) => a.sum([0, 2], { keepdim: true }) },
  { op: 'mean', label: 'all', inputs: () => [g([2, 3])], fn: (a) => a.mean() },
  { op: 'mean', label: 'dim', inputs: () => [g([2, 3])], fn: (a) => a.mean(1) },
  { op: 'prod', label: 'all', inputs: () => [g([2, 3], 'away')], fn: (a) => a.prod() },
  { op: 'prod', label: 'dim', inputs: () => [g([2, 3], 'away')], fn: (a) => a.prod(1, { keepdim: true }) },
  { op: 'std', inputs: () => [g([2, 4])], fn: (a) => T.std(a, [1], { correction: 1 }) },
  { op: 'variance', inputs: () => [g([2, 4])], fn: (a) => T.variance(a, null, { correction: 0 }) },
  { op: 'amax', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.amax({ dim: 1 }) },
  { op: 'amin', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.amin({ dim: [0, 1] }) },
  { op: 'max', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.max() },
  { op: 'maxDim', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.maxDim(0)[0] },
  { op: 'min', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.min() },
  { op: 'minDim', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.minDim(1, { keepdim: true })[0] },
  { op: 'logsumexp', inputs: () => [g([2, 4])], fn: (a) => a.logsumexp(1) },
  { op: 'norm', label: 'p=2 over all dims', inputs: () => [g([2, 3])], fn: (a) => a.norm(2, [0, 1]) },
  { op: 'norm', label: 'p=1, dim', inputs: () => [g([2, 3], 'away')], fn: (a) => a.norm(1, [1]) },
  { op: 'norm', label: 'p=3, keepdim', inputs: () => [g([2, 3], 'away')], fn: (a) => a.norm(3, 0, { keepdim: true }) },
  { op: 'cumsum', inputs: () => [g([2, 4])], fn: (a) => a.cumsum(1) },

  // ---- views and indexing ----
  { op: 'reshape', inputs: () => [g([2, 3])], fn: (a) => a.reshape([3, 2]).mul(T.tensor([1, 2], { dtype: 'float64' })) },
  { op: 'view', inputs: () => [g([2, 3])], fn: (a) => a.view([6]).mul(T.arange(6, undefined, { dtype: 'float64' })) },
  { op: 'permute', inputs: () => [g([2, 3, 2])], fn: (a) => a.permute([2, 0, 1]).cumsum(2) },
  { op: 'transpose', inputs: () => [g([2, 3])], fn: (a) => a.transpose(0, 1).cumsum(1) },
  { op: 'slice', label: 'start/end', inputs: () => [g([3, 4])], fn: (a) => a.slice({ dim: 1, start: 1, end: 3 }) },
  { op: 'slice', label: 'step', inputs: () => [g([5, 2])], fn: (a) => a.slice({ dim: 0, start: 0, step: 2 }) },
  { op: 'narrow', inputs: () => [g([3, 4])], fn: (a) => a.narrow(0, 1, 2) },
  { op: 'select', inputs: () => [g([3, 4])], fn: (a) => a.select(1, -1) },
  { op: 'indexSelect', inputs: () => [g([3, 4])], fn: (a) => a.indexSelect(0, long([2, 0, 2])) },
  { op: 'index', label: 'advanced index on dim 1', inputs: () => [g([3, 4])], fn: (a) => a.index([null, long([3, 1, 1])]) },
  { op: 'index', label: 'boolean mask', inputs: () => [g([2, 3])], fn: (a) => a.index([bool([[true, false, true], [false, true, true]])]) },
  {
    op: 'indexPut_',
    label: 'accumulate with repeated indices',
    inputs: () => [g([3, 2]), g([3, 2])],
    fn: (a, vals) => a.clone().indexPut_([long([0, 2, 0])], vals, { accumulate: true }),
  },
  { op: 'indexPut_', label: 'overwrite', inputs: () => [g([3, 2]), g([2])], fn: (a, vals) => a.clone().indexPut_([long([1]), long([0])], vals.narrow(0, 0, 1)) },
  { op: 'gather', inputs: () => [g([2, 3])], fn: (a) => a.gather(1, long([[0, 2, 2, 1], [1, 1, 0, 0]])) },
  { op: 'scatter', label: 'src', inputs: () => [g([2, 4]), g([2, 2])], fn: (a, s) => a.scatter(1, long([[0, 3], [2, 1]]), s) },
  { op: 'scatter', label: 'value', inputs: () => [g([2, 4])], fn: (a) => a.scatter(1, long([[0, 3], [2, 1]]), 0.5) },
  { op: 'scatterAdd', inputs: () => [g([2, 4]), g([2, 3])], fn: (a, s) => a.scatterAdd(1, long([[0, 3, 0], [2, 1, 2]]), s) },
  { op: 'maskedSelect', inputs: () => [g([2, 3])], fn: (a) => a.maskedSelect(bool([[true, false, true], [false, false, true]])) },
  { op: 'maskedFill', label: 'scalar', inputs: () => [g([2, 3])], fn: (a) => a.maskedFill(bool([[true, false, true], [false, false, true]]), -2) },
  { op: 'maskedFill', label: '0-dim tensor value', inputs: () => [g([2, 3]), g([])], fn: (a, val) => a.maskedFill(bool([[true, false, true], [false, false, true]]), val) },
  { op: 'maskedFill_', inputs: () => [g([2, 3])], fn: (a) => a.mul(2).maskedFill_(bool([[false, true, true], [false, false, true]]), 1) },
  { op: 'cat', inputs: () => [g([2, 2]), g([2, 1])], fn: (a, b) => T.cat([a, b], { dim: 1 }) },
  { op: 'stack', inputs: () => [g([2, 2]), g([2, 2])], fn: (a, b) => T.stack([a, b], { dim: 2 }) },
  { op: 'split', inputs: () => [g([5, 2])], fn: (a) => { const [p, q, r] = a.split(2); return T.cat([r, p.mul(2), q.mul(3)]); } },
  { op: 'splitWithSizes', inputs: () => [g([2, 5])], fn: (a) => { const [p, q] = a.splitWithSizes([2, 3], { dim: 1 }); return q.sum(1).add(p.prod(1)); } },
  { op: 'chunk', inputs: () => [g([4, 2])], fn: (a) => { const [p, q] = a.chunk(2); return p.mul(q); } },
  { op: 'unbind', inputs: () => [g([3, 2])], fn: (a) => { const [p, q, r] = a.unbind(); return p.mul(q).add(r); } },
  { op: 'flatten', inputs: () => [g([2, 2, 2])], fn: (a) => a.flatten({ startDim: 1 }).cumsum(1) },
  { op: 'unflatten', inputs: () => [g([2, 6])], fn: (a) => a.unflatten(1, [2, 3]).cumsum(2) },
  { op: 'squeeze', label: 'all', inputs: () => [g([1, 3, 1])], fn: (a) => a.squeeze().cumsum(0) },
  { op: 'squeeze', label: 'dim', inputs: () => [g([1, 3, 1])], fn: (a) => a.squeeze(2).cumsum(1) },
  { op: 'unsqueeze', inputs: () => [g([3])], fn: (a) => a.unsqueeze(0).mul(T.tensor([[1], [-2]], { dtype: 'float64' })) },
  { op: 'expand', inputs: () => [g([3, 1])], fn: (a) => a.expand([3, 4]).cumsum(1) },
  { op: 'expandAs', inputs: () => [g([1, 3])], fn: (a) => a.expandAs(T.zeros([2, 3], { dtype: 'float64' })).cumsum(0) },
  { op: 'repeat', inputs: () => [g([2, 2])], fn: (a) => a.repeat([2, 3]).cumsum(1) },
  { op: 'repeatInterleave', inputs: () => [g([2, 2])], fn: (a) => a.repeatInterleave(2, { dim: 1 }).cumsum(1) },
  { op: 'flip', inputs: () => [g([2, 3])], fn: (a) => a.flip([1]).cumsum(1) },
  { op: 'roll', inputs: () => [g([2, 3])], fn: (a) => a.roll([1, -1], { dims: [0, 1] }).cumsum(1) },
  { op: 'tril', inputs: () => [g([3, 3])], fn: (a) => a.tril() },
  { op: 'triu', inputs: () => [g([3, 4])], fn: (a) => a.triu({ diagonal: 1 }) },

  // ---- comparisons and selection ----
  { op: 'where', label: 'tensor, tensor', inputs: () => [g([2, 3]), g([2, 3])], fn: (a, b) => T.where(bool([[true, false, true], [false, true, false]]), a, b) },
  { op: 'where', label: 'tensor, scalar', inputs: () => [g([2, 3])], fn: (a) => T.where(bool([[true, false, true], [false, true, false]]), a, 0.5) },
  { op: 'where', label: 'scalar, tensor', inputs: () => [g([2, 3])], fn: (b) => T.where(bool([[true, false, true], [false, true, false]]), -1, b) },
  { op: 'clamp', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.clamp({ min: -0.8, max: 1.2 }) },
  {
    op: 'clampTensor',
    inputs: () => [g([3, 4], 'distinct'), v([4], 'unit').sub(1.2).requiresGrad_(), v([4], 'unit').add(0.2).requiresGrad_()],
    fn: (a, lo, hi) => a.clampTensor({ min: lo, max: hi }),
  },
  { op: 'clampMin', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.clampMin(-0.5) },
  { op: 'clampMax', inputs: () => [g([3, 4], 'distinct')], fn: (a) => a.clampMax(0.5) },
  { op: 'topk', inputs: () => [g([2, 5], 'distinct')], fn: (a) => a.topk(2)[0] },
  { op: 'topk', label: 'smallest, dim 0', inputs: () => [g([4, 2], 'distinct')], fn: (a) => a.topk(3, { dim: 0, largest: false })[0] },
  { op: 'sort', inputs: () => [g([2, 4], 'distinct')], fn: (a) => a.sort({ descending: true })[0].cumsum(1) },

  // ---- nn functional ----
  { op: 'linear', label: 'with bias', inputs: () => [g([2, 3]), g([4, 3]), g([4])], fn: (x, w, b) => F.linear(x, w, b) },
  { op: 'linear', label: 'no bias, 3-D input', inputs: () => [g([2, 2, 3]), g([2, 3])], fn: (x, w) => F.linear(x, w) },
  { op: 'conv2d', label: 'stride 2, padding 1, bias', inputs: () => [g([1, 2, 5, 5]), g([2, 2, 3, 3]), g([2])], fn: (x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1 }) },
  { op: 'conv2d', label: 'groups 2, dilation 2', inputs: () => [g([1, 4, 5, 5]), g([2, 2, 2, 2])], fn: (x, w) => F.conv2d(x, w, null, { groups: 2, dilation: 2 }) },
  { op: 'conv2dPadding', label: "'same'", inputs: () => [g([1, 2, 4, 4]), g([2, 2, 2, 3]), g([2])], fn: (x, w, b) => F.conv2d(x, w, b, { padding: 'same' }) },
  {
    op: 'convTranspose2d',
    inputs: () => [g([1, 2, 3, 3]), g([2, 2, 3, 3]), g([2])],
    fn: (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
  },
  { op: 'maxPool2d', inputs: () => [g([1, 2, 5, 5], 'distinct')], fn: (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }) },
  { op: 'maxPool2dWithIndices', inputs: () => [g([1, 2, 4, 4], 'distinct')], fn: (x) => F.maxPool2dWithIndices(x, 2)[0] },
  {
    op: 'maxUnpool2d',
    inputs: () => [g([1, 1, 2, 2])],
    fn: (vals) => T.maxUnpool2d(vals, long([[[[1, 6], [8, 15]]]]), [4, 4]),
  },
  { op: 'avgPool2d', inputs: () => [g([1, 2, 5, 5])], fn: (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }) },
  { op: 'adaptiveAvgPool2d', inputs: () => [g([1, 2, 5, 4])], fn: (x) => F.adaptiveAvgPool2d(x, [3, 2]) },
  { op: 'adaptiveMaxPool2d', inputs: () => [g([1, 2, 5, 4], 'distinct')], fn: (x) => F.adaptiveMaxPool2d(x, [2, 3])[0] },
  {
    op: 'batchNorm',
    label: 'training (batch statistics)',
    inputs: () => [g([3, 2, 2, 2]), g([2], 'pos'), g([2])],
    fn: (x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }),
  },
  {
    op: 'batchNorm',
    label: 'eval (running statistics)',
    inputs: () => [g([2, 3, 2]), g([3], 'pos'), g([3])],
    fn: (x, w, b) => F.batchNorm(x, T.tensor([0.1, -0.2, 0.3], { dtype: 'float64' }), T.tensor([1.5, 0.7, 1.1], { dtype: 'float64' }), { weight: w, bias: b }),
  },
  { op: 'layerNorm', inputs: () => [g([2, 2, 4]), g([4], 'pos'), g([4])], fn: (x, w, b) => F.layerNorm(x, [4], { weight: w, bias: b }) },
  { op: 'groupNorm', inputs: () => [g([2, 4, 3]), g([4], 'pos'), g([4])], fn: (x, w, b) => F.groupNorm(x, 2, { weight: w, bias: b }) },
  // dropout variants are random in training mode: checked in eval mode (identity) and with p = 0
  { op: 'dropout', inputs: () => [g([2, 3])], fn: (x) => F.dropout(x, 0.5, false).add(F.dropout(x, 0, true)) },
  { op: 'featureDropout', inputs: () => [g([2, 3, 2])], fn: (x) => F.dropout2d(x, 0.5, false) },
  { op: 'alphaDropout', inputs: () => [g([2, 3])], fn: (x) => T.alphaDropout(x, 0.5, false) },
  { op: 'relu', inputs: () => [g([2, 3], 'away')], fn: (x) => F.relu(x) },
  { op: 'relu_', inputs: () => [g([2, 3], 'away')], fn: (x) => x.mul(2).relu_() },
  { op: 'relu6', inputs: () => [g([3, 4], 'distinct')], fn: (x) => F.relu6(x.mul(3)) },
  { op: 'leakyRelu', inputs: () => [g([2, 3], 'away')], fn: (x) => F.leakyRelu(x, 0.2) },
  { op: 'elu', inputs: () => [g([2, 3], 'away')], fn: (x) => F.elu(x, 0.8) },
  { op: 'selu', inputs: () => [g([2, 3], 'away')], fn: (x) => F.selu(x) },
  { op: 'gelu', label: 'exact', inputs: () => [g([2, 3])], fn: (x) => F.gelu(x) },
  { op: 'gelu', label: 'tanh', inputs: () => [g([2, 3])], fn: (x) => F.gelu(x, 'tanh') },
  { op: 'silu', inputs: () => [g([2, 3])], fn: (x) => F.silu(x) },
  { op: 'silu_', inputs: () => [g([2, 3])], fn: (x) => x.mul(1.5).silu_() },
  { op: 'mish', inputs: () => [g([2, 3])], fn: (x) => F.mish(x) },
  { op: 'hardswish', inputs: () => [g([3, 4], 'distinct')], fn: (x) => F.hardswish(x.mul(2)) },
  { op: 'hardswish_', inputs: () => [g([3, 4], 'distinct')], fn: (x) => x.mul(2).hardswish_() },
  { op: 'hardtanh_', inputs: () => [g([3, 4], 'distinct')], fn: (x) => x.mul(3).hardtanh_({ minVal: 0, maxVal: 6 }) },
  { op: 'hardsigmoid', inputs: () => [g([3, 4], 'distinct')], fn: (x) => F.hardsigmoid(x.mul(2)) },
  { op: 'hardtanh', inputs: () => [g([3, 4], 'distinct')], fn: (x) => T.hardtanh(x, { minVal: -0.5, maxVal: 0.8 }) },
  { op: 'softplus', inputs: () => [g([2, 3])], fn: (x) => T.softplus(x, { beta: 2, threshold: 1 }) },
  { op: 'sigmoid', inputs: () => [g([2, 3])], fn: (x) => F.sigmoid(x) },
  { op: 'tanh', inputs: () => [g([2, 3])], fn: (x) => F.tanh(x) },
  { op: 'softmax', inputs: () => [g([2, 4])], fn: (x) => F.softmax(x, 1) },
  { op: 'logSoftmax', inputs: () => [g([2, 4])], fn: (x) => F.logSoftmax(x, 0) },
  { op: 'upsampleNearest2d', inputs: () => [g([1, 1, 2, 3])], fn: (x) => T.upsampleNearest2d(x, [3, 5], null) },
  { op: 'upsampleBilinear2d', inputs: () => [g([1, 1, 3, 3])], fn: (x) => T.upsampleBilinear2d(x, [4, 5], false, null) },
  { op: 'upsampleBilinear2d', label: 'align corners, scale', inputs: () => [g([1, 1, 2, 3])], fn: (x) => T.upsampleBilinear2d(x, null, true, [2, 1.5]) },
  { op: 'upsampleBicubic2d', inputs: () => [g([1, 1, 3, 3])], fn: (x) => T.upsampleBicubic2d(x, [4, 5], false, null) },
  { op: 'upsampleBilinear2dAA', inputs: () => [g([1, 1, 5, 6])], fn: (x) => T.upsampleBilinear2dAA(x, [2, 3], false, null) },
  { op: 'upsampleBicubic2dAA', inputs: () => [g([1, 1, 5, 6])], fn: (x) => T.upsampleBicubic2dAA(x, [3, 2], false, null) },
  { op: 'pad', label: 'reflect', inputs: () => [g([1, 1, 3, 3])], fn: (x) => F.pad(x, [1, 2, 2, 0], { mode: 'reflect' }) },
  { op: 'pad', label: 'replicate', inputs: () => [g([1, 1, 2, 3])], fn: (x) => F.pad(x, [2, 1, 0, 1], { mode: 'replicate' }) },
  { op: 'pad', label: 'circular', inputs: () => [g([1, 1, 2, 3])], fn: (x) => F.pad(x, [1, 1, 1, 0], { mode: 'circular' }) },
  { op: 'pad', label: 'constant', inputs: () => [g([2, 3])], fn: (x) => F.pad(x, [1, 0, 0, 1], { value: 2 }) },
  { op: 'constantPadNd', inputs: () => [g([2, 3])], fn: (x) => T.constantPadNd(x, [0, 2, 1, -1], { value: -1 }) },
  { op: 'affineGrid', inputs: () => [g([1, 2, 3])], fn: (theta) => F.affineGrid(theta, [1, 1, 2, 3], false) },
  {
    op: 'gridSampler',
    label: 'bilinear, zeros',
    inputs: () => [g([1, 2, 3, 4]), v([1, 2, 3, 2], 'unit').mul(2.2).sub(1.1).requiresGrad_()],
    fn: (x, grid) => F.gridSample(x, grid, { mode: 'bilinear', paddingMode: 'zeros' }),
  },
  {
    op: 'gridSampler',
    label: 'bicubic, border, align corners',
    inputs: () => [g([1, 1, 3, 4]), v([1, 2, 2, 2], 'unit').mul(2.2).sub(1.1).requiresGrad_()],
    fn: (x, grid) => F.gridSample(x, grid, { mode: 'bicubic', paddingMode: 'border', alignCorners: true }),
  },
  { op: 'pixelShuffle', inputs: () => [g([1, 4, 2, 2])], fn: (x) => T.pixelShuffle(x, 2) },
  { op: 'embedding', inputs: () => [g([4, 3])], fn: (w) => T.embedding(w, long([[0, 2], [2, 3]])) },

  // ---- losses ----
  { op: 'crossEntropyLoss', label: 'class indices', inputs: () => [g([3, 4])], fn: (x) => F.crossEntropy(x, long([0, 3, 1])) },
  {
    op: 'crossEntropyLoss',
    label: 'weights, label smoothing, ignore index',
    inputs: () => [g([4, 3])],
    fn: (x) => F.crossEntropy(x, long([0, 2, 1, 2]), { weight: T.tensor([0.5, 1, 2], { dtype: 'float64' }), labelSmoothing: 0.15, ignoreIndex: 1 }),
  },
  { op: 'crossEntropyLoss', label: 'probabilities', inputs: () => [g([2, 3]), g([2, 3], 'unit')], fn: (x, p) => F.crossEntropy(x, p, { reduction: 'sum' }) },
  { op: 'nllLoss', inputs: () => [g([3, 4])], fn: (x) => F.nllLoss(x, long([1, 0, 3]), { weight: T.tensor([1, 2, 0.5, 1], { dtype: 'float64' }) }) },
  { op: 'nllLoss', label: 'spatial, none', inputs: () => [g([1, 3, 2, 2])], fn: (x) => F.nllLoss(x, long([[[0, 2], [1, 1]]]), { reduction: 'none' }) },
  { op: 'binaryCrossEntropyWithLogits', inputs: () => [g([2, 3]), g([2, 3], 'unit')], fn: (x, t) => F.binaryCrossEntropyWithLogits(x, t) },
  {
    op: 'binaryCrossEntropyWithLogits',
    label: 'weight, posWeight',
    inputs: () => [g([2, 3])],
    fn: (x) =>
      F.binaryCrossEntropyWithLogits(x, T.tensor([[1, 0, 1], [0, 0, 1]], { dtype: 'float64' }), {
        weight: T.tensor([1, 0.5, 2], { dtype: 'float64' }),
        posWeight: T.tensor([3, 1, 0.5], { dtype: 'float64' }),
        reduction: 'sum',
      }),
  },
  { op: 'binaryCrossEntropy', inputs: () => [g([2, 3], 'unit')], fn: (p) => F.binaryCrossEntropy(p, T.tensor([[1, 0, 0.3], [0, 1, 0.8]], { dtype: 'float64' })) },
  { op: 'mseLoss', inputs: () => [g([2, 3]), g([2, 3])], fn: (x, y) => F.mseLoss(x, y) },
  { op: 'l1Loss', inputs: () => [g([2, 3], 'distinct'), g([2, 3], 'distinct')], fn: (x, y) => F.l1Loss(x, y.add(0.1), { reduction: 'sum' }) },
  { op: 'smoothL1Loss', inputs: () => [g([3, 4], 'distinct'), g([3, 4])], fn: (x, y) => T.smoothL1Loss(x, y, { beta: 0.5 }) },
  { op: 'huberLoss', inputs: () => [g([3, 4], 'distinct'), g([3, 4])], fn: (x, y) => T.huberLoss(x, y, { delta: 0.7, reduction: 2 }) },
  { op: 'multiMarginLoss', label: 'p = 1', inputs: () => [g([3, 4], 'distinct')], fn: (x) => F.multiMarginLoss(x.mul(0.5), long([0, 3, 2])) },
  {
    op: 'multiMarginLoss',
    label: 'p = 2, weight, margin',
    inputs: () => [g([3, 4], 'distinct')],
    fn: (x) => F.multiMarginLoss(x.mul(0.5), long([1, 1, 3]), { p: 2, margin: 0.7, weight: T.tensor([1, 2, 0.5, 1], { dtype: 'float64' }) }),
  },
  { op: 'multilabelMarginLoss', inputs: () => [g([2, 4], 'distinct')], fn: (x) => T.multilabelMarginLoss(x.mul(0.5), long([[3, 0, -1, 1], [1, 2, 3, -1]])) },
  { op: 'klDiv', inputs: () => [g([2, 3]), g([2, 3], 'unit')], fn: (x, t) => T.klDiv(F.logSoftmax(x, 1), t, { reduction: 2 }) },
  { op: 'klDiv', label: 'log target', inputs: () => [g([2, 3]), g([2, 3])], fn: (x, t) => T.klDiv(x, t, { reduction: 0, logTarget: true }) },
];

/** Operators of the checked sections that have no gradient to check, and why. */
const NOT_DIFFERENTIABLE: Record<string, string> = {
  argmax: 'returns indices',
  argmin: 'returns indices',
  all: 'boolean result',
  any: 'boolean result',
  countNonzero: 'integer count',
  nonzero: 'returns indices',
  eq: 'comparison',
  ne: 'comparison',
  lt: 'comparison',
  le: 'comparison',
  gt: 'comparison',
  ge: 'comparison',
  logicalAnd: 'boolean logic',
  logicalOr: 'boolean logic',
  logicalNot: 'boolean logic',
  isnan: 'boolean test',
  isfinite: 'boolean test',
  allclose: 'returns a JS boolean',
  equal: 'returns a JS boolean',
  argsort: 'returns indices',
  oneHot: 'integer input and output',
};

const SECTIONS = ['arithmetic and math', 'reductions', 'views and indexing', 'comparisons and selection', 'nn functional', 'losses'];

function opsOfSections(): Set<string> {
  const path = fileURLToPath(new URL('../../../src/torch/ops.txt', import.meta.url));
  const names = new Set<string>();
  let section = '';
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const head = line.match(/^#\s*-+\s*(.*?)\s*-+\s*$/);
    if (head) {
      section = head[1];
      continue;
    }
    const m = line.replace(/#.*/, '').trim().match(/^aten::([A-Za-z0-9_]+)(?:\.\w+)?(?:\s+as\s+(\w+))?$/);
    if (m && SECTIONS.includes(section)) names.add(m[2] ?? m[1]);
  }
  return names;
}

test('every differentiable operator of the checked ops.txt sections has a gradcheck case', () => {
  const listed = opsOfSections();
  assert.ok(listed.size > 150, `read ${listed.size} operators from ops.txt`);
  const covered = new Set(CASES.map((c) => c.op));
  const missing = [...listed].filter((n) => !covered.has(n) && !(n in NOT_DIFFERENTIABLE));
  assert.deepEqual(missing, [], `operators without a gradcheck case: ${missing.join(', ')}`);
  const unknown = [...covered, ...Object.keys(NOT_DIFFERENTIABLE)].filter((n) => !listed.has(n));
  assert.deepEqual(unknown, [], 'cases name operators that ops.txt does not list in these sections');
});

test('gradcheck itself flags a wrong gradient (floor at an integer)', () => {
  T.tidy(() => {
    const r = T.gradcheck((x) => x.floor(), [T.tensor([1, 2.5], { dtype: 'float64' }).requiresGrad_()]);
    assert.equal(r.ok, false);
    assert.equal(r.worst?.element, 0);
    assert.ok(r.maxAbsError > 1e3);
    assert.throws(() => T.gradcheck((x) => x, [T.tensor([1, 2])]), /float64/);
  });
});

const before = T.memory().tensors;
for (const c of CASES) {
  test(`gradcheck ${c.op}${c.label ? ` (${c.label})` : ''}`, () => {
    T.tidy(() => {
      const inputs = c.inputs();
      for (const x of inputs) assert.equal(x.dtype, 'float64');
      // the function must be differentiable here: its output depends on the checked inputs
      const out = c.fn(...inputs);
      assert.ok(out.requiresGrad, 'output does not require grad');
      const r = T.gradcheck(c.fn, inputs, c.tol);
      assert.ok(r.ok, `gradcheck failed: ${JSON.stringify(r.worst)} (max abs error ${r.maxAbsError})`);
      assert.ok(r.maxAbsError < 1e-4, `max abs error ${r.maxAbsError}`);
    });
  });
}

test('gradchecks leave no tensors behind', () => {
  assert.equal(T.memory().tensors, before);
});
