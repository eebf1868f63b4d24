// Serialisable layer/model configs: plain JSON with Keras's snake_case keys. The one place that
// maps TypeScript's camelCase options to config keys and back.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

/** A layer as written in YAML/JSON: `{type: 'Conv2D', filters: 32, kernel_size: 3, ...}`. */
export interface LayerConfig {
  type: string;
  [key: string]: JsonValue;
}

/** Shape of one sample, without the batch dimension (NCHW: [C, H, W]). */
export type Shape = number[];

export function camelToSnake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export function snakeToCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function mapKeys(v: unknown, f: (k: string) => string): JsonValue {
  if (v === null || typeof v !== 'object') return v as JsonValue;
  if (Array.isArray(v)) return v.map((x) => mapKeys(x, f));
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    out[k === 'type' ? k : f(k)] = mapKeys(x, f);
  }
  return out;
}

/** camelCase options (nested objects too) → snake_case config object; undefined values dropped. */
export function toSnakeKeys(o: object): JsonObject {
  return mapKeys(o, camelToSnake) as JsonObject;
}

/** snake_case config → camelCase options (nested objects too). */
export function toCamelKeys(o: object): Record<string, JsonValue> {
  return mapKeys(o, snakeToCamel) as Record<string, JsonValue>;
}

/** Deep copy of a JSON value (configs handed out never alias a layer's own state). */
export function cloneJson<T extends JsonValue>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function pair(v: number | readonly number[], what: string): [number, number] {
  const p: number[] = typeof v === 'number' ? [v, v] : [...v];
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x) && x > 0)) {
    throw new RangeError(`${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

export function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

export function shapeStr(s: readonly (number | null)[]): string {
  return `(${['None', ...s.map((x) => String(x))].join(', ')})`;
}
