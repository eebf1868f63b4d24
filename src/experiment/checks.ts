// Checks across keys that the schema cannot express, on a schema-valid config, and the
// normalisation of shorthands (image_size: 64 -> [64, 64]; per_class: 40 -> {n: 40, ...}).
import { validateAugmentConfig } from '../data/augment/config.js';
import { layerFromConfig } from '../nn/registry.js';
import { optimizerOptionsFromConfig, type OptimizerConfig } from '../train/optim/factory.js';
import { archNames } from '../models/index.js';
import { EXPERIMENT_SCHEMA } from './config-schema.js';
import { didYouMean } from './suggest.js';
import type { Json, JsonObject, ObjectSchema } from './schema.js';

function obj(v: Json | undefined): JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

/** Each layer's options, checked by constructing it (layers build their weights lazily, so this is cheap). */
function layerChecks(model: JsonObject, key: 'layers' | 'head'): string[] {
  const list = model[key];
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  list.forEach((layer, i) => {
    try {
      layerFromConfig(obj(layer));
    } catch (e) {
      out.push(`model.${key}[${i}]: ${(e as Error).message}`);
    }
  });
  return out;
}

/** Problems between keys: data sources, split fractions; optimiser, augmentation and layer options. */
export function crossChecks(cfg: JsonObject): string[] {
  const out: string[] = [];
  const data = obj(cfg.data);
  if (data.root !== undefined && (data.train !== undefined || data.test !== undefined)) {
    out.push("data: give either 'data.root' or 'data.train' (+ 'data.test'), not both");
  }
  if (data.test !== undefined && data.train === undefined && data.root === undefined) out.push("data.test: needs 'data.train'");
  const split = obj(data.split);
  if (typeof split.val === 'number' && typeof split.test === 'number' && split.val + split.test >= 1) {
    out.push(`data.split: val + test must be below 1, got ${split.val} + ${split.test}`);
  }
  const shape = obj(cfg.model).input_shape;
  const size = typeof data.image_size === 'number' ? [data.image_size, data.image_size] : data.image_size;
  if (Array.isArray(shape) && Array.isArray(size) && (shape[1] !== size[0] || shape[2] !== size[1])) {
    out.push(`model.input_shape: [channels, height, width] ${JSON.stringify(shape)} does not match data.image_size ${JSON.stringify(size)}`);
  }
  const optimizer = obj(obj(cfg.train).optimizer);
  if (typeof optimizer.name === 'string') {
    try {
      optimizerOptionsFromConfig(optimizer as unknown as OptimizerConfig);
    } catch (e) {
      out.push(`train.optimizer: ${(e as Error).message}`);
    }
  }
  if (cfg.augment !== undefined) {
    try {
      validateAugmentConfig(obj(cfg.augment));
    } catch (e) {
      out.push((e as Error).message);
    }
  }
  const model = obj(cfg.model);
  out.push(...layerChecks(model, 'layers'), ...layerChecks(model, 'head'));
  out.push(...zooChecks(cfg));
  return out;
}

/** Zoo keys need model.arch, and the architecture must exist. */
function zooChecks(cfg: JsonObject): string[] {
  const out: string[] = [];
  const model = obj(cfg.model);
  const arch = model.arch;
  if (typeof arch === 'string') {
    const names = archNames();
    if (!names.includes(arch)) {
      // 'mobilenetv2', 'ResNet-50': the same name without separators or case
      const squash = (n: string): string => n.toLowerCase().replace(/[^a-z0-9]/g, '');
      const same = names.find((n) => squash(n) === squash(arch));
      const hint = same ? ` (did you mean '${same}'?)` : didYouMean(arch, names);
      out.push(`model.arch: unknown architecture '${arch}'${hint}; known: ${names.join(', ')}`);
    }
    return out;
  }
  for (const section of ['model', 'train'] as const) {
    const schema = (EXPERIMENT_SCHEMA.properties[section] as ObjectSchema).properties;
    for (const key of Object.keys(obj(cfg[section]))) {
      if (schema[key]?.zooOnly) out.push(`${section}.${key}: only for zoo architectures (set model.arch instead of model.layers)`);
    }
  }
  return out;
}

/** Expands shorthands in place so the resolved config has one form per key. */
export function normalize(cfg: JsonObject): void {
  const data = obj(cfg.data);
  if (typeof data.image_size === 'number') data.image_size = [data.image_size, data.image_size];
  if (typeof data.per_class === 'number') data.per_class = { n: data.per_class, subset: 0, seed: 0 };
  const model = obj(cfg.model);
  if (typeof model.freeze === 'boolean') model.freeze = model.freeze ? 'all' : 'none';
}
