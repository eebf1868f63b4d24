// Which class to explain: an index, a class name, or (by default) the predicted class.
import type { Tensor } from '../torch/index.js';

/** Resolves a class given by name or index (as a string from the command line) to its index. */
export function resolveClass(spec: string | number, classes: readonly string[]): number {
  if (typeof spec === 'string') {
    const byName = classes.indexOf(spec);
    if (byName >= 0) return byName;
    if (!/^\d+$/.test(spec)) throw new RangeError(`unknown class '${spec}'; classes: ${classes.join(', ')}`);
    spec = Number(spec);
  }
  if (!Number.isInteger(spec) || spec < 0 || spec >= classes.length) throw new RangeError(`class index ${spec} is out of range 0..${classes.length - 1} (${classes.join(', ')})`);
  return spec;
}

/** The class to explain from model output [1, K]: the given index (checked) or the argmax. */
export function targetClass(output: Tensor, classIndex?: number): number {
  if (output.ndim !== 2 || output.shape[0] !== 1) throw new RangeError(`explain: expects model output [1, classes], got [${output.shape.join(', ')}]`);
  const k = output.shape[1];
  if (classIndex !== undefined) {
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= k) throw new RangeError(`class index ${classIndex} is out of range 0..${k - 1}`);
    return classIndex;
  }
  const scores = output.detach().select(0, 0).dataNumbers();
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

export function checkSingleImage(x: Tensor): void {
  if (x.ndim !== 4 || x.shape[0] !== 1) throw new RangeError(`explain: expects one image [1, C, H, W], got [${x.shape.join(', ')}]`);
}
