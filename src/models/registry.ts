// The architecture registry: name -> factory and default config. Architectures register
// themselves from their own files (archs/*.ts); listArchs() is what `fovea models` prints.
import type { ZooModel } from './zoo-model.js';

export interface CreateOptions {
  /** Classes of the classifier (default: the architecture's, 1000 for ImageNet ones). */
  numClasses?: number;
  /** Architecture-specific options (e.g. { alpha: 0.25 } for mobilenet). */
  [key: string]: unknown;
}

export type ArchFactory = (o: CreateOptions) => ZooModel;

const archs = new Map<string, ArchFactory>();

export function registerArch(name: string, factory: ArchFactory): void {
  if (archs.has(name)) throw new Error(`architecture '${name}' is registered twice`);
  archs.set(name, factory);
}

export function archNames(): string[] {
  return [...archs.keys()].sort();
}

/** Builds an architecture with fresh (random) weights. */
export function createModel(name: string, o: CreateOptions = {}): ZooModel {
  const f = archs.get(name);
  if (!f) throw new Error(`unknown architecture '${name}'; known: ${archNames().join(', ')}`);
  return f(o);
}
