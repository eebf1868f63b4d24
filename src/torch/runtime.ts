// Process-wide engine settings: threads, seeds, devices, memory accounting.
import { native } from './native.js';
import { Tensor } from './tensor.js';

export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** Seeds libtorch's default generator (initialisation, dropout, random ops without a generator). */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/** State of the default generator, for checkpoints. */
export function getRngState(): Tensor {
  return new Tensor(native.generatorGetState(null));
}

export function setRngState(state: Tensor): void {
  native.generatorSetState(null, state.h);
}

export function cudaAvailable(): boolean {
  return native.cudaInfo().available;
}

export function cudaDeviceCount(): number {
  return native.cudaInfo().deviceCount;
}

/** Live tensor handles and the bytes of the distinct storages they hold. */
export function memory(): { tensors: number; bytes: number } {
  return native.memory();
}

export function torchVersion(): string {
  return native.torchVersion;
}

/**
 * The host allocator policy chosen when the addon loaded: 'keep-freed' (glibc keeps freed
 * memory for reuse; the default), 'system' (FOVEA_MALLOC=system) or 'glibc-tunables' (the
 * user's GLIBC_TUNABLES malloc settings).
 */
export function mallocMode(): string {
  return native.mallocMode;
}

/**
 * Whether denormal floats are flushed to zero (FTZ/DAZ on every libtorch thread), as Keras and
 * TensorFlow do on CPU: chosen when the addon loaded; FOVEA_FLUSH_DENORMAL=0 turns it off.
 */
export function flushDenormal(): boolean {
  return native.flushDenormal;
}

/** libtorch's parallel and build info (threads, OpenMP, oneDNN). */
export function configInfo(): { parallel: string; mkldnn: boolean; openmp: boolean } {
  return native.configInfo();
}
