// ${VAR} and ${VAR:-default} in config strings, from the environment; `$${` is a literal `${`.
// FOVEA_SHARED defaults to ../shared beside the repository root.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPath, type KeyPath } from './path.js';
import type { Json } from './schema.js';

/** The folder holding package.json, found by walking up from this module. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root (no package.json above src/experiment)');
    dir = up;
  }
}

/** The shared data and weights folder: FOVEA_SHARED, or ../shared beside the repository root. */
export function sharedDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FOVEA_SHARED || resolve(repoRoot(), '..', 'shared');
}

/** The environment used for expansion: process.env plus the FOVEA_SHARED default. */
export function configEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  return { ...env, FOVEA_SHARED: sharedDir(env) };
}

const VAR = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Expands one string; unset variables without a default are reported through `missing`. */
export function expandString(s: string, env: Record<string, string | undefined>, missing: (name: string) => void): string {
  return s.replace(VAR, (m, name: string | undefined, dflt: string | undefined) => {
    if (m === '$${') return '${';
    const v = env[name!];
    if (v !== undefined && v !== '') return v;
    if (dflt !== undefined) return dflt;
    missing(name!);
    return m;
  });
}

/** Makes a string survive expandString unchanged (for saving resolved configs). */
export function escapeString(s: string): string {
  return s.replace(/\$\{/g, () => '$${');
}

/** Expands every string in a value; returns the copy and messages for unset variables. */
export function expandEnv(value: Json, env: Record<string, string | undefined>, path: KeyPath = []): { value: Json; errors: string[] } {
  const errors: string[] = [];
  const walk = (v: Json, p: KeyPath): Json => {
    if (typeof v === 'string') {
      return expandString(v, env, (name) => errors.push(`${formatPath(p)}: environment variable '${name}' is not set (use \${${name}:-default} for a fallback)`));
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...p, i]));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...p, k])]));
    return v;
  };
  return { value: walk(value, path), errors };
}

/** Applies escapeString to every string in a value. */
export function escapeEnv(value: Json): Json {
  if (typeof value === 'string') return escapeString(value);
  if (Array.isArray(value)) return value.map(escapeEnv);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, escapeEnv(x)]));
  return value;
}
