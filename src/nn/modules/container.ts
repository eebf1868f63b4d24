// nn.Sequential: children named '0', '1', ... (or given names), run in order. Zoo models build
// torchvision's module trees from these so state-dict keys match torchvision's.
import { disposeConsumed, isScopeLocal, type Tensor } from '../../torch/index.js';
import { Module } from '../module.js';

export class Seq extends Module {
  constructor(modules: Module[] | [string, Module][] = [], name = 'sequential') {
    super(name);
    modules.forEach((m, i) => (Array.isArray(m) ? this.add(m[0], m[1]) : this.add(String(i), m)));
  }

  /** Appends a child; named by its position unless a name is given. */
  add(name: string, m: Module): this {
    this.registerModule(name, m);
    if (m.name === m.constructor.name.toLowerCase() || !m.name) m.name = name;
    return this;
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th child (negative counts from the end). */
  at(i: number): Module {
    const c = this.children();
    const k = i < 0 ? c.length + i : i;
    if (k < 0 || k >= c.length) throw new RangeError(`${this.name}: no child at ${i} (it has ${c.length})`);
    return c[k][1];
  }

  /**
   * Each intermediate output goes as soon as the next child has consumed it (disposeConsumed),
   * when it was made in the innermost tidy() scope (a child may hand back a tensor it owns):
   * holding a block's activations until the scope ends doubled the memory one MobileNetV2 block
   * touches in inference.
   */
  forward(x: Tensor): Tensor {
    const first = x;
    for (const [, m] of this.children()) {
      const input = x;
      x = m.call(input);
      if (isScopeLocal(input)) disposeConsumed(input, first, x);
    }
    return x;
  }
}
