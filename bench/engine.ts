// `npm run bench -- engine`: training throughput of the flowers study's hand-crafted CNN, Fovea
// against PyTorch (bench/ref/engine.py) on the same libtorch, taking turns in one run.
//
// The model, built here from parameters and T.F functional ops (no layer library needed):
//   4 x [3x3 conv, 'same' padding, bias, L2 1e-3 on the kernel (loss += 1e-3 * sum(w^2), as
//   Keras does) -> batch norm -> ReLU], filters 32, 64, 128, 256; 3x3/3 max pooling after blocks
//   1-3; dropout 0.3 after blocks 2 and 3 and after the global max pooling; dense 64 + ReLU;
//   dropout 0.1; dense 5. Cross entropy, Adam (lr 1e-3, torch.optim.Adam's single-tensor update
//   with in-place ops under noGrad), batch 32, random data held in memory.
// Before timing, a verification step loads the same initial weights and batch into both sides,
// trains a few steps without dropout and checks that losses and parameters agree, so that the
// two sides are known to compute the same thing.
//
// What decides the numbers (measured on the 2-core dev machine):
// - Fovea's addon sets glibc malloc to keep freed memory (native/src/addon.cc; FOVEA_MALLOC=system
//   opts out), so by default the comparison is Fovea as users run it against PyTorch as users
//   run it. --malloc-tuned gives the reference the same setting, to compare the engines alone.
// - Without that setting both sides spend 30-50% of a step in page faults: glibc's malloc hands big freed buffers back
//   to the kernel (munmap, heap trimming with brk) and each step faults them in again, zeroed.
//   How many depends on incidental lifetimes (which small blocks pin the top of the heap when big
//   ones are freed), so the two sides keep the same tensor lifetimes: Fovea disposes each
//   activation once the next op has consumed it (Python's reference counting does that; autograd
//   keeps what backward needs and frees it during backward), and keeps the last loss until the
//   next step has run, as the reference's `loss = self.step()` loop does. --malloc-tuned removes
//   the faults on both sides (1.3-2x faster) and with them this sensitivity.
// - With T.tidy alone (--tidy-only) every activation is pinned by its JS handle until the step
//   ends: 68 MB at 64x64, 268 MB at 128x128 that autograd cannot free during backward.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as T from '../src/torch/index.js';
import { packageRoot } from '../src/torch/native.js';
import {
  alternateRounds,
  intArg,
  intListArg,
  log,
  median,
  RefProcess,
  rerunWithTunedMalloc,
  round,
  threadsFlag,
  TUNED_MALLOC,
  type BenchArgs,
  type Benchmark,
  type BenchResult,
} from './common.js';

type Tensor = T.Tensor;

const CLASSES = 5;
const FILTERS = [32, 64, 128, 256];
const L2 = 1e-3;
const BN_EPS = 1e-3; // Keras' BatchNormalization defaults
const BN_MOMENTUM = 0.01; // Keras momentum 0.99 in PyTorch's convention
const NUM_BATCHES = 4; // distinct random batches held in memory, used in turn

// ---------------------------------------------------------------- model

interface Block {
  w: Tensor;
  b: Tensor;
  gamma: Tensor;
  beta: Tensor;
  runningMean: Tensor;
  runningVar: Tensor;
}

/** U(-1/sqrt(fanIn), 1/sqrt(fanIn)): PyTorch's default for Conv2d and Linear weights and biases. */
function uniformParam(shape: number[], fanIn: number): Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return T.empty(shape).uniform_({ from: -bound, to: bound }).requiresGrad_();
}

export class FlowersCnn {
  readonly blocks: Block[] = [];
  readonly fc1w: Tensor;
  readonly fc1b: Tensor;
  readonly fc2w: Tensor;
  readonly fc2b: Tensor;

  constructor(readonly useDropout = true) {
    let cin = 3;
    for (const cout of FILTERS) {
      const fanIn = cin * 9;
      this.blocks.push({
        w: uniformParam([cout, cin, 3, 3], fanIn),
        b: uniformParam([cout], fanIn),
        gamma: T.ones([cout]).requiresGrad_(),
        beta: T.zeros([cout]).requiresGrad_(),
        runningMean: T.zeros([cout]),
        runningVar: T.ones([cout]),
      });
      cin = cout;
    }
    this.fc1w = uniformParam([64, cin], cin);
    this.fc1b = uniformParam([64], cin);
    this.fc2w = uniformParam([CLASSES, 64], 64);
    this.fc2b = uniformParam([CLASSES], 64);
  }

  /** Parameters and buffers under the names of the PyTorch reference's state_dict. */
  state(): Map<string, Tensor> {
    const m = new Map<string, Tensor>();
    this.blocks.forEach((k, i) => {
      m.set(`conv${i}.weight`, k.w).set(`conv${i}.bias`, k.b);
      m.set(`bn${i}.weight`, k.gamma).set(`bn${i}.bias`, k.beta);
      m.set(`bn${i}.running_mean`, k.runningMean).set(`bn${i}.running_var`, k.runningVar);
    });
    m.set('fc1.weight', this.fc1w).set('fc1.bias', this.fc1b);
    m.set('fc2.weight', this.fc2w).set('fc2.bias', this.fc2b);
    return m;
  }

  /** Trainable parameters, in the order of the reference's model.parameters(). */
  parameters(): Tensor[] {
    return [...this.blocks.flatMap((k) => [k.w, k.b, k.gamma, k.beta]), this.fc1w, this.fc1b, this.fc2w, this.fc2b];
  }

  /**
   * Logits of a batch, in training mode (batch statistics, dropout when enabled).
   * With `eagerFree`, each intermediate activation's handle is disposed as soon as the next op
   * has consumed it, as Python's reference counting does: autograd keeps what backward needs and
   * frees it during backward. Without it, T.tidy holds every intermediate until the step ends,
   * so nothing from the forward pass can be freed (and its memory reused) during backward.
   */
  forward(x: Tensor, eagerFree = false): Tensor {
    const drop = this.useDropout;
    let h = x;
    const next = (y: Tensor): void => {
      if (eagerFree && h !== x) h.dispose();
      h = y;
    };
    this.blocks.forEach((k, i) => {
      next(T.F.conv2d(h, k.w, k.b, { padding: 'same' }));
      next(T.F.batchNorm(h, k.runningMean, k.runningVar, { weight: k.gamma, bias: k.beta, training: true, momentum: BN_MOMENTUM, eps: BN_EPS }));
      next(T.F.relu(h));
      if (i < 3) next(T.F.maxPool2d(h, 3, { stride: 3 }));
      if (i === 1 || i === 2) next(T.F.dropout(h, 0.3, drop));
    });
    next(h.amax({ dim: [2, 3] }));
    next(T.F.dropout(h, 0.3, drop));
    next(T.F.linear(h, this.fc1w, this.fc1b));
    next(T.F.relu(h));
    next(T.F.dropout(h, 0.1, drop));
    next(T.F.linear(h, this.fc2w, this.fc2b));
    return h;
  }

  /** Cross entropy plus Keras-style L2 on the conv kernels. */
  loss(x: Tensor, y: Tensor, eagerFree = false): Tensor {
    const logits = this.forward(x, eagerFree);
    let loss = T.F.crossEntropy(logits, y);
    if (eagerFree) logits.dispose();
    for (const k of this.blocks) {
      const l2 = (): Tensor => k.w.square().sum().mul(L2);
      if (!eagerFree) {
        loss = loss.add(l2());
        continue;
      }
      // as Python's `loss = loss + L2 * w.square().sum()`: temporaries go at once
      const term = T.tidy(l2);
      const sum = loss.add(term);
      T.dispose([term, loss]);
      loss = sum;
    }
    return loss;
  }

  dispose(): void {
    T.dispose([...this.state().values()]);
  }
}

// ---------------------------------------------------------------- optimiser

/**
 * torch.optim.Adam (no weight decay, amsgrad off), the single-tensor path of PyTorch 1.13:
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * with the same in-place operators, so that results match PyTorch's to rounding.
 */
export class Adam {
  private t = 0;
  private readonly m: Tensor[];
  private readonly v: Tensor[];

  constructor(
    private readonly params: Tensor[],
    private readonly lr = 1e-3,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = params.map((p) => T.zerosLike(p));
    this.v = params.map((p) => T.zerosLike(p));
  }

  /** zero_grad(set_to_none=True). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** One update from the current .grad (its temporaries are freed as it goes). */
  step(): void {
    this.t += 1;
    const { beta1, beta2, eps } = this;
    const stepSize = this.lr / (1 - beta1 ** this.t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.t);
    T.noGrad(() => {
      this.params.forEach((p, i) => {
        const g = p.grad;
        if (g === null) return;
        this.m[i].mul_(beta1).add_(g, { alpha: 1 - beta1 });
        this.v[i].mul_(beta2).addcmul_(g, g, { value: 1 - beta2 });
        const denom = this.v[i].sqrt().div_(bc2Sqrt).add_(eps);
        p.addcdiv_(this.m[i], denom, { value: -stepSize });
        denom.dispose(); // now rather than at the end of the step, so the next one reuses its memory
        g.dispose();
      });
    });
  }

  dispose(): void {
    T.dispose([this.m, this.v]);
  }
}

// ---------------------------------------------------------------- Fovea trainer

/** One timed run: throughput, last loss, CPU time and minor page faults per step (all threads). */
export interface RunStats {
  imgS: number;
  loss: number;
  cpuMsPerStep: number;
  faultsPerStep: number;
}

export class FoveaTrainer {
  readonly model = new FlowersCnn();
  readonly opt = new Adam(this.model.parameters());
  readonly xs: Tensor[] = [];
  readonly ys: Tensor[] = [];
  private i = 0;
  private last: Tensor | null = null;

  constructor(
    size: number,
    readonly batch: number,
    readonly eagerFree = true,
  ) {
    for (let k = 0; k < NUM_BATCHES; k++) {
      this.xs.push(T.randn([batch, 3, size, size]));
      this.ys.push(T.randint(0, CLASSES, [batch]));
    }
  }

  /**
   * One training step; everything it makes is freed at its end, except the loss, which lives
   * until the next step has run. That mirrors the reference's `loss = self.step()` loop (the
   * canonical PyTorch loop, where `loss` and its graph live until reassigned): glibc's heap
   * trimming is sensitive to such lifetimes (here they move page faults per step by 10-45%), so
   * different lifetimes on the two sides would measure heap luck instead of the engines.
   */
  step(): void {
    const k = this.i++ % NUM_BATCHES;
    const loss = T.tidy(() => {
      this.opt.zeroGrad();
      const loss = this.model.loss(this.xs[k], this.ys[k], this.eagerFree);
      loss.backward();
      this.opt.step();
      return loss;
    });
    this.last?.dispose();
    this.last = loss;
  }

  run(warmup: number, steps: number): RunStats & { liveDelta: number } {
    for (let s = 0; s < warmup; s++) this.step();
    const live = T.memory().tensors;
    const faults = process.resourceUsage().minorPageFault;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) this.step();
    const seconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu);
    return {
      imgS: (steps * this.batch) / seconds,
      loss: this.last?.item() ?? NaN,
      cpuMsPerStep: (c.user + c.system) / 1000 / steps,
      faultsPerStep: (process.resourceUsage().minorPageFault - faults) / steps,
      liveDelta: T.memory().tensors - live,
    };
  }

  dispose(): void {
    this.model.dispose();
    this.opt.dispose();
    T.dispose([this.xs, this.ys, this.last]);
  }
}

// ---------------------------------------------------------------- verification

/**
 * Same initial weights and batch on both sides, `steps` steps without dropout: the losses and
 * the parameters after training must agree (they differ only by rounding in reductions).
 */
async function verify(ref: RefProcess, size: number, batch: number, steps: number): Promise<void> {
  const model = new FlowersCnn(false);
  const opt = new Adam(model.parameters());
  const x = T.randn([batch, 3, size, size]);
  const y = T.randint(0, CLASSES, [batch]);
  const dir = mkdtempSync(join(tmpdir(), 'fovea-bench-'));
  const file = join(dir, 'verify.safetensors');
  try {
    writeFileSync(file, T.encodeSafetensors(new Map([...model.state(), ['input', x], ['target', y]])));
    const theirs = await ref.request<{ losses: number[]; abs_sums: Record<string, number> }>({ cmd: 'verify', size, file, steps });
    const ours: number[] = [];
    for (let s = 0; s < steps; s++) {
      ours.push(
        T.tidy(() => {
          opt.zeroGrad();
          const loss = model.loss(x, y);
          loss.backward();
          opt.step();
          return loss.item();
        }),
      );
    }
    const problems: string[] = [];
    ours.forEach((l, s) => {
      const r = theirs.losses[s];
      if (!(Math.abs(l - r) <= 1e-4 * Math.max(1, Math.abs(r)))) problems.push(`loss at step ${s + 1}: Fovea ${l}, PyTorch ${r}`);
    });
    for (const [name, t] of model.state()) {
      const a = T.tidy(() => t.abs().sum(undefined, { dtype: 'float64' }).item());
      const b = theirs.abs_sums[name];
      if (!(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)))) problems.push(`sum |${name}|: Fovea ${a}, PyTorch ${b}`);
    }
    if (problems.length) throw new Error(`Fovea and the PyTorch reference do not compute the same model:\n  ${problems.join('\n  ')}`);
    log(`verify: same weights and batch, ${steps} steps without dropout: losses ${ours.map((l) => l.toFixed(5)).join(', ')} on both sides, parameters agree`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
    opt.dispose();
    T.dispose([x, y]);
  }
}

// ---------------------------------------------------------------- TF.js (for the record)

const TFJS_INSTALL = 'npm i --no-save @tensorflow/tfjs';

/** TF.js pure-JS CPU backend, same architecture in tf.layers; null when the package is missing. */
async function tfjsImgPerSec(size: number, batch: number, warmup: number, steps: number): Promise<number | null> {
  // TF.js prints a banner (suggesting tfjs-node) from Node: keep stdout for the JSON lines.
  const consoleLog = console.log;
  console.log = (...a: unknown[]) => console.error(...a);
  try {
    return await tfjsRun(size, batch, warmup, steps);
  } finally {
    console.log = consoleLog;
  }
}

async function tfjsRun(size: number, batch: number, warmup: number, steps: number): Promise<number | null> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let tf: any;
  try {
    const pkg = '@tensorflow/tfjs'; // a variable, so that tsc needs neither the package nor its types
    tf = await import(pkg);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      log(`tfjs: @tensorflow/tfjs is not installed; for the TF.js figure run \`${TFJS_INSTALL}\` (deliberately not a dependency)`);
      return null;
    }
    throw e;
  }
  await tf.setBackend('cpu');
  await tf.ready();
  const m = tf.sequential();
  FILTERS.forEach((filters, i) => {
    m.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [size, size, 3] } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        kernelRegularizer: tf.regularizers.l2({ l2: L2 }),
      }),
    );
    m.add(tf.layers.batchNormalization({ momentum: 1 - BN_MOMENTUM, epsilon: BN_EPS }));
    m.add(tf.layers.activation({ activation: 'relu' }));
    if (i < 3) m.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 3 }));
    if (i === 1 || i === 2) m.add(tf.layers.dropout({ rate: 0.3 }));
  });
  m.add(tf.layers.globalMaxPooling2d({}));
  m.add(tf.layers.dropout({ rate: 0.3 }));
  m.add(tf.layers.dense({ units: 64, activation: 'relu' }));
  m.add(tf.layers.dropout({ rate: 0.1 }));
  m.add(tf.layers.dense({ units: CLASSES }));
  m.compile({
    optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-8),
    loss: (yTrue: unknown, yPred: unknown) => tf.losses.softmaxCrossEntropy(yTrue, yPred),
  });
  const x = tf.randomNormal([batch, size, size, 3]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, CLASSES, 'int32'), CLASSES);
  try {
    for (let s = 0; s < warmup; s++) await m.trainOnBatch(x, y);
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) await m.trainOnBatch(x, y);
    return (steps * batch) / ((performance.now() - t0) / 1000);
  } finally {
    tf.dispose([x, y]);
    m.dispose();
  }
}

// ---------------------------------------------------------------- the benchmark

/** Default timed steps per round: 20 at 64x64, fewer for larger inputs (a round stays ~1-2 s). */
function autoSteps(size: number): number {
  return Math.max(4, Math.round((20 * 64 * 64) / (size * size)));
}

interface Side {
  runs: RunStats[];
}

function describe(name: string, s: Side): string {
  const img = s.runs.map((r) => r.imgS);
  return (
    `${name.padEnd(7)} best ${Math.max(...img).toFixed(1).padStart(7)} img/s, median ${median(img).toFixed(1).padStart(7)}; ` +
    `per step: CPU ${median(s.runs.map((r) => r.cpuMsPerStep)).toFixed(0)} ms, ${median(s.runs.map((r) => r.faultsPerStep)).toFixed(0)} page faults`
  );
}

async function run(args: BenchArgs): Promise<BenchResult[]> {
  if (args['malloc-tuned'] && process.env.GLIBC_TUNABLES !== TUNED_MALLOC) return rerunWithTunedMalloc('engine').map((r) => ({ ...r, malloc: 'tuned' }));
  const threads = intArg(args, 'threads');
  const sizes = intListArg(args, 'sizes', 8);
  const batch = intArg(args, 'batch');
  const stepsFor = (size: number): number => (args.steps === 'auto' ? autoSteps(size) : intArg(args, 'steps'));
  const warmup = intArg(args, 'warmup', 0);
  const rounds = intArg(args, 'rounds');
  const seed = intArg(args, 'seed', 0);
  const eagerFree = !args['tidy-only'];
  const tfSteps = args.tfjs ? intArg(args, 'tfjs-steps') : 0;

  T.setNumThreads(threads);
  T.manualSeed(seed);
  const script = join(packageRoot(), 'bench/ref/engine.py');
  const nt = String(threads);
  const ref = new RefProcess(script, ['--serve', '--threads', nt], { OMP_NUM_THREADS: nt, MKL_NUM_THREADS: nt });
  const results: BenchResult[] = [];
  try {
    log(
      `engine: flowers CNN training, batch ${batch}, ${threads} thread(s), ${rounds} rounds per side taking turns, ` +
        `${warmup} warm-up steps each; libtorch ${T.torchVersion()}${process.env.GLIBC_TUNABLES ? `; GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES}` : ''}; Fovea ${eagerFree ? 'frees activations eagerly' : 'frees only at the end of each T.tidy step (--tidy-only)'}`,
    );
    if (!args['skip-verify']) await verify(ref, Math.min(...sizes, 64), Math.min(batch, 8), 3);
    for (const size of sizes) {
      const steps = stepsFor(size);
      const fovea = new FoveaTrainer(size, batch, eagerFree);
      const setup = await ref.request<{ params: number; threads: number }>({ cmd: 'setup', size, batch, seed });
      const ourParams = fovea.model.parameters().reduce((n, p) => n + p.size, 0);
      if (setup.params !== ourParams) throw new Error(`parameter counts differ: Fovea ${ourParams}, PyTorch ${setup.params}`);
      if (setup.threads !== threads || T.getNumThreads() !== threads) {
        throw new Error(`thread counts differ: asked ${threads}, Fovea ${T.getNumThreads()}, PyTorch ${setup.threads}`);
      }
      const f: Side = { runs: [] };
      const p: Side = { runs: [] };
      const line = (who: string, n: number, r: RunStats): void =>
        log(`  ${size}x${size} round ${n}: ${who.padEnd(7)} ${r.imgS.toFixed(1).padStart(7)} img/s  (loss ${r.loss.toFixed(3)}, CPU ${r.cpuMsPerStep.toFixed(0)} ms/step, ${r.faultsPerStep.toFixed(0)} faults/step)`);
      const runFovea = (): void => {
        const r = fovea.run(warmup, steps);
        if (!Number.isFinite(r.loss)) throw new Error(`Fovea's loss is ${r.loss}`);
        if (r.liveDelta !== 0) log(`  warning: ${r.liveDelta} more live tensors after the timed steps (a leak?)`);
        f.runs.push(r);
        line('Fovea', f.runs.length, r);
      };
      const runTorch = async (): Promise<void> => {
        const r = await ref.request<{ img_s: number; loss: number; cpu_s: number; minflt: number }>({ cmd: 'run', size, warmup, steps });
        if (!Number.isFinite(r.loss)) throw new Error(`PyTorch's loss is ${r.loss}`);
        const stats: RunStats = { imgS: r.img_s, loss: r.loss, cpuMsPerStep: (r.cpu_s * 1000) / steps, faultsPerStep: r.minflt / steps };
        p.runs.push(stats);
        line('PyTorch', p.runs.length, stats);
      };
      log(`  ${size}x${size}: ${steps} timed steps per round`);
      await alternateRounds(rounds, runFovea, runTorch);
      fovea.dispose();
      const best = (s: Side): number => Math.max(...s.runs.map((r) => r.imgS));
      const med = (s: Side): number => median(s.runs.map((r) => r.imgS));
      const res: BenchResult = {
        bench: 'engine',
        size,
        threads,
        fovea_img_s: round(best(f), 1),
        pytorch_img_s: round(best(p), 1),
        ratio: round(best(f) / best(p), 3),
      };
      log(`engine ${size}x${size}, batch ${batch}, ${threads} thread(s), ${rounds} rounds of ${steps} steps:`);
      log(`  ${describe('Fovea', f)}`);
      log(`  ${describe('PyTorch', p)}`);
      log(`  ratio Fovea/PyTorch: ${(best(f) / best(p)).toFixed(3)} (best rounds), ${(med(f) / med(p)).toFixed(3)} (median rounds)`);
      if (tfSteps > 0 && size === 64) {
        log(`  64x64: TF.js (pure-JS CPU backend, single-threaded): 1 warm-up + ${tfSteps} timed step(s)...`);
        const tfImgS = await tfjsImgPerSec(size, batch, 1, tfSteps);
        if (tfImgS !== null) {
          res.tfjs_img_s = round(tfImgS, 3);
          log(`  TF.js ${tfImgS.toFixed(3)} img/s: Fovea is ${(best(f) / tfImgS).toFixed(0)}x faster`);
        }
      }
      results.push(res);
    }
    if (tfSteps > 0 && !sizes.includes(64)) log('tfjs: the TF.js figure is only measured with --sizes including 64');
  } finally {
    ref.close();
  }
  return results;
}

export const benchmark: Benchmark = {
  name: 'engine',
  description: 'training throughput of the flowers CNN (conv/BN/pool/dropout, Adam), Fovea vs PyTorch on the same libtorch',
  details:
    'Fovea and PyTorch (bench/ref/engine.py, run with /usr/bin/python3 or $FOVEA_PYTHON) take turns, round\n' +
    'after round, in one run; each result is the best round of each side. One JSON line per input size:\n' +
    '{"bench":"engine","size":64,"threads":2,"fovea_img_s":...,"pytorch_img_s":...,"ratio":...}\n\n' +
    "With glibc's default malloc, 30-50% of each step goes to page faults: big freed buffers go back to\n" +
    'the kernel and every step faults them in again. Fovea keeps freed memory for reuse by default\n' +
    '(FOVEA_MALLOC=system turns that off); PyTorch does not. --malloc-tuned reruns both sides with\n' +
    `  GLIBC_TUNABLES=${TUNED_MALLOC}\n` +
    'which gives the reference the same setting, to compare the engines themselves.',
  flags: {
    sizes: { type: 'string', default: '64,128', help: 'input sizes (square images, 3 channels), comma-separated' },
    threads: threadsFlag,
    batch: { type: 'string', default: '32', help: 'images per step' },
    steps: { type: 'string', default: 'auto', help: 'timed training steps per round and side (auto: 20 at 64x64, 5 at 128x128)' },
    warmup: { type: 'string', default: '2', help: 'untimed steps before each timed run' },
    rounds: { type: 'string', default: '8', help: 'timed runs per side, Fovea and PyTorch taking turns' },
    seed: { type: 'string', default: '0', help: 'random seed of weights and data' },
    'malloc-tuned': { type: 'boolean', help: 'both sides with glibc malloc keeping freed memory (GLIBC_TUNABLES; see above)' },
    'tidy-only': { type: 'boolean', help: "Fovea frees activations only when the step's T.tidy ends (slower; see bench/engine.ts)" },
    'skip-verify': { type: 'boolean', help: 'skip checking that both sides compute the same model' },
    tfjs: { type: 'boolean', help: `also time TF.js's pure-JS CPU backend at 64x64 (needs \`${TFJS_INSTALL}\`)` },
    'tfjs-steps': { type: 'string', default: '1', help: 'timed TF.js steps after one warm-up step (each takes about a minute)' },
  },
  run,
};
