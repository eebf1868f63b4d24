// `npm run bench -- zoo`: zoo architectures in Fovea against the same torchvision architectures in
// PyTorch (bench/ref/zoo.py), same threads, taking turns in one run:
//   - MobileNetV2 and ResNet50 forward passes at 224x224, batch 32, inference mode (eval);
//   - MobileNetV2 training at 160x160, batch 32 (cross entropy, Adam 1e-3, every layer trainable);
// and head-only training on the flowers images with feature caching against without (Fovea only):
// a frozen ImageNet MobileNetV2 (the shared ONNX weights when present) with a new
// GlobalAveragePooling2D + Dense head, one epoch through the whole network against epochs on
// cached pooled features.
//
// Before timing an architecture, both sides load the same weights (Fovea's initialisation, handed
// over as safetensors) and must give the same logits for the same batch (max |diff| <= 1e-4 of
// max |logit|), so the two sides are known to run the same network.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as T from '../src/torch/index.js';
import { packageRoot } from '../src/torch/native.js';
import { createModel, freezeAll, replaceHeadWithLayers, type ZooModel } from '../src/models/index.js';
import { importWeights } from '../src/models/import/index.js';
import { Adam } from '../src/train/optim/index.js';
import { fit } from '../src/train/fit.js';
import { buildFeatureCache } from '../src/train/feature-cache.js';
import { scanImageFolder } from '../src/data/image-folder.js';
import { decodeAll } from '../src/data/images.js';
import { imageSource } from '../src/data/image-source.js';
import { cacheDir } from '../src/experiment/data.js';
import { sharedDir } from '../src/experiment/env.js';
import { alternateRounds, intArg, log, median, RefProcess, rerunWithTunedMalloc, round, threadsFlag, TUNED_MALLOC, type BenchArgs, type Benchmark, type BenchResult } from './common.js';

interface Job {
  arch: string;
  mode: 'forward' | 'train';
  size: number;
}

const JOBS: Job[] = [
  { arch: 'mobilenet_v2', mode: 'forward', size: 224 },
  { arch: 'resnet50', mode: 'forward', size: 224 },
  { arch: 'mobilenet_v2', mode: 'train', size: 160 },
];

/** The Fovea side of one job: the model, a random batch, and timed steps. */
class FoveaJob {
  readonly model: ZooModel;
  readonly x: T.Tensor;
  readonly y: T.Tensor;
  private readonly opt: Adam | null;

  constructor(
    readonly job: Job,
    readonly batch: number,
  ) {
    this.model = createModel(job.arch);
    this.x = T.rand([batch, 3, job.size, job.size]);
    this.y = T.randint(0, 1000, [batch]);
    this.opt = job.mode === 'train' ? new Adam(this.model.parameters(), { lr: 1e-3 }) : null;
    if (job.mode === 'train') this.model.train();
    else this.model.eval();
  }

  step(): number {
    if (!this.opt) return T.tidy(() => T.inferenceMode(() => this.model.call(this.x).sum().item()));
    const opt = this.opt;
    return T.tidy(() => {
      opt.zeroGrad();
      const loss = T.F.crossEntropy(this.model.call(this.x), this.y);
      loss.backward();
      opt.step();
      return loss.item();
    });
  }

  run(warmup: number, steps: number): { imgS: number; value: number } {
    let v = NaN;
    for (let i = 0; i < warmup; i++) v = this.step();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) v = this.step();
    return { imgS: (steps * this.batch) / ((performance.now() - t0) / 1000), value: v };
  }

  dispose(): void {
    this.model.dispose();
    this.opt?.dispose();
    T.dispose([this.x, this.y]);
  }
}

/** Same weights on both sides, same batch, same logits. */
async function verify(ref: RefProcess, f: FoveaJob, dir: string): Promise<number> {
  const weights = join(dir, 'weights.safetensors');
  const input = join(dir, 'input.safetensors');
  T.saveSafetensors(weights, f.model.stateDict());
  const x = T.rand([2, 3, f.job.size, f.job.size]);
  T.saveSafetensors(input, new Map([['input', x]]));
  await ref.request({ cmd: 'setup', arch: f.job.arch, mode: 'forward', size: f.job.size, batch: 2, weights });
  const theirs = (await ref.request<{ output: number[] }>({ cmd: 'output', input })).output;
  const wasTraining = f.model.training;
  const ours = T.tidy(() => T.inferenceMode(() => f.model.eval().call(x).flatten().dataNumbers()));
  f.model.train(wasTraining);
  x.dispose();
  const scale = Math.max(...ours.map(Math.abs));
  const diff = Math.max(...ours.map((v, i) => Math.abs(v - theirs[i])));
  if (!(diff <= 1e-4 * Math.max(1, scale))) throw new Error(`${f.job.arch}: Fovea and torchvision logits differ by ${diff} (max |logit| ${scale}); not the same network`);
  return diff / Math.max(1, scale);
}

async function versus(args: BenchArgs, threads: number): Promise<BenchResult[]> {
  const batch = intArg(args, 'batch');
  const steps = intArg(args, 'steps');
  const warmup = intArg(args, 'warmup', 0);
  const rounds = intArg(args, 'rounds');
  const only = typeof args.only === 'string' && args.only !== 'all' ? args.only.split(',') : null;
  const script = join(packageRoot(), 'bench/ref/zoo.py');
  const nt = String(threads);
  const ref = new RefProcess(script, ['--serve', '--threads', nt], { OMP_NUM_THREADS: nt, MKL_NUM_THREADS: nt });
  const dir = mkdtempSync(join(tmpdir(), 'fovea-bench-zoo-'));
  const results: BenchResult[] = [];
  try {
    for (const job of JOBS) {
      const key = `${job.arch}-${job.mode}`;
      if (only && !only.includes(key)) continue;
      T.manualSeed(0);
      const f = new FoveaJob(job, batch);
      try {
        const rel = await verify(ref, f, dir);
        const weights = join(dir, 'weights.safetensors');
        const setup = await ref.request<{ params: number; threads: number; torch: string; torchvision: string }>({ cmd: 'setup', arch: job.arch, mode: job.mode, size: job.size, batch, weights });
        const ours = f.model.countParams().total;
        if (setup.params !== ours) throw new Error(`${job.arch}: parameter counts differ: Fovea ${ours}, torchvision ${setup.params}`);
        if (setup.threads !== threads || T.getNumThreads() !== threads) throw new Error(`thread counts differ: asked ${threads}, Fovea ${T.getNumThreads()}, PyTorch ${setup.threads}`);
        log(`zoo: ${key} ${job.size}x${job.size}, batch ${batch}, ${threads} thread(s): same logits (max diff ${rel.toExponential(1)} of max |logit|); ${rounds} rounds of ${steps} steps (+${warmup} warm-up) per side`);
        const fr: number[] = [];
        const pr: number[] = [];
        const runF = (): void => {
          const r = f.run(warmup, steps);
          if (!Number.isFinite(r.value)) throw new Error(`Fovea's ${job.mode} value is ${r.value}`);
          fr.push(r.imgS);
          log(`  round ${fr.length}: Fovea   ${r.imgS.toFixed(1).padStart(7)} img/s`);
        };
        const runP = async (): Promise<void> => {
          const r = await ref.request<{ img_s: number; value: number }>({ cmd: 'run', warmup, steps });
          pr.push(r.img_s);
          log(`  round ${pr.length}: PyTorch ${r.img_s.toFixed(1).padStart(7)} img/s`);
        };
        await alternateRounds(rounds, runF, runP);
        const best = (xs: number[]): number => Math.max(...xs);
        log(`  ${key}: Fovea ${best(fr).toFixed(1)} img/s, PyTorch ${best(pr).toFixed(1)} img/s, ratio ${(best(fr) / best(pr)).toFixed(3)} (best rounds; medians ${(median(fr) / median(pr)).toFixed(3)})`);
        results.push({
          bench: 'zoo',
          case: key,
          arch: job.arch,
          mode: job.mode,
          size: job.size,
          batch,
          threads,
          fovea_img_s: round(best(fr), 1),
          pytorch_img_s: round(best(pr), 1),
          ratio: round(best(fr) / best(pr), 3),
          torch: setup.torch,
          malloc: process.env.GLIBC_TUNABLES === TUNED_MALLOC ? 'tuned (both)' : 'default (Fovea tuned)',
        });
      } finally {
        f.dispose();
      }
    }
  } finally {
    ref.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Head-only training on flowers: epochs through the frozen network against epochs on cached features. */
async function caching(args: BenchArgs, threads: number): Promise<BenchResult> {
  const size = intArg(args, 'cache-size', 32);
  const epochs = intArg(args, 'epochs');
  const limit = args.images === 'all' ? Infinity : intArg(args, 'images');
  const root = resolve(sharedDir(), 'datasets/flowers');
  const weightsPath = resolve(sharedDir(), 'weights/mobilenetv2-12-int8.onnx');
  const folder = scanImageFolder(root);
  // every k-th file, so a small --images keeps all classes
  const step = Math.max(1, Math.floor(folder.entries.length / Math.min(limit, folder.entries.length)));
  const entries = folder.entries.filter((_, i) => i % step === 0).slice(0, limit);
  const decoded = await decodeAll(entries, { size: [size, size], cacheDir: cacheDir() });
  log(`zoo: head-only training on ${decoded.files.length} flowers images at ${size}x${size}, ${threads} thread(s), ${epochs} epochs`);
  T.manualSeed(0);
  const model = createModel('mobilenet_v2');
  if (existsSync(weightsPath)) await importWeights(weightsPath, model);
  else log(`  (no ${weightsPath}: random weights; the timing is the same)`);
  freezeAll(model);
  replaceHeadWithLayers(model, [{ type: 'GlobalAveragePooling2D' }, { type: 'Dense', units: folder.classes.length }], { inputShape: [3, size, size] });
  const source = imageSource(decoded.images, decoded.labels, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  const batchSize = 32;
  const head = model.trainableParameters();
  // without the cache: one epoch through the whole (frozen) network
  const plain = await fit(model, source, { epochs: 1, batchSize, optimizer: new Adam(head, { lr: 1e-3 }), verbose: 0, seed: 0 });
  const plainEpoch = plain.epochs[0].time;
  log(`  without cache: ${plainEpoch.toFixed(2)} s per epoch (${(decoded.files.length / plainEpoch).toFixed(1)} img/s)`);
  // with the cache: built once, then epochs on pooled features
  const t0 = performance.now();
  const cache = (await buildFeatureCache(model, { train: source }, { batchSize: 64 }))!;
  const build = (performance.now() - t0) / 1000;
  const h = await fit(cache.model, cache.train, { epochs: epochs + 1, batchSize, optimizer: new Adam(head, { lr: 1e-3 }), verbose: 0, seed: 0 });
  const cachedEpoch = median(h.epochs.slice(1).map((e) => e.time));
  cache.dispose();
  model.dispose();
  const total = (epochs * plainEpoch) / (build + epochs * cachedEpoch);
  log(`  with cache: built in ${build.toFixed(2)} s (features [${cache.featureShape.join(', ')}]), then ${(cachedEpoch * 1000).toFixed(1)} ms per epoch`);
  log(`  ratio per epoch ${(plainEpoch / cachedEpoch).toFixed(0)}x; ${epochs} epochs end to end (cache build included) ${total.toFixed(1)}x`);
  return {
    bench: 'zoo',
    case: 'head-only-feature-cache',
    arch: 'mobilenet_v2',
    size,
    images: decoded.files.length,
    threads,
    epochs,
    epoch_s_without_cache: round(plainEpoch, 3),
    epoch_s_with_cache: round(cachedEpoch, 4),
    cache_build_s: round(build, 2),
    ratio: round(plainEpoch / cachedEpoch, 1),
    total_ratio: round(total, 2),
  };
}

export const benchmark: Benchmark = {
  name: 'zoo',
  description: 'MobileNetV2/ResNet50 inference and MobileNetV2 training vs torchvision; head-only training with vs without feature caching',
  details:
    'Fovea and PyTorch (bench/ref/zoo.py: torchvision 0.14 models, /usr/bin/python3 or $FOVEA_PYTHON) take turns,\n' +
    'round after round, after checking that both give the same logits with the same weights. Results are the best\n' +
    'round of each side: {"bench":"zoo","case":"mobilenet_v2-forward","fovea_img_s":...,"pytorch_img_s":...,"ratio":...}.\n' +
    'The caching case (Fovea only) trains a GlobalAveragePooling2D + Dense head on a frozen MobileNetV2 over the\n' +
    "flowers images: one epoch through the frozen network against epochs on cached pooled features; 'ratio' is\n" +
    "per epoch, 'total_ratio' includes building the cache over --epochs epochs.\n\n" +
    "Fovea's addon tunes glibc malloc to keep freed memory (FOVEA_MALLOC=system turns that off); PyTorch does not,\n" +
    'and pays page faults on every big activation. --malloc-tuned reruns both sides with\n' +
    `  GLIBC_TUNABLES=${TUNED_MALLOC}\n` +
    'to compare the engines themselves (see bench/engine.ts).',
  flags: {
    threads: threadsFlag,
    batch: { type: 'string', default: '32', help: 'batch size of the forward and training cases' },
    steps: { type: 'string', default: '5', help: 'timed steps per round' },
    warmup: { type: 'string', default: '2', help: 'untimed steps before each round' },
    rounds: { type: 'string', default: '3', help: 'rounds per side (taking turns)' },
    only: { type: 'string', default: 'all', help: 'comma-separated cases: mobilenet_v2-forward, resnet50-forward, mobilenet_v2-train, cache (or none)' },
    'cache-size': { type: 'string', default: '160', help: 'image side of the caching case' },
    images: { type: 'string', default: 'all', help: "flowers images in the caching case ('all' or a number)" },
    epochs: { type: 'string', default: '10', help: 'head-only epochs in the caching case' },
    'malloc-tuned': { type: 'boolean', help: 'both sides with glibc malloc keeping freed memory (GLIBC_TUNABLES; see above)' },
  },
  async run(args: BenchArgs): Promise<BenchResult[]> {
    if (args['malloc-tuned'] && process.env.GLIBC_TUNABLES !== TUNED_MALLOC) return rerunWithTunedMalloc('zoo');
    const threads = intArg(args, 'threads');
    T.setNumThreads(threads);
    const only = typeof args.only === 'string' && args.only !== 'all' ? args.only.split(',') : null;
    const out: BenchResult[] = [];
    if (!only || only.some((o) => o !== 'cache' && o !== 'none')) out.push(...(await versus(args, threads)));
    if (!only || only.includes('cache')) out.push(await caching(args, threads));
    return out;
  },
};
