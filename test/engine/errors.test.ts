// Bad inputs raise JavaScript errors whose messages say what was wrong, never abort the process,
// and leave the engine usable: after each error a normal operation still works and no tensor
// handle leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../../src/torch/index.js';
import { F } from '../../src/torch/index.js';

/** A normal computation, checked after every error. */
function stillWorks(): void {
  T.tidy(() => {
    const a = T.tensor([[1, 2], [3, 4]]);
    const y = F.conv2d(T.ones([1, 1, 3, 3]), T.ones([1, 1, 2, 2]), T.tensor([0.5]));
    assert.deepEqual(a.matmul(a).toArray(), [[7, 10], [15, 22]]);
    assert.deepEqual(y.toArray(), [[[[4.5, 4.5], [4.5, 4.5]]]]);
  });
}

/**
 * Asserts that fn throws an Error (of `type`) whose message matches every pattern, that no tensor
 * created meanwhile is left alive, and that the engine still works afterwards.
 */
function expectError(fn: () => unknown, patterns: RegExp[], type: new (...a: never[]) => Error = Error): Error {
  const before = T.memory().tensors;
  let caught: unknown;
  try {
    T.tidy(() => {
      fn();
    });
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof type, `expected a ${type.name}, got ${String(caught)}`);
  for (const p of patterns) assert.match(caught.message, p);
  assert.equal(T.memory().tensors, before, 'tensor handles leaked by the failed call');
  stillWorks();
  return caught;
}

test('conv2d with mismatched channels names both shapes', () => {
  expectError(() => F.conv2d(T.zeros([1, 3, 8, 8]), T.zeros([4, 2, 3, 3])), [/weight of size \[4, 2, 3, 3\]/, /input\[1, 3, 8, 8\]/, /2 channels, but got 3 channels/]);
  expectError(() => F.conv2d(T.zeros([3, 8, 8, 2, 2]), T.zeros([4, 3, 3, 3])), [/3D \(unbatched\) or 4D \(batched\) input to conv2d/, /\[3, 8, 8, 2, 2\]/]);
  expectError(() => F.linear(T.zeros([2, 3]), T.zeros([4, 5])), [/mat1 and mat2 shapes cannot be multiplied \(2x3 and 5x4\)/]);
  expectError(() => T.ones([2, 3]).add(T.ones([4])), [/size of tensor a \(3\) must match the size of tensor b \(4\)/]);
  expectError(() => T.ones([2, 3]).view([4]), [/shape '\[4\]' is invalid for input of size 6/]);
});

test('dtype mismatches name the expected and the found dtype', () => {
  expectError(() => T.mm(T.zeros([2, 3]), T.zeros([3, 2], { dtype: 'float64' })), [/expected scalar type Float but found Double/]);
  // class-index targets must be int64
  expectError(() => F.crossEntropy(T.zeros([2, 3]), T.zeros([2])), [/expected scalar type Long but found Float/]);
  expectError(() => F.crossEntropy(T.zeros([2, 3]), T.zeros([2], { dtype: 'int32' })), [/expected scalar type Long but found Int/]);
  expectError(() => T.where(T.ones([2]), T.ones([2]), T.ones([2])), [/condition to be a boolean tensor/, /Float/]);
  expectError(() => T.zeros([2], { dtype: 'float128' as T.DType }), [/unknown dtype 'float128'/, /float32/], TypeError);
});

test('out-of-range indices say which index and which size', () => {
  expectError(() => T.zeros([3]).select(0, 10), [/index 10 out of range/, /size \[3\]/, /dimension 0/]);
  expectError(() => T.zeros([3]).index([T.tensor([3], { dtype: 'int64' })]), [/index 3 is out of bounds for dimension 0 with size 3/]);
  expectError(() => T.zeros([2, 3]).gather(1, T.tensor([[0, 3]], { dtype: 'int64' })), [/index 3 is out of bounds for dimension 1 with size 3/]);
  expectError(() => T.zeros([3]).indexSelect(0, T.tensor([5], { dtype: 'int64' })), [/index out of range/]);
  expectError(() => T.zeros([3]).narrow(0, 2, 5), [/start \(2\) \+ length \(5\) exceeds dimension size \(3\)/]);
  expectError(() => F.crossEntropy(T.zeros([2, 3]), T.tensor([0, 7], { dtype: 'int64' })), [/Target 7 is out of bounds/]);
  expectError(() => T.ones([2]).item(), [/item\(\) needs a tensor with one element, got shape \[2\]/]);
});

test('use after dispose is detected, names the argument, and touches no freed memory', () => {
  const a = T.ones([2, 2]);
  assert.equal(a.isDisposed, false);
  a.dispose();
  assert.equal(a.isDisposed, true);
  assert.equal(String(a), 'Tensor(disposed)');
  expectError(() => a.add(1), [/self was used after dispose\(\)/]);
  expectError(() => T.add(T.ones([2, 2]), a), [/other was used after dispose\(\)/]);
  expectError(() => a.shape, [/used after dispose\(\)/]);
  expectError(() => a.data(), [/used after dispose\(\)/]);
  expectError(() => a.item(), [/used after dispose\(\)/]);
  expectError(() => T.cat([T.ones([2, 2]), a]), [/used after dispose\(\)/]);
  expectError(() => a.sum().backward(), [/used after dispose\(\)/]);
  a.dispose(); // a second dispose is harmless
  // a tensor that escaped a tidy() scope without being returned is disposed, and detected as such
  let escaped: T.Tensor | undefined;
  T.tidy(() => {
    escaped = T.ones([3]);
  });
  assert.equal(escaped!.isDisposed, true);
  expectError(() => escaped!.mul(2), [/self was used after dispose\(\)/]);
});

test('wrong argument types to generated operators raise TypeErrors naming the operator and argument', () => {
  const t = T.ones([2, 3]);
  try {
    expectError(() => T.add(t, 'x' as unknown as number), [/add\(\): no overload of aten::add.Tensor, aten::add.Scalar/], TypeError);
    expectError(() => t.pow(null as unknown as number), [/pow\(\): no overload/], TypeError);
    expectError(() => t.reshape('abc' as unknown as number[]), [/aten::reshape: argument 'shape' expects an array of integers/], TypeError);
    expectError(() => t.reshape([2.5]), [/aten::reshape: argument 'shape' expects an integer, got 2.5/], TypeError);
    expectError(() => t.sum(1.5), [/aten::sum.dim_IntList: argument 'dim' expects an integer, got 1.5/], TypeError);
    expectError(() => t.transpose('a' as unknown as number, 0), [/aten::transpose.int: argument 'dim0' expects an integer/], TypeError);
    expectError(() => T.cat([t, 3 as unknown as T.Tensor]), [/aten::cat: argument 'tensors' \(item 1\) expects a tensor, got number/], TypeError);
    expectError(() => T.relu({ h: 5 } as unknown as T.Tensor), [/aten::relu: argument 'self' expects a tensor/], TypeError);
    expectError(() => t.clamp({ min: 'a' as unknown as number }), [/aten::clamp: argument 'min' expects a number/], TypeError);
    expectError(() => T.zeros(['a' as unknown as number]), [/aten::zeros: argument 'size' expects an integer/], TypeError);
    expectError(() => T.randn([2], { generator: { h: 5 } as unknown as T.Generator }), [/generator/], TypeError);
    expectError(() => T.tensor([1, 'a' as unknown as number]), [/tensor\(\): element at data\[1\] is string/], TypeError);
    expectError(() => T.tensor([[1, 2], [3]]), [/ragged nested array at data\[1\]: expected 2 elements/], TypeError);
    expectError(() => T.fromTypedArray(new Float32Array(3), [2, 2]), [/buffer holds 12 bytes but shape \[2, 2\]/, /needs 16/], RangeError);
    expectError(() => F.interpolate(T.ones([1, 1, 2, 2]), {}), [/give exactly one of size and scaleFactor/], TypeError);
    expectError(() => F.dropout(t, 1.5), [/dropout probability must be in \[0, 1\], got 1.5/], RangeError);
    expectError(() => F.gelu(t, 'fast' as 'tanh'), [/approximate argument must be either none or tanh/]);
    expectError(() => T.setNumThreads(0), [/setNumThreads needs a positive count, got 0/], RangeError);
  } finally {
    t.dispose();
  }
});

test('autograd misuse raises clear errors', () => {
  expectError(() => T.ones([2]).sum().backward(), [/does not require grad/]);
  expectError(() => T.ones([2]).requiresGrad_().mul(2).backward(), [/grad can be implicitly created only for scalar outputs/]);
  expectError(() => {
    const y = T.ones([2]).requiresGrad_().square().sum();
    y.backward();
    y.backward();
  }, [/backward through the graph a second time/]);
  expectError(() => T.ones([2]).requiresGrad_().add_(1), [/leaf Variable that requires grad is being used in an in-place operation/]);
});

function safetensorsBytes(header: unknown, dataBytes: number): Buffer {
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const b = Buffer.alloc(8 + h.length + dataBytes);
  b.writeBigUInt64LE(BigInt(h.length));
  h.copy(b, 8);
  return b;
}

test('bad safetensors files are rejected with the file name and the problem', () => {
  expectError(() => T.decodeSafetensors(new Uint8Array(4)), [/safetensors: buffer: too short to hold a header/]);
  const big = Buffer.alloc(16);
  big.writeBigUInt64LE(1000n);
  expectError(() => T.decodeSafetensors(big), [/header length 1000 exceeds the file size 16/]);
  expectError(() => T.decodeSafetensors(safetensorsBytes('{not json', 0), 'x.safetensors'), [/safetensors: x.safetensors: header is not valid JSON/]);
  expectError(() => T.decodeSafetensors(safetensorsBytes({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4)), [/tensor 'a': shape \[2\] of float32 needs 8 bytes, data_offsets give 4/]);
  expectError(() => T.decodeSafetensors(safetensorsBytes({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4)), [/tensor 'a': data_offsets \[0, 8\] fall outside the file/]);
  expectError(() => T.decodeSafetensors(safetensorsBytes({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, 8)), [/tensor 'a' has unsupported dtype 'C64'/]);
  expectError(() => T.decodeSafetensors(safetensorsBytes({ a: { dtype: 'F32', shape: [1] } }, 8)), [/tensor 'a' lacks shape or data_offsets/]);
  // a good tensor before a bad one: nothing leaks (checked by expectError)
  expectError(
    () => T.decodeSafetensors(safetensorsBytes({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'I64', shape: [2], data_offsets: [4, 20] } }, 8)),
    [/tensor 'b': data_offsets \[4, 20\] fall outside the file/],
  );

  const dir = mkdtempSync(join(tmpdir(), 'fovea-errors-'));
  try {
    const path = join(dir, 'truncated.safetensors');
    const good = T.tidy(() => T.encodeSafetensors({ w: T.ones([4, 4]) }));
    writeFileSync(path, good.subarray(0, good.length - 10));
    expectError(() => T.loadSafetensors(path), [new RegExp(`safetensors: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: tensor 'w': data_offsets \\[0, 64\\] fall outside the file`)]);
    expectError(() => T.loadSafetensors(join(dir, 'missing.safetensors')), [/ENOENT/, /missing.safetensors/]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Non-tensor arguments and malformed safetensors headers.
test('a non-tensor where a tensor is expected says "expects a tensor"', () => {
  expectError(() => T.mm(T.ones([2, 2]), [[1, 2], [3, 4]] as unknown as T.Tensor), [/argument 'mat2' expects a tensor/], TypeError);
  expectError(() => T.relu(null as unknown as T.Tensor), [/argument 'self' expects a tensor/], TypeError);
});

test('a safetensors header that is not a JSON object is rejected as such', () => {
  expectError(() => T.decodeSafetensors(safetensorsBytes('null', 0)), [/safetensors: buffer: header/]);
  expectError(() => T.decodeSafetensors(safetensorsBytes('[1,2]', 0)), [/safetensors: buffer: header/]);
});

test('errors in a loop neither leak nor destabilise the engine', () => {
  const before = T.memory().tensors;
  let errors = 0;
  for (let i = 0; i < 50; i++) {
    try {
      T.tidy(() => F.conv2d(T.zeros([1, 3, 4, 4]), T.zeros([2, 2, 3, 3])));
    } catch {
      errors++;
    }
  }
  assert.equal(errors, 50);
  assert.equal(T.memory().tensors, before);
  stillWorks();
});
