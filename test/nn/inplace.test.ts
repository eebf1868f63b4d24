// In-place activations (torchvision's inplace=True): they overwrite only intermediates of the
// running scope in inference, never a caller's tensor, an adopted one, or anything autograd needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { ReLU, ReLU6, Hardswish, SiLU, Linear, Seq, addInPlace, reluInPlace } from '../../src/nn/modules/index.js';

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

test("Seq frees each intermediate once the next child has consumed it, but never the caller's input or a kept one", () => {
  const lin = (): Linear => new Linear(8, 8);
  const seq = new Seq([lin(), lin(), lin(), lin()]);
  const x = T.randn([4, 8]);
  for (const grad of [false, true]) {
    T.tidy(() => {
      const before = T.memory().tensors;
      const run = (): T.Tensor => seq.call(x);
      const y = grad ? run() : T.noGrad(run);
      // only the output is left of the four Linear outputs (autograd's saved copies are not handles)
      assert.equal(T.memory().tensors - before, 1, `live handles after the call (grad ${grad})`);
      assert.equal(x.isDisposed, false);
      if (grad) {
        y.sum().backward();
        assert.ok(seq.parameters().every((p) => p.grad !== null), 'gradients reach every layer');
      }
    });
  }
  // a forward hook that keeps a layer's output (as feature extraction does) gets it whole
  let held: T.Tensor | null = null;
  const remove = seq.at(1).registerForwardHook((_m, _in, out) => {
    held = T.keep(out);
  });
  const expected = T.tidy(() => T.noGrad(() => values(seq.at(1).call(seq.at(0).call(x)))));
  T.tidy(() => T.noGrad(() => seq.call(x)));
  remove();
  assert.ok(held !== null && !(held as T.Tensor).isDisposed);
  assert.deepEqual(values(held!), expected);
  (held as T.Tensor | null)?.dispose();
  x.dispose();
  seq.dispose();
});
