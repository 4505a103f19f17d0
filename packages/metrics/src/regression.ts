/**
 * Correlation metrics for regression heads, as SciPy computes them (`scipy.stats.pearsonr` and
 * `spearmanr`, two-sided p-values) and as Hugging Face `evaluate`'s `pearsonr` / `spearmanr` report
 * them.
 */
import { MetricInputError, type WarningHandler, defaultWarningHandler } from './errors.js';
import { betainc, studentTSf } from './special.js';

/** A correlation and its two-sided p-value under the null hypothesis of no correlation. */
export interface CorrelationResult {
  /** The coefficient in [−1, 1]; NaN when an input is constant (SciPy warns and returns NaN). */
  statistic: number;
  /** Two-sided p-value; NaN when the statistic is NaN. */
  pvalue: number;
}

/** Options of {@link pearsonr} and {@link spearmanr}. */
export interface CorrelationOptions {
  /** Where SciPy's `ConstantInputWarning` goes. Default: `process.emitWarning`. */
  onWarning?: WarningHandler;
}

function check(x: readonly number[], y: readonly number[], min: number): void {
  if (!Array.isArray(x) || !Array.isArray(y)) throw new MetricInputError('x and y must be arrays of numbers');
  if (x.length !== y.length) {
    throw new MetricInputError(`x and y must have the same length: ${x.length} and ${y.length}`);
  }
  if (x.length < min) throw new MetricInputError(`x and y must have length at least ${min}.`);
  for (const [name, a] of [
    ['x', x],
    ['y', y],
  ] as const) {
    a.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new MetricInputError(`${name}[${i}] is ${String(v)}: values must be finite numbers`);
      }
    });
  }
}

/** NumPy's pairwise summation (`np.add.reduce` on a contiguous float64 array). */
function pairwiseSum(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[lo + i]!;
    return s;
  }
  if (n <= 128) {
    const r = [a[lo]!, a[lo + 1]!, a[lo + 2]!, a[lo + 3]!, a[lo + 4]!, a[lo + 5]!, a[lo + 6]!, a[lo + 7]!];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k]! += a[lo + i + k]!;
    let s = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) s += a[lo + i]!;
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}

const constantWarning = 'An input array is constant; the correlation coefficient is not defined.';

/**
 * Pearson's r with its two-sided p-value, like `scipy.stats.pearsonr(x, y)` (SciPy 1.10): r from
 * the mean-centred, norm-scaled vectors; p from the Beta(n/2 − 1, n/2 − 1) distribution of r on
 * (−1, 1). Hugging Face `evaluate`'s `pearsonr` is `pearsonr(references, predictions)`.
 *
 * @example
 * pearsonr([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]).statistic // 0.7745966692414834
 */
export function pearsonr(
  x: readonly number[],
  y: readonly number[],
  options: CorrelationOptions = {},
): CorrelationResult {
  check(x, y, 2);
  const n = x.length;
  if (x.every((v) => v === x[0]) || y.every((v) => v === y[0])) {
    (options.onWarning ?? defaultWarningHandler('ConstantInputWarning'))(constantWarning);
    return { statistic: Number.NaN, pvalue: Number.NaN };
  }
  if (n === 2) return { statistic: Math.sign(x[1]! - x[0]!) * Math.sign(y[1]! - y[0]!), pvalue: 1 };
  const xmean = pairwiseSum(x, 0, n) / n;
  const ymean = pairwiseSum(y, 0, n) / n;
  const xm = x.map((v) => v - xmean);
  const ym = y.map((v) => v - ymean);
  const norm = (a: number[]) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  const nx = norm(xm);
  const ny = norm(ym);
  let r = 0;
  for (let i = 0; i < n; i++) r += (xm[i]! / nx) * (ym[i]! / ny);
  r = Math.max(Math.min(r, 1), -1);
  const ab = n / 2 - 1;
  // 2 · Beta(ab, ab, loc=-1, scale=2).sf(|r|) = 2 · I_{1-y}(ab, ab) with y = (|r| + 1) / 2
  const yy = (Math.abs(r) + 1) / 2;
  const pvalue = 2 * betainc(ab, ab, 1 - yy, yy);
  return { statistic: r, pvalue };
}

/** `scipy.stats.rankdata(a)` (method `'average'`): ties get the mean of their ranks, 1-based. */
export function rankdata(a: readonly number[]): number[] {
  const n = a.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i]! - a[j]! || i - j);
  const ranks = new Array<number>(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && a[order[j + 1]!] === a[order[i]!]) j++;
    // positions i..j (0-based) share the rank 0.5 · ((i + 1) + (j + 1))
    const r = 0.5 * (j + 1 + i + 1);
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman's rank correlation with its two-sided p-value, like `scipy.stats.spearmanr(x, y)` (SciPy
 * 1.10): Pearson's correlation of the average ranks (`np.corrcoef`), p from Student's t with n − 2
 * degrees of freedom. Hugging Face `evaluate`'s `spearmanr` is `spearmanr(references, predictions)`.
 *
 * @example
 * spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]).statistic // 0.8207826816681233
 */
export function spearmanr(
  x: readonly number[],
  y: readonly number[],
  options: CorrelationOptions = {},
): CorrelationResult {
  check(x, y, 0);
  const n = x.length;
  if (n <= 1) return { statistic: Number.NaN, pvalue: Number.NaN };
  if (x.every((v) => v === x[0]) || y.every((v) => v === y[0])) {
    (options.onWarning ?? defaultWarningHandler('ConstantInputWarning'))(constantWarning);
    return { statistic: Number.NaN, pvalue: Number.NaN };
  }
  const rx = rankdata(x);
  const ry = rankdata(y);
  // np.corrcoef: covariances with 1/(n-1), then divided by both standard deviations. The ranks are
  // multiples of 1/2, so these sums are exact in any order.
  const mean = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mean;
    const dy = ry[i]! - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const f = 1 / (n - 1);
  let rs = (sxy * f) / Math.sqrt(syy * f) / Math.sqrt(sxx * f);
  rs = Math.max(Math.min(rs, 1), -1);
  const dof = n - 2;
  if (dof <= 0) return { statistic: rs, pvalue: Number.NaN };
  const t = rs * Math.sqrt(Math.max(dof / ((rs + 1) * (1 - rs)), 0));
  const pvalue = 2 * studentTSf(Math.abs(t), dof);
  return { statistic: rs, pvalue };
}
