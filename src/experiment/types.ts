// The resolved experiment config: what loadConfig returns (defaults filled, shorthands expanded,
// data paths absolute). Matches EXPERIMENT_SCHEMA in config-schema.ts.
import type { AugmentConfig } from '../data/augment/config.js';
import type { OptimizerConfig } from '../train/optim/factory.js';
import type { ScheduleConfig } from '../train/schedules/factory.js';
import type { Json } from './schema.js';

/** A Keras-style layer config: `{type: 'Conv2D', filters: 32, kernel_size: 3, ...}`. */
export interface LayerSpec {
  type: string;
  [option: string]: Json;
}

export interface PerClass {
  /** Training images kept per class. */
  n: number;
  /** Which disjoint draw of n per class (0, 1, ...). */
  subset: number;
  seed: number;
}

export interface DataConfig {
  root?: string;
  train?: string;
  test?: string;
  split: { val: number; test: number };
  per_class?: PerClass;
  /** [height, width]; an integer in the file means a square. */
  image_size?: [number, number];
  resize: 'stretch' | 'crop' | 'pad';
  interpolation: 'nearest' | 'bilinear' | 'bicubic' | 'lanczos3';
  cache: 'memory' | 'disk' | 'none';
  scale: 'unit' | 'byte';
}

/** The `augment:` section, as src/data/augment defines it. */
export type { AugmentConfig };

export interface ModelConfig {
  layers?: LayerSpec[];
  /** [channels, height, width]. */
  input_shape?: [number, number, number];
  /** Zoo only from here on. */
  arch?: string;
  /** Architecture options in snake_case (e.g. {width_mult: 0.5}). */
  arch_options?: Record<string, Json>;
  /** A weights file (safetensors, .pt/.pth, ONNX, TF.js folder). */
  weights?: string;
  head?: LayerSpec[];
  freeze?: FreezeConfig;
  truncate?: string;
  dropout_after_conv?: number;
  freeze_bn_stats?: boolean;
  normalize?: 'arch' | 'none' | { mean: [number, number, number]; std: [number, number, number] };
}

/** 'none', 'all' (true), false ('none'), {until: BLOCK} or {all_but_last: N}. */
export type FreezeConfig = 'none' | 'all' | boolean | { until: string } | { all_but_last: number };

export interface GradualUnfreezingConfig {
  every: number;
  blocks_per_step: number;
  down_to?: string;
  start?: number;
}

export interface EarlyStoppingConfig {
  monitor: string;
  patience: number;
  min_delta: number;
  mode: 'auto' | 'min' | 'max';
  restore_best_weights: boolean;
}

export interface LossConfig {
  label_smoothing: number;
  class_weights?: number[] | 'balanced';
}

export type GradClipConfig = number | { max_norm?: number; value?: number; norm_type?: number };

export interface TrainConfig {
  epochs: number;
  batch_size: number;
  optimizer: OptimizerConfig;
  schedule?: ScheduleConfig;
  early_stopping?: EarlyStoppingConfig;
  loss: LossConfig;
  metrics: string[];
  grad_clip?: GradClipConfig;
  /** Zoo only. */
  gradual_unfreezing?: GradualUnfreezingConfig;
  block_lr_decay?: number;
  feature_cache?: 'auto' | 'off' | { copies: number };
}

export interface ExperimentConfig {
  name: string;
  description?: string;
  seed: number;
  threads: number;
  data: DataConfig;
  augment?: AugmentConfig;
  model: ModelConfig;
  train: TrainConfig;
  output: { dir: string };
}

