/** Tolerances for comparing float32 backend output with a float64 reference. */
export interface Tolerance {
  /** Relative tolerance (scaled by |expected|). */
  rtol: number;
  /** Absolute tolerance. */
  atol: number;
}

/** Default tolerance for float32 results of short reductions. */
export const FLOAT32: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/** Thrown when a backend's numbers differ from the reference. */
export class ConformanceError extends Error {
  override readonly name = 'ConformanceError';
}

/**
 * Checks |actual - expected| <= atol + rtol * |expected| element-wise; the error names the
 * check, the first offending index and the largest deviation.
 */
export function assertClose(
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance = FLOAT32,
): void {
  if (actual.length !== expected.length) {
    throw new ConformanceError(`${label}: ${actual.length} values, expected ${expected.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (!(excess <= 0)) {
      bad++;
      if (worst < 0 || !(excess <= worstExcess)) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad > 0) {
    throw new ConformanceError(
      `${label}: ${bad} of ${actual.length} values differ from the float64 reference ` +
        `(worst at [${worst}]: got ${actual[worst]}, expected ${expected[worst]}, ` +
        `rtol ${tol.rtol}, atol ${tol.atol})`,
    );
  }
}

/** Checks two shapes are equal. */
export function assertShape(label: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new ConformanceError(`${label}: shape [${actual.join(', ')}], expected [${expected.join(', ')}]`);
  }
}
