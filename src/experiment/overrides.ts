// `--set key.path=value` overrides: the value is read as a YAML scalar or flow collection
// (`5` is a number, `[64,64]` a list, `adam` a string, nothing removes the key); the key path
// must exist in the schema.
import yaml from 'js-yaml';
import type { Json, JsonObject, Schema } from './schema.js';
import { formatPath, parsePath, type KeyPath } from './path.js';
import { didYouMean } from './suggest.js';

export interface Override {
  path: (string | number)[];
  value: Json;
  text: string;
}

/** Parses "a.b=value"; throws on a missing '=' or a value that is not valid YAML. */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--set ${text}: expected key.path=value`);
  const path = parsePath(text.slice(0, eq).trim());
  let value: unknown;
  try {
    value = yaml.load(text.slice(eq + 1));
  } catch (e) {
    throw new Error(`--set ${text}: the value is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return { path, value: value === undefined ? null : (value as Json), text };
}

/** The object keys a schema offers at this level (through oneOf), or null when any key goes. */
function keysOf(s: Schema): string[] | null {
  if (s.type === 'any') return null;
  if (s.type === 'object') return s.additionalProperties ? null : Object.keys(s.properties);
  if (s.type === 'oneOf') {
    const all: string[] = [];
    for (const o of s.options) {
      const k = keysOf(o);
      if (k === null) return null;
      all.push(...k);
    }
    return all;
  }
  return [];
}

function child(s: Schema, seg: string | number): Schema | 'open' | undefined {
  switch (s.type) {
    case 'any':
      return 'open';
    case 'object':
      if (typeof seg === 'string' && s.properties[seg]) return s.properties[seg];
      if (s.additionalProperties === true) return 'open';
      return s.additionalProperties ? s.additionalProperties : undefined;
    case 'array':
      return typeof seg === 'number' ? s.items : undefined;
    case 'oneOf':
      for (const o of s.options) {
        const c = child(o, seg);
        if (c !== undefined) return c;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Null when the key path exists in the schema, else a message with the allowed keys. */
export function checkKeyPath(schema: Schema, path: KeyPath): string | null {
  let s: Schema | 'open' = schema;
  for (let i = 0; i < path.length; i++) {
    if (s === 'open') return null;
    const c: Schema | 'open' | undefined = child(s, path[i]);
    if (c === undefined) {
      const keys = keysOf(s) ?? [];
      const p = formatPath(path.slice(0, i + 1));
      if (keys.length === 0) return `'${p}': ${formatPath(path.slice(0, i))} has no keys`;
      return `unknown key '${p}'${didYouMean(String(path[i]), keys)}; allowed: ${keys.join(', ')}`;
    }
    s = c;
  }
  return null;
}

/** The schema's default for the object at a path (a fresh copy), or undefined. */
export function defaultAt(schema: Schema, path: KeyPath): Json | undefined {
  let s: Schema = schema;
  for (const seg of path) {
    const c = child(s, seg);
    if (c === undefined || c === 'open') return undefined;
    s = c;
  }
  return s.default !== undefined ? (JSON.parse(JSON.stringify(s.default)) as Json) : undefined;
}

/**
 * Sets the value at a path in place; missing objects on the way start from the schema's
 * default (so `train.optimizer.lr=0.01` keeps the default optimiser's name). Null removes the key.
 */
export function setAt(doc: JsonObject, path: KeyPath, value: Json, schema?: Schema): void {
  let cur: Json = doc;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i];
    const container = cur as JsonObject & Json[];
    let next: Json | undefined = container[seg as never];
    if (next === undefined || next === null || typeof next !== 'object') {
      if (Array.isArray(cur)) throw new Error(`${formatPath(path.slice(0, i + 1))}: no list item there`);
      const dflt = schema ? defaultAt(schema, path.slice(0, i + 1)) : undefined;
      next = dflt !== undefined && dflt !== null && typeof dflt === 'object' ? dflt : typeof path[i + 1] === 'number' ? [] : {};
      (cur as JsonObject)[seg as string] = next;
    }
    cur = next;
  }
  const last = path[path.length - 1];
  if (Array.isArray(cur)) {
    if (typeof last !== 'number' || last > cur.length) throw new Error(`${formatPath(path)}: index out of range (the list has ${cur.length} items)`);
    if (value === null) cur.splice(last, 1);
    else cur[last] = value;
  } else if (cur !== null && typeof cur === 'object') {
    if (value === null) delete cur[String(last)];
    else cur[String(last)] = value;
  }
}
