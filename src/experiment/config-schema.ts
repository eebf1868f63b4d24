// The schema of an experiment config (YAML): data, augmentation, model, training and output.
// Names accepted for layers, optimisers and schedules come from their registries.
import { LAYER_TYPES } from '../nn/registry.js';
import { OPTIMIZER_NAMES } from '../train/optim/factory.js';
import { SCHEDULE_NAMES } from '../train/schedules/factory.js';
import { AUGMENT_SCHEMA } from './augment-schema.js';
import type { ObjectSchema, Schema } from './schema.js';

const int = (minimum?: number, extra: Partial<Schema> = {}): Schema => ({ type: 'integer', minimum, ...extra }) as Schema;
const num = (extra: Partial<Schema> = {}): Schema => ({ type: 'number', ...extra }) as Schema;
const str = (description?: string): Schema => ({ type: 'string', minLength: 1, description });
const fraction = (description: string, dflt?: number): Schema => ({ type: 'number', minimum: 0, exclusiveMaximum: 1, description, default: dflt });
const pair = (items: Schema, description: string): Schema => ({ type: 'array', items, minItems: 2, maxItems: 2, description });
const pair3 = (description: string): Schema => ({ type: 'array', items: num(), minItems: 3, maxItems: 3, description });

/** One Keras-style layer: `{type: Conv2D, filters: 32, kernel_size: 3, ...}`; options are checked when the layer is built. */
export const LAYER_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: { type: { type: 'enum', values: LAYER_TYPES, description: 'the layer class' } },
  required: ['type'],
  additionalProperties: true,
};

const DATA: ObjectSchema = {
  type: 'object',
  description: 'Where the images come from and how they are decoded.',
  properties: {
    root: str('a folder of class folders, or one with train/ and test/ (relative to the config file)'),
    train: str('a folder of class folders for training (instead of root)'),
    test: str('a folder of class folders for testing (with train)'),
    split: {
      type: 'object',
      description: 'fractions held out (stratified, seeded by `seed`)',
      properties: {
        val: fraction('fraction of the training images for validation', 0.2),
        test: fraction('fraction held out for testing when the data has no test folder', 0),
      },
      default: {},
    },
    per_class: {
      type: 'oneOf',
      description: 'few-shot: keep N training images per class; subset k (with seed) picks the k-th disjoint draw',
      options: [
        int(1),
        {
          type: 'object',
          properties: { n: int(1), subset: int(0, { default: 0 }), seed: int(0, { default: 0 }) },
          required: ['n'],
        },
      ],
    },
    image_size: { type: 'oneOf', options: [int(1), pair(int(1), '[height, width]')], description: 'decoded size: an integer or [height, width]' },
    resize: { type: 'enum', values: ['stretch', 'crop', 'pad'], default: 'crop', description: 'how images are fitted to image_size' },
    interpolation: { type: 'enum', values: ['nearest', 'bilinear', 'bicubic', 'lanczos3'], default: 'bilinear' },
    cache: { type: 'enum', values: ['memory', 'disk', 'none'], default: 'disk', description: 'keep decoded images on disk between runs, only in memory, or neither' },
    scale: { type: 'enum', values: ['unit', 'byte'], default: 'unit', description: "pixel values in 0..1 ('unit') or 0..255 ('byte')" },
  },
  anyOf: ['root', 'train'],
};

const MODEL: ObjectSchema = {
  type: 'object',
  description: 'Either a Keras-style list of layers, or a zoo architecture.',
  properties: {
    layers: { type: 'array', items: LAYER_SCHEMA, minItems: 1, description: 'Keras-style Sequential layers' },
    input_shape: { type: 'array', items: int(1), minItems: 3, maxItems: 3, description: '[channels, height, width] (as nn inputShape)' },
    arch: { ...str('a zoo architecture name (`fovea models` lists them)'), zooOnly: true },
    arch_options: {
      type: 'object',
      properties: {},
      additionalProperties: true,
      description: "architecture options, e.g. {width_mult: 0.5} for mobilenet_v2 or {alpha: 0.25} for mobilenet",
      zooOnly: true,
    },
    weights: { ...str('pretrained weights: a safetensors, PyTorch (.pt/.pth), ONNX or TF.js (model.json folder) file'), zooOnly: true },
    head: { type: 'array', items: LAYER_SCHEMA, minItems: 1, description: 'Keras-style layers replacing the classifier; they read the feature map (default: a new classifier for the data)', zooOnly: true },
    freeze: {
      type: 'oneOf',
      options: [
        { type: 'enum', values: ['none', 'all'] },
        { type: 'boolean' },
        {
          type: 'object',
          properties: {
            until: str('freeze the feature blocks up to and including this one'),
            all_but_last: int(0, { description: 'freeze every feature block except the last N with parameters' }),
          },
          exactlyOne: ['until', 'all_but_last'],
        },
      ],
      description: "which feature blocks are frozen (the head always trains): none, all (true), {until: BLOCK} or {all_but_last: N}",
      zooOnly: true,
    },
    truncate: { ...str('keep the feature blocks up to and including this one; the head attaches to its channels'), zooOnly: true },
    freeze_bn_stats: { type: 'boolean', description: 'batch norm layers keep normalising with their running (e.g. ImageNet) statistics while training', zooOnly: true },
    dropout_after_conv: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'dropout rate after every convolution of the feature path (training only)', zooOnly: true },
    normalize: {
      type: 'oneOf',
      options: [
        { type: 'enum', values: ['arch', 'none'] },
        {
          type: 'object',
          properties: { mean: pair3('per-channel mean of 0..1 pixels'), std: pair3('per-channel std of 0..1 pixels') },
          required: ['mean', 'std'],
        },
      ],
      description: "input normalisation: 'arch' (the architecture's pretrained mean/std, the default), 'none', or {mean, std}",
      zooOnly: true,
    },
  },
  exactlyOne: ['layers', 'arch'],
};

const OPTIMIZER: ObjectSchema = {
  type: 'object',
  description: 'optimiser name and hyper-parameters (options an optimiser lacks are rejected)',
  properties: {
    name: { type: 'enum', values: OPTIMIZER_NAMES },
    lr: num({ exclusiveMinimum: 0 }),
    momentum: num({ minimum: 0 }),
    weight_decay: num({ minimum: 0 }),
    nesterov: { type: 'boolean' },
    betas: pair(num({ minimum: 0, exclusiveMaximum: 1 }), '[beta1, beta2]'),
    eps: num({ exclusiveMinimum: 0 }),
    dampening: num({ minimum: 0 }),
    maximize: { type: 'boolean' },
    amsgrad: { type: 'boolean' },
    alpha: num({ minimum: 0 }),
    centered: { type: 'boolean' },
    lr_decay: num({ minimum: 0 }),
    initial_accumulator_value: num({ minimum: 0 }),
    rho: num({ minimum: 0 }),
    momentum_decay: num({ minimum: 0 }),
  },
  required: ['name'],
  default: { name: 'adam' },
};

const numOrList: Schema = { type: 'oneOf', options: [num(), { type: 'array', items: num() }] };

const SCHEDULE: ObjectSchema = {
  type: 'object',
  description: 'learning-rate schedule, sized by epochs and batches per epoch',
  properties: {
    name: { type: 'enum', values: [...SCHEDULE_NAMES, 'none'] },
    interval: { type: 'enum', values: ['epoch', 'step'] },
    step_size: int(1),
    gamma: num({ exclusiveMinimum: 0 }),
    milestones: { type: 'array', items: int(0) },
    t_max: int(1),
    eta_min: num({ minimum: 0 }),
    warmup_epochs: num({ minimum: 0 }),
    warmup_steps: int(0),
    min_lr: numOrList,
    min_lr_ratio: num({ minimum: 0 }),
    warmup_start_ratio: num({ minimum: 0 }),
    max_lr: numOrList,
    pct_start: num({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    div_factor: num({ exclusiveMinimum: 0 }),
    final_div_factor: num({ exclusiveMinimum: 0 }),
    anneal_strategy: { type: 'enum', values: ['cos', 'linear'] },
    three_phase: { type: 'boolean' },
    cycle_momentum: { type: 'boolean' },
    base_momentum: numOrList,
    max_momentum: numOrList,
    mode: { type: 'enum', values: ['min', 'max'] },
    factor: num({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    patience: int(0),
    threshold: num({ minimum: 0 }),
    threshold_mode: { type: 'enum', values: ['rel', 'abs'] },
    cooldown: int(0),
    eps: num({ minimum: 0 }),
  },
  required: ['name'],
};

const EARLY_STOPPING: ObjectSchema = {
  type: 'object',
  description: 'stop when the monitored metric stops improving (Keras EarlyStopping)',
  properties: {
    monitor: { type: 'string', minLength: 1, default: 'val_loss' },
    patience: int(0, { default: 5 }),
    min_delta: num({ minimum: 0, default: 0 }),
    mode: { type: 'enum', values: ['auto', 'min', 'max'], default: 'auto' },
    restore_best_weights: { type: 'boolean', default: true },
  },
};

const TRAIN: ObjectSchema = {
  type: 'object',
  properties: {
    epochs: int(1, { default: 10 }),
    batch_size: int(1, { default: 32 }),
    optimizer: OPTIMIZER,
    schedule: SCHEDULE,
    early_stopping: EARLY_STOPPING,
    loss: {
      type: 'object',
      properties: {
        label_smoothing: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0 },
        class_weights: {
          type: 'oneOf',
          options: [{ type: 'array', items: num({ minimum: 0 }), minItems: 1 }, { type: 'enum', values: ['balanced'] }],
          description: "per-class loss weights, or 'balanced' (inverse class frequency)",
        },
      },
      default: {},
    },
    metrics: {
      type: 'array',
      items: { type: 'string', pattern: /^(acc|accuracy|top_?\d+(_accuracy)?)$/, patternHint: "a metric name: 'accuracy' or 'topK' (e.g. 'top5')" },
      default: ['accuracy'],
    },
    gradual_unfreezing: {
      type: 'object',
      description: 'zoo: unfreeze frozen feature blocks from the last one back, blocks_per_step blocks every `every` epochs (fastai)',
      properties: {
        every: int(1, { description: 'epochs between steps' }),
        blocks_per_step: int(1, { default: 1 }),
        down_to: str('the earliest block to unfreeze (default: the first)'),
        start: int(0, { description: 'epoch of the first step (default: every)' }),
      },
      required: ['every'],
      zooOnly: true,
    },
    block_lr_decay: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'zoo: discriminative learning rates; each feature block gets this factor times the rate of the next (the head gets train.optimizer.lr)',
      zooOnly: true,
    },
    feature_cache: {
      type: 'oneOf',
      options: [
        { type: 'enum', values: ['auto', 'off'] },
        { type: 'object', properties: { copies: int(1, { description: 'augmented copies of each training image to cache' }) }, required: ['copies'] },
      ],
      description: "zoo: compute the frozen prefix's outputs once ('auto': when training images are not augmented), or cache {copies: k} augmented copies",
      zooOnly: true,
    },
    grad_clip: {
      type: 'oneOf',
      description: 'clip gradients: a max norm, or {max_norm, norm_type} / {value}',
      options: [
        num({ exclusiveMinimum: 0 }),
        {
          type: 'object',
          properties: { max_norm: num({ exclusiveMinimum: 0 }), value: num({ exclusiveMinimum: 0 }), norm_type: num({ exclusiveMinimum: 0 }) },
          anyOf: ['max_norm', 'value'],
        },
      ],
    },
  },
  default: {},
};

export const EXPERIMENT_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, patternHint: 'a name of letters, digits, ., _ and - (it names the run folder)' },
    description: { type: 'string' },
    seed: int(0, { default: 0 }),
    threads: int(0, { default: 0, description: 'CPU threads for libtorch; 0 uses every core (os.availableParallelism)' }),
    data: DATA,
    augment: AUGMENT_SCHEMA,
    model: MODEL,
    train: TRAIN,
    output: {
      type: 'object',
      properties: { dir: { type: 'string', minLength: 1, default: 'runs', description: 'runs go in <dir>/<name>-<timestamp>/' } },
      default: {},
    },
  },
  required: ['name', 'data', 'model'],
};
