// Shape helpers shared by the layers above the engine (state-dict loading, importers, in-place ops).

/** Whether two shapes are equal dimension by dimension. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
