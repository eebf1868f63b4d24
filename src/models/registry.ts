// The architecture registry: name -> factory and default config. Architectures register
// themselves from their own files (archs/*.ts); listArchs() is what `fovea models` prints.
import type { ArchConfig, ZooModel } from './zoo-model.js';

export interface CreateOptions {
  /** Classes of the classifier (default: the architecture's, 1000 for ImageNet ones). */
  numClasses?: number;
  /** Architecture-specific options (e.g. { alpha: 0.25 } for mobilenet). */
  [key: string]: unknown;
}

export type ArchFactory = (o: CreateOptions) => ZooModel;

/**
 * What data preparation needs from an architecture (input size, mean, std, resize before the
 * centre crop), known without building it. Each architecture's config carries the same values
 * (test/models/zoo-parity.test.ts checks it).
 */
export type ArchPreprocessing = Readonly<Pick<ArchConfig, 'inputSize' | 'mean' | 'std' | 'resizeShortSide'>>;

interface ArchEntry {
  factory: ArchFactory;
  preprocessing: ArchPreprocessing;
}

const archs = new Map<string, ArchEntry>();

export function registerArch(name: string, factory: ArchFactory, preprocessing: ArchPreprocessing): void {
  if (archs.has(name)) throw new Error(`architecture '${name}' is registered twice`);
  archs.set(name, { factory, preprocessing });
}

function entry(name: string): ArchEntry {
  const e = archs.get(name);
  if (!e) throw new Error(`unknown architecture '${name}'; known: ${archNames().join(', ')}`);
  return e;
}

/** The architecture's default preprocessing (a copy), without building the model. */
export function archPreprocessing(name: string): ArchPreprocessing {
  return structuredClone(entry(name).preprocessing);
}

export function archNames(): string[] {
  return [...archs.keys()].sort();
}

/** Builds an architecture with fresh (random) weights. */
export function createModel(name: string, o: CreateOptions = {}): ZooModel {
  return entry(name).factory(o);
}
