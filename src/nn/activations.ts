// Activation functions by Keras name, over the torch functional set.
import { F, type Tensor } from '../torch/index.js';

export type ActivationFn = (x: Tensor) => Tensor;

/** Softmax-like activations act on the channel/feature axis: dim 1 in NCHW (Keras's -1 in NHWC). */
const ACTIVATIONS: Record<string, ActivationFn> = {
  linear: (x) => x,
  relu: (x) => F.relu(x),
  relu6: (x) => F.relu6(x),
  leaky_relu: (x) => F.leakyRelu(x, 0.2),
  elu: (x) => F.elu(x, 1),
  selu: (x) => F.selu(x),
  gelu: (x) => F.gelu(x, 'none'),
  silu: (x) => F.silu(x),
  swish: (x) => F.silu(x),
  hard_swish: (x) => F.hardswish(x),
  hard_silu: (x) => F.hardswish(x),
  mish: (x) => F.mish(x),
  sigmoid: (x) => F.sigmoid(x),
  hard_sigmoid: (x) => F.hardsigmoid(x),
  tanh: (x) => F.tanh(x),
  softplus: (x) => x.softplus(),
  softsign: (x) => x.div(x.abs().add(1)),
  exponential: (x) => x.exp(),
  softmax: (x) => F.softmax(x, x.ndim > 1 ? 1 : 0),
  log_softmax: (x) => F.logSoftmax(x, x.ndim > 1 ? 1 : 0),
};

export const ACTIVATION_NAMES: readonly string[] = Object.keys(ACTIVATIONS);

export function getActivation(name: string | null | undefined): ActivationFn | null {
  if (name === null || name === undefined || name === 'linear') return null;
  const f = ACTIVATIONS[name];
  if (!f) throw new Error(`unknown activation '${name}'; allowed: ${ACTIVATION_NAMES.join(', ')}`);
  return f;
}
