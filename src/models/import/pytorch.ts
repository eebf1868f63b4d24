// PyTorch checkpoints (`torch.save`'s zip format, PyTorch >= 1.6) read without Python: the zip
// holds `<name>/data.pkl` (the pickled object, tensors as persistent ids) and one raw
// little-endian storage per tensor in `<name>/data/<key>`. Tensors are rebuilt with their storage
// offset, size and stride (copied contiguous).
import { readFileSync } from 'node:fs';
import { fromTypedArray, elementSize, Tensor, type DType } from '../../torch/index.js';
import { ZipArchive, isZip } from './zip.js';
import { unpickle, Callable, PyGlobal, PyObject, type PyCallable } from './pickle.js';

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** Dtypes named directly (torch 2 pickles `torch.float32` objects in some places). */
const TORCH_DTYPES: Record<string, DType> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

interface Storage {
  dtype: DType;
  bytes: Uint8Array;
  key: string;
}

export interface TorchFile {
  /** The unpickled object: dicts are Maps, tensors are Tensors (the caller owns them). */
  object: unknown;
  /** Every tensor built while loading, for disposal of the ones the caller does not keep. */
  tensors: Tensor[];
}

/** True when the file is a zip-format PyTorch checkpoint. */
export function isTorchZip(buf: Uint8Array): boolean {
  if (!isZip(buf)) return false;
  try {
    return new ZipArchive(buf).names().some((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  } catch {
    return false;
  }
}

/** Reads a zip-format torch.save file (any picklable object made of containers and tensors). */
export function readTorchFile(input: string | Uint8Array, source = typeof input === 'string' ? input : 'buffer'): TorchFile {
  const buf = typeof input === 'string' ? new Uint8Array(readFileSync(input)) : input;
  if (!isZip(buf)) {
    const legacy = buf.byteLength > 2 && buf[0] === 0x80;
    throw new Error(
      legacy
        ? `${source}: a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current PyTorch (torch.save(obj, path)) to import it`
        : `${source}: not a PyTorch checkpoint (expected a zip archive written by torch.save)`,
    );
  }
  const zip = new ZipArchive(buf, source);
  const pkl = zip.names().find((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new Error(`${source}: the zip archive has no data.pkl (not a torch.save file)`);
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const order = zip.has(`${prefix}byteorder`) ? Buffer.from(zip.read(`${prefix}byteorder`)).toString('utf8').trim() : 'little';
  if (order !== 'little') throw new Error(`${source}: storages are ${order}-endian; only little-endian checkpoints are supported`);

  const storages = new Map<string, Storage>();
  const tensors: Tensor[] = [];
  const storageDtype = (t: unknown): DType => {
    const name = t instanceof PyGlobal ? t.name : typeof t === 'string' ? t : undefined;
    const d = name ? STORAGE_DTYPES[name] : undefined;
    if (!d) throw new Error(`${source}: unsupported storage type ${name ?? String(t)}`);
    return d;
  };
  const persistentLoad = (pid: unknown): unknown => {
    if (!Array.isArray(pid) || pid[0] !== 'storage') throw new Error(`${source}: unsupported persistent id ${JSON.stringify(pid)}`);
    const [, type, key] = pid as [string, unknown, string];
    const k = String(key);
    let s = storages.get(k);
    if (!s) {
      const name = `${prefix}data/${k}`;
      if (!zip.has(name)) throw new Error(`${source}: storage '${name}' is missing from the archive`);
      s = { dtype: storageDtype(type), bytes: zip.read(name), key: k };
      storages.set(k, s);
    }
    return s;
  };
  const rebuild = (storage: unknown, offset: unknown, size: unknown, stride: unknown): Tensor => {
    const s = storage as Storage;
    if (!s || !(s.bytes instanceof Uint8Array)) throw new Error(`${source}: _rebuild_tensor without a storage`);
    const t = buildTensor(s, Number(offset), (size as unknown[]).map(Number), (stride as unknown[]).map(Number), source);
    tensors.push(t);
    return t;
  };
  const findClass = (module: string, name: string): PyCallable | undefined => {
    if (module === 'torch._utils' && (name === '_rebuild_tensor_v2' || name === '_rebuild_tensor')) {
      return (a) => rebuild(a[0], a[1], a[2], a[3]);
    }
    if (module === 'torch._utils' && (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state')) return (a) => a[0];
    if (module === 'torch._tensor' && name === '_rebuild_from_type_v2') {
      // (func, new_type, args, state): the tensor subclass is dropped, the data kept
      return (a) => (a[0] instanceof Callable ? a[0].fn(a[2] as unknown[]) : new PyObject(a[0] as PyGlobal, a[2] as unknown[]));
    }
    // storage classes stay PyGlobal placeholders: persistentLoad reads their names
    if (module === 'torch' && name in TORCH_DTYPES) return () => TORCH_DTYPES[name];
    return undefined;
  };
  let object: unknown;
  try {
    object = unpickle(zip.read(pkl), { findClass, persistentLoad, source: `${source}: ${pkl}` });
  } catch (e) {
    for (const t of tensors) t.dispose();
    throw e;
  }
  return { object, tensors };
}

function buildTensor(s: Storage, offset: number, size: number[], stride: number[], source: string): Tensor {
  const es = elementSize(s.dtype);
  const numel = size.reduce((a, b) => a * b, 1);
  const avail = s.bytes.byteLength / es;
  if (numel === 0) return fromTypedArray(new Uint8Array(0), size, { dtype: s.dtype });
  // last element reached by the view, to check it stays inside the storage
  let last = offset;
  for (let d = 0; d < size.length; d++) last += (size[d] - 1) * stride[d];
  if (offset < 0 || last >= avail) {
    throw new Error(`${source}: tensor [${size.join(', ')}] at offset ${offset} with stride [${stride.join(', ')}] runs past its storage data/${s.key} (${avail} elements)`);
  }
  let contiguous = true;
  for (let d = size.length - 1, expect = 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expect) contiguous = false;
    expect *= size[d];
  }
  if (contiguous) return fromTypedArray(s.bytes.subarray(offset * es, (offset + numel) * es), size, { dtype: s.dtype });
  // strided view: gather element by element (row-major over size)
  const out = new Uint8Array(numel * es);
  const idx = new Array<number>(size.length).fill(0);
  let src = offset;
  for (let i = 0; i < numel; i++) {
    out.set(s.bytes.subarray(src * es, src * es + es), i * es);
    for (let d = size.length - 1; d >= 0; d--) {
      idx[d]++;
      src += stride[d];
      if (idx[d] < size[d]) break;
      src -= stride[d] * size[d];
      idx[d] = 0;
    }
  }
  return fromTypedArray(out, size, { dtype: s.dtype });
}

const WRAPPER_KEYS = ['state_dict', 'model_state_dict', 'model', 'module', 'net', 'network'];

/**
 * The tensors of a state dict inside a torch.save file: the top-level dict itself, or the dict
 * under 'state_dict' / 'model' (and similar) of a training checkpoint. A 'module.' prefix
 * (DataParallel) is removed. Non-tensor entries are left out.
 */
export function loadTorchStateDict(input: string | Uint8Array, source = typeof input === 'string' ? input : 'buffer'): Map<string, Tensor> {
  const { object, tensors } = readTorchFile(input, source);
  const out = new Map<string, Tensor>();
  try {
    const dict = findStateDict(object);
    if (!dict) throw new Error(`${source}: no state dict found (expected a dict of tensors, or one under ${WRAPPER_KEYS.map((k) => `'${k}'`).join(' / ')})`);
    const keys = [...dict.keys()].filter((k) => typeof k === 'string' && dict.get(k) instanceof Tensor) as string[];
    const strip = keys.length > 0 && keys.every((k) => k.startsWith('module.'));
    for (const k of keys) out.set(strip ? k.slice(7) : k, dict.get(k) as Tensor);
  } finally {
    const kept = new Set(out.values());
    for (const t of tensors) if (!kept.has(t)) t.dispose();
  }
  return out;
}

function tensorCount(m: Map<unknown, unknown>): number {
  let n = 0;
  for (const v of m.values()) if (v instanceof Tensor) n++;
  return n;
}

function findStateDict(o: unknown): Map<unknown, unknown> | null {
  if (!(o instanceof Map)) return null;
  for (const k of WRAPPER_KEYS) {
    const v = o.get(k);
    if (v instanceof Map && tensorCount(v) > 0) return v;
  }
  return tensorCount(o) > 0 ? o : null;
}
