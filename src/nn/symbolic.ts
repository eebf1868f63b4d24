// Symbolic tensors of the functional API: a shape (no batch dim) and the layer call that makes it.
import type { Shape } from './config.js';

/** What made a symbolic tensor: an input() or a layer applied to other symbolic tensors. */
export interface SymbolicSource {
  readonly name: string;
  readonly type: string;
}

export class SymbolicTensor {
  private static nextId = 0;
  readonly id = SymbolicTensor.nextId++;

  constructor(
    readonly shape: Shape,
    /** The layer that produced it, or an InputSpec for model inputs. */
    readonly source: SymbolicSource,
    readonly inbound: readonly SymbolicTensor[],
  ) {}
}

/** A model input: `input([3, 32, 32])`. */
export class InputSpec implements SymbolicSource {
  readonly type = 'InputLayer';
  readonly defaultName = 'input';
  explicitName: boolean;
  name: string;
  readonly output: SymbolicTensor;

  constructor(
    readonly shape: Shape,
    name?: string,
  ) {
    this.explicitName = name !== undefined;
    this.name = name ?? 'input';
    this.output = new SymbolicTensor([...shape], this, []);
  }
}

/** A symbolic model input of the given shape (no batch dim), as keras.Input. */
export function input(shape: Shape, o: { name?: string } = {}): SymbolicTensor {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`input(): shape must be positive integers without the batch dim, got ${JSON.stringify(shape)}`);
  }
  return new InputSpec(shape, o.name).output;
}
