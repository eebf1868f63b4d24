// A minimal pickle virtual machine (protocols 0-5, the opcodes torch.save and ordinary Python
// containers emit). Python values become JavaScript ones: dict -> Map, list and tuple -> Array,
// str -> string, int -> number (bigint beyond 2^53), float -> number, bytes -> Uint8Array,
// None -> null. Globals are resolved by a callback; unknown ones become PyObject placeholders,
// so a checkpoint's extra entries (optimiser state, numpy scalars, ...) never stop the load.

/** A Python global (class or function) the VM does not know: calling it records the call. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object built from an unknown global: its constructor arguments and BUILD state. */
export class PyObject {
  state: unknown = undefined;
  constructor(
    readonly cls: PyGlobal,
    readonly args: unknown[],
  ) {}
}

/** A callable global: what REDUCE / NEWOBJ run. */
export type PyCallable = (args: unknown[]) => unknown;

export interface UnpickleOptions {
  /** Resolves `module.name`; return undefined to get a PyGlobal placeholder. */
  findClass?: (module: string, name: string) => PyCallable | undefined;
  /** Loads a persistent id (BINPERSID / PERSID). Required when the stream has them. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Names the stream in error messages. */
  source?: string;
}

const MARK = Symbol('mark');

/** A global the VM resolved to a JavaScript function. */
export class Callable {
  constructor(
    readonly fn: PyCallable,
    readonly qualname: string,
  ) {}
}

const dec = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

export function unpickle(data: Uint8Array, o: UnpickleOptions = {}): unknown {
  const src = o.source ?? 'pickle';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();
  const fail = (msg: string): never => {
    throw new Error(`${src}: ${msg} (at byte ${pos})`);
  };
  const need = (n: number): void => {
    if (pos + n > data.byteLength) fail('truncated pickle');
  };
  const u8 = (): number => (need(1), data[pos++]);
  const u16 = (): number => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const i32 = (): number => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = (): number => (need(8), (pos += 8), Number(view.getBigUint64(pos - 8, true)));
  const bytes = (n: number): Uint8Array => (need(n), (pos += n), data.subarray(pos - n, pos));
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line');
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (!stack.length) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (!stack.length) fail('stack underflow');
    return stack[stack.length - 1];
  };
  // `stack` is reassigned by popMark: push through a function so the new stack gets the value
  const push = (v: unknown): void => void stack.push(v);
  const popMark = (): unknown[] => {
    const items = stack;
    if (!metastack.length) fail('MARK expected');
    stack = metastack.pop()!;
    return items;
  };
  const global = (module: string, name: string): unknown => {
    const f = o.findClass?.(module, name) ?? BUILTINS[`${module}.${name}`];
    return f ? new Callable(f, `${module}.${name}`) : new PyGlobal(module, name);
  };
  const call = (f: unknown, args: unknown[]): unknown => {
    if (f instanceof Callable) return f.fn(args);
    if (f instanceof PyGlobal) return new PyObject(f, args);
    return fail(`cannot call ${describe(f)}`);
  };
  const setItems = (d: unknown, kv: unknown[]): void => {
    if (d instanceof Map) for (let i = 0; i + 1 < kv.length; i += 2) d.set(kv[i], kv[i + 1]);
    else if (d instanceof PyObject) {
      // dict subclasses built by an unknown class: keep the items as the state
      const m = d.state instanceof Map ? d.state : (d.state = new Map());
      for (let i = 0; i + 1 < kv.length; i += 2) (m as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
    } else fail(`SETITEMS on ${describe(d)}`);
  };
  const appendItems = (l: unknown, items: unknown[]): void => {
    if (Array.isArray(l)) l.push(...items);
    else if (l instanceof PyObject) {
      const a = Array.isArray(l.state) ? l.state : (l.state = []);
      (a as unknown[]).push(...items);
    } else fail(`APPEND on ${describe(l)}`);
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.byteLength === 0) return 0;
    let v = 0n;
    for (let i = b.byteLength - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.byteLength - 1] & 0x80) v -= 1n << BigInt(8 * b.byteLength);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      // ---- constants and numbers ----
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(long(bytes(i32())));
        break;
      case 0x49: {
        // INT (text): also True/False as I01/I00
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : textInt(s));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(textInt(line().replace(/L$/, '')));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number(line()));
        break;
      // ---- strings and bytes ----
      case 0x58: // BINUNICODE
        stack.push(dec.decode(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(dec.decode(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(dec.decode(bytes(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a: string | undefined, b: string | undefined) => String.fromCodePoint(parseInt(a ?? b!, 16))));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1.decode(bytes(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(bytes(u8())));
        break;
      case 0x53: {
        // STRING (quoted text)
        const s = line();
        stack.push(s.slice(1, -1));
        break;
      }
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()).slice());
        break;
      case 0x96: // BYTEARRAY8
        stack.push(bytes(u64()).slice());
        break;
      // ---- containers ----
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        const d = new Map();
        setItems(d, items);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`ADDITEMS on ${describe(s)}`);
        for (const i of items) (s as Set<unknown>).add(i);
        break;
      }
      case 0x91: // FROZENSET
        push(new Set(popMark()));
        break;
      // ---- memo ----
      case 0x70: // PUT (text)
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET (text)
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const i = op === 0x67 ? Number(line()) : op === 0x68 ? u8() : u32();
        if (!memo.has(i)) fail(`memo key ${i} is missing`);
        stack.push(memo.get(i));
        break;
      }
      // ---- objects ----
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(global(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const f = pop();
        stack.push(call(f, Array.isArray(args) ? args : [args]));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(call(cls, Array.isArray(args) ? args : [args]));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        stack.push(call(cls, Array.isArray(args) ? args : [args]));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PyObject) obj.state = state;
        else if (obj !== null && typeof obj === 'object' && typeof (obj as { __setstate__?: unknown }).__setstate__ === 'function') {
          (obj as { __setstate__(s: unknown): void }).__setstate__(state);
        }
        // other objects (an OrderedDict's `_metadata`, a tensor's hooks) ignore their state
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!o.persistentLoad) fail('persistent id without a persistentLoad handler');
        stack.push(o.persistentLoad!(pid));
        break;
      }
      case 0x50: {
        // PERSID (text)
        const pid = line();
        if (!o.persistentLoad) fail('persistent id without a persistentLoad handler');
        stack.push(o.persistentLoad!(pid));
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

function textInt(s: string): number | bigint {
  const b = BigInt(s.trim());
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function describe(v: unknown): string {
  if (v instanceof PyGlobal) return v.qualname;
  if (v instanceof Callable) return v.qualname;
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a tuple/list';
  if (v instanceof Map) return 'a dict';
  return typeof v;
}

/** Globals every pickle may use. */
const BUILTINS: Record<string, PyCallable> = {
  'collections.OrderedDict': (args) => {
    const m = new Map();
    if (Array.isArray(args[0])) for (const kv of args[0] as unknown[][]) m.set(kv[0], kv[1]);
    return m;
  },
  'builtins.dict': () => new Map(),
  'builtins.list': (args) => (Array.isArray(args[0]) ? [...(args[0] as unknown[])] : []),
  'builtins.tuple': (args) => (Array.isArray(args[0]) ? [...(args[0] as unknown[])] : []),
  'builtins.set': (args) => new Set(Array.isArray(args[0]) ? (args[0] as unknown[]) : []),
  'builtins.frozenset': (args) => new Set(Array.isArray(args[0]) ? (args[0] as unknown[]) : []),
  'builtins.bytearray': (args) => (args[0] instanceof Uint8Array ? args[0] : new Uint8Array()),
  // bytes in protocols 0-2: _codecs.encode(str, 'latin1')
  '_codecs.encode': (args) => Uint8Array.from(String(args[0]), (c) => c.charCodeAt(0) & 0xff),
  'builtins.slice': (args) => ({ slice: args }),
  'builtins.complex': (args) => ({ re: args[0], im: args[1] }),
  '__builtin__.set': (args) => new Set(Array.isArray(args[0]) ? (args[0] as unknown[]) : []),
  'copy_reg._reconstructor': (args) => (args[0] instanceof Callable ? args[0].fn([]) : new PyObject(args[0] as PyGlobal, [])),
  'copyreg._reconstructor': (args) => (args[0] instanceof Callable ? args[0].fn([]) : new PyObject(args[0] as PyGlobal, [])),
};
