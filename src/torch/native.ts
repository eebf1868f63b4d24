// Typed view of the native addon (native/). Everything here is a thin pass-through; the
// ergonomic API is in tensor.ts and the generated operator wrappers.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Opaque handle of a native tensor (a N-API External). */
export type TensorHandle = { readonly __tensorHandle: unique symbol };
/** Opaque handle of a native random generator. */
export type GeneratorHandle = { readonly __generatorHandle: unique symbol };

export interface ArgumentInfo {
  name: string;
  /** libtorch's annotation of the real type, e.g. "Tensor", "Optional[Tensor]", "List[int]", "number" (Scalar). */
  type: string;
  n?: number;
  kwargOnly: boolean;
  isWrite: boolean;
  default?: string;
}

export interface SchemaInfo {
  name: string;
  overload: string;
  text: string;
  args: ArgumentInfo[];
  returns: ArgumentInfo[];
}

export type NativeValue = TensorHandle | GeneratorHandle | number | boolean | string | null | undefined | readonly NativeValue[];

export interface NativeAddon {
  torchVersion: string;
  /** How the addon set glibc malloc up at load: 'keep-freed', 'system' or 'glibc-tunables'. */
  mallocMode: string;
  flushDenormal: boolean;
  fromBuffer(bytes: ArrayBufferView | ArrayBuffer, shape: readonly number[], dtype: number): TensorHandle;
  toBuffer(h: TensorHandle): ArrayBuffer;
  dataView(h: TensorHandle): ArrayBuffer;
  item(h: TensorHandle): number | boolean;
  shape(h: TensorHandle): number[];
  strides(h: TensorHandle): number[];
  dtype(h: TensorHandle): number;
  device(h: TensorHandle): string;
  isContiguous(h: TensorHandle, memoryFormat?: number): boolean;
  dispose(h: TensorHandle): boolean;
  isDisposed(h: TensorHandle): boolean;
  share(h: TensorHandle): TensorHandle;
  sameTensor(a: TensorHandle, b: TensorHandle): boolean;
  memory(): { tensors: number; bytes: number };
  newGenerator(seed?: number): GeneratorHandle;
  generatorSeed(g: GeneratorHandle | null, seed: number): void;
  generatorGetState(g: GeneratorHandle | null): TensorHandle;
  generatorSetState(g: GeneratorHandle | null, state: TensorHandle): void;
  lookup(name: string, overload: string): number;
  call(op: number, args: NativeValue[]): unknown;
  schemas(): string[];
  schemaInfo(name: string, overload: string): SchemaInfo;
  requiresGrad(h: TensorHandle): boolean;
  setRequiresGrad(h: TensorHandle, value: boolean): void;
  isLeaf(h: TensorHandle): boolean;
  gradFnName(h: TensorHandle): string | null;
  grad(h: TensorHandle): TensorHandle | null;
  setGrad(h: TensorHandle, g: TensorHandle | null): void;
  backward(outputs: TensorHandle[], grads: (TensorHandle | null)[] | null, retainGraph?: boolean, createGraph?: boolean): void;
  autogradGrad(
    outputs: TensorHandle[],
    inputs: TensorHandle[],
    gradOutputs: (TensorHandle | null)[] | null,
    retainGraph: boolean | undefined,
    createGraph: boolean,
    allowUnused: boolean,
  ): (TensorHandle | null)[];
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  enterInferenceMode(): number;
  exitInferenceMode(): void;
  isInferenceTensor(h: TensorHandle): boolean;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  cudaInfo(): { available: boolean; deviceCount: number };
  configInfo(): { parallel: string; mkldnn: boolean; openmp: boolean };
}

/** The repository root (holds package.json and native/), found from this file's location. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the Fovea package root above ${fileURLToPath(import.meta.url)}`);
}

function load(): NativeAddon {
  const path = process.env.FOVEA_NATIVE ?? resolve(packageRoot(), 'native/build/Release/fovea_native.node');
  if (!existsSync(path)) {
    throw new Error(`the Fovea native addon is not built (${path} is missing): run \`npm run build\``);
  }
  return createRequire(import.meta.url)(path) as NativeAddon;
}

export const native: NativeAddon = load();
