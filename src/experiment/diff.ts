// What changed between two configs, leaf by leaf ("train.optimizer.lr: 0.001 -> 0.01").
import { formatPath, type KeyPath } from './path.js';
import type { Json } from './schema.js';

export interface ConfigChange {
  /** "train.optimizer.lr", "model.layers[3].rate". */
  path: string;
  /** undefined when the key is only in `b` (added). */
  before: Json | undefined;
  /** undefined when the key is only in `a` (removed). */
  after: Json | undefined;
}

function isObject(v: unknown): v is { [k: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Changed leaves from a to b, in a's key order then b's new keys. Lists are compared item by item. */
export function diffConfigs(a: unknown, b: unknown): ConfigChange[] {
  const out: ConfigChange[] = [];
  walk(a as Json | undefined, b as Json | undefined, [], out);
  return out;
}

function walk(a: Json | undefined, b: Json | undefined, path: KeyPath, out: ConfigChange[]): void {
  if (isObject(a) && isObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    for (const k of keys) walk(a[k], b[k], [...path, k], out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], [...path, i], out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path: formatPath(path), before: a, after: b });
}

/** "train.optimizer.lr: 0.001 -> 0.01" lines. */
export function formatChanges(changes: readonly ConfigChange[]): string[] {
  const show = (v: Json | undefined): string => (v === undefined ? '(unset)' : JSON.stringify(v));
  return changes.map((c) => `${c.path}: ${show(c.before)} -> ${show(c.after)}`);
}
