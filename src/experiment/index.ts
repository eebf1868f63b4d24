// Experiment configs: the schema, validation, loading (YAML, ${VAR}, --set), saving and diffs.
export type { Schema, ObjectSchema, Json, JsonObject } from './schema.js';
export { describeSchema } from './schema.js';
export { validate, type ValidationIssue, type ValidationResult } from './validate.js';
export { EXPERIMENT_SCHEMA, LAYER_SCHEMA } from './config-schema.js';
export { AUGMENT_SCHEMA } from './augment-schema.js';
export type * from './types.js';
export { ExperimentConfigError } from './errors.js';
export { loadConfig, resolveConfig, readYaml, saveResolvedConfig, configToYaml, type LoadOptions, type ResolveOptions } from './load.js';
export { diffConfigs, formatChanges, type ConfigChange } from './diff.js';
export { configEnv, repoRoot } from './env.js';
export { formatPath, parsePath, type KeyPath } from './path.js';
