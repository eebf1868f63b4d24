// Child process of the kill-and-resume test: trains the tiny CNN with a checkpoint folder and
// prints the final history as one JSON line. Does nothing unless FOVEA_FIT_CHILD is set (the
// test runner may load this file as a test).
import * as T from '../../src/torch/index.js';
import { tensorSource } from '../../src/data/source.js';
import { fit } from '../../src/train/fit.js';
import { EarlyStopping } from '../../src/train/callbacks/early-stopping.js';
import { JsonlLogger } from '../../src/train/callbacks/jsonl-logger.js';
import { LambdaCallback } from '../../src/train/callbacks/lambda.js';
import type { Callback } from '../../src/train/callbacks/callback.js';
import { blobData, MiniAdam, TinyCNN } from './helpers.js';

async function main(): Promise<void> {
  const ckpt = process.env.FOVEA_FIT_CKPT;
  const resume = process.env.FOVEA_FIT_RESUME === '1';
  const slowMs = Number(process.env.FOVEA_FIT_SLOW_MS ?? '0');
  T.setNumThreads(1);
  T.manualSeed(7);
  const model = new TinyCNN(0.3);
  const data = blobData(384, 11);
  const callbacks: Callback[] = [
    new EarlyStopping({ monitor: 'val_loss', patience: 10, restoreBestWeights: true }),
    new LambdaCallback({ onBatchEnd: () => (slowMs > 0 ? new Promise((r) => setTimeout(r, slowMs)) : undefined) }),
  ];
  if (ckpt) callbacks.push(new JsonlLogger(`${ckpt}/history.jsonl`));
  const history = await fit(model, tensorSource(data.x, data.y), {
    epochs: 4,
    batchSize: 32,
    optimizer: new MiniAdam(model.trainableParameters(), 5e-3),
    validationSplit: 0.25,
    metrics: ['accuracy'],
    seed: 123,
    verbose: 0,
    callbacks,
    checkpointDir: ckpt,
    resume,
  });
  const w = model.stateDict().get('fc.weight')!.dataNumbers();
  process.stdout.write(JSON.stringify({ history: history.epochs, fcWeight: w }) + '\n');
}

if (process.env.FOVEA_FIT_CHILD === '1') {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
