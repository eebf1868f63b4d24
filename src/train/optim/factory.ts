// Keras-style factories (`adam({ lr: 1e-3 }).create(params)`) and the config-driven factory used by
// YAML experiment configs (`createOptimizer({ name: 'adam', lr: 1e-3, weight_decay: 0.01 }, params)`).
import type { Tensor } from '../../torch/index.js';
import type { BaseOptions, Optimizer, ParamsInput } from './optimizer.js';
import { SGD, SGD_DEFAULTS, type SGDOptions } from './sgd.js';
import { Adam, AdamW, ADAM_DEFAULTS, ADAMW_DEFAULTS, type AdamOptions } from './adam.js';
import { RMSprop, RMSPROP_DEFAULTS, type RMSpropOptions } from './rmsprop.js';
import { Adagrad, ADAGRAD_DEFAULTS, type AdagradOptions } from './adagrad.js';
import { Adadelta, ADADELTA_DEFAULTS, type AdadeltaOptions } from './adadelta.js';
import { Adamax, ADAMAX_DEFAULTS, type AdamaxOptions } from './adamax.js';
import { NAdam, NADAM_DEFAULTS, type NAdamOptions } from './nadam.js';

/** A configured optimiser not yet bound to parameters. */
export interface OptimizerFactory<O extends BaseOptions, Opt> {
  readonly name: string;
  readonly options: Readonly<Partial<O>>;
  create(params: ParamsInput<O>): Opt;
}

function factory<O extends BaseOptions, Opt>(name: string, options: Partial<O>, make: (p: ParamsInput<O>, o: Partial<O>) => Opt): OptimizerFactory<O, Opt> {
  const frozen = Object.freeze({ ...options });
  return { name, options: frozen, create: (params) => make(params, { ...frozen }) };
}

export const sgd = (o: Partial<SGDOptions> = {}): OptimizerFactory<SGDOptions, SGD> => factory('sgd', o, (p, x) => new SGD(p, x));
export const adam = (o: Partial<AdamOptions> = {}): OptimizerFactory<AdamOptions, Adam> => factory('adam', o, (p, x) => new Adam(p, x));
export const adamw = (o: Partial<AdamOptions> = {}): OptimizerFactory<AdamOptions, AdamW> => factory('adamw', o, (p, x) => new AdamW(p, x));
export const rmsprop = (o: Partial<RMSpropOptions> = {}): OptimizerFactory<RMSpropOptions, RMSprop> => factory('rmsprop', o, (p, x) => new RMSprop(p, x));
export const adagrad = (o: Partial<AdagradOptions> = {}): OptimizerFactory<AdagradOptions, Adagrad> => factory('adagrad', o, (p, x) => new Adagrad(p, x));
export const adadelta = (o: Partial<AdadeltaOptions> = {}): OptimizerFactory<AdadeltaOptions, Adadelta> => factory('adadelta', o, (p, x) => new Adadelta(p, x));
export const adamax = (o: Partial<AdamaxOptions> = {}): OptimizerFactory<AdamaxOptions, Adamax> => factory('adamax', o, (p, x) => new Adamax(p, x));
export const nadam = (o: Partial<NAdamOptions> = {}): OptimizerFactory<NAdamOptions, NAdam> => factory('nadam', o, (p, x) => new NAdam(p, x));

/**
 * An optimiser as written in an experiment config: `name` plus hyper-parameters in snake_case
 * (camelCase is accepted too). Options an optimiser does not have are rejected.
 */
export interface OptimizerConfig {
  name: string;
  lr?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weight_decay?: number;
  maximize?: boolean;
  betas?: [number, number];
  eps?: number;
  amsgrad?: boolean;
  alpha?: number;
  centered?: boolean;
  lr_decay?: number;
  initial_accumulator_value?: number;
  rho?: number;
  momentum_decay?: number;
}

interface Entry {
  defaults: object;
  make: (params: ParamsInput, options: Record<string, unknown>) => Optimizer;
}

// The constructors take their own option types; the config path has validated names and types.
const REGISTRY: Record<string, Entry> = {
  sgd: { defaults: SGD_DEFAULTS, make: (p, o) => new SGD(p as ParamsInput<SGDOptions>, o) as unknown as Optimizer },
  adam: { defaults: ADAM_DEFAULTS, make: (p, o) => new Adam(p as ParamsInput<AdamOptions>, o) as unknown as Optimizer },
  adamw: { defaults: ADAMW_DEFAULTS, make: (p, o) => new AdamW(p as ParamsInput<AdamOptions>, o) as unknown as Optimizer },
  rmsprop: { defaults: RMSPROP_DEFAULTS, make: (p, o) => new RMSprop(p as ParamsInput<RMSpropOptions>, o) as unknown as Optimizer },
  adagrad: { defaults: ADAGRAD_DEFAULTS, make: (p, o) => new Adagrad(p as ParamsInput<AdagradOptions>, o) as unknown as Optimizer },
  adadelta: { defaults: ADADELTA_DEFAULTS, make: (p, o) => new Adadelta(p as ParamsInput<AdadeltaOptions>, o) as unknown as Optimizer },
  adamax: { defaults: ADAMAX_DEFAULTS, make: (p, o) => new Adamax(p as ParamsInput<AdamaxOptions>, o) as unknown as Optimizer },
  nadam: { defaults: NADAM_DEFAULTS, make: (p, o) => new NAdam(p as ParamsInput<NAdamOptions>, o) as unknown as Optimizer },
};

/** Names createOptimizer accepts. */
export const OPTIMIZER_NAMES = Object.freeze(Object.keys(REGISTRY));

export function snakeToCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function camelToSnake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Validates an optimiser config and converts its options to the constructor's camelCase form.
 * Throws with the allowed names on unknown optimisers or options and on wrongly typed values.
 */
export function optimizerOptionsFromConfig(config: OptimizerConfig): { name: string; options: Record<string, unknown> } {
  if (config === null || typeof config !== 'object') throw new TypeError('optimizer config must be an object with a `name`');
  const name = String(config.name ?? '').toLowerCase();
  const entry = REGISTRY[name];
  if (!entry) throw new Error(`unknown optimizer '${String(config.name)}' (one of ${OPTIMIZER_NAMES.join(', ')})`);
  const defaults = entry.defaults as Record<string, unknown>;
  const options: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(config)) {
    if (rawKey === 'name' || value === undefined) continue;
    const key = snakeToCamel(rawKey);
    if (!(key in defaults)) {
      throw new Error(`optimizer '${name}' has no option '${rawKey}' (options: ${Object.keys(defaults).map(camelToSnake).join(', ')})`);
    }
    const d = defaults[key];
    if (typeof d === 'number' && (typeof value !== 'number' || Number.isNaN(value))) {
      throw new TypeError(`optimizer '${name}': '${rawKey}' must be a number, got ${JSON.stringify(value)}`);
    }
    if (typeof d === 'boolean' && typeof value !== 'boolean') {
      throw new TypeError(`optimizer '${name}': '${rawKey}' must be true or false, got ${JSON.stringify(value)}`);
    }
    if (Array.isArray(d) && !(Array.isArray(value) && value.length === d.length && value.every((v) => typeof v === 'number'))) {
      throw new TypeError(`optimizer '${name}': '${rawKey}' must be a list of ${d.length} numbers, got ${JSON.stringify(value)}`);
    }
    options[key] = Array.isArray(value) ? [...(value as number[])] : value;
  }
  return { name, options };
}

/**
 * Builds an optimiser from a config (`{ name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }`) over
 * parameters or parameter groups (each group's own `lr`, `weightDecay`, ... override the config).
 */
export function createOptimizer(config: OptimizerConfig, params: readonly Tensor[] | ParamsInput): Optimizer {
  const { name, options } = optimizerOptionsFromConfig(config);
  return REGISTRY[name].make(params as ParamsInput, options);
}
