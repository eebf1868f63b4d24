// Shared helpers of the engine tests.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as T from '../../src/torch/index.js';

/** test/fixtures/engine/<name>, found from the compiled file (dist/test/engine/*.js) or the source. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/engine/${name}`, import.meta.url));
}

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

/** Largest |a - b| over elements, after checking shapes match. */
export function maxAbsDiff(actual: T.Tensor, expected: T.Tensor): number {
  assert.deepEqual(actual.shape, expected.shape, 'shape');
  const a = actual.dataNumbers();
  const b = expected.dataNumbers();
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise (absolute for small values,
 * relative for large ones), with a message naming the worst element.
 */
export function assertClose(actual: T.Tensor | null, expected: T.Tensor, label: string, tol: Tolerance = {}): void {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-5;
  assert.ok(actual !== null, `${label}: missing (null)`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  const a = actual.dataNumbers();
  const b = expected.dataNumbers();
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const excess = Math.abs(a[i] - b[i]) - (atol + rtol * Math.abs(b[i]));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    assert.fail(`${label}: element ${worst} is ${a[worst]}, expected ${b[worst]} (|diff| ${Math.abs(a[worst] - b[worst]).toExponential(3)}, atol ${atol}, rtol ${rtol})`);
  }
}

/** Elementwise equality of values as plain numbers. */
export function assertValues(t: T.Tensor, expected: number[], label = 'values', tol = 0): void {
  const a = t.dataNumbers();
  assert.equal(a.length, expected.length, `${label}: length`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - expected[i]) <= tol, `${label}[${i}]: got ${a[i]}, expected ${expected[i]}`);
  }
}
