// Finding the layers interpretability methods look at: convolutional layers by name, the last
// one (the Grad-CAM default), and capturing a layer's output during a forward pass. Works for
// Keras-style models (layers by name) and zoo architectures (blocks by name, or any module path;
// the default is the last feature block).
import { adopt, currentScope, type Tensor } from '../torch/index.js';
import type { Layer } from '../nn/index.js';
import { Model } from '../nn/model.js';
import type { Module } from '../nn/module.js';
import { ZooModel, resolveLayer } from '../models/index.js';

/** What can be explained: a Keras-style model or a zoo architecture. */
export type Explainable = Model | ZooModel;

/** A layer to read feature maps from: its name (as users give it) and the module. */
export interface LayerTarget {
  name: string;
  module: Module;
}

const CONV_TYPES = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose']);

export class UnknownLayerError extends Error {
  constructor(
    message: string,
    readonly available: string[],
  ) {
    super(message);
    this.name = 'UnknownLayerError';
  }
}

export function isConvLayer(l: Layer): boolean {
  return CONV_TYPES.has(l.type);
}

/** Names of the model's convolutional layers in execution order (a zoo model's feature blocks). */
export function convLayerNames(model: Explainable): string[] {
  if (model instanceof ZooModel) return model.blockNames();
  return model.layers.filter(isConvLayer).map((l) => l.name);
}

/**
 * The named layer, which must give [C, H, W] feature maps (a conv layer or any layer after one:
 * activation, batch norm, pooling). Without a name, the last convolutional layer (a zoo model's
 * last feature block).
 */
export function spatialLayer(model: Explainable, name?: string): LayerTarget {
  if (model instanceof ZooModel) {
    const blocks = model.blocks();
    if (name === undefined) {
      const last = blocks.at(-1);
      if (!last) throw new UnknownLayerError(`${model.config.name}: has no feature blocks to explain`, []);
      return { name: last.name, module: last.module };
    }
    try {
      return { name, module: resolveLayer(model, name) };
    } catch (e) {
      throw new UnknownLayerError((e as Error).message, model.blockNames());
    }
  }
  const convs = convLayerNames(model);
  const list = convs.length ? convs.join(', ') : '(none)';
  if (name === undefined) {
    const last = convs.at(-1);
    if (!last) throw new UnknownLayerError(`${model.name}: has no convolutional layer to explain`, convs);
    return { name: last, module: model.getLayer(last) };
  }
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) throw new UnknownLayerError(`${model.name}: no layer '${name}'; convolutional layers: ${list}`, convs);
  const shape = layer.outputShape;
  if (!shape || shape.length !== 3) {
    throw new UnknownLayerError(`${model.name}: layer '${name}' (${layer.type}) does not output feature maps [C, H, W]; convolutional layers: ${list}`, convs);
  }
  return { name, module: layer };
}

/** Runs the model on x and returns its output with the named layer's output (graph kept). */
export function forwardCapturing(model: Module, layer: LayerTarget, x: Tensor): { output: Tensor; features: Tensor } {
  let features: Tensor | null = null;
  // a zoo model's blocks tidy their insides: the captured output joins this scope
  const scope = currentScope();
  const remove = layer.module.registerForwardHook((_m, _in, out) => {
    features = adopt(scope, out);
  });
  let output: Tensor;
  try {
    output = model.call(x);
  } finally {
    remove();
  }
  if (!features) throw new Error(`${model.name}: layer '${layer.name}' did not run in the forward pass`);
  const f: Tensor = features;
  if (f.ndim !== 4) {
    const names = model instanceof ZooModel ? `; blocks: ${model.blockNames().join(', ')}` : '';
    throw new UnknownLayerError(`${model.name}: layer '${layer.name}' gives [${f.shape.join(', ')}], not feature maps [N, C, H, W]${names}`, model instanceof ZooModel ? model.blockNames() : []);
  }
  return { output, features: f };
}
