// loadConfig: YAML file -> environment expansion -> data paths made absolute -> --set overrides
// -> validation with defaults -> ExperimentConfig. saveResolvedConfig writes it back so that
// loading the saved file gives the same config.
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { writeFileAtomic } from '../util/atomic.js';
import { EXPERIMENT_SCHEMA } from './config-schema.js';
import { crossChecks, normalize } from './checks.js';
import { configEnv, escapeEnv, expandEnv } from './env.js';
import { ExperimentConfigError } from './errors.js';
import { checkKeyPath, parseOverride, setAt } from './overrides.js';
import type { KeyPath } from './path.js';
import type { Json, JsonObject } from './schema.js';
import type { ExperimentConfig } from './types.js';
import { validate } from './validate.js';
import { canonicalLayerType } from '../nn/registry.js';

export interface LoadOptions {
  /** Overrides, "key.path=value" (value read as YAML). */
  set?: readonly string[];
  /** The environment for ${VAR} (default process.env; FOVEA_SHARED gets its default either way). */
  env?: NodeJS.ProcessEnv;
}

export interface ResolveOptions extends LoadOptions {
  /** Relative data paths in the document are resolved against this folder. */
  baseDir: string;
  /** Where the document came from, for messages. */
  source?: string;
  /** The name used when the document has none. */
  defaultName?: string;
}

/** Keys holding file-system paths, resolved against the config's folder (overrides: the working directory). */
const PATH_KEYS: readonly KeyPath[] = [
  ['data', 'root'],
  ['data', 'train'],
  ['data', 'test'],
  ['model', 'weights'],
];

function looksLikePath(key: KeyPath, s: string): boolean {
  if (key[0] === 'data') return true;
  // model.weights may be a name such as 'imagenet'
  return s.startsWith('.') || s.includes('/') || s.includes('\\') || /\.(safetensors|onnx|pt|pth|bin|ckpt)$/i.test(s);
}

function resolvePathAt(doc: JsonObject, key: KeyPath, base: string): void {
  const parent = doc[key[0] as string];
  if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return;
  const v = parent[key[1] as string];
  if (typeof v === 'string' && v !== '' && !isAbsolute(v) && looksLikePath(key, v)) parent[key[1] as string] = resolve(base, v);
}

function sameKey(a: KeyPath, b: KeyPath): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Layer types written in snake_case ('global_average_pooling2d') become Keras class names, in model.layers and model.head. */
function canonicalLayerTypes(doc: JsonObject): void {
  const model = doc.model;
  if (model === null || typeof model !== 'object' || Array.isArray(model)) return;
  for (const key of ['layers', 'head']) {
    const list = model[key];
    if (!Array.isArray(list)) continue;
    for (const l of list) {
      if (l !== null && typeof l === 'object' && !Array.isArray(l) && typeof l.type === 'string') l.type = canonicalLayerType(l.type);
    }
  }
}

/** Reads and parses a YAML file; syntax errors name the file, line and column. */
export function readYaml(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ExperimentConfigError([`cannot read the config file: ${(e as Error).message}`], path);
  }
  try {
    return (yaml.load(text, { filename: path }) ?? null) as Json;
  } catch (e) {
    const err = e as Error & { mark?: { line: number; column: number; snippet?: string }; reason?: string };
    if (err.mark) {
      const where = `${path}:${err.mark.line + 1}:${err.mark.column + 1}`;
      throw new ExperimentConfigError([`YAML syntax error at ${where}: ${err.reason ?? err.message}${err.mark.snippet ? `\n${err.mark.snippet}` : ''}`], path);
    }
    throw new ExperimentConfigError([`YAML error: ${err.message}`], path);
  }
}

/** Turns a parsed document into a validated config; throws ExperimentConfigError listing every problem. */
export function resolveConfig(raw: Json, o: ResolveOptions): ExperimentConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ExperimentConfigError([`the top level must be a mapping of keys (name, data, model, train, ...), got ${raw === null ? 'an empty document' : JSON.stringify(raw).slice(0, 60)}`], o.source);
  }
  const env = configEnv(o.env ?? process.env);
  const problems: string[] = [];
  const expanded = expandEnv(raw, env);
  problems.push(...expanded.errors);
  const doc = expanded.value as JsonObject;
  for (const key of PATH_KEYS) resolvePathAt(doc, key, o.baseDir);

  for (const text of o.set ?? []) {
    try {
      const ov = parseOverride(text);
      const bad = checkKeyPath(EXPERIMENT_SCHEMA, ov.path);
      if (bad) {
        problems.push(`--set ${text}: ${bad}`);
        continue;
      }
      const value = expandEnv(ov.value, env, ov.path);
      problems.push(...value.errors.map((m) => `--set ${text}: ${m}`));
      setAt(doc, ov.path, value.value, EXPERIMENT_SCHEMA);
      const pathKey = PATH_KEYS.find((k) => sameKey(k, ov.path));
      if (pathKey) resolvePathAt(doc, pathKey, process.cwd());
    } catch (e) {
      problems.push((e as Error).message.startsWith('--set') ? (e as Error).message : `--set ${text}: ${(e as Error).message}`);
    }
  }

  if (doc.name === undefined && o.defaultName !== undefined) doc.name = o.defaultName;
  canonicalLayerTypes(doc);
  const result = validate(EXPERIMENT_SCHEMA, doc);
  problems.push(...result.issues.map((i) => i.message));
  const cfg = result.value as JsonObject;
  if (result.issues.length === 0) problems.push(...crossChecks(cfg));
  if (problems.length > 0) throw new ExperimentConfigError(problems, o.source);
  normalize(cfg);
  return cfg as unknown as ExperimentConfig;
}

/**
 * Loads an experiment config: YAML, ${VAR} / ${VAR:-default} expansion (FOVEA_SHARED defaults to
 * ../shared beside the repository), relative data paths against the file's folder, `set`
 * overrides, validation and defaults. A config without `name` is named after its file.
 */
export function loadConfig(path: string, o: LoadOptions = {}): ExperimentConfig {
  const file = resolve(path);
  const name = basename(file, extname(file));
  return resolveConfig(readYaml(file), {
    ...o,
    baseDir: dirname(file),
    source: path,
    defaultName: name === 'config' ? undefined : name.replace(/[^A-Za-z0-9._-]/g, '-'),
  });
}

/** The YAML text of a resolved config (env references escaped, so a reload gives the same config). */
export function configToYaml(config: ExperimentConfig): string {
  const body = yaml.dump(escapeEnv(config as unknown as Json), { noRefs: true, lineWidth: -1, sortKeys: false });
  return `# Resolved experiment config (defaults filled, paths absolute); loading this file gives the same config\n${body}`;
}

/** Writes <runDir>/config.yaml atomically; returns its path. */
export function saveResolvedConfig(runDir: string, config: ExperimentConfig): string {
  const path = join(runDir, 'config.yaml');
  writeFileAtomic(path, configToYaml(config));
  return path;
}
