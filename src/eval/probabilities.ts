// A read-only view of class probabilities [N][C], from nested number arrays or a flat row-major
// Float32Array/Float64Array with its class count, plus argmax predictions.

/** Probabilities [N][C]: nested arrays, or a flat row-major typed array (give numClasses). */
export type ProbabilityInput = readonly (readonly number[])[] | Float32Array | Float64Array;

export interface ProbabilityMatrix {
  readonly n: number;
  readonly c: number;
  /** Row-major N*C values. */
  readonly data: ArrayLike<number>;
  /** Machine epsilon of the values' precision (float32 for a Float32Array, else float64). */
  readonly eps: number;
}

export const FLOAT64_EPS = 2.220446049250313e-16;
export const FLOAT32_EPS = 1.1920928955078125e-7;

/** Wraps probabilities; a flat typed array needs numClasses, nested rows must be equally long. */
export function probabilityMatrix(probs: ProbabilityInput | ProbabilityMatrix, numClasses?: number): ProbabilityMatrix {
  if (!Array.isArray(probs) && !ArrayBuffer.isView(probs)) return probs as ProbabilityMatrix;
  if (probs instanceof Float32Array || probs instanceof Float64Array) {
    if (numClasses === undefined || !Number.isInteger(numClasses) || numClasses <= 0) {
      throw new RangeError('probabilities given as a flat typed array need numClasses (a positive integer)');
    }
    if (probs.length % numClasses !== 0) {
      throw new RangeError(`probabilities: ${probs.length} values are not a whole number of rows of ${numClasses} classes`);
    }
    return { n: probs.length / numClasses, c: numClasses, data: probs, eps: probs instanceof Float32Array ? FLOAT32_EPS : FLOAT64_EPS };
  }
  const rows = probs as readonly (readonly number[])[];
  const c = numClasses ?? rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * c);
  rows.forEach((row, i) => {
    if (row.length !== c) throw new RangeError(`probabilities: row ${i} has ${row.length} values, expected ${c}`);
    data.set(row, i * c);
  });
  return { n: rows.length, c, data, eps: FLOAT64_EPS };
}

/** Row i as a plain array. */
export function row(m: ProbabilityMatrix, i: number): number[] {
  return Array.from({ length: m.c }, (_, j) => m.data[i * m.c + j]);
}

/** Index of the largest value of each row (the first on ties, like numpy's argmax). */
export function argmaxRows(m: ProbabilityMatrix): number[] {
  const out = new Array<number>(m.n);
  for (let i = 0; i < m.n; i++) {
    let best = 0;
    for (let j = 1; j < m.c; j++) if (m.data[i * m.c + j] > m.data[i * m.c + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** Largest value of each row (the confidence of the prediction). */
export function maxRows(m: ProbabilityMatrix): number[] {
  return argmaxRows(m).map((j, i) => m.data[i * m.c + j]);
}

/** Checks labels against the matrix: one integer in [0, C) per row. */
export function checkLabels(m: ProbabilityMatrix, labels: ArrayLike<number>): void {
  if (labels.length !== m.n) throw new RangeError(`labels: ${labels.length} labels for ${m.n} rows of probabilities`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= m.c) throw new RangeError(`labels: label ${y} at row ${i} is not a class index in [0, ${m.c})`);
  }
}
