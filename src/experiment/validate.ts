// Checks a value against a schema (schema.ts), collecting every problem with the key path it is
// at, what was wrong and what is allowed, and returns a copy with defaults filled in.
import { describeSchema, type Json, type JsonObject, type ObjectSchema, type Schema } from './schema.js';
import { formatPath, type KeyPath } from './path.js';
import { didYouMean } from './suggest.js';

export interface ValidationIssue {
  /** "train.optimizer.name", "model.layers[2].type". */
  path: string;
  /** A full sentence naming the path, e.g. "train.epochs: expected an integer >= 1, got 'ten'". */
  message: string;
}

export interface ValidationResult {
  /** The input with defaults filled in (a fresh copy; null-valued optional keys removed). */
  value: Json;
  issues: ValidationIssue[];
}

export function validate(schema: Schema, value: unknown, path: KeyPath = []): ValidationResult {
  const issues: ValidationIssue[] = [];
  const out = check(schema, value, path, issues);
  return { value: out, issues };
}

/** Short rendering of a value for messages. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function issue(issues: ValidationIssue[], path: KeyPath, what: string): void {
  const p = formatPath(path);
  issues.push({ path: p, message: `${p}: ${what}` });
}

function expected(issues: ValidationIssue[], schema: Schema, path: KeyPath, got: unknown, extra = ''): void {
  issue(issues, path, `expected ${describeSchema(schema)}, got ${show(got)}${extra}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function clone(v: Json): Json {
  return v === null || typeof v !== 'object' ? v : (JSON.parse(JSON.stringify(v)) as Json);
}

function check(schema: Schema, v: unknown, path: KeyPath, issues: ValidationIssue[]): Json {
  switch (schema.type) {
    case 'object':
      return checkObject(schema, v, path, issues);
    case 'string':
      if (typeof v !== 'string') {
        expected(issues, schema, path, v);
      } else if ((schema.minLength !== undefined && v.length < schema.minLength) || (schema.pattern && !schema.pattern.test(v))) {
        expected(issues, schema, path, v);
      }
      return v as Json;
    case 'number':
    case 'integer': {
      const ok =
        typeof v === 'number' &&
        Number.isFinite(v) &&
        (schema.type === 'number' || Number.isInteger(v)) &&
        (schema.minimum === undefined || v >= schema.minimum) &&
        (schema.maximum === undefined || v <= schema.maximum) &&
        (schema.exclusiveMinimum === undefined || v > schema.exclusiveMinimum) &&
        (schema.exclusiveMaximum === undefined || v < schema.exclusiveMaximum);
      if (!ok) expected(issues, schema, path, v);
      return v as Json;
    }
    case 'boolean':
      if (typeof v !== 'boolean') expected(issues, schema, path, v);
      return v as Json;
    case 'enum':
      if (!schema.values.includes(v as string)) {
        const strings = schema.values.filter((x): x is string => typeof x === 'string');
        expected(issues, schema, path, v, typeof v === 'string' ? didYouMean(v, strings) : '');
      }
      return v as Json;
    case 'array': {
      if (!Array.isArray(v)) {
        expected(issues, schema, path, v);
        return v as Json;
      }
      if ((schema.minItems !== undefined && v.length < schema.minItems) || (schema.maxItems !== undefined && v.length > schema.maxItems)) {
        expected(issues, schema, path, v);
      }
      return v.map((item, i) => check(schema.items, item, [...path, i], issues));
    }
    case 'oneOf':
      return checkOneOf(schema.options, schema, v, path, issues);
    case 'any':
      return clone(v as Json);
  }
}

function basicTypeMatches(s: Schema, v: unknown): boolean {
  switch (s.type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'number':
    case 'integer':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'enum':
      return s.values.some((x) => typeof x === typeof v);
    case 'oneOf':
      return s.options.some((o) => basicTypeMatches(o, v));
    case 'any':
      return true;
  }
}

function checkOneOf(options: readonly Schema[], schema: Schema, v: unknown, path: KeyPath, issues: ValidationIssue[]): Json {
  for (const opt of options) {
    const r = validate(opt, v, path);
    if (r.issues.length === 0) return r.value;
  }
  // No option fits: when exactly one option has the right kind of value, its problems are the precise ones.
  const sameKind = options.filter((o) => basicTypeMatches(o, v));
  if (sameKind.length === 1) return check(sameKind[0], v, path, issues);
  expected(issues, schema, path, v);
  return v as Json;
}

function checkObject(schema: ObjectSchema, v: unknown, path: KeyPath, issues: ValidationIssue[]): Json {
  if (!isObject(v)) {
    expected(issues, schema, path, v);
    return v as Json;
  }
  const out: JsonObject = {};
  const known = Object.keys(schema.properties);
  for (const [key, raw] of Object.entries(v)) {
    const sub = schema.properties[key];
    if (sub) {
      if (raw === null || raw === undefined) continue; // `key:` with no value means "not set"
      out[key] = check(sub, raw, [...path, key], issues);
    } else if (schema.additionalProperties === true) {
      out[key] = clone(raw as Json);
    } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      out[key] = check(schema.additionalProperties, raw, [...path, key], issues);
    } else {
      const p = formatPath([...path, key]);
      issues.push({ path: p, message: `unknown key '${p}'${didYouMean(key, known)}; allowed: ${known.join(', ')}` });
    }
  }
  for (const r of schema.required ?? []) {
    if (out[r] === undefined && !issues.some((i) => i.path === formatPath([...path, r]))) {
      const sub = schema.properties[r];
      const p = formatPath([...path, r]);
      issues.push({ path: p, message: `missing required key '${p}'${sub ? ` (${describeSchema(sub)})` : ''}` });
    }
  }
  if (schema.exactlyOne) {
    const present = schema.exactlyOne.filter((k) => out[k] !== undefined || issues.some((i) => i.path.startsWith(formatPath([...path, k]))));
    if (present.length !== 1) {
      const names = schema.exactlyOne.map((k) => `'${formatPath([...path, k])}'`).join(', ');
      issue(issues, path, present.length === 0 ? `needs exactly one of ${names}; none is set` : `needs exactly one of ${names}; got ${present.length}: ${present.join(', ')}`);
    }
  }
  if (schema.anyOf) {
    if (!schema.anyOf.some((k) => out[k] !== undefined || v[k] !== undefined)) {
      issue(issues, path, `needs at least one of ${schema.anyOf.map((k) => `'${formatPath([...path, k])}'`).join(', ')}`);
    }
  }
  for (const [key, sub] of Object.entries(schema.properties)) {
    if (out[key] === undefined && sub.default !== undefined) {
      // defaults of nested objects are themselves validated, so their own defaults fill in too
      out[key] = sub.type === 'object' ? check(sub, clone(sub.default), [...path, key], issues) : clone(sub.default);
    }
  }
  return out;
}
