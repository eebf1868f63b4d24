// The fit loop: learning, reproducibility, evaluation/prediction, loss formulas, metrics,
// memory, clipping and stratified splits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/torch/index.js';
import { stratifiedSplit, tensorSource } from '../../src/data/source.js';
import { fit } from '../../src/train/fit.js';
import { evaluate, predict } from '../../src/train/evaluate.js';
import { classificationLoss } from '../../src/train/loss.js';
import { correctTopK, parseMetric } from '../../src/train/metrics.js';
import { clipGradNorm } from '../../src/train/grad-clip.js';
import { LambdaCallback } from '../../src/train/callbacks/lambda.js';
import { blobData, Linear, MiniAdam, stableHistory, TinyCNN } from './helpers.js';

T.setNumThreads(1);

async function trainBlobs(seed: number, epochs = 4) {
  T.manualSeed(seed);
  const model = new TinyCNN();
  const train = blobData(512, 1);
  const val = blobData(256, 2);
  const t0 = performance.now();
  const history = await fit(model, [train.x, train.y], {
    epochs,
    batchSize: 32,
    optimizer: new MiniAdam(model.trainableParameters(), 1e-2),
    validationData: [val.x, val.y],
    metrics: ['accuracy', 'top5'],
    seed,
    verbose: 0,
  });
  return { model, history, val, seconds: (performance.now() - t0) / 1000 };
}

test('a small CNN learns the left/right blob task to > 95% validation accuracy', async () => {
  const { history, seconds } = await trainBlobs(0);
  const last = history.last!;
  assert.ok(last.val_accuracy > 0.95, `val_accuracy ${last.val_accuracy} (history ${JSON.stringify(history.epochs)})`);
  assert.ok(last.loss < history.epochs[0].loss, 'training loss falls');
  assert.equal(last.top5, 1, 'top-5 of 2 classes is always right');
  for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'time', 'samples_per_sec', 'epoch']) assert.ok(k in last, k);
  assert.deepEqual(history.series().epoch, [0, 1, 2, 3]);
  assert.ok(seconds < 20, `took ${seconds}s`);
});

test('two runs with the same seed give identical histories; another seed differs', async () => {
  const a = await trainBlobs(5, 2);
  const b = await trainBlobs(5, 2);
  const c = await trainBlobs(6, 2);
  assert.deepEqual(stableHistory(a.history.epochs), stableHistory(b.history.epochs));
  assert.notDeepEqual(stableHistory(a.history.epochs), stableHistory(c.history.epochs));
});

test('evaluate is exact over an uneven last batch; predict matches a full forward', async () => {
  T.manualSeed(3);
  const model = new TinyCNN();
  const d = blobData(100, 9);
  const whole = await evaluate(model, tensorSource(d.x, d.y), { batchSize: 100 });
  const uneven = await evaluate(model, tensorSource(d.x, d.y), { batchSize: 32 });
  assert.ok(Math.abs(whole.loss - uneven.loss) < 1e-6, `${whole.loss} vs ${uneven.loss}`);
  assert.equal(whole.accuracy, uneven.accuracy);
  const ref = T.noGrad(() => model.eval().call(d.x));
  model.train();
  const p = await predict(model, d.x, { batchSize: 33 });
  assert.deepEqual(p.shape, [100, 2]);
  assert.ok(p.sub(ref).abs().max().item() < 1e-5);
  const p2 = await predict(model, tensorSource(d.x, d.y), { batchSize: 64 });
  assert.ok(p2.sub(ref).abs().max().item() < 1e-5);
  assert.equal(model.training, true, 'predict restores the mode');
});

test('class weights and label smoothing change the loss as their formulas say', async () => {
  const logits = T.tensor([[2, 0.5, -1], [0.1, 0.2, 0.3], [-1, 3, 0], [0, 0, 0]]);
  const y = T.tensor([0, 2, 1, 1], { dtype: 'int64' });
  const logp = T.F.logSoftmax(logits, 1).toArray() as number[][];
  const ys = [0, 2, 1, 1];
  const w = [1, 2, 0.5];
  // weighted mean: sum_i w[y_i] * -log p_i[y_i] / sum_i w[y_i]
  const weighted = ys.reduce((s, c, i) => s - w[c] * logp[i][c], 0) / ys.reduce((s, c) => s + w[c], 0);
  const eps = 0.1;
  // smoothing: (1 - eps) * nll + eps * mean_c(-log p_c)
  const smoothed = ys.reduce((s, c, i) => s + (1 - eps) * -logp[i][c] + (eps * -logp[i].reduce((a, b) => a + b, 0)) / 3, 0) / 4;
  const lw = classificationLoss({ classWeights: w });
  const ls = classificationLoss({ labelSmoothing: eps });
  assert.ok(Math.abs(lw(logits, y).item() - weighted) < 1e-6);
  assert.ok(Math.abs(ls(logits, y).item() - smoothed) < 1e-6);
  lw.dispose();
  ls.dispose();

  // the loss fit reports (lr 0, one batch) is the same formula over the data
  T.manualSeed(1);
  const model = new Linear(16 * 16, 2);
  const d = blobData(64, 4);
  const logp2 = T.noGrad(() => T.F.logSoftmax(model.call(d.x), 1)).toArray() as number[][];
  const y2 = d.y.dataNumbers();
  const cw = [1, 3];
  const expected = y2.reduce((s, c, i) => s - cw[c] * logp2[i][c], 0) / y2.reduce((s, c) => s + cw[c], 0);
  const h = await fit(model, [d.x, d.y], { epochs: 1, batchSize: 64, optimizer: new MiniAdam(model.trainableParameters(), 0), loss: { classWeights: cw }, seed: 0, verbose: 0, shuffle: false });
  assert.ok(Math.abs(h.last!.loss - expected) < 1e-5, `${h.last!.loss} vs ${expected}`);
});

test('top-k accuracy and metric names', () => {
  const logits = T.tensor([[5, 4, 3, 2, 1, 0], [0, 1, 2, 3, 4, 5]]);
  const y = T.tensor([2, 0], { dtype: 'int64' });
  assert.equal(correctTopK(logits, y, 1), 0);
  assert.equal(correctTopK(logits, y, 3), 1);
  assert.equal(correctTopK(logits, y, 6), 2);
  assert.deepEqual(parseMetric('top5'), { key: 'top5', k: 5 });
  assert.deepEqual(parseMetric('accuracy'), { key: 'accuracy', k: 1 });
  assert.throws(() => parseMetric('f2'));
});

test('memory stays flat across epochs', async () => {
  T.manualSeed(0);
  const model = new TinyCNN();
  const d = blobData(128, 1);
  const counts: number[] = [];
  await fit(model, [d.x, d.y], {
    epochs: 6,
    batchSize: 32,
    optimizer: new MiniAdam(model.trainableParameters()),
    validationSplit: 0.25,
    gradClip: 1,
    seed: 0,
    verbose: 0,
    callbacks: [new LambdaCallback({ onEpochEnd: () => void counts.push(T.memory().tensors) })],
  });
  // never more live tensors than after the first epoch (the GC may free earlier garbage meanwhile)
  assert.ok(counts.every((c) => c <= counts[0]), `live tensors per epoch: ${counts.join(', ')}`);
});

test('clipGradNorm scales gradients to the maximum norm', () => {
  const a = T.tensor([3, 0]).requiresGrad_();
  const b = T.tensor([4]).requiresGrad_();
  a.mul(a).sum().div(2).add(b.mul(b).sum().div(2)).backward(); // grads = [3, 0], [4]: norm 5
  const before = clipGradNorm([a, b], 1);
  assert.ok(Math.abs(before - 5) < 1e-5);
  const g = [...a.grad!.dataNumbers(), ...b.grad!.dataNumbers()];
  assert.ok(Math.abs(Math.hypot(...g) - 1) < 1e-4, `${g}`);
});

test('stratifiedSplit keeps class proportions, is seeded and partitions the indices', () => {
  const labels = [...Array(100).keys()].map((i) => (i < 80 ? 0 : 1));
  const [tr, va] = stratifiedSplit(labels, [0.75, 0.25], 1);
  assert.equal(va.length, 25);
  assert.equal(va.filter((i) => labels[i] === 1).length, 5);
  assert.deepEqual([...tr, ...va].sort((x, y) => x - y), [...Array(100).keys()]);
  assert.deepEqual(stratifiedSplit(labels, [0.75, 0.25], 1), [tr, va]);
  assert.notDeepEqual(stratifiedSplit(labels, [0.75, 0.25], 2)[1], va);
});

test('tensorSource shuffles reproducibly per (seed, epoch) and covers every example once', async () => {
  const x = T.arange(10).float().view([10, 1]);
  const y = T.arange(10).long();
  const src = tensorSource(x, y);
  const order = async (epoch: number, seed: number) => {
    const out: number[] = [];
    for await (const b of src.batches({ epoch, batchSize: 4, shuffle: true, seed })) out.push(...b.y.dataNumbers());
    return out;
  };
  const e0 = await order(0, 1);
  assert.deepEqual([...e0].sort((a, b) => a - b), [...Array(10).keys()]);
  assert.deepEqual(await order(0, 1), e0);
  assert.notDeepEqual(await order(1, 1), e0);
  const sub = src.subset!([1, 3, 5]);
  assert.deepEqual(sub.labels!(), [1, 3, 5]);
});
