// In-place activations (torchvision's inplace=True): they overwrite only intermediates of the
// running scope in inference, never a caller's tensor, an adopted one, or anything autograd needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { ReLU, ReLU6, Hardswish, SiLU, addInPlace, reluInPlace } from '../../src/nn/modules/index.js';

const values = (t: T.Tensor): number[] => t.flatten().dataNumbers();

test('in inference an in-place activation overwrites an intermediate of its scope and returns it', () => {
  for (const [make, ref] of [
    [() => ReLU({ inplace: true }), (x: T.Tensor) => x.relu()],
    [() => ReLU6({ inplace: true }), (x: T.Tensor) => x.relu6()],
    [() => Hardswish({ inplace: true }), (x: T.Tensor) => x.hardswish()],
    [() => SiLU({ inplace: true }), (x: T.Tensor) => x.silu()],
  ] as const) {
    const x = T.arange(-8, 8).float().reshape([2, 8]).mul(1.1);
    T.tidy(() =>
      T.inferenceMode(() => {
        const mid = x.mul(1); // made in this scope
        const expected = values(ref(mid));
        const y = make().call(mid);
        assert.equal(y, mid, 'the same tensor comes back');
        assert.deepEqual(values(y), expected);
      }),
    );
    x.dispose();
  }
});

test("an in-place activation leaves the caller's tensor, adopted tensors and autograd's inputs alone", () => {
  const relu = ReLU({ inplace: true });
  const x = T.tensor([-1, 2, -3, 4]);
  T.tidy(() =>
    T.inferenceMode(() => {
      const y = relu.call(x); // x was made outside the scope
      assert.notEqual(y, x);
      assert.deepEqual(values(x), [-1, 2, -3, 4]);
    }),
  );
  T.tidy(() => {
    const scope = T.currentScope();
    T.noGrad(() =>
      T.tidy(() => {
        const mid = T.adopt(scope, x.mul(1)); // handed out, as a forward hook does
        relu.call(mid);
        assert.deepEqual(values(mid), [-1, 2, -3, 4]);
      }),
    );
  });
  // with gradients recorded, the input keeps its values (autograd may need them)
  const w = T.tensor([-1, 2, -3, 4]).requiresGrad_();
  T.tidy(() => {
    const mid = w.mul(1);
    const y = relu.call(mid);
    assert.notEqual(y, mid);
    assert.deepEqual(values(mid), [-1, 2, -3, 4]);
    y.sum().backward();
  });
  assert.deepEqual(values(w.grad!), [0, 1, 0, 1]);
  // the default (inplace off) never overwrites
  T.tidy(() =>
    T.inferenceMode(() => {
      const mid = x.mul(1);
      assert.notEqual(ReLU().call(mid), mid);
      assert.deepEqual(values(mid), [-1, 2, -3, 4]);
    }),
  );
  x.dispose();
  w.dispose();
});

test('reluInPlace and addInPlace follow the same rule', () => {
  const a = T.tensor([1, -2, 3]);
  const b = T.tensor([10, 20, 30]);
  T.tidy(() =>
    T.inferenceMode(() => {
      const mid = a.mul(1);
      assert.equal(addInPlace(mid, b), mid);
      assert.deepEqual(values(mid), [11, 18, 33]);
      assert.equal(reluInPlace(mid.neg()).shape.length, 1);
      const outside = addInPlace(a, b); // a is the caller's
      assert.notEqual(outside, a);
      assert.deepEqual(values(a), [1, -2, 3]);
      // broadcasting would change the shape: never in place
      const row = a.mul(1).reshape([1, 3]);
      const sum = addInPlace(row, T.ones([2, 3]));
      assert.deepEqual(sum.shape, [2, 3]);
    }),
  );
  a.dispose();
  b.dispose();
});
