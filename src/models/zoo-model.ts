// The one contract every zoo architecture follows (timm's): a registry name, a default config
// (input size, mean, std, classifier name), forwardFeatures / forwardHead, resetClassifier, and
// the feature path as an ordered list of named blocks, so surgery (freeze up to a block,
// truncate, swap the head) and feature caching never special-case an architecture.
import { disposeConsumed, noGrad, tidy, zeros, type Tensor } from '../torch/index.js';
import { Module } from '../nn/module.js';
import { Identity, Linear } from '../nn/modules/index.js';

export interface ArchConfig {
  /** Registry name, e.g. 'resnet50'. */
  name: string;
  /** Input [C, H, W] the architecture was designed and pretrained for. */
  inputSize: [number, number, number];
  /** Per-channel mean and std applied to pixels scaled to [0, 1]. */
  mean: [number, number, number];
  std: [number, number, number];
  /** Dotted path of the final classifier module (replaced by resetClassifier). */
  classifier: string;
  /** Channels of the feature map forwardFeatures returns (the classifier's input width). */
  numFeatures: number;
  /** Classes of the default classifier. */
  numClasses: number;
  /** Whose definition the parameter names follow. */
  source: 'torchvision' | 'keras';
  /** Resize before the centre crop, as the pretrained weights were evaluated (e.g. 256 for 224). */
  resizeShortSide?: number;
}

/** One step of the feature path. */
export interface Block {
  /** Name users give to freeze / truncate / read outputs (a torchvision or Keras module name). */
  name: string;
  module: Module;
}

export abstract class ZooModel extends Module {
  /** Head that replaced the default one (model surgery), registered as child 'head'. */
  private customHead: Module | null = null;
  /** Number of feature blocks kept after truncation (all when null). */
  private keptBlocks: number | null = null;

  constructor(readonly config: ArchConfig) {
    super(config.name);
  }

  /** The full feature path, stem to last block, in execution order. */
  protected abstract featureBlocks(): Block[];

  /** The architecture's own head: feature map -> logits (or pooled features when preLogits). */
  protected abstract defaultHead(features: Tensor, preLogits: boolean): Tensor;

  /** Top-level children that make up the default head (removed when a custom head replaces it). */
  protected abstract readonly headModules: string[];

  /** Feature blocks in use (after truncation). */
  blocks(): Block[] {
    const all = this.featureBlocks();
    return this.keptBlocks === null ? all : all.slice(0, this.keptBlocks);
  }

  blockNames(): string[] {
    return this.blocks().map((b) => b.name);
  }

  /** Index of a block by name; the error lists the valid names. */
  blockIndex(name: string): number {
    const names = this.blockNames();
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`${this.config.name}: no block '${name}'; blocks: ${names.join(', ')}`);
    return i;
  }

  /**
   * Runs the feature path from block `from` (inclusive) to block `to` (exclusive). Each block runs
   * in its own tidy scope, so its intermediate tensors are freed when it ends (autograd keeps what
   * backward needs), and each block's output once the next block has consumed it: inference
   * holds about one block's activations at a time, not the whole network's. Forward hooks that
   * hand out outputs (of blocks or of modules inside them) must adopt() them into their own scope
   * (see surgery's forwardWithOutputs).
   */
  forwardBlocks(x: Tensor, from = 0, to?: number): Tensor {
    const bs = this.blocks().slice(from, to);
    const first = x;
    for (const b of bs) {
      const input = x;
      x = tidy(() => b.module.call(input));
      // a consumed block output goes now, unless a hook handed it out (adopt) or it is the caller's
      disposeConsumed(input, first, x);
    }
    return x;
  }

  /** Image batch [N, C, H, W] -> last feature map [N, C', H', W']. */
  forwardFeatures(x: Tensor): Tensor {
    return this.forwardBlocks(x);
  }

  /** Feature map -> logits; preLogits returns the pooled features the classifier reads. */
  forwardHead(features: Tensor, o: { preLogits?: boolean } = {}): Tensor {
    if (this.customHead) return this.customHead.call(features);
    return this.defaultHead(features, o.preLogits ?? false);
  }

  forward(x: Tensor): Tensor {
    return this.forwardHead(this.forwardFeatures(x));
  }

  get hasCustomHead(): boolean {
    return this.customHead !== null;
  }

  get truncated(): boolean {
    return this.keptBlocks !== null;
  }

  /** A new classifier for numClasses (0: the head returns pooled features). */
  resetClassifier(numClasses: number): this {
    if (this.customHead) throw new Error(`${this.config.name}: the head was replaced; build a new head instead of resetClassifier`);
    const path = this.config.classifier;
    const old = this.getModule(path);
    const inFeatures = old instanceof Linear ? old.inFeatures : this.config.numFeatures;
    const fresh = numClasses > 0 ? new Linear(inFeatures, numClasses) : Identity();
    const dot = path.lastIndexOf('.');
    const parent = dot < 0 ? this : this.getModule(path.slice(0, dot));
    parent.replaceModule(dot < 0 ? path : path.slice(dot + 1), fresh);
    old.dispose();
    this.config.numClasses = numClasses;
    return this;
  }

  /** Replaces the head with `head` (it receives the feature map); the default head's modules go. */
  replaceHead(head: Module): this {
    if (this.customHead) {
      this.removeModule('head').dispose();
    } else {
      for (const name of this.headModules) {
        if (this.child(name)) this.removeModule(name).dispose();
      }
    }
    this.registerModule('head', head);
    this.customHead = head;
    return this;
  }

  /** Keeps the feature blocks up to and including `blockName`; needs a new head (replaceHead). */
  truncateAfter(blockName: string): this {
    const i = this.blockIndex(blockName);
    const dropped = this.blocks().slice(i + 1);
    this.keptBlocks = i + 1;
    // the dropped blocks' parameters leave the model (and its state dict)
    for (const b of dropped) {
      const path = this.pathOf(b.module);
      if (path === null) continue;
      const dot = path.lastIndexOf('.');
      const parent = dot < 0 ? this : this.getModule(path.slice(0, dot));
      parent.removeModule(dot < 0 ? path : path.slice(dot + 1)).dispose();
    }
    return this;
  }

  /** Dotted path of a registered module, or null when it is not registered (parameter-free steps). */
  pathOf(m: Module): string | null {
    for (const [name, mod] of this.namedModules()) if (mod === m && name !== '') return name;
    return null;
  }

  /** Output shape [C, H, W] of the feature path for an input [C, H, W] (one dummy forward). */
  featureShape(inputSize: readonly number[] = this.config.inputSize): number[] {
    const wasTraining = this.training;
    this.eval();
    try {
      return tidy(() => noGrad(() => this.forwardFeatures(zeros([1, ...inputSize])).shape.slice(1)));
    } finally {
      this.train(wasTraining);
    }
  }
}
