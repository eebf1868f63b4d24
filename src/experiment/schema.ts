// A small schema language for experiment configs, as plain data (JSON-Schema-like, much smaller):
// object / string / number / integer / boolean / array / enum / oneOf / any, with required keys,
// defaults, bounds and descriptions. validate.ts checks values against it.

/** A YAML/JSON value as the loader sees it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

interface Common {
  description?: string;
  /** Filled in when the key is absent from its parent object (copied, never shared). */
  default?: Json;
  /** Shown in descriptions: the key only matters for pretrained (zoo) models. */
  zooOnly?: boolean;
}

export interface ObjectSchema extends Common {
  type: 'object';
  properties: Record<string, Schema>;
  required?: readonly string[];
  /** false (the default): unknown keys are errors; true: any; a schema: each extra value's. */
  additionalProperties?: boolean | Schema;
  /** Exactly one of these keys must be present. */
  exactlyOne?: readonly string[];
  /** At least one of these keys must be present. */
  anyOf?: readonly string[];
}

export interface StringSchema extends Common {
  type: 'string';
  pattern?: RegExp;
  /** Words for the pattern in messages ("a metric name such as accuracy or top5"). */
  patternHint?: string;
  minLength?: number;
}

export interface NumberSchema extends Common {
  type: 'number' | 'integer';
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

export interface BooleanSchema extends Common {
  type: 'boolean';
}

export interface ArraySchema extends Common {
  type: 'array';
  items: Schema;
  minItems?: number;
  maxItems?: number;
}

export interface EnumSchema extends Common {
  type: 'enum';
  values: readonly (string | number | boolean | null)[];
}

export interface OneOfSchema extends Common {
  type: 'oneOf';
  /** Tried in order; the first that validates wins. */
  options: readonly Schema[];
}

export interface AnySchema extends Common {
  type: 'any';
}

export type Schema = ObjectSchema | StringSchema | NumberSchema | BooleanSchema | ArraySchema | EnumSchema | OneOfSchema | AnySchema;

/** One-line description of what a schema accepts ("an integer >= 1", "one of: a, b"). */
export function describeSchema(s: Schema): string {
  switch (s.type) {
    case 'object':
      return 'a mapping';
    case 'string':
      return s.patternHint ?? 'a string';
    case 'number':
    case 'integer': {
      const what = s.type === 'integer' ? 'an integer' : 'a number';
      const bounds: string[] = [];
      if (s.minimum !== undefined) bounds.push(`>= ${s.minimum}`);
      if (s.exclusiveMinimum !== undefined) bounds.push(`> ${s.exclusiveMinimum}`);
      if (s.maximum !== undefined) bounds.push(`<= ${s.maximum}`);
      if (s.exclusiveMaximum !== undefined) bounds.push(`< ${s.exclusiveMaximum}`);
      return bounds.length ? `${what} ${bounds.join(' and ')}` : what;
    }
    case 'boolean':
      return 'true or false';
    case 'array': {
      const n =
        s.minItems !== undefined && s.minItems === s.maxItems ? `${s.minItems} ` : s.minItems !== undefined && s.minItems > 0 ? `at least ${s.minItems} ` : '';
      return `a list of ${n}${plural(describeSchema(s.items))}`;
    }
    case 'enum':
      return `one of: ${s.values.map((v) => String(v)).join(', ')}`;
    case 'oneOf':
      return s.options.map(describeSchema).join(', or ');
    case 'any':
      return 'any value';
  }
}

function plural(d: string): string {
  return d.replace(/^an? (integer|number|string|mapping)/, (_, w: string) => `${w}s`);
}
