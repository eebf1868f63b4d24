// `npm run bench -- fit`: the flowers study's hand-crafted CNN trained through Fovea's whole fit
// loop (src/nn layers, the Adam optimiser, callbacks, progress bar) against the same model in a
// plain PyTorch loop (bench/ref/fit.py), same thread count, one run each.
//
// Model: 4 x [3x3 conv 'same' (L2 1e-3 on the kernel) -> batch norm -> ReLU], filters
// 32/64/128/256; 3x3/3 max pooling after blocks 1-3; dropout 0.3 after blocks 2 and 3 and after
// global max pooling; dense 64 ReLU; dropout 0.1; dense 5. Adam 1e-3, batch 32, random 64x64
// images held in memory. The first epoch of each side is a warm-up; images/s is an epoch's images
// over the median time of the timed epochs (robust to a busy machine).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as T from '../src/torch/index.js';
import { packageRoot } from '../src/torch/native.js';
import * as L from '../src/nn/factories.js';
import { Sequential } from '../src/nn/sequential.js';
import { Adam } from '../src/train/optim/adam.js';
import { fit } from '../src/train/fit.js';
import { EarlyStopping, JsonlLogger, ProgressBar } from '../src/train/callbacks/index.js';
import { intArg, log, median, PYTHON, round, threadsFlag, type BenchArgs, type Benchmark, type BenchResult } from './common.js';

const CLASSES = 5;

export function flowersCnn(size: number): Sequential {
  const block = (filters: number, pool: boolean, drop: boolean) => [
    L.conv2d({ filters, kernelSize: 3, padding: 'same', kernelRegularizer: { l2: 1e-3 } }),
    L.batchNormalization({}),
    L.activation('relu'),
    ...(pool ? [L.maxPooling2d({ poolSize: 3, strides: 3 })] : []),
    ...(drop ? [L.dropout({ rate: 0.3 })] : []),
  ];
  return new Sequential(
    [
      ...block(32, true, false),
      ...block(64, true, true),
      ...block(128, true, true),
      ...block(256, false, false),
      L.globalMaxPooling2d({}),
      L.dropout({ rate: 0.3 }),
      L.dense({ units: 64, activation: 'relu' }),
      L.dropout({ rate: 0.1 }),
      L.dense({ units: CLASSES }),
    ],
    { inputShape: [3, size, size] },
  );
}

async function runFovea(threads: number, epochs: number, batches: number, batchSize: number, size: number): Promise<number> {
  T.setNumThreads(threads);
  T.manualSeed(0);
  const n = batches * batchSize;
  const x = T.rand([n, 3, size, size]);
  const y = T.randint(0, CLASSES, [n]);
  const model = flowersCnn(size);
  const dir = mkdtempSync(join(tmpdir(), 'fovea-bench-fit-'));
  try {
    const history = await fit(model, [x, y], {
      epochs: epochs + 1,
      batchSize,
      optimizer: new Adam(model.trainableParameters(), { lr: 1e-3 }),
      metrics: ['accuracy'],
      seed: 0,
      callbacks: [new EarlyStopping({ monitor: 'loss', patience: 1000 }), new JsonlLogger(join(dir, 'history.jsonl')), new ProgressBar()],
    });
    return n / median(history.epochs.slice(1).map((e) => e.time));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runPyTorch(threads: number, epochs: number, batches: number, batchSize: number, size: number): { imagesPerSec: number; torch: string } {
  const script = resolve(packageRoot(), 'bench/ref/fit.py');
  const args = [script, '--threads', String(threads), '--epochs', String(epochs), '--batches', String(batches), '--batch-size', String(batchSize), '--size', String(size)];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) }, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${PYTHON} bench/ref/fit.py failed (${r.error?.message ?? `exit ${r.status}`})`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { epoch_seconds: number[]; torch: string };
  return { imagesPerSec: (batches * batchSize) / median(out.epoch_seconds), torch: out.torch };
}

export const benchmark: Benchmark = {
  name: 'fit',
  description: 'flowers CNN through the full fit loop vs a plain PyTorch loop (images/s)',
  details:
    'Fovea: src/nn layers + Adam + fit() with EarlyStopping, JsonlLogger and ProgressBar. PyTorch: bench/ref/fit.py, a plain\n' +
    'loop reading loss and accuracy each step. Same model, data size, batch and threads; the first epoch of each is a warm-up;\n' +
    'images/s = images per epoch / median epoch time.',
  flags: {
    threads: threadsFlag,
    epochs: { type: 'string', default: '5', help: 'timed epochs (after one warm-up epoch)' },
    batches: { type: 'string', default: '10', help: 'batches per epoch' },
    'batch-size': { type: 'string', default: '32', help: 'batch size' },
    size: { type: 'string', default: '64', help: 'image side in pixels' },
  },
  async run(args: BenchArgs): Promise<BenchResult[]> {
    const threads = intArg(args, 'threads');
    const epochs = intArg(args, 'epochs');
    const batches = intArg(args, 'batches');
    const batchSize = intArg(args, 'batch-size');
    const size = intArg(args, 'size', 16);
    log(`fit: ${epochs} timed epochs of ${batches} x ${batchSize} images ${size}x${size}, ${threads} threads`);
    const fovea = await runFovea(threads, epochs, batches, batchSize, size);
    log(`fit: Fovea ${fovea.toFixed(1)} img/s; running the PyTorch reference`);
    const ref = runPyTorch(threads, epochs, batches, batchSize, size);
    log(`fit: PyTorch ${ref.imagesPerSec.toFixed(1)} img/s`);
    return [
      {
        bench: 'fit',
        threads,
        batch_size: batchSize,
        size,
        images: epochs * batches * batchSize,
        fovea_images_per_sec: round(fovea, 1),
        pytorch_images_per_sec: round(ref.imagesPerSec, 1),
        ratio: round(fovea / ref.imagesPerSec, 3),
        torch: ref.torch,
      },
    ];
  },
};
