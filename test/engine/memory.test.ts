// Memory discipline: a long training loop under tidy() keeps the live tensor count and the
// resident memory flat, and tidy()/keep()/dispose() free exactly what they should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { F, type Tensor } from '../../src/torch/index.js';

const STEPS = 2000;
const WARMUP = 200;

test(`${STEPS} SGD steps of a small CNN under tidy(): live tensors and RSS stay flat`, async (t) => {
  const gen = new T.Generator(99);
  const start = T.memory().tensors;
  const init = (shape: number[], fanIn: number) => T.tidy(() => T.randn(shape, { generator: gen }).mul(Math.sqrt(2 / fanIn)).requiresGrad_());
  const params = {
    w1: init([8, 3, 3, 3], 27),
    b1: T.zeros([8]).requiresGrad_(),
    w2: init([10, 8 * 8 * 8], 512),
    b2: T.zeros([10]).requiresGrad_(),
  };
  const lr = 0.05;
  const losses: number[] = [];

  const step = (): number =>
    T.tidy(() => {
      // a learnable task: the label is the channel with the largest mean
      const x = T.randn([8, 3, 16, 16], { generator: gen });
      const y = x.mean([2, 3]).argmax({ dim: 1 });
      let h = F.conv2d(x, params.w1, params.b1, { padding: 1 });
      h = F.relu(h);
      h = F.maxPool2d(h, 2);
      h = h.flatten({ startDim: 1 });
      const logits = F.linear(h, params.w2, params.b2);
      const loss = F.crossEntropy(logits, y);
      loss.backward();
      T.noGrad(() => {
        for (const p of Object.values(params)) {
          p.sub_(p.grad!, { alpha: lr });
          p.grad = null;
        }
      });
      return loss.item();
    });

  // Like a real training loop (which awaits its data), this one lets the event loop turn now and
  // then: Node runs the finalizers of garbage-collected native handles from the event loop, so a
  // loop that never yields keeps the small per-handle records (not the tensor memory, which
  // dispose() frees at once) until it does.
  const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
  for (let i = 0; i < WARMUP; i++) {
    losses.push(step());
    if (i % 100 === 99) await yieldToEventLoop();
  }
  const baseTensors = T.memory().tensors;
  const baseBytes = T.memory().bytes;
  const baseRss = process.memoryUsage().rss;
  let countMismatches = 0;
  let firstMismatch = '';
  let maxRss = baseRss;
  let minRss = baseRss;
  for (let i = WARMUP; i < STEPS; i++) {
    losses.push(step());
    const m = T.memory();
    if (m.tensors !== baseTensors || m.bytes !== baseBytes) {
      if (countMismatches++ === 0) firstMismatch = `step ${i}: ${m.tensors} tensors / ${m.bytes} bytes, baseline ${baseTensors} / ${baseBytes}`;
    }
    if (i % 100 === 99) await yieldToEventLoop();
    if (i % 50 === 0) {
      const rss = process.memoryUsage().rss;
      maxRss = Math.max(maxRss, rss);
      minRss = Math.min(minRss, rss);
    }
  }
  const endRss = process.memoryUsage().rss;
  maxRss = Math.max(maxRss, endRss);

  assert.equal(countMismatches, 0, `live tensors/bytes drifted from the baseline: ${firstMismatch}`);
  assert.equal(baseTensors, start + 4, 'between steps only the 4 parameters are alive');
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  t.diagnostic(`RSS after warm-up ${mb(baseRss)}, min ${mb(minRss)}, max ${mb(maxRss)}, end ${mb(endRss)}; live tensors ${baseTensors}`);
  assert.ok(maxRss <= baseRss * 1.1, `RSS grew from ${mb(baseRss)} to ${mb(maxRss)}`);
  assert.ok(minRss >= baseRss * 0.9, `RSS fell from ${mb(baseRss)} to ${mb(minRss)}`);

  // and it learned something
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  const first = mean(losses.slice(0, 100));
  const last = mean(losses.slice(-100));
  assert.ok(last < first * 0.6, `loss went from ${first.toFixed(3)} to ${last.toFixed(3)}`);

  T.dispose(params);
  for (const p of Object.values(params)) assert.equal(p.isDisposed, true);
});

test('tidy() disposes what it created when fn throws, and rethrows', () => {
  const before = T.memory();
  const made: Tensor[] = [];
  const outside = T.ones([4]);
  assert.throws(
    () =>
      T.tidy(() => {
        made.push(T.ones([100]), T.zeros([3, 3]));
        made.push(T.tidy(() => T.ones([2]))); // returned from an inner scope into this one
        made.push(outside.add(1));
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(made.length, 4);
  for (const t of made) assert.equal(t.isDisposed, true);
  assert.equal(outside.isDisposed, false, 'a tensor created outside the scope survives');
  outside.dispose();
  assert.deepEqual(T.memory(), before);
  // an error thrown by the engine itself inside tidy() is cleaned up the same way
  const t0 = T.memory().tensors;
  assert.throws(() => T.tidy(() => T.ones([2, 3]).matmul(T.ones([2, 3]))), /cannot be multiplied/);
  assert.equal(T.memory().tensors, t0);
});

test('tidy() keeps returned tensors (nested in arrays, objects, Maps) and frees the rest', () => {
  const before = T.memory().tensors;
  let tmp: Tensor | undefined;
  const r = T.tidy(() => {
    tmp = T.ones([5]);
    const a = tmp.mul(2);
    const b = tmp.add(1);
    const c = T.full([2], 7);
    return { a, list: [b, 42], map: new Map([['c', c]]), label: 'x' };
  });
  assert.equal(tmp!.isDisposed, true);
  assert.deepEqual(r.a.toArray(), [2, 2, 2, 2, 2]);
  assert.deepEqual((r.list[0] as Tensor).toArray(), [2, 2, 2, 2, 2]);
  assert.deepEqual(r.map.get('c')!.toArray(), [7, 7]);
  assert.equal(r.label, 'x');
  assert.equal(T.memory().tensors, before + 3);
  T.dispose(r);
  assert.equal(r.a.isDisposed && (r.list[0] as Tensor).isDisposed && r.map.get('c')!.isDisposed, true);
  assert.equal(T.memory().tensors, before);

  // a tensor returned by an inner tidy belongs to the outer scope, which frees it unless returned
  let inner: Tensor | undefined;
  const outer = T.tidy(() => {
    inner = T.tidy(() => T.ones([3]).mul(3));
    assert.equal(inner.isDisposed, false);
    return inner.sum();
  });
  assert.equal(inner!.isDisposed, true);
  assert.equal(outer.item(), 9);
  outer.dispose();
  assert.equal(T.memory().tensors, before);

  // a tensor created outside and returned from inside stays alive; scalars pass through
  const x = T.ones([2]);
  assert.equal(T.tidy(() => x), x);
  assert.equal(x.isDisposed, false);
  assert.equal(T.tidy(() => x.sum().item()), 2);
  x.dispose();
  assert.throws(() => T.tidy(() => Promise.resolve(1) as unknown as number), /synchronous/);
  assert.equal(T.memory().tensors, before);
});

test('keep() protects a tensor from every enclosing tidy()', () => {
  const before = T.memory().tensors;
  let kept: Tensor | undefined;
  let dropped: Tensor | undefined;
  T.tidy(() => {
    T.tidy(() => {
      kept = T.keep(T.arange(4, undefined, { dtype: 'float32' }));
      dropped = T.arange(4, undefined, { dtype: 'float32' });
    });
  });
  assert.equal(kept!.isDisposed, false);
  assert.equal(dropped!.isDisposed, true);
  assert.deepEqual(kept!.toArray(), [0, 1, 2, 3]);
  // kept tensors survive an exception too
  let kept2: Tensor | undefined;
  assert.throws(() =>
    T.tidy(() => {
      kept2 = T.keep(T.ones([2]));
      throw new RangeError('x');
    }),
  );
  assert.equal(kept2!.isDisposed, false);
  assert.equal(T.memory().tensors, before + 2);
  kept!.dispose();
  kept2!.dispose();
  assert.equal(T.memory().tensors, before);
});

test('memory() counts storages once and dispose() releases them', () => {
  const before = T.memory();
  const a = T.zeros([1000]);
  const view = a.view([10, 100]); // shares a's storage
  const m1 = T.memory();
  assert.equal(m1.tensors, before.tensors + 2);
  assert.equal(m1.bytes, before.bytes + 4000);
  a.dispose();
  assert.deepEqual(T.memory(), { tensors: before.tensors + 1, bytes: before.bytes + 4000 }, 'the view still holds the storage');
  assert.equal(T.tidy(() => view.sum().item()), 0);
  view.dispose();
  assert.deepEqual(T.memory(), before);
});
