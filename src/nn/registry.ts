// layerFromConfig: the registry from a config's `type` to its layer class, with the option keys
// each accepts (so a typo in YAML names the key and lists the allowed ones).
import { toCamelKeys, camelToSnake, snakeToCamel, type LayerConfig } from './config.js';
import type { Layer } from './layer.js';
import { Dense } from './layers/dense.js';
import { Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D } from './layers/conv.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from './layers/pooling.js';
import { Flatten, Reshape } from './layers/reshaping.js';
import { BatchNormalization, LayerNormalization, Normalization, Rescaling } from './layers/normalization.js';
import { Dropout, GaussianNoise, SpatialDropout2D } from './layers/regularization.js';
import { Activation } from './layers/activation.js';
import { Add, Average, Concatenate, Maximum, Multiply, Subtract } from './layers/merge.js';

interface Entry {
  // options are checked against `keys` first; each constructor validates values
  create: (o: never) => Layer;
  keys: readonly string[];
  required: readonly string[];
}

const BASE = ['name', 'trainable', 'inputShape'];
const CONV = ['kernelSize', 'strides', 'padding', 'dilationRate', 'useBias', 'activation', 'biasInitializer', 'biasRegularizer', 'activityRegularizer', 'biasConstraint'];
const KERNEL = ['kernelInitializer', 'kernelRegularizer', 'kernelConstraint'];
const DEPTHWISE = ['depthMultiplier', 'depthwiseInitializer', 'depthwiseRegularizer', 'depthwiseConstraint'];
const POOL = ['poolSize', 'strides', 'padding'];

function entry<O>(ctor: new (o: O) => Layer, keys: string[], required: string[] = []): Entry {
  return { create: (o: never) => new ctor(o as O), keys: [...BASE, ...keys], required };
}

const REGISTRY: Record<string, Entry> = {
  Dense: entry(Dense, ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint'], ['units']),
  Conv2D: entry(Conv2D, ['filters', 'groups', ...CONV, ...KERNEL], ['filters', 'kernelSize']),
  Conv2DTranspose: entry(Conv2DTranspose, ['filters', 'groups', 'outputPadding', ...CONV, ...KERNEL], ['filters', 'kernelSize']),
  DepthwiseConv2D: entry(DepthwiseConv2D, [...CONV, ...DEPTHWISE], ['kernelSize']),
  SeparableConv2D: entry(SeparableConv2D, ['filters', ...CONV, ...DEPTHWISE, 'pointwiseInitializer', 'pointwiseRegularizer', 'pointwiseConstraint'], ['filters', 'kernelSize']),
  MaxPooling2D: entry(MaxPooling2D, POOL),
  AveragePooling2D: entry(AveragePooling2D, POOL),
  GlobalAveragePooling2D: entry(GlobalAveragePooling2D, ['keepdims']),
  GlobalMaxPooling2D: entry(GlobalMaxPooling2D, ['keepdims']),
  Flatten: entry(Flatten, []),
  Reshape: entry(Reshape, ['targetShape'], ['targetShape']),
  BatchNormalization: entry(BatchNormalization, [
    'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer',
    'betaRegularizer', 'gammaRegularizer', 'betaConstraint', 'gammaConstraint',
  ]),
  LayerNormalization: entry(LayerNormalization, ['axis', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'betaRegularizer', 'gammaRegularizer']),
  Normalization: entry(Normalization, ['mean', 'variance']),
  Rescaling: entry(Rescaling, ['scale', 'offset'], ['scale']),
  Dropout: entry(Dropout, ['rate'], ['rate']),
  SpatialDropout2D: entry(SpatialDropout2D, ['rate'], ['rate']),
  GaussianNoise: entry(GaussianNoise, ['stddev'], ['stddev']),
  Activation: entry(Activation, ['activation'], ['activation']),
  Add: entry(Add, []),
  Subtract: entry(Subtract, []),
  Multiply: entry(Multiply, []),
  Average: entry(Average, []),
  Maximum: entry(Maximum, []),
  Concatenate: entry(Concatenate, ['axis']),
};

export const LAYER_TYPES: readonly string[] = Object.keys(REGISTRY);

const squash = (t: string): string => t.toLowerCase().replace(/_/g, '');
const BY_SQUASHED = new Map(LAYER_TYPES.map((t) => [squash(t), t]));

/**
 * The registered class name for a layer type written as Keras's class name ('GlobalAveragePooling2D')
 * or its snake_case form ('global_average_pooling2d', 'dense'); unknown names come back unchanged.
 */
export function canonicalLayerType(type: string): string {
  return REGISTRY[type] ? type : (BY_SQUASHED.get(squash(type)) ?? type);
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Builds a layer from `{type, ...snake_case options}`; unknown types/keys are errors that list the allowed ones. */
export function layerFromConfig(cfg: LayerConfig | Record<string, unknown>): Layer {
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) throw new ConfigError(`layer config must be an object with a 'type', got ${JSON.stringify(cfg)}`);
  const type = (cfg as { type?: unknown }).type;
  if (typeof type !== 'string') throw new ConfigError(`layer config needs a string 'type' (one of ${LAYER_TYPES.join(', ')}), got ${JSON.stringify(cfg)}`);
  const e = REGISTRY[canonicalLayerType(type)];
  if (!e) throw new ConfigError(`unknown layer type '${type}'; allowed: ${LAYER_TYPES.join(', ')}`);
  const { type: _t, ...rest } = cfg as Record<string, unknown>;
  const opts = toCamelKeys(rest);
  const where = typeof rest.name === 'string' ? `${type} '${rest.name}'` : type;
  const allowed = e.keys.map(camelToSnake);
  for (const k of Object.keys(rest)) {
    if (!e.keys.includes(snakeToCamel(k))) throw new ConfigError(`${where}: unknown option '${k}'; allowed: ${allowed.join(', ')}`);
  }
  for (const r of e.required) {
    if (opts[r] === undefined || opts[r] === null) throw new ConfigError(`${where}: missing required option '${camelToSnake(r)}'`);
  }
  try {
    return e.create(opts as never);
  } catch (err) {
    throw new ConfigError(`${where}: ${(err as Error).message}`);
  }
}
