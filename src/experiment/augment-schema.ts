// The `augment:` section of an experiment config, derived from the key description that
// src/data/augment publishes (AUGMENT_KEYS), so the two cannot drift apart. Values are also
// checked by the augmentation's own validateAugmentConfig (see checks.ts).
import { AUGMENT_KEYS } from '../data/augment/config.js';
import type { ObjectSchema, Schema } from './schema.js';

const nonNeg: Schema = { type: 'number', minimum: 0 };
const pair: Schema = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, description: '[lo, hi]' };

/** Schemas of the sub-keys of object-valued augmentations (others accept any value). */
const SUB: Record<string, Schema> = {
  alpha: { type: 'number', exclusiveMinimum: 0, description: 'Beta(alpha, alpha)' },
  p: { type: 'number', minimum: 0, maximum: 1, description: 'probability per image' },
  scale: { ...pair, description: 'area fraction range [lo, hi]' },
  ratio: { ...pair, description: 'aspect-ratio range [lo, hi]' },
  value: { type: 'oneOf', options: [{ type: 'number' }, { type: 'enum', values: ['random'] }], description: "fill value, or 'random'" },
};

type KeySpec = (typeof AUGMENT_KEYS)[keyof typeof AUGMENT_KEYS];

function keySchema(spec: KeySpec): Schema {
  const description = spec.description;
  const object = (): ObjectSchema => ({
    type: 'object',
    properties: Object.fromEntries((spec.keys ?? []).map((k) => [k, SUB[k] ?? { type: 'any' }])),
    required: spec.keys?.includes('alpha') ? ['alpha'] : undefined,
  });
  switch (spec.kind) {
    case 'boolean':
      return { type: 'boolean', description };
    case 'number':
      return { ...nonNeg, description };
    case 'range':
      return { type: 'oneOf', options: [nonNeg, pair], description };
    case 'pair':
      return { ...pair, description };
    case 'enum':
      return { type: 'enum', values: spec.values ?? [], description };
    case 'object':
      return { ...object(), description };
    case 'boolean|object':
      return { type: 'oneOf', options: [{ type: 'boolean' }, object()], description };
  }
}

export const AUGMENT_SCHEMA: ObjectSchema = {
  type: 'object',
  description: 'Training-time augmentation, applied per batch; seeded by (seed, epoch, batch).',
  properties: Object.fromEntries(Object.entries(AUGMENT_KEYS).map(([k, spec]) => [k, keySchema(spec)])),
};
