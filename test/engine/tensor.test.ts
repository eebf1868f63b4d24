// The Tensor API: creation, dtypes, random generators, views and indexing, reductions, topk/sort,
// safetensors, autograd basics, threads and memory formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../../src/torch/index.js';
import { F, type Tensor } from '../../src/torch/index.js';
import { assertValues, fixturePath } from './helpers.js';

const f64 = { dtype: 'float64' } as const;
const i64 = { dtype: 'int64' } as const;

/** Runs fn inside tidy(), so each test leaves nothing behind. */
function scoped(fn: () => void): () => void {
  return () => {
    const before = T.memory().tensors;
    T.tidy(fn);
    assert.equal(T.memory().tensors, before, 'tensors leaked by the test');
  };
}

// ---------------------------------------------------------------------------------------------
// creation and dtypes
// ---------------------------------------------------------------------------------------------

test('tensor() from nested arrays infers shape and dtype', scoped(() => {
  const a = T.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(a.shape, [2, 3]);
  assert.equal(a.ndim, 2);
  assert.equal(a.size, 6);
  assert.equal(a.dtype, 'float32');
  assert.equal(a.device, 'cpu');
  assert.deepEqual(a.toArray(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(a.strides, [3, 1]);
  assert.deepEqual(T.tensor(5).shape, []);
  assert.equal(T.tensor(5).item(), 5);
  assert.equal(T.scalar(2.5, f64).item(), 2.5);
  assert.deepEqual(T.tensor([]).shape, [0]);
  assert.deepEqual(T.tensor([[]]).shape, [1, 0]);
  assert.deepEqual(T.tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
  // integers truncate toward zero, as torch.tensor(..., dtype=torch.int64)
  assert.deepEqual(T.tensor([1, 2.7, -3.2], i64).data(), BigInt64Array.from([1n, 2n, -3n]));
  assert.deepEqual(T.tensor([0.1], f64).data(), Float64Array.from([0.1]));
  assert.deepEqual(T.tensor([0.1]).data(), Float32Array.from([0.1]));
  const b = T.tensor([[true, false], [false, true]]);
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(b.toArray(), [[true, false], [false, true]]);
  assert.equal(b.sum().item(), 2);
  assert.equal(T.tensor([1, 2], { requiresGrad: true }).requiresGrad, true);
}));

test('typed arrays round-trip for every dtype, float16/bfloat16 as raw 16-bit words', scoped(() => {
  const f32 = T.tensor(Float32Array.from([1.5, -2, 3.25]));
  assert.equal(f32.dtype, 'float32');
  assert.deepEqual(f32.data(), Float32Array.from([1.5, -2, 3.25]));
  const d = T.tensor(Float64Array.from([Math.PI, -1e-300]));
  assert.equal(d.dtype, 'float64');
  assert.deepEqual(d.data(), Float64Array.from([Math.PI, -1e-300]));
  assert.deepEqual(T.tensor(Int32Array.from([1, -2, 2 ** 31 - 1]), { shape: [3, 1] }).data(), Int32Array.from([1, -2, 2 ** 31 - 1]));
  assert.deepEqual(T.tensor(Int16Array.from([-3, 7])).data(), Int16Array.from([-3, 7]));
  assert.deepEqual(T.tensor(Int8Array.from([-128, 127])).data(), Int8Array.from([-128, 127]));
  assert.deepEqual(T.tensor(Uint8Array.from([0, 255])).data(), Uint8Array.from([0, 255]));
  // int64 keeps all 64 bits through BigInt64Array (dataNumbers rounds to the nearest double)
  const big = BigInt64Array.from([1n, -2n, 2n ** 60n + 1n, -(2n ** 63n)]);
  const i = T.tensor(big);
  assert.equal(i.dtype, 'int64');
  assert.deepEqual(i.data(), big);
  assert.deepEqual(i.dataNumbers().slice(0, 2), [1, -2]);
  assert.equal(i.dataNumbers()[2], 2 ** 60);
  // float16: 1.5 = 0x3e00, -2 = 0xc000, 65504 = 0x7bff (largest), 0.1 rounds to 0x2e66
  const h = T.tensor([1.5, -2, 65504, 0.1], { dtype: 'float16' });
  assert.equal(h.dtype, 'float16');
  assert.deepEqual(h.data(), Uint16Array.from([0x3e00, 0xc000, 0x7bff, 0x2e66]));
  assert.deepEqual(h.dataNumbers(), [1.5, -2, 65504, 0.0999755859375]);
  const h2 = T.fromTypedArray(Uint16Array.from([0x3e00, 0xc000, 0x7c00]), [3], { dtype: 'float16' });
  assert.deepEqual(h2.dataNumbers(), [1.5, -2, Infinity]);
  // bfloat16: the top half of a float32: 1.5 = 0x3fc0, -2 = 0xc000, 0.1 rounds to 0x3dcd
  const bf = T.tensor([1.5, -2, 0.1], { dtype: 'bfloat16' });
  assert.equal(bf.dtype, 'bfloat16');
  assert.deepEqual(bf.data(), Uint16Array.from([0x3fc0, 0xc000, 0x3dcd]));
  assert.deepEqual(bf.dataNumbers(), [1.5, -2, 0.10009765625]);
  assert.deepEqual(T.fromTypedArray(Uint16Array.from([0x4049]), [1], { dtype: 'bfloat16' }).dataNumbers(), [3.140625]);
  // bool from bytes (any non-zero byte is true) and back
  const bo = T.fromTypedArray(Uint8Array.from([1, 0, 1]), [3], { dtype: 'bool' });
  assert.equal(bo.dtype, 'bool');
  assert.deepEqual(bo.toArray(), [true, false, true]);
  assert.deepEqual(bo.data(), Uint8Array.from([1, 0, 1]));
  assert.throws(() => T.tensor(new Uint16Array(2)), /cannot infer a dtype from Uint16Array/);
  // conversions
  assert.deepEqual(T.tensor([1.7, -1.7]).to('int32').data(), Int32Array.from([1, -1]));
  assert.deepEqual(T.tensor([0, 2]).bool().toArray(), [false, true]);
  assert.equal(T.tensor([1]).double().dtype, 'float64');
  assert.equal(T.tensor([1]).half().dtype, 'float16');
  assert.equal(T.tensor([1]).long().dtype, 'int64');
  const same = T.tensor([1]);
  assert.equal(same.to('float32').dtype, 'float32');
}));

test('dataView() is a zero-copy window onto a contiguous tensor', scoped(() => {
  const t = T.zeros([3]);
  const view = t.dataView() as Float32Array;
  view[1] = 5;
  assert.deepEqual(t.toArray(), [0, 5, 0]);
  t.add_(1);
  assert.deepEqual(Array.from(view), [1, 6, 1]);
  assert.throws(() => T.zeros([2, 3]).t().dataView(), /contiguous/);
}));

test('shaped factories: zeros, ones, full, arange, linspace, eye, *Like', scoped(() => {
  assert.deepEqual(T.zeros([2, 3], f64).toArray(), [[0, 0, 0], [0, 0, 0]]);
  assert.equal(T.zeros([2, 3], f64).dtype, 'float64');
  assert.deepEqual(T.ones([2], { dtype: 'bool' }).toArray(), [true, true]);
  assert.deepEqual(T.full([2, 2], 7, { dtype: 'int32' }).toArray(), [[7, 7], [7, 7]]);
  assert.equal(T.full([1], 0.5).dtype, 'float32');
  const ar = T.arange(5);
  assert.equal(ar.dtype, 'int64');
  assert.deepEqual(ar.toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(T.arange(1, 7, { step: 2 }).toArray(), [1, 3, 5]);
  assert.deepEqual(T.arange(0, 1, { step: 0.25 }).toArray(), [0, 0.25, 0.5, 0.75]);
  assert.equal(T.arange(0, 1, { step: 0.25 }).dtype, 'float32');
  assert.deepEqual(T.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(T.linspace(-1, 1, 3, f64).toArray(), [-1, 0, 1]);
  assert.deepEqual(T.eye(3).toArray(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(T.eye(2, 3, i64).toArray(), [[1, 0, 0], [0, 1, 0]]);
  const base = T.ones([2, 2], f64);
  assert.deepEqual(base.zerosLike().toArray(), [[0, 0], [0, 0]]);
  assert.equal(base.zerosLike().dtype, 'float64');
  assert.deepEqual(base.fullLike(3).toArray(), [[3, 3], [3, 3]]);
  assert.deepEqual(base.onesLike({ dtype: 'int32' }).data(), Int32Array.from([1, 1, 1, 1]));
  assert.deepEqual(base.emptyLike().shape, [2, 2]);
  assert.deepEqual(T.empty([3, 0]).shape, [3, 0]);
}));

test('random factories are reproducible with a seeded Generator, and distributed as expected', scoped(() => {
  const draw = (seed: number) => {
    const g = new T.Generator(seed);
    return [
      T.rand([5], { generator: g }),
      T.randn([5], { generator: g, dtype: 'float64' }),
      T.randint(3, 6, [8], { generator: g }),
      T.randperm(7, { generator: g }),
      T.normal(2, 0.5, [4], { generator: g }),
      T.bernoulli(T.full([16], 0.5), undefined, { generator: g }),
      T.bernoulli(T.zeros([16]), 0.3, { generator: g }),
      T.zeros([6]).uniform_({ from: -1, to: 1, generator: g }),
      T.zeros([6]).normal_({ mean: 5, std: 0.1, generator: g }),
      T.zeros([16]).bernoulli_({ p: 0.5, generator: g }),
    ].map((t) => t.dataNumbers());
  };
  const a = draw(123);
  assert.deepEqual(draw(123), a, 'same seed, same streams');
  const b = draw(124);
  assert.notDeepEqual(b[0], a[0], 'another seed, other numbers');
  const [rand, , randint, randperm, , bern, , uni, nrm] = a;
  assert.ok(rand.every((x) => x >= 0 && x < 1));
  assert.ok(randint.every((x) => Number.isInteger(x) && x >= 3 && x < 6));
  assert.deepEqual([...randperm].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(bern.every((x) => x === 0 || x === 1));
  assert.ok(uni.every((x) => x >= -1 && x < 1));
  assert.ok(nrm.every((x) => Math.abs(x - 5) < 1));
  // statistics of larger draws
  const g = new T.Generator(7);
  const n = T.randn([20000], { generator: g, dtype: 'float64' });
  assert.ok(Math.abs(n.mean().item()) < 0.03);
  assert.ok(Math.abs(T.std(n, null).item() - 1) < 0.03);
  const nm = T.normal(3, 2, [20000], { generator: g });
  assert.ok(Math.abs(nm.mean().item() - 3) < 0.06);
  assert.ok(Math.abs(T.bernoulli(T.zeros([20000]), 0.25, { generator: g }).mean().item() - 0.25) < 0.02);
  assert.equal(T.randint(0, 10, [50], { generator: g }).dtype, 'int64');
  assert.equal(T.randperm(5, { generator: g }).dtype, 'int64');
  // generator state save / restore
  const st = g.getState();
  assert.equal(st.dtype, 'uint8');
  const r1 = T.rand([4], { generator: g }).dataNumbers();
  g.setState(st);
  assert.deepEqual(T.rand([4], { generator: g }).dataNumbers(), r1);
  g.manualSeed(123);
  assert.deepEqual(T.rand([5], { generator: g }).dataNumbers(), a[0]);
  // the default generator via manualSeed / getRngState
  T.manualSeed(11);
  const d1 = T.randn([4]).dataNumbers();
  T.manualSeed(11);
  const st2 = T.getRngState();
  assert.deepEqual(T.randn([4]).dataNumbers(), d1);
  T.setRngState(st2);
  assert.deepEqual(T.randn([4]).dataNumbers(), d1);
}));

// ---------------------------------------------------------------------------------------------
// views and indexing
// ---------------------------------------------------------------------------------------------

test('views share storage with their base; strides and contiguity are reported', scoped(() => {
  const x = T.arange(12, undefined, { dtype: 'float32' }).reshape([3, 4]);
  assert.deepEqual(x.strides, [4, 1]);
  const tr = x.t();
  assert.deepEqual(tr.shape, [4, 3]);
  assert.deepEqual(tr.strides, [1, 4]);
  assert.equal(tr.isContiguous(), false);
  assert.equal(tr.contiguous().isContiguous(), true);
  assert.deepEqual(x.transpose(0, 1).toArray(), tr.toArray());
  assert.deepEqual(x.permute([1, 0]).reshape([12]).toArray(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  assert.deepEqual(x.view([2, 6]).toArray(), [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]);
  assert.throws(() => tr.view([12]), /view size is not compatible/);
  assert.deepEqual(x.slice({ dim: 1, start: 1, step: 2 }).toArray(), [[1, 3], [5, 7], [9, 11]]);
  assert.deepEqual(x.slice({ dim: 0, start: -2 }).toArray(), [[4, 5, 6, 7], [8, 9, 10, 11]]);
  assert.deepEqual(x.narrow(1, 2, 2).toArray(), [[2, 3], [6, 7], [10, 11]]);
  assert.deepEqual(x.select(1, -1).toArray(), [3, 7, 11]);
  // writing through a view changes the base
  x.select(0, 1).fill_(0);
  assert.deepEqual(x.toArray(), [[0, 1, 2, 3], [0, 0, 0, 0], [8, 9, 10, 11]]);
  x.narrow(1, 0, 1).mul_(-1);
  assert.deepEqual(x.select(1, 0).toArray(), [-0, -0, -8]);
  const e = T.tensor([[1], [2]]).expand([2, 3]);
  assert.deepEqual(e.strides, [1, 0]);
  assert.deepEqual(e.toArray(), [[1, 1, 1], [2, 2, 2]]);
  assert.deepEqual(T.tensor([1, 2]).expandAs(T.zeros([2, 2])).toArray(), [[1, 2], [1, 2]]);
  assert.deepEqual(T.zeros([1, 3, 1]).squeeze().shape, [3]);
  assert.deepEqual(T.zeros([1, 3, 1]).squeeze(0).shape, [3, 1]);
  assert.deepEqual(T.zeros([3]).unsqueeze(-1).shape, [3, 1]);
  assert.deepEqual(T.zeros([2, 3, 4]).flatten({ startDim: 1 }).shape, [2, 12]);
  assert.deepEqual(T.zeros([2, 12]).unflatten(1, [3, 4]).shape, [2, 3, 4]);
}));

test('indexing, gather/scatter, masks, joins and splits', scoped(() => {
  const x = T.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  const idx = T.tensor([2, 0], i64);
  assert.deepEqual(x.indexSelect(0, idx).toArray(), [[7, 8, 9], [1, 2, 3]]);
  assert.deepEqual(x.index([idx]).toArray(), [[7, 8, 9], [1, 2, 3]]);
  assert.deepEqual(x.index([idx, T.tensor([1, 2], i64)]).toArray(), [8, 3]);
  assert.deepEqual(x.index([null, idx]).toArray(), [[3, 1], [6, 4], [9, 7]]);
  const mask = x.gt(4);
  assert.equal(mask.dtype, 'bool');
  assert.deepEqual(x.index([mask]).toArray(), [5, 6, 7, 8, 9]);
  assert.deepEqual(x.maskedSelect(mask).toArray(), [5, 6, 7, 8, 9]);
  assert.deepEqual(x.maskedFill(mask, 0).toArray(), [[1, 2, 3], [4, 0, 0], [0, 0, 0]]);
  assert.deepEqual(T.where(mask, x, T.zerosLike(x).sub(1)).toArray(), [[-1, -1, -1], [-1, 5, 6], [7, 8, 9]]);
  assert.deepEqual(T.where(mask, 1, 0).toArray(), [[0, 0, 0], [0, 1, 1], [1, 1, 1]]);
  assert.deepEqual(x.gather(1, T.tensor([[0, 0], [2, 1], [1, 2]], i64)).toArray(), [[1, 1], [6, 5], [8, 9]]);
  assert.deepEqual(T.zeros([2, 4]).scatter(1, T.tensor([[1, 3], [0, 0]], i64), T.tensor([[5, 6], [7, 8]])).toArray(), [[0, 5, 0, 6], [8, 0, 0, 0]]);
  assert.deepEqual(T.zeros([2, 4]).scatterAdd(1, T.tensor([[1, 1], [0, 0]], i64), T.tensor([[5, 6], [7, 8]])).toArray(), [[0, 11, 0, 0], [15, 0, 0, 0]]);
  assert.deepEqual(T.zeros([2, 3]).scatter(1, T.tensor([[2], [0]], i64), 9).toArray(), [[0, 0, 9], [9, 0, 0]]);
  const y = T.zeros([3]);
  y.indexPut_([T.tensor([0, 2, 0], i64)], T.tensor([1, 2, 3]), { accumulate: true });
  assert.deepEqual(y.toArray(), [4, 0, 2]);
  assert.deepEqual(x.nonzero().shape, [9, 2]);
  assert.deepEqual(T.tensor([0, 3, 0, 1]).nonzero().toArray(), [[1], [3]]);
  assert.deepEqual(T.cat([T.ones([1, 2]), T.zeros([2, 2])]).toArray(), [[1, 1], [0, 0], [0, 0]]);
  assert.deepEqual(T.cat([T.ones([2, 1]), T.zeros([2, 2])], { dim: 1 }).toArray(), [[1, 0, 0], [1, 0, 0]]);
  assert.deepEqual(T.stack([T.tensor([1, 2]), T.tensor([3, 4])], { dim: 1 }).toArray(), [[1, 3], [2, 4]]);
  assert.deepEqual(T.arange(5).split(2).map((t) => t.toArray()), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(T.arange(5).splitWithSizes([1, 4]).map((t) => t.toArray()), [[0], [1, 2, 3, 4]]);
  assert.deepEqual(T.arange(6).chunk(3).map((t) => t.toArray()), [[0, 1], [2, 3], [4, 5]]);
  assert.deepEqual(x.unbind({ dim: 1 }).map((t) => t.toArray()), [[1, 4, 7], [2, 5, 8], [3, 6, 9]]);
  assert.deepEqual(T.tensor([1, 2]).repeat([2, 2]).toArray(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
  assert.deepEqual(T.tensor([1, 2]).repeatInterleave(2).toArray(), [1, 1, 2, 2]);
  assert.deepEqual(x.flip([0, 1]).select(0, 0).toArray(), [9, 8, 7]);
  assert.deepEqual(T.arange(5).roll(2).toArray(), [3, 4, 0, 1, 2]);
  assert.deepEqual(x.tril().toArray(), [[1, 0, 0], [4, 5, 0], [7, 8, 9]]);
  assert.deepEqual(x.triu({ diagonal: 1 }).toArray(), [[0, 2, 3], [0, 0, 6], [0, 0, 0]]);
  assert.deepEqual(F.oneHot(T.tensor([2, 0], i64), 3).toArray(), [[0, 0, 1], [1, 0, 0]]);
}));

// ---------------------------------------------------------------------------------------------
// reductions, topk, sort
// ---------------------------------------------------------------------------------------------

test('reductions compute the right values and dtypes', scoped(() => {
  const x = T.tensor([[1, 2, 3], [4, 5, 6]], f64);
  assert.equal(x.sum().item(), 21);
  assert.deepEqual(x.sum(0).toArray(), [5, 7, 9]);
  assert.deepEqual(x.sum([1], { keepdim: true }).toArray(), [[6], [15]]);
  assert.deepEqual(x.sum([0, 1]).shape, []);
  assert.equal(T.tensor([1, 2, 3], i64).sum().dtype, 'int64');
  assert.equal(T.tensor([true, true, false]).sum().item(), 2);
  assert.equal(x.sum(null, { dtype: 'float32' }).dtype, 'float32');
  assert.equal(x.mean().item(), 3.5);
  assert.deepEqual(x.mean(1).toArray(), [2, 5]);
  assert.equal(x.prod().item(), 720);
  assert.deepEqual(x.prod(1).toArray(), [6, 120]);
  assert.deepEqual(T.std(x, 1).toArray(), [1, 1]);
  assert.deepEqual(T.variance(x, 1, { correction: 0 }).toArray(), [2 / 3, 2 / 3]);
  assert.equal(T.variance(x, null).item(), 3.5);
  assert.equal(x.amax().item(), 6);
  assert.deepEqual(x.amin({ dim: 0 }).toArray(), [1, 2, 3]);
  assert.equal(x.max().item(), 6);
  assert.equal(x.min().item(), 1);
  const [mv, mi] = x.maxDim(1);
  assert.deepEqual(mv.toArray(), [3, 6]);
  assert.deepEqual(mi.toArray(), [2, 2]);
  assert.equal(mi.dtype, 'int64');
  const [nv, ni] = x.minDim(0, { keepdim: true });
  assert.deepEqual(nv.toArray(), [[1, 2, 3]]);
  assert.deepEqual(ni.toArray(), [[0, 0, 0]]);
  assert.ok(Math.abs(x.logsumexp(1).dataNumbers()[0] - Math.log(Math.E + Math.E ** 2 + Math.E ** 3)) < 1e-12);
  assert.ok(Math.abs(x.norm(2, [0, 1]).item() - Math.sqrt(91)) < 1e-12);
  assert.deepEqual(x.norm(1, 1).toArray(), [6, 15]);
  assert.deepEqual(x.cumsum(1).toArray(), [[1, 3, 6], [4, 9, 15]]);
  assert.equal(x.argmax().item(), 5);
  assert.deepEqual(x.argmin({ dim: 1 }).toArray(), [0, 0]);
  assert.equal(T.tensor([true, false]).all().item(), 0);
  assert.equal(T.tensor([true, false]).any().item(), 1);
  assert.equal(T.tensor([0, 1, 2, 0]).countNonzero().item(), 2);
  assert.equal(T.allclose(x, x.add(1e-9)), true);
  assert.equal(T.equal(x, x.clone()), true);
  assert.equal(T.equal(x, x.add(1)), false);
}));

test('norm() with no arguments is the 2-norm of all elements', scoped(() => {
  assert.equal(T.tensor([3, 4]).norm().item(), 5);
}));

test('topk, sort and argsort return values and int64 indices', scoped(() => {
  const x = T.tensor([3, 1, 4, 1.5, 5, 9, 2, 6]);
  const [v, i] = x.topk(3);
  assert.deepEqual(v.toArray(), [9, 6, 5]);
  assert.deepEqual(i.toArray(), [5, 7, 4]);
  assert.equal(i.dtype, 'int64');
  const [sv, si] = x.topk(2, { largest: false });
  assert.deepEqual(sv.toArray(), [1, 1.5]);
  assert.deepEqual(si.toArray(), [1, 3]);
  const m = T.tensor([[3, 1, 2], [0, 5, 4]]);
  const [tv, ti] = m.topk(1, { dim: 0 });
  assert.deepEqual(tv.toArray(), [[3, 5, 4]]);
  assert.deepEqual(ti.toArray(), [[0, 1, 1]]);
  const [a, ai] = m.sort();
  assert.deepEqual(a.toArray(), [[1, 2, 3], [0, 4, 5]]);
  assert.deepEqual(ai.toArray(), [[1, 2, 0], [0, 2, 1]]);
  const [d, di] = m.sort({ dim: 0, descending: true });
  assert.deepEqual(d.toArray(), [[3, 5, 4], [0, 1, 2]]);
  assert.deepEqual(di.toArray(), [[0, 1, 1], [1, 0, 0]]);
  assert.deepEqual(x.argsort({ descending: true }).toArray(), [5, 7, 4, 2, 0, 6, 3, 1]);
}));

test('elementwise arithmetic, broadcasting, comparisons and clamps', scoped(() => {
  const a = T.tensor([[1, 2], [3, 4]]);
  const b = T.tensor([10, 20]);
  assert.deepEqual(a.add(b).toArray(), [[11, 22], [13, 24]]);
  assert.deepEqual(a.add(b, { alpha: 2 }).toArray(), [[21, 42], [23, 44]]);
  assert.deepEqual(a.sub(1).toArray(), [[0, 1], [2, 3]]);
  assert.deepEqual(a.mul(a).toArray(), [[1, 4], [9, 16]]);
  assert.deepEqual(a.div(2).toArray(), [[0.5, 1], [1.5, 2]]);
  assert.deepEqual(T.tensor([7, -7]).divMode(T.tensor([2, 2]), { roundingMode: 'floor' }).toArray(), [3, -4]);
  assert.deepEqual(T.tensor([7, -7]).divMode(T.tensor([2, 2]), { roundingMode: 'trunc' }).toArray(), [3, -3]);
  assert.deepEqual(T.tensor([5, -5]).remainder(3).toArray(), [2, 1]);
  assert.deepEqual(a.pow(2).toArray(), [[1, 4], [9, 16]]);
  assert.deepEqual(a.matmul(a).toArray(), [[7, 10], [15, 22]]);
  assert.deepEqual(T.tensor([1, 2]).outer(T.tensor([3, 4])).toArray(), [[3, 4], [6, 8]]);
  assert.deepEqual(a.clamp({ min: 2, max: 3 }).toArray(), [[2, 2], [3, 3]]);
  assert.deepEqual(a.eq(2).toArray(), [[false, true], [false, false]]);
  assert.deepEqual(a.ge(T.tensor([2, 2])).toArray(), [[false, true], [true, true]]);
  assert.deepEqual(T.logicalAnd(a.gt(1), a.lt(4)).toArray(), [[false, true], [true, false]]);
  assert.deepEqual(T.tensor([NaN, 1, Infinity]).isnan().toArray(), [true, false, false]);
  assert.deepEqual(T.tensor([NaN, 1, Infinity]).isfinite().toArray(), [false, true, false]);
  assert.deepEqual(T.tensor([-1.5, 0.5, 2.5]).round().toArray(), [-2, 0, 2]);
  // in-place ops return the same object and update metadata
  const c = T.tensor([1, 2, 3]);
  const r = c.mul_(2).add_(1);
  assert.equal(r, c);
  assert.deepEqual(c.toArray(), [3, 5, 7]);
  const u = T.zeros([1, 3]);
  assert.equal(u.unsqueeze(0).squeeze(0).shape.length, 2);
}));

// ---------------------------------------------------------------------------------------------
// safetensors
// ---------------------------------------------------------------------------------------------

function allDtypes(): Record<string, Tensor> {
  return {
    f32: T.tensor([[1.5, -2], [3.25, 1e-8]]),
    f64: T.tensor([Math.PI, -1e300, 5e-324], f64),
    f16: T.tensor([1.5, -2, 65504], { dtype: 'float16' }),
    bf16: T.tensor([1.5, -2, 0.1], { dtype: 'bfloat16' }),
    i64: T.tensor(BigInt64Array.from([1n, -2n, 2n ** 60n + 1n])),
    i32: T.tensor(Int32Array.from([7, -8, 2 ** 31 - 1]), { shape: [1, 3] }),
    u8: T.tensor(Uint8Array.from([0, 128, 255])),
    bool: T.tensor([[true, false, true]]),
    empty: T.zeros([0, 3]),
    scalar: T.scalar(4, f64),
  };
}

function assertSameTensors(got: Map<string, Tensor>, want: Record<string, Tensor>): void {
  assert.deepEqual([...got.keys()].sort(), Object.keys(want).sort());
  for (const [k, w] of Object.entries(want)) {
    const g = got.get(k)!;
    assert.equal(g.dtype, w.dtype, `${k} dtype`);
    assert.deepEqual(g.shape, w.shape, `${k} shape`);
    assert.deepEqual(g.data(), w.data(), `${k} data`);
  }
}

test('safetensors round-trips every dtype through a buffer and a file, with metadata', scoped(() => {
  const want = allDtypes();
  const buf = T.encodeSafetensors(want, { format: 'pt', note: 'ünïcode' });
  const headerLen = Number(buf.readBigUInt64LE(0));
  assert.equal((8 + headerLen) % 8, 0, 'data starts 8-byte aligned');
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8'));
  assert.deepEqual(header.f16, { dtype: 'F16', shape: [3], data_offsets: header.f16.data_offsets });
  assert.deepEqual(
    Object.fromEntries(Object.entries(header).filter(([k]) => k !== '__metadata__').map(([k, v]) => [k, (v as { dtype: string }).dtype])),
    { f32: 'F32', f64: 'F64', f16: 'F16', bf16: 'BF16', i64: 'I64', i32: 'I32', u8: 'U8', bool: 'BOOL', empty: 'F32', scalar: 'F64' },
  );
  const dec = T.decodeSafetensors(buf);
  assertSameTensors(dec.tensors, want);
  assert.deepEqual(dec.metadata, { format: 'pt', note: 'ünïcode' });
  // through a file, from a Map
  const dir = mkdtempSync(join(tmpdir(), 'fovea-st-'));
  try {
    const path = join(dir, 'all.safetensors');
    T.saveSafetensors(path, new Map(Object.entries(want)));
    assert.deepEqual(readFileSync(path), T.encodeSafetensors(want));
    const loaded = T.loadSafetensors(path);
    assertSameTensors(loaded.tensors, want);
    assert.deepEqual(loaded.metadata, {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // non-contiguous tensors are written in row-major order
  const nc = T.arange(6, undefined, { dtype: 'float32' }).reshape([2, 3]).t();
  assert.deepEqual(T.decodeSafetensors(T.encodeSafetensors({ nc })).tensors.get('nc')!.toArray(), nc.toArray());
  assert.throws(() => T.encodeSafetensors({ __metadata__: T.ones([1]) }), /'__metadata__' cannot name a tensor/);
}));

test('safetensors written by PyTorch load, and files written by Fovea read back in Python', { skip: !existsSync('/usr/bin/python3') && 'no /usr/bin/python3' }, scoped(() => {
  const fx = T.loadSafetensors(fixturePath('cnn.safetensors'));
  assert.deepEqual(fx.tensors.get('conv1.weight')!.shape, [6, 3, 3, 3]);
  assert.equal(fx.tensors.get('target')!.dtype, 'int64');
  assert.match(fx.metadata.torch, /^1\./);
  const want = allDtypes();
  const dir = mkdtempSync(join(tmpdir(), 'fovea-st-py-'));
  try {
    const path = join(dir, 'all.safetensors');
    T.saveSafetensors(path, want, { from: 'fovea' });
    const py = [
      'import json, struct, sys',
      'import numpy as np',
      'b = open(sys.argv[1], "rb").read()',
      'n = struct.unpack("<Q", b[:8])[0]',
      'h = json.loads(b[8:8 + n])',
      'dt = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32, "U8": np.uint8, "BOOL": np.bool_}',
      'out = {"__metadata__": h.pop("__metadata__", None)}',
      'for k, v in h.items():',
      '    s, e = v["data_offsets"]',
      '    raw = b[8 + n + s: 8 + n + e]',
      '    if v["dtype"] == "BF16":',
      '        a = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)',
      '    else:',
      '        a = np.frombuffer(raw, dt[v["dtype"]])',
      '    out[k] = [v["dtype"], v["shape"], [str(x) if v["dtype"] == "I64" else float(x) for x in a.reshape(v["shape"]).ravel()]]',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', py, path], { encoding: 'utf8' });
    if (r.status !== 0 && /No module named 'numpy'/.test(r.stderr)) return;
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as Record<string, [string, number[], (number | string)[]]> & { __metadata__: Record<string, string> };
    assert.deepEqual(got.__metadata__, { from: 'fovea' });
    for (const [k, t] of Object.entries(want)) {
      const [, shape, values] = got[k];
      assert.deepEqual(shape, t.shape, k);
      if (t.dtype === 'int64') assert.deepEqual(values, Array.from(t.data() as BigInt64Array, String), k);
      else assert.deepEqual(values, t.dataNumbers(), k);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}));

// ---------------------------------------------------------------------------------------------
// autograd
// ---------------------------------------------------------------------------------------------

test('backward with a gradient tensor, accumulation, zeroing with grad = null', scoped(() => {
  const x = T.tensor([1, 2, 3]).requiresGrad_();
  assert.equal(x.requiresGrad, true);
  assert.equal(x.isLeaf, true);
  assert.equal(x.grad, null);
  const y = x.mul(x); // dy/dx = 2x
  assert.equal(y.isLeaf, false);
  assert.match(y.gradFn!, /Mul/);
  y.backward(T.tensor([1, 0.5, -1]), { retainGraph: true });
  assert.deepEqual(x.grad!.toArray(), [2, 2, -6]);
  y.backward(T.tensor([1, 1, 1])); // accumulates
  assert.deepEqual(x.grad!.toArray(), [4, 6, 0]);
  x.grad = null;
  assert.equal(x.grad, null);
  x.mul(3).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [3, 3, 3]);
  x.grad = T.zeros([3]);
  x.sum().backward();
  assert.deepEqual(x.grad!.toArray(), [1, 1, 1]);
  // the grad handle shares memory: zeroing it in place zeroes the gradient
  x.grad!.zero_();
  assert.deepEqual(x.grad!.toArray(), [0, 0, 0]);
  // several outputs at once
  const w = T.tensor([2]).requiresGrad_();
  T.backward([w.mul(3).sum(), w.square().sum()]);
  assert.deepEqual(w.grad!.toArray(), [3 + 4]);
}));

test('detach, noGrad, enableGrad and inferenceMode', scoped(() => {
  const x = T.tensor([1, 2]).requiresGrad_();
  const d = x.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.gradFn, null);
  d.add_(10); // detach shares storage
  assert.deepEqual(x.toArray(), [11, 12]);
  assert.equal(T.isGradEnabled(), true);
  const n = T.noGrad(() => {
    assert.equal(T.isGradEnabled(), false);
    const inner = T.enableGrad(() => x.mul(2));
    assert.equal(inner.requiresGrad, true);
    return x.mul(2);
  });
  assert.equal(T.isGradEnabled(), true);
  assert.equal(n.requiresGrad, false);
  assert.throws(() => n.sum().backward(), /does not require grad/);
  // grad mode is restored after an exception
  assert.throws(() => T.noGrad(() => {
    throw new Error('inside');
  }), /inside/);
  assert.equal(T.isGradEnabled(), true);
  const inf = T.inferenceMode(() => x.mul(2));
  assert.equal(inf.isInference, true);
  assert.equal(inf.requiresGrad, false);
  assert.equal(x.mul(2).isInference, false);
  assert.throws(() => inf.mul(x).sum().backward(), /Inference tensors cannot be saved for backward/);
  assert.throws(() => T.inferenceMode(() => Promise.resolve(1) as unknown as number), /synchronous/);
  assert.equal(T.isGradEnabled(), true);
}));

test('grad() computes gradients functionally, including higher order', scoped(() => {
  const x = T.tensor([1, 2, -1], f64).requiresGrad_();
  const y = x.pow(3).sum();
  const [g] = T.grad(y, x, { createGraph: true });
  assert.deepEqual(g!.toArray(), [3, 12, 3]); // 3x^2
  assert.equal(x.grad, null, 'grad() does not touch .grad');
  const [g2] = T.grad(g!.sum(), x);
  assert.deepEqual(g2!.toArray(), [6, 12, -6]); // 6x
  const z = T.tensor([1], f64).requiresGrad_();
  const [none] = T.grad(x.sum(), [z], { allowUnused: true });
  assert.equal(none, null);
}));

// ---------------------------------------------------------------------------------------------
// runtime
// ---------------------------------------------------------------------------------------------

test('setNumThreads changes the intra-op thread count without changing results', scoped(() => {
  const prev = T.getNumThreads();
  try {
    const g = new T.Generator(1);
    const a = T.randn([64, 64], { generator: g, dtype: 'float64' });
    const x = T.randn([4, 3, 32, 32], { generator: g });
    const w = T.randn([8, 3, 3, 3], { generator: g });
    T.setNumThreads(1);
    assert.equal(T.getNumThreads(), 1);
    const r1 = a.matmul(a).sum().item();
    const c1 = F.conv2d(x, w, null, { padding: 1 });
    T.setNumThreads(2);
    assert.equal(T.getNumThreads(), 2);
    assert.ok(Math.abs(a.matmul(a).sum().item() - r1) < 1e-9);
    const c2 = F.conv2d(x, w, null, { padding: 1 });
    assert.ok(c2.sub(c1).abs().max().item() < 1e-5);
    assert.match(T.configInfo().parallel, /at::get_num_threads\(\) : 2/);
  } finally {
    T.setNumThreads(prev);
  }
  assert.equal(T.getNumThreads(), prev);
  assert.match(T.torchVersion(), /^\d+\.\d+\.\d+$/);
}));

test('denormal floats are flushed to zero on every thread unless FOVEA_FLUSH_DENORMAL=0', scoped(() => {
  // 1e-40 is a float32 denormal; x * 1 of a big tensor runs on libtorch's OpenMP workers too
  const tiny = (n: number): T.Tensor => T.full([n], 1e-40).mul(1);
  assert.equal(T.flushDenormal(), true);
  assert.equal(tiny(4).max().item(), 0);
  assert.equal(tiny(1 << 20).max().item(), 0, 'a parallel op kept a denormal');
  const torch = new URL('../../src/torch/index.js', import.meta.url).href;
  const script = `const T = await import(${JSON.stringify(torch)}); console.log(T.flushDenormal(), T.full([1 << 20], 1e-40).mul(1).max().item() > 0);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, FOVEA_FLUSH_DENORMAL: '0' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'false true');
}));

test('channels-last memory format', scoped(() => {
  const x = T.randn([2, 3, 4, 5], { generator: new T.Generator(3) });
  const cl = x.channelsLast();
  assert.equal(cl.isContiguous('channels_last'), true);
  assert.equal(cl.isContiguous(), false);
  assert.deepEqual(cl.strides, [60, 1, 15, 3]);
  assert.deepEqual(cl.shape, x.shape);
  assert.deepEqual(cl.toArray(), x.toArray());
  assert.equal(x.isContiguous('channels_last'), false);
  assert.equal(x.to({ memoryFormat: 'channels_last' }).isContiguous('channels_last'), true);
  assert.equal(cl.contiguous().isContiguous(), true);
  // convolution keeps the format and the values
  const w = T.randn([4, 3, 3, 3], { generator: new T.Generator(4) });
  const y = F.conv2d(cl, w.channelsLast(), null, { padding: 1 });
  assert.equal(y.isContiguous('channels_last'), true);
  assert.ok(y.sub(F.conv2d(x, w, null, { padding: 1 })).abs().max().item() < 1e-5);
}));

test('toString and item', scoped(() => {
  assert.equal(T.tensor([[1, 2], [3, 4]]).toString(), 'Tensor(shape=[2, 2], dtype=float32, device=cpu) [[1,2],[3,4]]');
  assert.equal(T.zeros([100]).toString(), 'Tensor(shape=[100], dtype=float32, device=cpu)');
  assert.match(T.ones([1]).requiresGrad_().toString(), /requiresGrad/);
  assert.equal(T.tensor([true]).item(), 1);
  assert.equal(T.tensor([7], i64).item(), 7);
  assertValues(T.tensor([0.25, 0.5]), [0.25, 0.5]);
}));
