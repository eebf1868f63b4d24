// Functional (graph) models, as Keras's functional API:
//   const inp = input([3, 32, 32]); const a = conv2d({...}).apply(inp); ...
//   const m = model({inputs: inp, outputs: out});
// Each layer may be applied once per model (shared layers are not supported).
import type { Device, Tensor } from '../torch/index.js';
import { Layer } from './layer.js';
import { cloneJson, type JsonObject, type JsonValue, type LayerConfig, type Shape } from './config.js';
import { InputSpec, SymbolicTensor, input } from './symbolic.js';
import { layerFromConfig, ConfigError } from './registry.js';
import { Model, assignNames, type ModelConfig, type TraceRow } from './model.js';

export interface GraphModelOptions {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}

function asList<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

export class GraphModel extends Model {
  readonly inputs: InputSpec[];
  readonly outputs: SymbolicTensor[];
  /** Layer applications in execution (topological) order. */
  private readonly nodes: SymbolicTensor[] = [];

  constructor(o: GraphModelOptions) {
    super(o.name ?? 'model');
    const ins = asList(o.inputs);
    this.outputs = asList(o.outputs);
    this.inputs = ins.map((t, i) => {
      if (!(t instanceof SymbolicTensor) || !(t.source instanceof InputSpec)) throw new Error(`${this.name}: inputs[${i}] is not a model input made by input()`);
      return t.source;
    });
    if (this.outputs.length === 0) throw new Error(`${this.name}: no outputs`);
    // depth-first post-order from the outputs gives a topological order
    const seen = new Set<SymbolicTensor>();
    const visit = (t: SymbolicTensor, path: string[]): void => {
      if (seen.has(t)) return;
      seen.add(t);
      if (t.source instanceof InputSpec) {
        if (!this.inputs.includes(t.source)) throw new Error(`${this.name}: output depends on input '${t.source.name}' that is not in inputs (via ${path.join(' <- ')})`);
        return;
      }
      for (const x of t.inbound) visit(x, [...path, t.source.name]);
      this.nodes.push(t);
    };
    for (const t of this.outputs) visit(t, []);
    const layers = this.layers;
    if (new Set(layers).size !== layers.length) throw new Error(`${this.name}: a layer is applied more than once; shared layers are not supported`);
    assignNames([...this.inputs, ...layers], this.name);
    for (const l of layers) this.registerModule(l.name, l);
  }

  get layers(): Layer[] {
    return this.nodes.map((t) => t.source as Layer);
  }

  get built(): boolean {
    return true;
  }

  build(): this {
    return this;
  }

  /** Runs the graph; one tensor per model input. Returns the single output (see forwardAll). */
  forward(...xs: Tensor[]): Tensor {
    const outs = this.forwardAll(...xs);
    if (outs.length !== 1) throw new Error(`${this.name}: has ${outs.length} outputs; use forwardAll()`);
    return outs[0];
  }

  forwardAll(...xs: Tensor[]): Tensor[] {
    if (xs.length !== this.inputs.length) throw new Error(`${this.name}: expects ${this.inputs.length} input tensor(s), got ${xs.length}`);
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((spec, i) => {
      const want = spec.output.shape;
      const got = xs[i].shape.slice(1);
      if (got.length !== want.length) throw new Error(`${this.name}: input '${spec.name}' expects [N, ${want.join(', ')}], got [${xs[i].shape.join(', ')}]`);
      values.set(spec.output, xs[i]);
    });
    const dev = xs[0].device;
    if (dev !== 'cpu' && this.parameters()[0]?.device === 'cpu') this.to(dev as Device);
    for (const t of this.nodes) {
      const layer = t.source as Layer;
      values.set(t, layer.call(...t.inbound.map((x) => values.get(x)!)));
    }
    return this.outputs.map((t) => values.get(t)!);
  }

  trace(inputShapes?: Shape[]): TraceRow[] {
    const shapes = new Map<SymbolicTensor, Shape>();
    const rows: TraceRow[] = [];
    this.inputs.forEach((spec, i) => {
      const s = inputShapes?.[i] ?? spec.output.shape;
      shapes.set(spec.output, [...s]);
      rows.push({ name: spec.name, type: 'InputLayer', layer: null, inputShapes: [], outputShape: [...s], connectedTo: [] });
    });
    for (const t of this.nodes) {
      const layer = t.source as Layer;
      const ins = t.inbound.map((x) => shapes.get(x)!);
      const out = inputShapes ? layer.computeOutputShape(ins) : t.shape;
      shapes.set(t, out);
      rows.push({ name: layer.name, type: layer.type, layer, inputShapes: ins, outputShape: out, connectedTo: t.inbound.map((x) => x.source.name) });
    }
    return rows;
  }

  toConfig(): ModelConfig {
    return {
      type: 'Functional',
      name: this.name,
      inputs: this.inputs.map((s) => ({ name: s.name, shape: [...s.output.shape] })),
      layers: this.nodes.map((t) => {
        const cfg = cloneJson((t.source as Layer).getConfig() as JsonValue) as JsonObject;
        return { ...cfg, inbound_nodes: t.inbound.map((x) => x.source.name) };
      }),
      outputs: this.outputs.map((t) => t.source.name),
    };
  }

  protected get showsInputs(): boolean {
    return true;
  }
}

/** Keras's Model(inputs, outputs). */
export function model(o: GraphModelOptions): GraphModel {
  return new GraphModel(o);
}

/** Rebuilds a functional model from GraphModel.toConfig() output. */
export function graphFromConfig(cfg: Record<string, unknown>): GraphModel {
  const ins = cfg.inputs;
  const layers = cfg.layers;
  const outs = cfg.outputs;
  if (!Array.isArray(ins) || !Array.isArray(layers) || !Array.isArray(outs)) throw new ConfigError(`Functional config needs 'inputs', 'layers' and 'outputs' lists`);
  const byName = new Map<string, SymbolicTensor>();
  const inputs = ins.map((i: { name?: string; shape?: number[] }) => {
    if (!Array.isArray(i?.shape)) throw new ConfigError(`Functional config: input ${JSON.stringify(i)} needs a 'shape'`);
    const t = input(i.shape, { name: i.name });
    byName.set(t.source.name, t);
    return t;
  });
  for (const lc of layers as (LayerConfig & { inbound_nodes?: string[] })[]) {
    const { inbound_nodes: inbound, ...rest } = lc;
    if (!Array.isArray(inbound) || inbound.length === 0) throw new ConfigError(`Functional config: layer ${JSON.stringify(lc.name)} needs 'inbound_nodes'`);
    const layer = layerFromConfig(rest);
    const srcs = inbound.map((n) => {
      const t = byName.get(n);
      if (!t) throw new ConfigError(`Functional config: layer '${layer.name}' reads '${n}', which is not defined before it; known: ${[...byName.keys()].join(', ')}`);
      return t;
    });
    byName.set(layer.name, layer.apply(layer.isMerge ? srcs : srcs[0]));
  }
  const outputs = outs.map((n: string) => {
    const t = byName.get(n);
    if (!t) throw new ConfigError(`Functional config: unknown output '${n}'`);
    return t;
  });
  return new GraphModel({ inputs, outputs, name: typeof cfg.name === 'string' ? cfg.name : undefined });
}
