// A small real run folder for report tests: generated images of three classes (long names with
// spaces), a short real training run via runExperiment, then the real evaluation files
// (metrics.json, predictions.jsonl) from src/eval on its test split.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../src/experiment/load.js';
import { runExperiment } from '../../src/experiment/run.js';
import { splitEntries } from '../../src/experiment/data.js';
import { openRun } from '../../src/experiment/saved-run.js';
import { decodeAll } from '../../src/data/images.js';
import { imageSource } from '../../src/data/image-source.js';
import { evaluateRun, writeRunMetrics } from '../../src/eval/index.js';

export const CLASSES = ['mostly red blobs', 'green leafy things with a long name', 'blue'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Noisy 24×24 images whose mean colour leans toward the class colour (so the task is learnable but not trivial). */
export async function makeImages(root: string, perClass = 14): Promise<void> {
  const r = rng(7);
  for (const [c, name] of CLASSES.entries()) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = Buffer.alloc(24 * 24 * 3);
      for (let p = 0; p < 24 * 24; p++) for (let ch = 0; ch < 3; ch++) px[p * 3 + ch] = Math.floor(r() * 200 + (ch === c ? 55 * r() : 0));
      await sharp(px, { raw: { width: 24, height: 24, channels: 3 } }).png().toFile(join(root, name, `img ${i}.png`));
    }
  }
}

export function writeConfig(dir: string, root: string, name: string, extra: string): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(
    p,
    `name: ${name}
seed: 1
threads: 1
data: {root: ${JSON.stringify(root)}, image_size: 16, split: {val: 0.2, test: 0.3}, cache: none}
model:
  layers:
${extra}
    - {type: Dense, units: 3}
train: {epochs: 2, batch_size: 8, optimizer: {name: adam, lr: 0.01}}
output: {dir: ${JSON.stringify(dir)}}
`,
  );
  return p;
}

/** Trains the config into outDir and writes metrics.json + predictions.jsonl for its test split. */
export async function makeRun(configPath: string, outDir: string): Promise<string> {
  const cfg = loadConfig(configPath);
  await runExperiment(cfg, { outDir, verbose: 0, log: () => {} });
  const run = openRun(outDir);
  const entries = splitEntries(cfg).test;
  const decoded = await decodeAll(entries, { size: run.imageSize, resize: cfg.data.resize, interpolation: cfg.data.interpolation });
  const source = imageSource(decoded.images, decoded.labels, { scale: cfg.data.scale, transform: (b) => ({ x: run.augmentation.eval(b.x), y: b.y.clone() }) });
  const { metrics, predictions } = await evaluateRun(run.model, source, decoded.files, run.classes, { batchSize: 8 });
  writeRunMetrics(outDir, metrics, predictions);
  run.model.dispose();
  decoded.images.dispose();
  decoded.labels.dispose();
  return outDir;
}
