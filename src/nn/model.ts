// The base of Sequential and functional (graph) models: a Module made of named Layers that can
// trace shapes, serialise to config and print a Keras-style summary.
import { Module } from './module.js';
import type { Layer } from './layer.js';
import type { JsonObject, Shape } from './config.js';
import { summaryTable, type SummaryOptions } from './summary.js';

/** One step of a model: a layer (or input) with its shapes and the names it reads from. */
export interface TraceRow {
  name: string;
  type: string;
  /** null for model inputs. */
  layer: Layer | null;
  inputShapes: Shape[];
  outputShape: Shape;
  connectedTo: string[];
}

export interface ModelConfig extends JsonObject {
  type: string;
  name: string;
}

export abstract class Model extends Module {
  /** The layers in execution order. */
  abstract get layers(): Layer[];

  abstract get built(): boolean;

  /** Builds every layer for these input shapes (no batch dim). */
  abstract build(inputShapes: Shape | Shape[]): this;

  /** Shapes through the model: for the given input shapes, or the built ones. */
  abstract trace(inputShapes?: Shape[]): TraceRow[];

  /** The model as plain JSON (modelFromConfig rebuilds it). */
  abstract toConfig(): ModelConfig;

  /** Whether summaries list the model inputs as rows (functional models, as Keras). */
  protected abstract get showsInputs(): boolean;

  get summaryShowsInputs(): boolean {
    return this.showsInputs;
  }

  getLayer(name: string): Layer {
    const l = this.layers.find((x) => x.name === name);
    if (!l) throw new Error(`${this.name}: no layer '${name}'; layers: ${this.layers.map((x) => x.name).join(', ')}`);
    return l;
  }

  /** Keras-style summary table (see summary.ts). */
  summary(o: SummaryOptions = {}): string {
    return summaryTable(this, o);
  }
}

/** Gives auto-named layers Keras's default names (conv2d, conv2d_1, ...) unique within a model. */
export function assignNames(items: { name: string; explicitName: boolean; defaultName: string }[], modelName: string): void {
  const taken = new Set<string>();
  for (const it of items) {
    if (!it.explicitName) continue;
    if (taken.has(it.name)) throw new Error(`${modelName}: two layers are named '${it.name}'; layer names must be unique`);
    taken.add(it.name);
  }
  const counters = new Map<string, number>();
  for (const it of items) {
    if (it.explicitName) continue;
    let n = counters.get(it.defaultName) ?? 0;
    let name = n === 0 ? it.defaultName : `${it.defaultName}_${n}`;
    while (taken.has(name)) name = `${it.defaultName}_${++n}`;
    counters.set(it.defaultName, n + 1);
    taken.add(name);
    it.name = name;
  }
}
