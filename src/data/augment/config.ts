// Augmentation from a config object with Keras-like snake_case keys (the experiment YAML's
// `augment:` section). AUGMENT_KEYS describes every key for the config validator.
import * as T from '../../torch/index.js';
import type { Batch } from '../source.js';
import { applyColour, hasColour, type ColourOptions } from './colour.js';
import { applyErasing, type EraseOptions } from './erase.js';
import { applyGeometric, hasGeometric, type FillMode, type GeometricOptions } from './geometric.js';
import { applyMix, type MixOptions } from './mix.js';
import { applyNormalize, hasNormalize, type ChannelStats, type NormalizeOptions } from './normalize.js';
import type { AugmentContext } from './random.js';

export type Range = number | [number, number];

export interface AugmentConfig {
  horizontal_flip?: boolean;
  vertical_flip?: boolean;
  rotation_range?: number;
  zoom_range?: Range;
  width_shift_range?: number;
  height_shift_range?: number;
  shear_range?: number;
  fill_mode?: FillMode;
  cval?: number;
  brightness_range?: [number, number];
  contrast?: Range;
  saturation?: Range;
  random_resized_crop?: boolean | { scale?: [number, number]; ratio?: [number, number] };
  random_erasing?: boolean | { p?: number; scale?: [number, number]; ratio?: [number, number]; value?: number | 'random' };
  mixup?: { alpha: number };
  cutmix?: { alpha: number };
  mix_switch_prob?: number;
  featurewise_center?: boolean;
  featurewise_std_normalization?: boolean;
  samplewise_center?: boolean;
  samplewise_std_normalization?: boolean;
}

export type KeyKind = 'boolean' | 'number' | 'range' | 'pair' | 'enum' | 'object' | 'boolean|object';

/** Every allowed key: its kind, allowed values (enums) and a description. */
export const AUGMENT_KEYS: Record<keyof AugmentConfig, { kind: KeyKind; values?: readonly string[]; keys?: readonly string[]; description: string }> = {
  horizontal_flip: { kind: 'boolean', description: 'flip left-right with probability 0.5' },
  vertical_flip: { kind: 'boolean', description: 'flip top-bottom with probability 0.5' },
  rotation_range: { kind: 'number', description: 'rotation in degrees, uniform in [-r, r]' },
  zoom_range: { kind: 'range', description: 'z: zoom in [1-z, 1+z], or [lo, hi]' },
  width_shift_range: { kind: 'number', description: 'horizontal shift, fraction of the width' },
  height_shift_range: { kind: 'number', description: 'vertical shift, fraction of the height' },
  shear_range: { kind: 'number', description: 'shear angle in degrees' },
  fill_mode: { kind: 'enum', values: ['nearest', 'reflect', 'constant'], description: 'how points outside the image are filled' },
  cval: { kind: 'number', description: "fill value for fill_mode 'constant'" },
  brightness_range: { kind: 'pair', description: 'brightness factor range [lo, hi]' },
  contrast: { kind: 'range', description: 'c: contrast factor in [1-c, 1+c], or [lo, hi]' },
  saturation: { kind: 'range', description: 's: saturation factor in [1-s, 1+s], or [lo, hi]' },
  random_resized_crop: { kind: 'boolean|object', keys: ['scale', 'ratio'], description: 'torchvision RandomResizedCrop' },
  random_erasing: { kind: 'boolean|object', keys: ['p', 'scale', 'ratio', 'value'], description: 'torchvision RandomErasing' },
  mixup: { kind: 'object', keys: ['alpha'], description: 'mixup with Beta(alpha, alpha)' },
  cutmix: { kind: 'object', keys: ['alpha'], description: 'cutmix with Beta(alpha, alpha)' },
  mix_switch_prob: { kind: 'number', description: 'chance of cutmix when both mixup and cutmix are on' },
  featurewise_center: { kind: 'boolean', description: 'subtract the training split per-channel mean' },
  featurewise_std_normalization: { kind: 'boolean', description: 'divide by the training split per-channel std' },
  samplewise_center: { kind: 'boolean', description: 'subtract each image its own mean' },
  samplewise_std_normalization: { kind: 'boolean', description: 'divide each image by its own std' },
};

export class AugmentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AugmentConfigError';
  }
}

function bad(key: string, msg: string): never {
  throw new AugmentConfigError(`augment.${key}: ${msg}`);
}

function isPair(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && v[0] <= v[1];
}

/** Checks keys and value types; throws an error naming the key and what is allowed. */
export function validateAugmentConfig(cfg: Record<string, unknown>): AugmentConfig {
  for (const [k, v] of Object.entries(cfg)) {
    const spec = AUGMENT_KEYS[k as keyof AugmentConfig];
    if (!spec) bad(k, `unknown key; allowed: ${Object.keys(AUGMENT_KEYS).join(', ')}`);
    switch (spec.kind) {
      case 'boolean':
        if (typeof v !== 'boolean') bad(k, `expected true or false, got ${JSON.stringify(v)}`);
        break;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(k, `expected a non-negative number, got ${JSON.stringify(v)}`);
        break;
      case 'range':
        if (!(typeof v === 'number' && v >= 0) && !isPair(v)) bad(k, `expected a non-negative number or [lo, hi], got ${JSON.stringify(v)}`);
        break;
      case 'pair':
        if (!isPair(v)) bad(k, `expected [lo, hi] with lo <= hi, got ${JSON.stringify(v)}`);
        break;
      case 'enum':
        if (!spec.values!.includes(String(v))) bad(k, `expected one of ${spec.values!.join(', ')}, got ${JSON.stringify(v)}`);
        break;
      case 'object':
      case 'boolean|object':
        if (spec.kind === 'boolean|object' && typeof v === 'boolean') break;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(k, `expected an object with keys ${spec.keys!.join(', ')}`);
        for (const sub of Object.keys(v as object)) {
          if (!spec.keys!.includes(sub)) bad(`${k}.${sub}`, `unknown key; allowed: ${spec.keys!.join(', ')}`);
        }
        if (spec.keys!.includes('alpha') && !(typeof (v as { alpha?: unknown }).alpha === 'number' && (v as { alpha: number }).alpha > 0)) {
          bad(`${k}.alpha`, 'expected a positive number');
        }
        break;
    }
  }
  return cfg as AugmentConfig;
}

function factorRange(r: Range | undefined): [number, number] | undefined {
  if (r === undefined || r === 0) return undefined;
  return typeof r === 'number' ? [Math.max(0, 1 - r), 1 + r] : r;
}

export interface Augmentation {
  /** Transforms a training batch: augmentation, mixing (soft labels), then normalisation. */
  train(batch: Batch, ctx: AugmentContext): Batch;
  /** What validation, test and prediction batches get: normalisation only. */
  eval(x: T.Tensor): T.Tensor;
  /** True when training labels become soft targets [B, C] (mixup, cutmix). */
  readonly softLabels: boolean;
  /** True when nothing random happens (a frozen backbone's features can then be cached). */
  readonly deterministic: boolean;
}

export interface CreateAugmentationOptions {
  numClasses: number;
  /** Training split statistics, needed by the feature-wise options. */
  stats?: ChannelStats;
  /** 1 for unit-scaled images (default), 255 for byte-scaled. */
  maxValue?: number;
}

export function createAugmentation(raw: Record<string, unknown> | undefined, o: CreateAugmentationOptions): Augmentation {
  const cfg = validateAugmentConfig(raw ?? {});
  const geo: GeometricOptions = {
    horizontalFlip: cfg.horizontal_flip,
    verticalFlip: cfg.vertical_flip,
    rotationRange: cfg.rotation_range,
    zoomRange: cfg.zoom_range,
    widthShiftRange: cfg.width_shift_range,
    heightShiftRange: cfg.height_shift_range,
    shearRange: cfg.shear_range,
    fillMode: cfg.fill_mode,
    cval: cfg.cval,
    randomResizedCrop: cfg.random_resized_crop === true ? {} : cfg.random_resized_crop || undefined,
  };
  const colour: ColourOptions = {
    brightness: cfg.brightness_range,
    contrast: factorRange(cfg.contrast),
    saturation: factorRange(cfg.saturation),
    maxValue: o.maxValue ?? 1,
  };
  const erase: EraseOptions | undefined = cfg.random_erasing === true ? {} : cfg.random_erasing || undefined;
  const mix: MixOptions | undefined = cfg.mixup || cfg.cutmix ? { mixup: cfg.mixup, cutmix: cfg.cutmix, switchProb: cfg.mix_switch_prob, numClasses: o.numClasses } : undefined;
  const norm: NormalizeOptions = {
    featurewiseCenter: cfg.featurewise_center,
    featurewiseStdNormalization: cfg.featurewise_std_normalization,
    samplewiseCenter: cfg.samplewise_center,
    samplewiseStdNormalization: cfg.samplewise_std_normalization,
    stats: o.stats,
  };
  if ((norm.featurewiseCenter || norm.featurewiseStdNormalization) && !o.stats) {
    throw new AugmentConfigError('augment.featurewise_*: needs the training split statistics (channelStats)');
  }
  const doGeo = hasGeometric(geo);
  const doColour = hasColour(colour);
  const doNorm = hasNormalize(norm);
  const evalFn = (x: T.Tensor): T.Tensor => (doNorm ? applyNormalize(x, norm) : x.clone());
  return {
    softLabels: mix !== undefined,
    deterministic: !doGeo && !doColour && !erase && !mix,
    eval: evalFn,
    train(batch: Batch, ctx: AugmentContext): Batch {
      return T.tidy(() => {
        let x = batch.x;
        let y = batch.y;
        if (doGeo) x = applyGeometric(x, geo, ctx);
        if (doColour) x = applyColour(x, colour, ctx);
        if (erase) x = applyErasing(x, erase, ctx);
        if (mix) ({ x, y } = applyMix(x, y, mix, ctx));
        if (doNorm) x = applyNormalize(x, norm);
        if (x === batch.x) x = x.clone();
        if (y === batch.y) y = y.clone();
        return { x, y };
      });
    },
  };
}
