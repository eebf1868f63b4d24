// modelFromConfig: rebuilds a Sequential or functional model from toConfig() output, or a
// sequential model from a bare YAML-style list of layer configs.
import type { LayerConfig, Shape } from './config.js';
import { ConfigError } from './registry.js';
import { Sequential } from './sequential.js';
import { GraphModel, graphFromConfig } from './graph.js';
import type { Model, ModelConfig } from './model.js';

const MODEL_KEYS: Record<string, string[]> = {
  Sequential: ['type', 'name', 'input_shape', 'layers'],
  Functional: ['type', 'name', 'inputs', 'layers', 'outputs'],
};

export function modelFromConfig(cfg: ModelConfig | LayerConfig[] | Record<string, unknown>, o: { inputShape?: Shape } = {}): Sequential | GraphModel {
  if (Array.isArray(cfg)) return new Sequential(cfg, { inputShape: o.inputShape });
  if (cfg === null || typeof cfg !== 'object') throw new ConfigError(`model config must be an object or a list of layers, got ${JSON.stringify(cfg)}`);
  const type = (cfg as { type?: unknown }).type;
  const allowed = MODEL_KEYS[String(type)];
  if (!allowed) throw new ConfigError(`unknown model type '${String(type)}'; allowed: ${Object.keys(MODEL_KEYS).join(', ')}`);
  for (const k of Object.keys(cfg)) {
    if (!allowed.includes(k)) throw new ConfigError(`${String(type)} config: unknown key '${k}'; allowed: ${allowed.join(', ')}`);
  }
  if (type === 'Functional') return graphFromConfig(cfg as Record<string, unknown>);
  const c = cfg as { name?: unknown; input_shape?: unknown; layers?: unknown };
  if (!Array.isArray(c.layers)) throw new ConfigError(`Sequential config needs a 'layers' list`);
  const inputShape = o.inputShape ?? (Array.isArray(c.input_shape) ? (c.input_shape as Shape) : undefined);
  return new Sequential(c.layers as LayerConfig[], { inputShape, name: typeof c.name === 'string' ? c.name : undefined });
}

export type { Model };
