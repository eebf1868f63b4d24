// Keras-style model summaries: per-layer output shape, parameters (BatchNorm moving statistics
// count as non-trainable, as in Keras), multiply-accumulates, connections; totals and weight memory.
import { elementSize } from '../torch/index.js';
import { shapeStr, type Shape } from './config.js';
import type { Model } from './model.js';

export interface SummaryOptions {
  /** Input shape(s) without the batch dim; builds an unbuilt model, or re-traces shapes and MACs. */
  inputShape?: Shape | Shape[];
}

export interface SummaryLayer {
  name: string;
  type: string;
  outputShape: Shape;
  params: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** Multiply-accumulates per image. */
  macs: number;
  connectedTo: string[];
}

export interface SummaryData {
  name: string;
  inputShapes: Shape[];
  outputShape: Shape;
  layers: SummaryLayer[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  macs: number;
  /** Bytes of every parameter and buffer. */
  weightBytes: number;
  /** Bytes of trainable parameters, and of frozen parameters plus counted buffers. */
  trainableBytes: number;
  nonTrainableBytes: number;
  weightMemory: string;
}

export function humanBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)} ${units[i]}`;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function shapesOf(s: Shape | Shape[] | undefined): Shape[] | undefined {
  if (s === undefined) return undefined;
  return Array.isArray(s[0]) ? (s as Shape[]) : [s as Shape];
}

/** The summary as plain JSON (for reports). */
export function summaryData(model: Model, inputShape?: Shape | Shape[]): SummaryData {
  const shapes = shapesOf(inputShape);
  if (!model.built) {
    if (!shapes) throw new Error(`${model.name}: not built; pass the input shape to summary`);
    model.build(shapes);
  }
  const rows = model.trace(shapes);
  const layers: SummaryLayer[] = [];
  let weightBytes = 0;
  let trainableBytes = 0;
  let nonTrainableBytes = 0;
  for (const r of rows) {
    if (!r.layer && !model.summaryShowsInputs) continue;
    let params = 0;
    let trainable = 0;
    let nonTrainable = 0;
    let macs = 0;
    if (r.layer) {
      for (const p of r.layer.parameters()) {
        params += p.size;
        const bytes = p.size * elementSize(p.dtype);
        if (p.requiresGrad) {
          trainable += p.size;
          trainableBytes += bytes;
        } else {
          nonTrainable += p.size;
          nonTrainableBytes += bytes;
        }
      }
      for (const b of r.layer.countedBuffers()) {
        params += b.size;
        nonTrainable += b.size;
        nonTrainableBytes += b.size * elementSize(b.dtype);
      }
      for (const [, t] of r.layer.stateDict()) weightBytes += t.size * elementSize(t.dtype);
      macs = r.layer.macs(r.inputShapes, r.outputShape);
    }
    layers.push({ name: r.name, type: r.type, outputShape: r.outputShape, params, trainableParams: trainable, nonTrainableParams: nonTrainable, macs, connectedTo: r.connectedTo });
  }
  const inputShapes = shapes ?? rows.filter((r) => !r.layer).map((r) => r.outputShape);
  const first = rows.find((r) => r.layer);
  return summaryTotals({
    name: model.name,
    inputShapes: inputShapes.length ? inputShapes : first ? first.inputShapes : [],
    outputShape: rows[rows.length - 1]?.outputShape ?? [],
    layers,
    bytes: { weightBytes, trainableBytes, nonTrainableBytes },
  });
}

/** A SummaryData from its rows: the totals are the rows' sums. */
export function summaryTotals(o: {
  name: string;
  inputShapes: Shape[];
  outputShape: Shape;
  layers: SummaryLayer[];
  bytes: { weightBytes: number; trainableBytes: number; nonTrainableBytes: number };
}): SummaryData {
  const sum = (f: (l: SummaryLayer) => number): number => o.layers.reduce((a, l) => a + f(l), 0);
  return {
    name: o.name,
    inputShapes: o.inputShapes,
    outputShape: o.outputShape,
    layers: o.layers,
    totalParams: sum((l) => l.params),
    trainableParams: sum((l) => l.trainableParams),
    nonTrainableParams: sum((l) => l.nonTrainableParams),
    macs: sum((l) => l.macs),
    ...o.bytes,
    weightMemory: humanBytes(o.bytes.weightBytes),
  };
}

function pad(s: string, w: number): string {
  return s.length >= w ? `${s} ` : s + ' '.repeat(w - s.length);
}

export interface FormatSummaryOptions {
  /** Adds a "Connected to" column (functional models). */
  graph?: boolean;
  /** Shows trainable and frozen parameter counts per row (module-tree summaries). */
  splitTrainable?: boolean;
  /** Header of the first column (default "Layer (type)"). */
  rowHeader?: string;
}

/** Renders summary data as a Keras-like text table (one renderer for layer and module summaries). */
export function formatSummary(d: SummaryData, o: FormatSummaryOptions = {}): string {
  const graph = o.graph ?? false;
  const split = o.splitTrainable ?? false;
  const headers = [o.rowHeader ?? 'Layer (type)', 'Output Shape', 'Param #', ...(split ? ['Trainable', 'Frozen'] : []), 'MACs', ...(graph ? ['Connected to'] : [])];
  const cells = d.layers.map((l) => [
    `${l.name} (${l.type})`,
    shapeStr(l.outputShape),
    fmt(l.params),
    ...(split ? [fmt(l.trainableParams), fmt(l.nonTrainableParams)] : []),
    fmt(l.macs),
    ...(graph ? [l.connectedTo.join(', ')] : []),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)) + 2);
  const total = widths.reduce((a, b) => a + b, 0);
  const line = (c: string[]): string => c.map((x, i) => pad(x, widths[i])).join('').trimEnd();
  const mem = (n: number, bytes: number): string => `${fmt(n)} (${humanBytes(bytes)})`;
  const out = [
    `Model: "${d.name}"`,
    '_'.repeat(total),
    line(headers),
    '='.repeat(total),
    ...cells.map(line),
    '='.repeat(total),
    `Total params: ${mem(d.totalParams, d.trainableBytes + d.nonTrainableBytes)}`,
    `Trainable params: ${mem(d.trainableParams, d.trainableBytes)}`,
    `Non-trainable params: ${mem(d.nonTrainableParams, d.nonTrainableBytes)}`,
    `MACs per image: ${fmt(d.macs)} (${(d.macs / 1e6).toFixed(2)} M)`,
    `Weight memory: ${d.weightMemory} (${fmt(d.weightBytes)} bytes)`,
    '_'.repeat(total),
  ];
  return out.join('\n');
}

/** The summary as a Keras-like text table. */
export function summaryTable(model: Model, o: { inputShape?: Shape | Shape[] } = {}): string {
  return formatSummary(summaryData(model, o.inputShape), { graph: model.summaryShowsInputs });
}
