// The Keras-style layer base: a Module with a serialisable config, lazy (first input) or eager
// (known input shape) building, a fused activation, weight regularisers/constraints, activity
// regularisation, and symbolic application for the functional API (apply on SymbolicTensors).
import { keep, type Device, type Tensor } from '../torch/index.js';
import { Module } from './module.js';
import { getActivation, type ActivationFn } from './activations.js';
import { toSnakeKeys, type JsonValue, type LayerConfig, type Shape } from './config.js';
import { initTensor, kerasFans, type Fans, type InitializerConfig } from './init.js';
import { getRegularizer, type Regularized, type Regularizer, type RegularizerConfig } from './regularizers.js';
import { getConstraint, type Constrained, type Constraint, type ConstraintConfig } from './constraints.js';
import { SymbolicTensor } from './symbolic.js';

/** Options every layer takes. */
export interface BaseLayerOptions {
  name?: string;
  /** false freezes the layer's parameters when built (Keras's trainable=False). */
  trainable?: boolean;
  /** Input shape without the batch dim: builds the layer (and a sequential model) eagerly. */
  inputShape?: number[];
}

export interface WeightOptions {
  init: InitializerConfig;
  /** Fans as Keras computes them for this kernel (defaults to Keras's rule on `shape`). */
  fans?: Fans;
  regularizer?: RegularizerConfig | null;
  constraint?: ConstraintConfig | null;
  /** Output-channel dim of the PyTorch layout (constraint norms run over the others). */
  outDim?: number;
  trainable?: boolean;
}

interface WeightSpec {
  name: string;
  regularizer: Regularizer | null;
  constraint: Constraint | null;
  outDim: number;
}

export abstract class Layer extends Module implements Regularized, Constrained {
  /** True when the name came from the user (models only rename auto-named layers). */
  explicitName: boolean;
  /** Input shapes (no batch dim) the layer was built for, or null while unbuilt. */
  inputShapes: Shape[] | null = null;
  outputShape: Shape | null = null;
  /** Activity penalty (already divided by the batch size, as Keras) of the last forward pass. */
  lastActivityPenalty: Tensor | null = null;
  /** Symbolic outputs made by apply() (functional API). */
  readonly symbolicOutputs: SymbolicTensor[] = [];
  /** Merge layers take a list of inputs. */
  readonly isMerge: boolean = false;
  private readonly specs: WeightSpec[] = [];
  private readonly counted = new Set<string>();
  private activationFn: ActivationFn | null = null;
  private activityReg: Regularizer | null = null;

  constructor(
    readonly type: string,
    readonly defaultName: string,
    protected readonly base: BaseLayerOptions,
  ) {
    super(base.name ?? defaultName);
    this.explicitName = base.name !== undefined;
  }

  /** Sets the fused activation and activity regulariser (layers with those options call it). */
  protected setOutputTransforms(activation: string | null | undefined, activity: RegularizerConfig | null | undefined): void {
    this.activationFn = getActivation(activation);
    this.activityReg = getRegularizer(activity);
  }

  /** camelCase options with defaults resolved; serialised by getConfig(). */
  protected abstract options(): object;

  /** Output shape (no batch dim) for the given input shapes. Must not touch tensors. */
  abstract computeOutputShape(inputShapes: Shape[]): Shape;

  /** The computation before the fused activation. */
  protected abstract compute(inputs: Tensor[]): Tensor;

  /** Creates parameters for the given input shapes (layers without weights leave it empty). */
  protected buildWeights(_inputShapes: Shape[]): void {}

  /** Multiply-accumulates per sample. */
  macs(_inputShapes: Shape[], _outputShape: Shape): number {
    return 0;
  }

  /** The inputShape option (Keras's input_shape on a first layer), if given. */
  get declaredInputShape(): Shape | undefined {
    return this.base.inputShape ? [...this.base.inputShape] : undefined;
  }

  get built(): boolean {
    return this.inputShapes !== null;
  }

  /** Builds parameters for these input shapes (no batch dim). A built layer is left as it is. */
  build(inputShape: Shape | Shape[]): void {
    if (this.inputShapes) return;
    const inputShapes: Shape[] = typeof inputShape[0] === 'number' ? [inputShape as Shape] : (inputShape as Shape[]);
    if (!this.isMerge && inputShapes.length !== 1) throw new Error(`${this.name} (${this.type}): takes one input, got ${inputShapes.length}`);
    const out = this.computeOutputShape(inputShapes);
    if (!out.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`${this.name} (${this.type}): input [${inputShapes.map((s) => s.join(', ')).join('; ')}] gives output [${out.join(', ')}]; the input is too small`);
    }
    this.buildWeights(inputShapes);
    this.inputShapes = inputShapes.map((s) => [...s]);
    this.outputShape = out;
    if (this.base.trainable === false) for (const p of this.parameters()) p.requiresGrad = false;
  }

  override forward(...xs: Tensor[]): Tensor {
    if (xs.length === 0) throw new Error(`${this.name} (${this.type}): no input`);
    if (!this.inputShapes) {
      this.build(xs.map((x) => x.shape.slice(1)));
      const dev = xs[0].device;
      if (dev !== 'cpu') this.to(dev as Device);
    }
    let y = this.compute(xs);
    if (this.activationFn) y = this.activationFn(y);
    if (this.activityReg) {
      const old = this.lastActivityPenalty;
      if (old && !old.isDisposed) old.dispose();
      this.lastActivityPenalty = this.activityReg.penalty(y).div(y.shape[0] ?? 1);
    }
    return y;
  }

  /** Keras's functional call: maps symbolic inputs to a symbolic output, building the layer. */
  override apply(fn: (m: Module, name: string) => void): this;
  override apply(input: SymbolicTensor | SymbolicTensor[]): SymbolicTensor;
  override apply(arg: ((m: Module, name: string) => void) | SymbolicTensor | SymbolicTensor[]): this | SymbolicTensor {
    if (typeof arg === 'function') return super.apply(arg);
    const inputs = Array.isArray(arg) ? arg : [arg];
    if (!inputs.every((x) => x instanceof SymbolicTensor)) throw new TypeError(`${this.name}.apply(): expects symbolic tensors from input() or other layers`);
    if (!this.isMerge && inputs.length !== 1) throw new Error(`${this.name} (${this.type}): takes one input, got ${inputs.length}`);
    const shapes = inputs.map((x) => x.shape);
    this.build(shapes);
    const out = new SymbolicTensor(this.computeOutputShape(shapes), this, inputs);
    this.symbolicOutputs.push(out);
    return out;
  }

  /** `{type, name, ...snake_case options}`: plain JSON that layerFromConfig rebuilds. */
  getConfig(): LayerConfig {
    const extra: { trainable?: boolean; inputShape?: number[] } = {};
    if (this.base.trainable === false) extra.trainable = false;
    if (this.base.inputShape) extra.inputShape = [...this.base.inputShape];
    return { type: this.type, name: this.name, ...toSnakeKeys({ ...this.options(), ...extra }) } as LayerConfig;
  }

  // ---- weights ----

  /** Creates and registers a parameter initialised as Keras would. */
  protected addWeight(name: string, shape: number[], o: WeightOptions): Tensor {
    const t = keep(initTensor(o.init, shape, o.fans ?? kerasFans(shape)));
    this.registerParameter(name, t, o.trainable ?? true);
    this.specs.push({ name, regularizer: getRegularizer(o.regularizer), constraint: getConstraint(o.constraint), outDim: o.outDim ?? 0 });
    return t;
  }

  /** Registers a buffer; counted buffers show as non-trainable parameters in summaries (Keras). */
  protected addBuffer(name: string, t: Tensor, counted: boolean): Tensor {
    this.registerBuffer(name, keep(t));
    if (counted) this.counted.add(name);
    return t;
  }

  /** The layer's own parameter or buffer (after build). */
  protected tensor(name: string): Tensor {
    const t = this.stateDict().get(name);
    if (!t) throw new Error(`${this.name}: '${name}' used before the layer was built`);
    return t;
  }

  protected optionalTensor(name: string): Tensor | null {
    return this.stateDict().get(name) ?? null;
  }

  /** Buffers Keras would list as non-trainable weights (BatchNorm moving statistics). */
  countedBuffers(): Tensor[] {
    return this.namedBuffers('', false)
      .filter(([n]) => this.counted.has(n))
      .map(([, t]) => t);
  }

  regularizationTerms(): Tensor[] {
    const own = new Map(this.namedParameters('', false));
    const out: Tensor[] = [];
    for (const s of this.specs) {
      const w = own.get(s.name);
      if (s.regularizer && w) out.push(s.regularizer.penalty(w));
    }
    if (this.lastActivityPenalty && !this.lastActivityPenalty.isDisposed) out.push(this.lastActivityPenalty);
    return out;
  }

  constrainedWeights(): { weight: Tensor; constraint: Constraint; outDim: number }[] {
    const own = new Map(this.namedParameters('', false));
    const out: { weight: Tensor; constraint: Constraint; outDim: number }[] = [];
    for (const s of this.specs) {
      const w = own.get(s.name);
      if (s.constraint && w) out.push({ weight: w, constraint: s.constraint, outDim: s.outDim });
    }
    return out;
  }
}

