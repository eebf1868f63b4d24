// `npm run bench -- data`: the image pipeline's cost. Decodes real flowers images (the first
// epoch's work: decode rate in images/s), then trains the flowers CNN for a few epochs on those
// decoded images through imageSource (uint8 in memory -> float batches) and on in-memory random
// float tensors of the same shape, alternating, and reports epoch times and their ratio.
import { join } from 'node:path';
import * as T from '../src/torch/index.js';
import { Adam } from '../src/train/optim/index.js';
import { fit } from '../src/train/fit.js';
import { scanImageFolder } from '../src/data/image-folder.js';
import { decodeAll } from '../src/data/images.js';
import { imageSource } from '../src/data/image-source.js';
import { createAugmentation } from '../src/data/augment/index.js';
import { stratifiedSplit } from '../src/data/source.js';
import { sharedDir } from '../src/experiment/env.js';
import { flowersCnn } from './fit.js';
import { intArg, log, median, round, threadsFlag, type BenchArgs, type Benchmark, type BenchResult } from './common.js';

async function epochTime(train: () => Promise<number[]>): Promise<number> {
  const times = await train();
  return median(times.slice(1)); // the first epoch warms up
}

export const benchmark: Benchmark = {
  name: 'data',
  description: 'decode rate of real images, and epoch time on decoded images vs in-memory random tensors',
  flags: {
    threads: threadsFlag,
    images: { type: 'string', default: '960', help: 'flowers images to use' },
    size: { type: 'string', default: '64', help: 'image size' },
    epochs: { type: 'string', default: '3', help: 'epochs per run (the first is warm-up)' },
    rounds: { type: 'string', default: '2', help: 'alternating rounds of real / random' },
    augment: { type: 'boolean', help: 'augment the real images (flip, rotation, zoom)' },
  },
  async run(args: BenchArgs): Promise<BenchResult[]> {
    const threads = intArg(args, 'threads');
    const size = intArg(args, 'size');
    const epochs = intArg(args, 'epochs', 2);
    const rounds = intArg(args, 'rounds');
    T.setNumThreads(threads);
    const folder = scanImageFolder(join(sharedDir(), 'datasets', 'flowers'));
    const [keep] = stratifiedSplit(folder.entries.map((e) => e.label), [1], 0);
    const entries = keep.slice(0, intArg(args, 'images')).map((i) => folder.entries[i]);
    const t0 = performance.now();
    const decoded = await decodeAll(entries, { size: [size, size], resize: 'crop' });
    const decodeRate = entries.length / ((performance.now() - t0) / 1000);
    log(`decoded ${entries.length} images at ${size}x${size}: ${decodeRate.toFixed(0)} images/s`);
    const n = decoded.labels.shape[0];
    const aug = args.augment ? createAugmentation({ horizontal_flip: true, rotation_range: 20, zoom_range: 0.1 }, { numClasses: 5 }) : null;
    const real = imageSource(decoded.images, decoded.labels, aug ? { transform: (b, ctx) => aug.train(b, ctx) } : {});
    const rx = T.rand([n, 3, size, size]);
    const ry = decoded.labels.clone();
    const train = async (data: Parameters<typeof fit>[1]): Promise<number[]> => {
      T.manualSeed(0);
      const model = flowersCnn(size);
      const h = await fit(model, data, { epochs, batchSize: 32, optimizer: new Adam(model.trainableParameters(), { lr: 1e-3 }), seed: 0, verbose: 0 });
      model.dispose();
      return h.epochs.map((e) => e.time);
    };
    const realTimes: number[] = [];
    const randomTimes: number[] = [];
    for (let r = 0; r < rounds; r++) {
      realTimes.push(await epochTime(() => train(real)));
      randomTimes.push(await epochTime(() => train([rx, ry])));
      log(`round ${r + 1}: epoch on decoded images ${realTimes.at(-1)!.toFixed(2)} s, on random tensors ${randomTimes.at(-1)!.toFixed(2)} s`);
    }
    const realEpoch = median(realTimes);
    const randomEpoch = median(randomTimes);
    return [
      {
        bench: 'data',
        size,
        threads,
        images: n,
        augment: Boolean(args.augment),
        decode_img_s: round(decodeRate, 1),
        real_epoch_s: round(realEpoch, 3),
        random_epoch_s: round(randomEpoch, 3),
        ratio: round(randomEpoch / realEpoch, 3),
      },
    ];
  },
};
