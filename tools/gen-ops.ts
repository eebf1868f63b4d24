// Generates typed TypeScript wrappers for the libtorch operators listed in src/torch/ops.txt,
// from the schemas libtorch itself registers (read through the native addon), in the way tch-rs
// generates its Rust bindings. Run with `npm run gen:ops` after editing ops.txt.
//
// ops.txt: one operator per line, `aten::name[.overload] [as tsName]`. Lines sharing a tsName are
// merged into one function that picks the overload from its arguments' runtime types (so
// `add(x, y)` and `add(x, 2)` reach aten::add.Tensor and aten::add.Scalar). A wrapper is also
// installed as a Tensor method when the schema's first argument is `Tensor self`.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { native, packageRoot, type ArgumentInfo, type SchemaInfo } from '../src/torch/native.js';

interface Entry {
  op: string;
  overload: string;
  tsName: string;
  schema: SchemaInfo;
}

const RESERVED = new Set(['in', 'default', 'function', 'var', 'new', 'class', 'delete', 'return', 'const', 'let', 'case']);
/** Arguments that Fovea never sets (strided layout, no pinned memory). */
const HIDDEN = new Set(['layout', 'pin_memory']);

function camel(s: string): string {
  const lead = s.match(/^_*/)![0];
  const trail = s.match(/_*$/)![0];
  const core = s.slice(lead.length, s.length - trail.length);
  const c = core.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
  return lead + c + trail;
}

function paramName(a: ArgumentInfo): string {
  const n = camel(a.name);
  return RESERVED.has(n) ? `${n}_` : n;
}

interface TypeMap {
  ts: string;
  /** Converts the JS expression `v` to what the native call takes. */
  conv: (v: string) => string;
  /** Runtime check used to pick an overload. */
  check: (v: string) => string;
}

function mapType(t: string, n: number | undefined, label = ''): TypeMap {
  const opt = t.match(/^Optional\[(.*)\]$/);
  if (opt) {
    const inner = mapType(opt[1], n, label);
    return {
      ts: `${inner.ts} | null`,
      conv: (v) => `(${v} == null ? ${v} : ${inner.conv(v)})`,
      check: (v) => `(${v} == null || ${inner.check(v)})`,
    };
  }
  switch (t) {
    case 'Tensor':
      return { ts: 'Tensor', conv: (v) => `th(${v}, ${JSON.stringify(label)})`, check: (v) => `${v} instanceof Tensor` };
    case 'List[Tensor]':
      return { ts: 'readonly Tensor[]', conv: (v) => `handles(${v}, ${JSON.stringify(label)})`, check: (v) => `Array.isArray(${v})` };
    case 'List[Optional[Tensor]]':
      return { ts: 'readonly (Tensor | null)[]', conv: (v) => `optionalHandles(${v}, ${JSON.stringify(label)})`, check: (v) => `Array.isArray(${v})` };
    case 'int':
    case 'SymInt':
    case 'float':
      return { ts: 'number', conv: (v) => v, check: (v) => `typeof ${v} === 'number'` };
    case 'number':
      return { ts: 'number | boolean', conv: (v) => v, check: (v) => `(typeof ${v} === 'number' || typeof ${v} === 'boolean')` };
    case 'bool':
      return { ts: 'boolean', conv: (v) => v, check: (v) => `typeof ${v} === 'boolean'` };
    case 'str':
      return { ts: 'string', conv: (v) => v, check: (v) => `typeof ${v} === 'string'` };
    case 'List[int]':
    case 'List[SymInt]':
    case 'List[float]':
      return n
        ? { ts: 'number | readonly number[]', conv: (v) => v as string, check: (v) => `(typeof ${v} === 'number' || Array.isArray(${v}))` }
        : { ts: 'readonly number[]', conv: (v) => v as string, check: (v) => `Array.isArray(${v})` };
    case 'List[bool]':
      return { ts: 'readonly boolean[]', conv: (v) => v, check: (v) => `Array.isArray(${v})` };
    case 'ScalarType':
      return { ts: 'DType', conv: (v) => `dtypeCode(${v})`, check: (v) => `typeof ${v} === 'string'` };
    case 'MemoryFormat':
      return { ts: 'MemoryFormat', conv: (v) => `memoryFormatCode(${v})`, check: (v) => `typeof ${v} === 'string'` };
    case 'Device':
      return { ts: 'Device', conv: (v) => v, check: (v) => `typeof ${v} === 'string'` };
    case 'Generator':
      return { ts: 'Generator', conv: (v) => `${v}.h`, check: (v) => `${v} instanceof Generator` };
    default:
      throw new Error(`gen-ops: no TypeScript mapping for schema type '${t}'`);
  }
}

function returnType(r: ArgumentInfo): string {
  switch (r.type) {
    case 'Tensor':
      return 'Tensor';
    case 'List[Tensor]':
      return 'Tensor[]';
    case 'int':
    case 'float':
    case 'number':
      return 'number';
    case 'bool':
      return 'boolean';
    default:
      throw new Error(`gen-ops: no TypeScript mapping for return type '${r.type}'`);
  }
}

function returnConv(r: ArgumentInfo, v: string): string {
  switch (r.type) {
    case 'Tensor':
      return `wrap(${v} as TensorHandle)`;
    case 'List[Tensor]':
      return `(${v} as TensorHandle[]).map(wrap)`;
    case 'bool':
      return `${v} as boolean`;
    default:
      return `${v} as number`;
  }
}

/** Positional when it has no default, except kwarg-only optionals (None when left out). */
function isPositional(a: ArgumentInfo): boolean {
  return a.default === undefined && !(a.kwargOnly && a.type.startsWith('Optional['));
}

function visibleArgs(s: SchemaInfo): ArgumentInfo[] {
  return s.args.filter((a) => !(HIDDEN.has(a.name) && (a.default !== undefined || a.type.startsWith('Optional['))));
}

interface Signature {
  positional: { name: string; ts: string; required: boolean }[];
  options: Map<string, string>; // name -> ts type
  ret: string;
}

function signatureOf(e: Entry): Signature {
  const args = visibleArgs(e.schema);
  const positional = args.filter(isPositional).map((a) => ({ name: paramName(a), ts: mapType(a.type, a.n).ts, required: true }));
  const options = new Map<string, string>();
  for (const a of args.filter((x) => !isPositional(x))) options.set(paramName(a), mapType(a.type, a.n).ts);
  return { positional, options, ret: retTypeOf(e.schema) };
}

function retTypeOf(s: SchemaInfo): string {
  if (s.returns.length === 0) return 'void';
  const types = s.returns.map(returnType);
  return types.length === 1 ? types[0] : `[${types.join(', ')}]`;
}

/** The body that calls one overload, with positional params p0..pN and the options object `o`. */
function callBody(e: Entry, posNames: string[], indent: string): string {
  const args = e.schema.args;
  const vis = new Set(visibleArgs(e.schema));
  let pi = 0;
  const conv: string[] = [];
  for (const a of args) {
    if (!vis.has(a)) {
      conv.push('undefined');
      continue;
    }
    const m = mapType(a.type, a.n, `${e.op}${e.overload ? '.' + e.overload : ''}: argument '${a.name}'`);
    if (isPositional(a)) {
      conv.push(m.conv(posNames[pi++]));
    } else {
      const v = `oo.${paramName(a)}`;
      conv.push(`(${v} === undefined ? undefined : ${m.conv(v)})`);
    }
  }
  while (conv.length && conv[conv.length - 1] === 'undefined') conv.pop();
  const pre = visibleArgs(e.schema).some((a) => !isPositional(a)) ? `${indent}const oo: NonNullable<typeof o> = o ?? {};\n` : '';
  const call = `native.call(${opConst(e)}(), [${conv.join(', ')}])`;
  const rets = e.schema.returns;
  if (rets.length === 0) return `${pre}${indent}${call};\n${indent}return;`;
  const writeArgs = args.filter((a) => a.isWrite);
  const writeParam = (k: number): string => {
    const a = writeArgs[k];
    const idx = visibleArgs(e.schema).filter(isPositional).indexOf(a);
    return posNames[idx];
  };
  if (rets.length === 1) {
    if (rets[0].isWrite) return `${pre}${indent}${call};\n${indent}${writeParam(0)}.invalidate();\n${indent}return ${writeParam(0)};`;
    return `${pre}${indent}return ${returnConv(rets[0], call)};`;
  }
  let wi = 0;
  const parts = rets.map((r, i) => (r.isWrite ? writeParam(wi++) : returnConv(r, `r[${i}]`)));
  return `${pre}${indent}const r = ${call} as unknown[];\n${indent}return [${parts.join(', ')}];`;
}

function opConst(e: Entry): string {
  return `op_${e.op.replace(/^aten::/, '')}${e.overload ? '_' + e.overload : ''}`;
}

function generate(groups: Map<string, Entry[]>): { ops: string; methods: string } {
  const lines: string[] = [];
  const methodLines: string[] = [];
  const methodDecls: string[] = [];
  lines.push(
    '// GENERATED by tools/gen-ops.ts from libtorch\'s registered schemas and src/torch/ops.txt. Do not edit.',
    '/* eslint-disable */',
    "import { native, type TensorHandle } from '../native.js';",
    "import { Tensor, Generator, wrap, handles, optionalHandles, th } from '../tensor.js';",
    "import { dtypeCode, memoryFormatCode, type DType, type MemoryFormat, type Device } from '../dtype.js';",
    '',
    '/** A plain options object (not a tensor, list, number or generator). */',
    'function isOptions(v: unknown): v is object {',
    "  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor) && !(v instanceof Generator);",
    '}',
    '',
    'function lazy(name: string, overload: string): () => number {',
    '  let id = -1;',
    '  return () => (id >= 0 ? id : (id = native.lookup(name, overload)));',
    '}',
    '',
  );
  for (const entries of groups.values()) {
    for (const e of entries) lines.push(`const ${opConst(e)} = lazy('${e.op}', '${e.overload}');`);
  }
  lines.push('');
  for (const [tsName, entries] of groups) {
    const sigs = entries.map(signatureOf);
    const maxPos = Math.max(...sigs.map((s) => s.positional.length));
    const params: { name: string; ts: Set<string>; required: boolean }[] = [];
    // parameter names come from the overload with the most positional parameters
    const longest = sigs.reduce((a, b) => (b.positional.length > a.positional.length ? b : a));
    for (let i = 0; i < maxPos; i++) {
      const here = sigs.map((s) => s.positional[i]).filter((p) => p !== undefined);
      params.push({
        name: longest.positional[i].name,
        ts: new Set(here.map((p) => p.ts)),
        required: here.length === sigs.length,
      });
    }
    // once a parameter is optional, all after it must be too
    for (let i = 1; i < params.length; i++) if (!params[i - 1].required) params[i].required = false;
    const options = new Map<string, Set<string>>();
    for (const s of sigs) for (const [k, v] of s.options) (options.get(k) ?? options.set(k, new Set()).get(k)!).add(v);
    const rets = new Set(sigs.map((s) => s.ret));
    const posNames = params.map((p) => p.name);
    const optType = options.size ? `{ ${[...options].map(([k, v]) => `${k}?: ${[...v].join(' | ')}`).join('; ')} }` : '{}';
    // An optional positional parameter may also receive the options object (arange(5, {dtype})),
    // so callers never have to pass undefined to reach the options.
    const shiftable = options.size > 0 && entries.length > 1;
    const paramDecl = params.map(
      (p) => `${p.name}${p.required ? '' : '?'}: ${[...p.ts].join(' | ')}${!p.required && shiftable ? ` | ${optType}` : ''}`,
    );
    if (options.size) paramDecl.push(`o?: ${optType}`);
    const retType = [...rets].join(' | ');
    const doc = entries.map((e) => ` * ${e.schema.text}`).join('\n');
    lines.push(`/**\n${doc}\n */`);
    lines.push(`export function ${tsName}(${paramDecl.join(', ')}): ${retType} {`);
    if (shiftable) {
      for (const p of params.filter((q) => !q.required)) {
        lines.push(`  if (isOptions(${p.name})) { o = ${p.name} as ${optType}; ${p.name} = undefined; }`);
      }
    }
    if (entries.length === 1) {
      lines.push(callBody(entries[0], posNames, '  '));
    } else {
      entries.forEach((e, k) => {
        const s = sigs[k];
        const conds: string[] = [];
        params.forEach((p, i) => {
          const mine = s.positional[i];
          if (!mine) conds.push(`${p.name} === undefined`);
          else {
            // present in this overload but absent in another: it must be given to pick this one
            if (!p.required) conds.push(`${p.name} !== undefined`);
            if (p.ts.size > 1) {
              const a = visibleArgs(e.schema).filter(isPositional)[i];
              conds.push(mapType(a.type, a.n).check(p.name));
            }
          }
        });
        const cond = conds.length ? conds.join(' && ') : 'true';
        lines.push(`  if (${cond}) {`);
        lines.push(callBody(e, posNames.map((n) => `(${n} as any)`), '    '));
        lines.push('  }');
      });
      lines.push(`  throw new TypeError(\`${tsName}(): no overload of ${entries.map((e) => e.op + (e.overload ? '.' + e.overload : '')).join(', ')} takes these arguments\`);`);
    }
    lines.push('}', '');
    // method form when every overload starts with Tensor self
    const isMethod = entries.every((e) => e.schema.args[0]?.name === 'self' && e.schema.args[0].type === 'Tensor');
    if (isMethod) {
      const rest = paramDecl.slice(1);
      methodDecls.push(`    ${tsName}(${rest.join(', ')}): ${retType};`);
      const argNames = [...posNames.slice(1), ...(options.size ? ['o'] : [])];
      methodLines.push(
        `Tensor.prototype.${tsName} = function (this: Tensor, ...args: any[]) { return (ops.${tsName} as any)(this, ...args); };`,
      );
      void argNames;
    }
  }
  const methods = [
    '// GENERATED by tools/gen-ops.ts. Do not edit. Installs the generated operators as Tensor methods.',
    '/* eslint-disable */',
    "import { Tensor } from '../tensor.js';",
    "import * as ops from './ops.js';",
    "import type { DType, MemoryFormat, Device } from '../dtype.js';",
    "import type { Generator } from '../tensor.js';",
    '',
    "declare module '../tensor.js' {",
    '  interface Tensor {',
    ...methodDecls,
    '  }',
    '}',
    '',
    ...methodLines,
    '',
  ].join('\n');
  return { ops: lines.join('\n'), methods };
}

function main(): void {
  const root = packageRoot();
  const list = readFileSync(join(root, 'src/torch/ops.txt'), 'utf8');
  const groups = new Map<string, Entry[]>();
  for (const raw of list.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = line.match(/^(aten::[A-Za-z0-9_]+)(?:\.([A-Za-z0-9_]+))?(?:\s+as\s+([A-Za-z_$][A-Za-z0-9_$]*))?$/);
    if (!m) throw new Error(`ops.txt: cannot read line '${raw}'`);
    const [, op, overload = '', as] = m;
    const schema = native.schemaInfo(op, overload);
    const tsName = as ?? camel(op.replace(/^aten::/, '') + (overload ? '_' + overload : ''));
    (groups.get(tsName) ?? groups.set(tsName, []).get(tsName)!).push({ op, overload, tsName, schema });
  }
  const out = join(root, 'src/torch/generated');
  mkdirSync(out, { recursive: true });
  const { ops, methods } = generate(groups);
  writeFileSync(join(out, 'ops.ts'), ops);
  writeFileSync(join(out, 'methods.ts'), methods);
  console.log(`gen-ops: ${[...groups.values()].flat().length} operators, ${groups.size} functions -> ${out}`);
}

main();
