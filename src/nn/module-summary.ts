// Summaries of any Module as a tree of rows (a zoo model's blocks and head, or a module's
// children): one dummy forward pass with forward hooks records each row's output shape and the
// multiply-accumulates of the convolutions and dense layers inside it; parameters are split into
// trainable and frozen. Rendered by summary.ts's formatSummary, like the Keras-style summary.
import { elementSize, noGrad, tidy, zeros, type Tensor } from '../torch/index.js';
import type { Shape } from './config.js';
import { Layer } from './layer.js';
import { Model } from './model.js';
import type { Module } from './module.js';
import { formatSummary, summaryTotals, type SummaryData, type SummaryLayer } from './summary.js';

export interface ModuleSummaryOptions {
  /** Input shape without the batch dim, e.g. [3, 224, 224]. */
  inputShape: Shape;
  /** The rows, in execution order (default: the module's children; a Keras model's layers). */
  rows?: readonly [string, Module][];
  /** Title (default: the module's name). */
  name?: string;
}

/** Multiply-accumulates per sample of one module call (conv, dense and Keras layers; 0 otherwise). */
export function moduleMacs(m: Module, inputShapes: Shape[], outputShape: Shape): number {
  if (m instanceof Layer) return m.macs(inputShapes, outputShape);
  const f = (m as { macs?: unknown }).macs;
  // torch-style modules with a cost (Conv2d, Linear) take the output shape
  return typeof f === 'function' ? (f as (out: Shape, ins: Shape[]) => number).call(m, outputShape, inputShapes) : 0;
}

function defaultRows(model: Module): [string, Module][] {
  if (model instanceof Model) return model.layers.map((l) => [l.name, l]);
  const kids = model.children();
  return kids.length ? kids : [[model.name, model]];
}

/** Row-by-row summary data of any module for one input shape. */
export function moduleSummaryData(model: Module, o: ModuleSummaryOptions): SummaryData {
  const rows = o.rows ?? defaultRows(model);
  const owner = new Map<Module, number>();
  rows.forEach(([, m], i) => {
    for (const [, sub] of m.namedModules()) if (!owner.has(sub)) owner.set(sub, i);
  });
  const shapes: (Shape | null)[] = rows.map(() => null);
  const macs = rows.map(() => 0);
  const removers: (() => void)[] = [];
  const rowModules = new Map<Module, number[]>();
  rows.forEach(([, m], i) => rowModules.set(m, [...(rowModules.get(m) ?? []), i]));
  const hooked = new Set<Module>([...owner.keys(), ...model.namedModules().map(([, m]) => m)]);
  for (const m of hooked) {
    removers.push(
      m.registerForwardHook((mod: Module, inputs: Tensor[], out: Tensor) => {
        const outShape = out.shape.slice(1);
        const r = owner.get(mod);
        // a Keras model's own macs() would count its layers twice
        if (r !== undefined && !(mod instanceof Model)) macs[r] += moduleMacs(mod, inputs.map((x) => x.shape.slice(1)), outShape);
        for (const i of rowModules.get(mod) ?? []) shapes[i] = outShape;
      }),
    );
  }
  const wasTraining = model.training;
  let outShape: Shape = [];
  try {
    model.eval();
    outShape = tidy(() => noGrad(() => model.call(zeros([1, ...o.inputShape])).shape.slice(1)));
  } finally {
    for (const r of removers) r();
    model.train(wasTraining);
  }
  const layers: SummaryLayer[] = rows.map(([name, m], i) => {
    let trainable = 0;
    let frozen = 0;
    for (const p of m.parameters()) {
      if (p.requiresGrad) trainable += p.size;
      else frozen += p.size;
    }
    // Keras layers count BatchNormalization moving statistics as non-trainable parameters
    for (const [, sub] of m.namedModules()) if (sub instanceof Layer) for (const b of sub.countedBuffers()) frozen += b.size;
    return {
      name,
      type: m instanceof Layer ? m.type : m.constructor.name,
      outputShape: shapes[i] ?? [],
      params: trainable + frozen,
      trainableParams: trainable,
      nonTrainableParams: frozen,
      macs: macs[i],
      connectedTo: [],
    };
  });
  // parameters outside every row (owned by the root, or by modules no row covers)
  const covered = new Set(rows.flatMap(([, m]) => m.parameters()));
  const rest = model.parameters().filter((p) => !covered.has(p));
  if (rest.length) {
    const t = rest.filter((p) => p.requiresGrad).reduce((a, p) => a + p.size, 0);
    const f = rest.filter((p) => !p.requiresGrad).reduce((a, p) => a + p.size, 0);
    layers.push({ name: '(other)', type: 'parameters', outputShape: [], params: t + f, trainableParams: t, nonTrainableParams: f, macs: 0, connectedTo: [] });
  }
  let trainableBytes = 0;
  let nonTrainableBytes = 0;
  for (const p of model.parameters()) {
    if (p.requiresGrad) trainableBytes += p.size * elementSize(p.dtype);
    else nonTrainableBytes += p.size * elementSize(p.dtype);
  }
  let weightBytes = 0;
  for (const [, t] of model.stateDict()) weightBytes += t.size * elementSize(t.dtype);
  return summaryTotals({
    name: o.name ?? model.name,
    inputShapes: [[...o.inputShape]],
    outputShape: outShape,
    layers,
    bytes: { weightBytes, trainableBytes, nonTrainableBytes },
  });
}

/** The module-tree summary as a text table with trainable and frozen counts per row. */
export function moduleSummaryTable(model: Module, o: ModuleSummaryOptions): string {
  return formatSummary(moduleSummaryData(model, o), { splitTrainable: true, rowHeader: 'Block (type)' });
}
