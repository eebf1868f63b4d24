// NASNet-A Mobile (Zoph et al. 2018) as keras.applications.NASNetMobile defines it (224x224,
// penultimate_filters 1056, num_blocks 4, stem_block_filters 32, skip_reduction False) — the
// current Keras definition, where strided separable convolutions and the reduction cells' strided
// poolings read a ZeroPadding2D(correct_pad) input with 'valid' windows (so those poolings count
// the zero padding), and the 'same' stride-1 average poolings exclude it.
//
// Module tree: stem_conv1, stem_bn1, then one child per cell named after its Keras block id —
// cell_stem_1, cell_stem_2, cell_0 ... cell_3, cell_reduce_4, cell_5 ... cell_8, cell_reduce_8,
// cell_9 ... cell_12 — then the final relu and 'predictions'. Inside a cell: 'adjust' (Keras
// adjust_conv_1/2 + adjust_bn, or adjust_conv_projection + adjust_bn), conv_1 / bn_1 (Keras
// normal_conv_1_<id> / normal_bn_1_<id>, reduction_*), and the separable blocks left1, right1, ...
// (Keras block ids normal_left1_<id>, ...), each with children separable_conv_1,
// separable_conv_1_bn, separable_conv_2, separable_conv_2_bn. kerasNames() gives the Keras name
// of every weighted layer for the Keras importer.
//
// Feature blocks are the stem layers, the cells and the final relu. A cell reads two tensors (its
// input x and the previous cell's input p), so a cell block passes both on packed along channels:
// [x, p], where a p at twice the resolution (after a reduction cell) is space-to-depth packed
// (zero-padded to even size, 2x2 pixel unshuffle). The last cell returns x alone, so
// forwardFeatures returns the 1056-channel map Keras's last Activation('relu') gives; an
// intermediate block's output (truncation) is the packed pair.
import type { Tensor } from '../../torch/index.js';
import * as T from '../../torch/index.js';
import { F } from '../../torch/index.js';
import { Module } from '../../nn/module.js';
import { Conv2d, Identity, Linear, ReLU, SeparableConv2d } from '../../nn/modules/index.js';
import { registerArch, type CreateOptions } from '../registry.js';
import { ZooModel, type Block } from '../zoo-model.js';
import { kerasBN, kerasConfig, kerasInit, padSame, kerasPreprocessing } from './keras-ops.js';

/** Input size, mean/std and resize of the pretrained weights' evaluation (registry and config). */
const PREPROCESSING = kerasPreprocessing();

const BN_MOMENTUM = 0.9997;
const bn = (c: number): Module => kerasBN(c, { momentum: BN_MOMENTUM });
const conv1x1 = (inC: number, outC: number): Conv2d => new Conv2d(inC, outC, 1, { bias: false });

/** Keras _separable_conv_block: relu, [pad], sepconv(stride), bn, relu, sepconv, bn. */
export class NasSepBlock extends Module {
  constructor(
    inC: number,
    filters: number,
    readonly kernel: number,
    readonly stride: number,
  ) {
    super('separableconvblock');
    const same = (kernel - 1) / 2;
    this.registerModule('separable_conv_1', new SeparableConv2d(inC, filters, kernel, { stride, padding: stride === 1 ? same : 0, bias: false }));
    this.registerModule('separable_conv_1_bn', bn(filters));
    this.registerModule('separable_conv_2', new SeparableConv2d(filters, filters, kernel, { padding: same, bias: false }));
    this.registerModule('separable_conv_2_bn', bn(filters));
  }

  forward(x: Tensor): Tensor {
    let y = x.relu();
    if (this.stride !== 1) y = padSame(y, this.kernel, this.stride);
    y = this.child('separable_conv_1_bn')!.call(this.child('separable_conv_1')!.call(y));
    y = y.relu();
    return this.child('separable_conv_2_bn')!.call(this.child('separable_conv_2')!.call(y));
  }
}

/** Keras _adjust_block when p is at twice ip's resolution: two offset 1x1 stride-2 paths, concat, bn. */
export class NasAdjustReduction extends Module {
  constructor(inC: number, filters: number) {
    super('adjustreduction');
    this.registerModule('conv_1', conv1x1(inC, Math.floor(filters / 2)));
    this.registerModule('conv_2', conv1x1(inC, Math.floor(filters / 2)));
    this.registerModule('bn', bn(2 * Math.floor(filters / 2)));
  }

  forward(p: Tensor): Tensor {
    const r = p.relu();
    const p1 = this.child('conv_1')!.call(F.avgPool2d(r, 1, { stride: 2 }));
    // ZeroPadding2D(((0, 1), (0, 1))) + Cropping2D(((1, 0), (1, 0))): shift up-left by one pixel
    const shifted = F.pad(r, [0, 1, 0, 1]);
    const cropped = shifted.narrow(2, 1, shifted.shape[2] - 1).narrow(3, 1, shifted.shape[3] - 1);
    const p2 = this.child('conv_2')!.call(F.avgPool2d(cropped, 1, { stride: 2 }));
    return this.child('bn')!.call(T.cat([p1, p2], { dim: 1 }));
  }
}

/** Keras _adjust_block when p has the right resolution but not `filters` channels: relu, 1x1 conv, bn. */
export class NasAdjustProjection extends Module {
  constructor(inC: number, filters: number) {
    super('adjustprojection');
    this.registerModule('conv_projection', conv1x1(inC, filters));
    this.registerModule('bn', bn(filters));
  }

  forward(p: Tensor): Tensor {
    return this.child('bn')!.call(this.child('conv_projection')!.call(p.relu()));
  }
}

/** Space-to-depth by 2 after zero-padding H and W to even sizes (inverse: pixelShuffle(2)). */
function pixelUnshuffle2(x: Tensor): Tensor {
  const [n, c, h, w] = x.shape;
  const y = h % 2 || w % 2 ? F.pad(x, [0, w % 2, 0, h % 2]) : x;
  const hh = Math.ceil(h / 2);
  const ww = Math.ceil(w / 2);
  return y.reshape([n, c, hh, 2, ww, 2]).permute([0, 1, 3, 5, 2, 4]).reshape([n, c * 4, hh, ww]);
}

interface CellIO {
  /** Channels of the cell input x. */
  xChannels: number;
  /** Channels of the previous cell's input p (0: none, p = x). */
  pChannels: number;
  /** p is at twice x's resolution (packed space-to-depth). */
  pReduced: boolean;
}

export type CellKind = 'normal' | 'reduction';

/** One NASNet-A cell (Keras _normal_a_cell / _reduction_a_cell) on a packed [x, p] input. */
export class NasCell extends Module {
  /** Keras name of each weighted layer -> path inside the cell. */
  readonly kerasLayers = new Map<string, string>();
  /** Whether the output carries p on (false for the last cell). */
  packOutput = true;

  constructor(
    readonly kind: CellKind,
    readonly blockId: string,
    readonly io: CellIO,
    readonly filters: number,
  ) {
    super(`cell_${blockId}`);
    const id = blockId;
    let pC = io.pChannels || io.xChannels;
    if (io.pChannels && io.pReduced) {
      this.registerModule('adjust', new NasAdjustReduction(io.pChannels, filters));
      this.kerasLayers.set(`adjust_conv_1_${id}`, 'adjust.conv_1').set(`adjust_conv_2_${id}`, 'adjust.conv_2').set(`adjust_bn_${id}`, 'adjust.bn');
      pC = 2 * Math.floor(filters / 2);
    } else if (io.pChannels && io.pChannels !== filters) {
      this.registerModule('adjust', new NasAdjustProjection(io.pChannels, filters));
      this.kerasLayers.set(`adjust_conv_projection_${id}`, 'adjust.conv_projection').set(`adjust_bn_${id}`, 'adjust.bn');
      pC = filters;
    }
    this.registerModule('conv_1', conv1x1(io.xChannels, filters));
    this.registerModule('bn_1', bn(filters));
    this.kerasLayers.set(`${kind}_conv_1_${id}`, 'conv_1').set(`${kind}_bn_1_${id}`, 'bn_1');
    const sepBlock = (name: string, inC: number, k: number, stride: number): void => {
      this.registerModule(name, new NasSepBlock(inC, filters, k, stride));
      for (const l of ['separable_conv_1', 'separable_conv_1_bn', 'separable_conv_2', 'separable_conv_2_bn']) {
        this.kerasLayers.set(`${l}_${kind}_${name}_${id}`, `${name}.${l}`);
      }
    };
    if (kind === 'normal') {
      sepBlock('left1', filters, 5, 1);
      sepBlock('right1', pC, 3, 1);
      sepBlock('left2', pC, 5, 1);
      sepBlock('right2', pC, 3, 1);
      sepBlock('left5', filters, 3, 1);
    } else {
      sepBlock('left1', filters, 5, 2);
      sepBlock('right1', pC, 7, 2);
      sepBlock('right2', pC, 7, 2);
      sepBlock('right3', pC, 5, 2);
      sepBlock('left4', filters, 3, 1);
    }
    this.outChannels = (kind === 'normal' ? 6 : 4) * filters;
  }

  readonly outChannels: number;

  forward(packed: Tensor): Tensor {
    const { xChannels, pChannels, pReduced } = this.io;
    const ip = pChannels ? packed.narrow(1, 0, xChannels) : packed;
    let p = ip;
    if (pChannels) {
      const raw = packed.narrow(1, xChannels, packed.shape[1] - xChannels);
      p = pReduced ? raw.pixelShuffle(2) : raw;
    }
    const adjust = this.child('adjust');
    if (adjust) p = adjust.call(p);
    const h = this.child('bn_1')!.call(this.child('conv_1')!.call(ip.relu()));
    const c = (n: string): Module => this.child(n)!;
    const avg3 = (t: Tensor): Tensor => F.avgPool2d(t, 3, { stride: 1, padding: 1, countIncludePad: false });
    let x: Tensor;
    if (this.kind === 'normal') {
      const x1 = c('left1').call(h).add(c('right1').call(p));
      const x2 = c('left2').call(p).add(c('right2').call(p));
      const x3 = avg3(h).add(p);
      const x4 = avg3(p).add(avg3(p));
      const x5 = c('left5').call(h).add(h);
      x = T.cat([p, x1, x2, x3, x4, x5], { dim: 1 });
    } else {
      const h3 = padSame(h, 3, 2);
      const x1 = c('left1').call(h).add(c('right1').call(p));
      const x2 = F.maxPool2d(h3, 3, { stride: 2 }).add(c('right2').call(p));
      const x3 = F.avgPool2d(h3, 3, { stride: 2 }).add(c('right3').call(p));
      const x4 = avg3(x1).add(x2);
      const x5 = c('left4').call(x1).add(F.maxPool2d(h3, 3, { stride: 2 }));
      x = T.cat([x2, x3, x4, x5], { dim: 1 });
    }
    if (!this.packOutput) return x;
    // the next cell's p is this cell's input
    return T.cat([x, this.kind === 'reduction' ? pixelUnshuffle2(ip) : ip], { dim: 1 });
  }
}

export interface NASNetOptions {
  numClasses?: number;
  penultimateFilters?: number;
  numBlocks?: number;
  stemBlockFilters?: number;
  filterMultiplier?: number;
  name?: string;
  size?: number;
}

export class NASNet extends ZooModel {
  protected readonly headModules = ['predictions'];
  private readonly allBlocks: Block[] = [];
  private readonly kerasMap = new Map<string, string>();

  constructor(o: NASNetOptions = {}) {
    const numClasses = o.numClasses ?? 1000;
    const penultimate = o.penultimateFilters ?? 1056;
    const numBlocks = o.numBlocks ?? 4;
    const mult = o.filterMultiplier ?? 2;
    if (penultimate % (24 * mult ** 2) !== 0) throw new Error(`NASNet: penultimateFilters must be a multiple of 24 * filterMultiplier^2, got ${penultimate}`);
    const filters = penultimate / 24;
    super(kerasConfig(o.name ?? 'nasnet_mobile', 'predictions', penultimate, numClasses, kerasPreprocessing(o.size ?? 224)));
    const add = (name: string, m: Module): void => {
      this.registerModule(name, m);
      m.name = name;
      this.allBlocks.push({ name, module: m });
    };
    const stemC = o.stemBlockFilters ?? 32;
    add('stem_conv1', new Conv2d(3, stemC, 3, { stride: 2, bias: false }));
    add('stem_bn1', bn(stemC));
    this.kerasMap.set('stem_conv1', 'stem_conv1').set('stem_bn1', 'stem_bn1');
    let io: CellIO = { xChannels: stemC, pChannels: 0, pReduced: false };
    const cells: NasCell[] = [];
    const cell = (kind: CellKind, id: string, f: number): void => {
      const c = new NasCell(kind, id, io, f);
      add(`cell_${id}`, c);
      for (const [k, v] of c.kerasLayers) this.kerasMap.set(k, `cell_${id}.${v}`);
      cells.push(c);
      // skip_reduction=False: after a reduction cell p is the reduction cell's input
      io = { xChannels: c.outChannels, pChannels: io.xChannels, pReduced: kind === 'reduction' };
    };
    cell('reduction', 'stem_1', Math.floor(filters / mult ** 2));
    cell('reduction', 'stem_2', Math.floor(filters / mult));
    for (let i = 0; i < numBlocks; i++) cell('normal', `${i}`, filters);
    cell('reduction', `reduce_${numBlocks}`, filters * mult);
    for (let i = 0; i < numBlocks; i++) cell('normal', `${numBlocks + i + 1}`, filters * mult);
    cell('reduction', `reduce_${2 * numBlocks}`, filters * mult ** 2);
    for (let i = 0; i < numBlocks; i++) cell('normal', `${2 * numBlocks + i + 1}`, filters * mult ** 2);
    cells[cells.length - 1].packOutput = false;
    add('relu', ReLU());
    this.registerModule('predictions', numClasses > 0 ? new Linear(penultimate, numClasses) : Identity());
    this.kerasMap.set('predictions', 'predictions');
    kerasInit(this, 'he_normal');
  }

  /** Keras layer name -> module path of every weighted layer (used by the Keras importer). */
  kerasNames(): Map<string, string> {
    return new Map(this.kerasMap);
  }

  protected featureBlocks(): Block[] {
    return this.allBlocks;
  }

  protected defaultHead(x: Tensor, preLogits: boolean): Tensor {
    const pooled = x.mean([2, 3]);
    return preLogits ? pooled : this.child('predictions')!.call(pooled);
  }
}

registerArch('nasnet_mobile', (o: CreateOptions) => new NASNet({ numClasses: o.numClasses }), PREPROCESSING);
