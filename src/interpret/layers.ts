// Finding the layers interpretability methods look at: convolutional layers by name, the last
// one (the Grad-CAM default), and capturing a layer's output during a forward pass.
import type { Tensor } from '../torch/index.js';
import type { Layer, Model } from '../nn/index.js';

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

/** Names of the model's convolutional layers in execution order. */
export function convLayerNames(model: Model): string[] {
  return model.layers.filter(isConvLayer).map((l) => l.name);
}

/**
 * The named layer, which must give [C, H, W] feature maps (a conv layer or any layer after one:
 * activation, batch norm, pooling). Without a name, the last convolutional layer.
 */
export function spatialLayer(model: Model, name?: string): Layer {
  const convs = convLayerNames(model);
  const list = convs.length ? convs.join(', ') : '(none)';
  if (name === undefined) {
    const last = convs.at(-1);
    if (!last) throw new UnknownLayerError(`${model.name}: has no convolutional layer to explain`, convs);
    return model.getLayer(last);
  }
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) throw new UnknownLayerError(`${model.name}: no layer '${name}'; convolutional layers: ${list}`, convs);
  const shape = layer.outputShape;
  if (!shape || shape.length !== 3) {
    throw new UnknownLayerError(`${model.name}: layer '${name}' (${layer.type}) does not output feature maps [C, H, W]; convolutional layers: ${list}`, convs);
  }
  return layer;
}

/** Runs the model on x and returns its output with the named layer's output (graph kept). */
export function forwardCapturing(model: Model, layer: Layer, x: Tensor): { output: Tensor; features: Tensor } {
  let features: Tensor | null = null;
  const remove = layer.registerForwardHook((_m, _in, out) => {
    features = out;
  });
  let output: Tensor;
  try {
    output = model.call(x);
  } finally {
    remove();
  }
  if (!features) throw new Error(`${model.name}: layer '${layer.name}' did not run in the forward pass`);
  return { output, features };
}
