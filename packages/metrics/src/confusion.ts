/**
 * Confusion matrices and Matthews' correlation coefficient, like scikit-learn's `confusion_matrix`,
 * `multilabel_confusion_matrix` and `matthews_corrcoef` (and Hugging Face `evaluate`'s
 * `confusion_matrix` / `matthews_correlation`, which call them).
 */
import { MetricInputError } from './errors.js';
import { type Label, checkTargets, uniqueLabels } from './labels.js';
import { type MultilabelIndicator, checkIndicators } from './multilabel.js';

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions<L extends Label = Label> {
  /** Rows/columns and their order. Default: the sorted union of `yTrue` and `yPred`. Samples whose
   * true or predicted label is not listed are left out. */
  labels?: readonly L[];
  /** One weight per sample (the cells are then sums of weights). */
  sampleWeight?: readonly number[];
  /** `'true'` divides each row by its sum, `'pred'` each column, `'all'` everything; 0/0 → 0. */
  normalize?: 'true' | 'pred' | 'all';
}

/** A confusion matrix: `matrix[i][j]` counts samples of true label `labels[i]` predicted as `labels[j]`. */
export interface ConfusionMatrix<L extends Label = Label> {
  labels: L[];
  matrix: number[][];
}

function checkWeights(w: readonly number[] | undefined, n: number): void {
  if (w === undefined) return;
  if (!Array.isArray(w) || w.length !== n) {
    throw new MetricInputError(`sampleWeight has ${w?.length} entries but there are ${n} samples`);
  }
  w.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new MetricInputError(`sampleWeight[${i}] is ${String(v)}: must be a finite number`);
    }
  });
}

/**
 * scikit-learn's `confusion_matrix(y_true, y_pred, labels=, sample_weight=, normalize=)`.
 *
 * @example
 * confusionMatrix(['cat', 'dog', 'cat'], ['cat', 'cat', 'cat']).matrix // [[2, 0], [1, 0]]
 */
export function confusionMatrix<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  options: ConfusionMatrixOptions<L> = {},
): ConfusionMatrix<L> {
  checkTargets(yTrue, yPred);
  checkWeights(options.sampleWeight, yTrue.length);
  const normalize = options.normalize;
  if (normalize !== undefined && !['true', 'pred', 'all'].includes(normalize)) {
    throw new MetricInputError(
      `normalize is ${JSON.stringify(normalize)}: must be 'true', 'pred', 'all' or undefined`,
    );
  }
  let labels: L[];
  if (options.labels === undefined) labels = uniqueLabels(yTrue, yPred);
  else {
    labels = [...options.labels];
    if (labels.length === 0) throw new MetricInputError("'labels' should contain at least one label.");
    if (yTrue.length > 0 && !labels.some((l) => yTrue.includes(l))) {
      throw new MetricInputError('At least one label specified must be in yTrue');
    }
  }
  const n = labels.length;
  // A label listed twice maps to its last position, as scikit-learn's {y: x for x, y in enumerate(labels)}.
  const index = new Map<L, number>();
  labels.forEach((l, i) => {
    index.set(l, i);
  });
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]!);
    const p = index.get(yPred[i]!);
    if (t === undefined || p === undefined) continue;
    matrix[t]![p]! += options.sampleWeight ? options.sampleWeight[i]! : 1;
  }
  if (normalize) {
    const nan0 = (v: number) => (Number.isNaN(v) ? 0 : v);
    if (normalize === 'true') {
      for (const row of matrix) {
        const s = row.reduce((a, v) => a + v, 0);
        row.forEach((v, j) => {
          row[j] = nan0(v / s);
        });
      }
    } else if (normalize === 'pred') {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += matrix[i]![j]!;
        for (let i = 0; i < n; i++) matrix[i]![j] = nan0(matrix[i]![j]! / s);
      }
    } else {
      let s = 0;
      for (const row of matrix) for (const v of row) s += v;
      for (const row of matrix) {
        row.forEach((v, j) => {
          row[j] = nan0(v / s);
        });
      }
    }
  }
  return { labels, matrix };
}

/**
 * scikit-learn's `multilabel_confusion_matrix` for label-indicator matrices: one 2×2 matrix
 * `[[tn, fp], [fn, tp]]` per label (column), or per sample with `samplewise`.
 */
export function multilabelConfusionMatrix(
  yTrue: MultilabelIndicator,
  yPred: MultilabelIndicator,
  options: { labels?: readonly number[]; sampleWeight?: readonly number[]; samplewise?: boolean } = {},
): number[][][] {
  const nLabels = checkIndicators(yTrue, yPred);
  checkWeights(options.sampleWeight, yTrue.length);
  const labels = options.labels ? [...options.labels] : Array.from({ length: nLabels }, (_, i) => i);
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0 || l >= nLabels) {
      throw new MetricInputError(`All labels must be in [0, n labels) for multilabel targets. Got ${l}`);
    }
  }
  const w = (i: number) => (options.sampleWeight ? options.sampleWeight[i]! : 1);
  const cell = (tp: number, pred: number, tru: number, total: number) => {
    const fp = pred - tp;
    const fn = tru - tp;
    return [
      [total - tp - fp - fn, fp],
      [fn, tp],
    ];
  };
  if (options.samplewise) {
    return yTrue.map((row, i) => {
      let tp = 0;
      let pred = 0;
      let tru = 0;
      for (const l of labels) {
        const t = row[l] === 1;
        const p = yPred[i]![l] === 1;
        if (t && p) tp++;
        if (p) pred++;
        if (t) tru++;
      }
      return cell(tp * w(i), pred * w(i), tru * w(i), labels.length * w(i));
    });
  }
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) total += w(i);
  return labels.map((l) => {
    let tp = 0;
    let pred = 0;
    let tru = 0;
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i]![l] === 1;
      const p = yPred[i]![l] === 1;
      if (t && p) tp += w(i);
      if (p) pred += w(i);
      if (t) tru += w(i);
    }
    return cell(tp, pred, tru, total);
  });
}

/**
 * Matthews' correlation coefficient, like scikit-learn's `matthews_corrcoef` (binary and
 * multiclass; the multiclass generalisation of Gorodkin 2004). 0 when it is undefined.
 *
 * @example
 * matthewsCorrcoef([1, 1, 1, 0], [1, 0, 1, 1]) // -0.3333333333333333
 */
export function matthewsCorrcoef<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  options: { sampleWeight?: readonly number[] } = {},
): number {
  const { matrix } = confusionMatrix(yTrue, yPred, { sampleWeight: options.sampleWeight });
  const k = matrix.length;
  const tSum = new Array<number>(k).fill(0);
  const pSum = new Array<number>(k).fill(0);
  let nCorrect = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      tSum[i]! += matrix[i]![j]!;
      pSum[j]! += matrix[i]![j]!;
    }
    nCorrect += matrix[i]![i]!;
  }
  const nSamples = pSum.reduce((a, v) => a + v, 0);
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
  const covYtYp = nCorrect * nSamples - dot(tSum, pSum);
  const covYpYp = nSamples ** 2 - dot(pSum, pSum);
  const covYtYt = nSamples ** 2 - dot(tSum, tSum);
  if (covYpYp * covYtYt === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}

/**
 * Hugging Face `evaluate`'s `matthews_correlation` with the `multilabel` configuration: the MCC of
 * each label's column, or their mean with `average: 'macro'`. (evaluate passes the columns as
 * `matthews_corrcoef(predictions[:, i], references[:, i])`; MCC is symmetric, so the order does not
 * matter.)
 */
export function multilabelMatthewsCorrcoef(
  yTrue: MultilabelIndicator,
  yPred: MultilabelIndicator,
  options: { sampleWeight?: readonly number[]; average?: 'macro' | null } = {},
): number | number[] {
  const nLabels = checkIndicators(yTrue, yPred);
  const per = Array.from({ length: nLabels }, (_, l) =>
    matthewsCorrcoef(
      yPred.map((r) => r[l]!),
      yTrue.map((r) => r[l]!),
      { sampleWeight: options.sampleWeight },
    ),
  );
  if (options.average === 'macro') return per.reduce((a, v) => a + v, 0) / per.length;
  if (options.average !== undefined && options.average !== null) {
    throw new MetricInputError("Invalid average: expected 'macro' or null");
  }
  return per;
}
