// Sequential models: a list of layers (or YAML-style configs) applied in order.
import type { Device, Tensor } from '../torch/index.js';
import { Layer } from './layer.js';
import { cloneJson, type JsonValue, type LayerConfig, type Shape } from './config.js';
import { layerFromConfig } from './registry.js';
import { Model, assignNames, type ModelConfig, type TraceRow } from './model.js';

export interface SequentialOptions {
  /** Input shape without the batch dim, e.g. [3, 64, 64]: builds every layer eagerly. */
  inputShape?: Shape;
  name?: string;
}

export class Sequential extends Model {
  private readonly _layers: Layer[] = [];
  private _inputShape: Shape | null = null;

  constructor(layers: (Layer | LayerConfig)[] = [], o: SequentialOptions = {}) {
    super(o.name ?? 'sequential');
    for (const l of layers) this.pushLayer(l);
    this.rename();
    const shape = o.inputShape ?? this._layers[0]?.declaredInputShape;
    if (shape) this.build(shape);
  }

  get layers(): Layer[] {
    return [...this._layers];
  }

  get built(): boolean {
    return this._inputShape !== null;
  }

  get inputShape(): Shape | null {
    return this._inputShape ? [...this._inputShape] : null;
  }

  private pushLayer(l: Layer | LayerConfig): Layer {
    const layer = l instanceof Layer ? l : layerFromConfig(l);
    if (layer.isMerge) throw new Error(`${this.name}: ${layer.type} merges several inputs and cannot be used in a sequential model; use the functional API`);
    if (this._layers.includes(layer)) throw new Error(`${this.name}: layer '${layer.name}' added twice`);
    this._layers.push(layer);
    return layer;
  }

  private rename(): void {
    for (const [n] of this.children()) this.removeModule(n);
    assignNames(this._layers, this.name);
    for (const l of this._layers) this.registerModule(l.name, l);
  }

  /** Appends a layer (built at once when the model is). */
  add(l: Layer | LayerConfig): this {
    const layer = this.pushLayer(l);
    this.rename();
    if (this._inputShape) {
      const rows = this.trace();
      layer.build([rows[rows.length - 2]?.outputShape ?? this._inputShape]);
    }
    return this;
  }

  build(inputShape: Shape | Shape[]): this {
    const shape = Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape);
    if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw new RangeError(`${this.name}: input shape must be positive integers without the batch dim, got ${JSON.stringify(inputShape)}`);
    let s = [...shape];
    for (const l of this._layers) {
      try {
        l.build([s]);
        s = l.computeOutputShape([s]);
      } catch (e) {
        throw new Error(`${this.name}: building layer '${l.name}' (${l.type}) for input [${s.join(', ')}]: ${(e as Error).message}`);
      }
    }
    this._inputShape = [...shape];
    return this;
  }

  forward(x: Tensor): Tensor {
    if (!this._inputShape) {
      this.build(x.shape.slice(1));
      if (x.device !== 'cpu') this.to(x.device as Device);
    }
    let y = x;
    for (const l of this._layers) y = l.call(y);
    return y;
  }

  trace(inputShapes?: Shape[]): TraceRow[] {
    const start = inputShapes?.[0] ?? this._inputShape;
    if (!start) throw new Error(`${this.name}: not built; give an input shape (sequential(layers, {inputShape}) or summary({inputShape}))`);
    let s = [...start];
    const rows: TraceRow[] = [];
    let prev = 'input';
    for (const l of this._layers) {
      const out = l.computeOutputShape([s]);
      rows.push({ name: l.name, type: l.type, layer: l, inputShapes: [s], outputShape: out, connectedTo: [prev] });
      prev = l.name;
      s = out;
    }
    return rows;
  }

  toConfig(): ModelConfig {
    return {
      type: 'Sequential',
      name: this.name,
      input_shape: this._inputShape ? [...this._inputShape] : null,
      layers: this._layers.map((l) => cloneJson(l.getConfig() as JsonValue)),
    };
  }

  protected get showsInputs(): boolean {
    return false;
  }
}

/** Keras's Sequential: `sequential([conv2d({...}), {type: 'Dense', units: 10}], {inputShape: [3, 64, 64]})`. */
export function sequential(layers: (Layer | LayerConfig)[], o: SequentialOptions = {}): Sequential {
  return new Sequential(layers, o);
}
