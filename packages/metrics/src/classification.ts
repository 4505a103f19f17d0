import { MetricInputError, type WarningHandler, defaultWarningHandler, onceEach } from './errors.js';
import { type Label, checkTargets, uniqueLabels } from './labels.js';
import { type MultilabelIndicator, checkIndicators, isIndicator } from './multilabel.js';

/**
 * How per-label scores are combined, as scikit-learn's `average`:
 * - `'binary'`: only the scores of `posLabel` (targets must have at most two classes);
 * - `'micro'`: from the summed true-positive / predicted / true counts of all labels;
 * - `'macro'`: the unweighted mean of the per-label scores;
 * - `'weighted'`: the mean of the per-label scores weighted by each label's support;
 * - `'samples'` (multilabel only): scores of each sample's label set, averaged over samples.
 * `null` returns the per-label scores.
 */
export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | 'samples';

/**
 * What a score is when its denominator is zero, as scikit-learn's `zero_division`:
 * precision with no predicted samples of a label, recall with no true samples, F with neither.
 * - `'warn'` (default): 0, and a warning is reported (scikit-learn's `UndefinedMetricWarning`);
 * - `0` or `1`: that value, silently;
 * - `NaN`: NaN, silently, and averages skip NaN entries (scikit-learn ≥ 1.3's `np.nan`).
 */
export type ZeroDivision = 'warn' | 0 | 1 | number;

/** Options of {@link precisionRecallFscoreSupport} and the single-score helpers. */
export interface PrfOptions<L extends Label = Label> {
  /** See {@link Average}. `precisionRecallFscoreSupport` defaults to `null` (per label), the
   * single-score helpers to `'binary'`, as scikit-learn does. */
  average?: Average | null;
  /** Labels to score, and their order when `average` is `null`; labels absent from the data score
   * 0 (or `zeroDivision`). Default: the sorted union of `yTrue` and `yPred`. Ignored for `'binary'`. */
  labels?: readonly L[];
  /** The positive class for `average: 'binary'`. Default `1`. */
  posLabel?: L;
  /** Weight of recall against precision in the F-score (F-beta). Default 1. */
  beta?: number;
  /** See {@link ZeroDivision}. Default `'warn'`. */
  zeroDivision?: ZeroDivision;
  /** One weight per sample. */
  sampleWeight?: readonly number[];
  /** Where warnings go. Default: `process.emitWarning(message, 'UndefinedMetricWarning')`. */
  onWarning?: WarningHandler;
}

/** Per-label scores (`average: null`). `support` is each label's count in `yTrue`. */
export interface PerLabelScores<L extends Label = Label> {
  labels: L[];
  precision: number[];
  recall: number[];
  fScore: number[];
  support: number[];
}

/** Averaged scores. `support` is the total of the labels' supports (scikit-learn returns `None`). */
export interface AveragedScores {
  precision: number;
  recall: number;
  fScore: number;
  support: number;
}

export type Metric = 'precision' | 'recall' | 'f-score';
const ALL_METRICS: readonly Metric[] = ['precision', 'recall', 'f-score'];

function checkZeroDivision(z: unknown): asserts z is ZeroDivision {
  if (z === 'warn' || z === 0 || z === 1 || (typeof z === 'number' && Number.isNaN(z))) return;
  throw new MetricInputError(`zeroDivision is ${String(z)}: must be 'warn', 0, 1 or NaN`);
}

function zeroDivisionValue(z: ZeroDivision): number {
  return z === 'warn' ? 0 : (z as number);
}

/** Counts per label: true positives, predicted, true (weighted when `sampleWeight` is given). */
function confusionCounts<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  labels: readonly L[],
  sampleWeight: readonly number[] | undefined,
) {
  const index = new Map<L, number>();
  labels.forEach((l, i) => {
    if (!index.has(l)) index.set(l, i);
  });
  const tp = new Array<number>(labels.length).fill(0);
  const pred = new Array<number>(labels.length).fill(0);
  const tru = new Array<number>(labels.length).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const w = sampleWeight ? sampleWeight[i]! : 1;
    const it = index.get(yTrue[i]!);
    const ip = index.get(yPred[i]!);
    if (it !== undefined) tru[it]! += w;
    if (ip !== undefined) pred[ip]! += w;
    if (it !== undefined && yTrue[i] === yPred[i]) tp[it]! += w;
  }
  // A label listed twice gets the counts of its first occurrence, as np.searchsorted would.
  labels.forEach((l, i) => {
    const first = index.get(l)!;
    if (first !== i) {
      tp[i] = tp[first]!;
      pred[i] = pred[first]!;
      tru[i] = tru[first]!;
    }
  });
  return { tp, pred, tru };
}

function prfDivide(
  num: number[],
  den: number[],
  metric: Metric,
  modifier: string,
  zeroDivision: ZeroDivision,
  warnFor: readonly Metric[],
  warn: WarningHandler,
  samples = false,
): number[] {
  let anyZero = false;
  const out = num.map((n, i) => {
    if (den[i] === 0) {
      anyZero = true;
      return zeroDivisionValue(zeroDivision);
    }
    return n / den[i]!;
  });
  if (anyZero && zeroDivision === 'warn' && warnFor.includes(metric)) {
    const name = metric === 'f-score' ? 'F-score' : metric[0]!.toUpperCase() + metric.slice(1);
    // scikit-learn's _warn_prf: 'samples' swaps the roles of samples and labels.
    const [axis0, axis1] = samples ? ['label', 'sample'] : ['sample', 'label'];
    const where = out.length === 1 ? 'due to' : `in ${axis1}s with`;
    warn(
      `${name} is ill-defined and being set to 0.0 ${where} no ${modifier} ${axis0}s. ` +
        'Use the `zeroDivision` option to control this behavior.',
    );
  }
  return out;
}

/** `sklearn.utils.extmath._nanaverage`: NaN entries are skipped; all-zero weights fall back to the plain mean. */
function nanAverage(values: number[], weights?: number[]): number {
  let num = 0;
  let den = 0;
  let plain = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    plain += v;
    count++;
    if (weights) {
      num += v * weights[i]!;
      den += weights[i]!;
    }
  }
  if (count === 0) return Number.NaN;
  if (!weights || den === 0) return plain / count;
  return num / den;
}

/** Resolves `labels` per scikit-learn's `_check_set_wise_labels`. */
function setWiseLabels<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  options: PrfOptions<L>,
  average: Average | null,
  warn: WarningHandler,
): L[] {
  const present = uniqueLabels(yTrue, yPred);
  const yType = present.length <= 2 ? 'binary' : 'multiclass';
  const posLabel = (options.posLabel ?? 1) as L;
  if (average === 'binary') {
    if (yType !== 'binary') {
      throw new MetricInputError(
        `Target is multiclass (${present.length} labels) but average is 'binary'; ` +
          "choose another average: null, 'micro', 'macro' or 'weighted'",
      );
    }
    if (!present.includes(posLabel) && present.length >= 2) {
      throw new MetricInputError(
        `posLabel=${JSON.stringify(posLabel)} is not a valid label: it should be one of ${JSON.stringify(present)}`,
      );
    }
    return [posLabel];
  }
  if (options.posLabel !== undefined && options.posLabel !== 1) {
    warn(
      `Note that posLabel (set to ${JSON.stringify(options.posLabel)}) is ignored when average is not 'binary' ` +
        `(got ${JSON.stringify(average)}). You may use labels: [posLabel] to score a single positive class.`,
    );
  }
  if (options.labels !== undefined) {
    if (options.labels.length === 0) throw new MetricInputError('labels is empty: give at least one label');
    return [...options.labels];
  }
  return present;
}

export function precisionRecallFscoreSupport<L extends Label>(
  yTrue: readonly L[] | MultilabelIndicator,
  yPred: readonly L[] | MultilabelIndicator,
  options: PrfOptions<L> & { average: Average },
): AveragedScores;
export function precisionRecallFscoreSupport<L extends Label>(
  yTrue: readonly L[] | MultilabelIndicator,
  yPred: readonly L[] | MultilabelIndicator,
  options?: PrfOptions<L> & { average?: null },
): PerLabelScores<L>;
export function precisionRecallFscoreSupport<L extends Label>(
  yTrue: readonly L[] | MultilabelIndicator,
  yPred: readonly L[] | MultilabelIndicator,
  options?: PrfOptions<L>,
): AveragedScores | PerLabelScores<L>;
/**
 * Precision, recall, F-beta and support, like scikit-learn's
 * `precision_recall_fscore_support` (current semantics, ≥ 1.3: the F-score is computed from the
 * counts, `(1+β²)·tp / (β²·true + predicted)`, and is `zeroDivision` when both are zero).
 *
 * Multilabel: pass label-indicator matrices (`yTrue[i][l]` is 1 when sample `i` has label `l`, else
 * 0); labels are then the column indices, and `average: 'samples'` is available.
 *
 * @example
 * precisionRecallFscoreSupport(['cat', 'dog', 'pig'], ['cat', 'pig', 'dog'], { average: 'macro' })
 * // { precision: 0.333…, recall: 0.333…, fScore: 0.333…, support: 3 }
 */
export function precisionRecallFscoreSupport<L extends Label>(
  yTrue: readonly L[] | MultilabelIndicator,
  yPred: readonly L[] | MultilabelIndicator,
  options: PrfOptions<L> = {},
): AveragedScores | PerLabelScores<L> {
  return prfs(yTrue, yPred, options, options.average ?? null, ALL_METRICS);
}

/** @internal The shared computation; `warnFor` selects which ill-defined scores warn. */
export function prfs<L extends Label>(
  yTrueIn: readonly L[] | MultilabelIndicator,
  yPredIn: readonly L[] | MultilabelIndicator,
  options: PrfOptions<L>,
  average: Average | null,
  warnFor: readonly Metric[],
): AveragedScores | PerLabelScores<L> {
  const zeroDivision = options.zeroDivision ?? 'warn';
  checkZeroDivision(zeroDivision);
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new MetricInputError(`beta is ${beta}: beta should be >= 0 in the F-beta score`);
  if (average !== null && !['binary', 'micro', 'macro', 'weighted', 'samples'].includes(average)) {
    throw new MetricInputError(
      `average is ${JSON.stringify(average)}: must be null, 'binary', 'micro', 'macro', 'weighted' or 'samples'`,
    );
  }
  if (options.sampleWeight && options.sampleWeight.length !== yTrueIn.length) {
    throw new MetricInputError(
      `sampleWeight has ${options.sampleWeight.length} entries but there are ${yTrueIn.length} samples`,
    );
  }
  const warn = onceEach(options.onWarning ?? defaultWarningHandler('UndefinedMetricWarning'));
  let labels: L[];
  let tp: number[];
  let pred: number[];
  let tru: number[];
  if (isIndicator(yTrueIn) || isIndicator(yPredIn)) {
    const nLabels = checkIndicators(yTrueIn as MultilabelIndicator, yPredIn as MultilabelIndicator);
    labels = multilabelLabels(nLabels, options, average) as L[];
    ({ tp, pred, tru } = multilabelCounts(
      yTrueIn as MultilabelIndicator,
      yPredIn as MultilabelIndicator,
      labels as number[],
      options.sampleWeight,
      average === 'samples',
    ));
  } else {
    const yTrue = yTrueIn as readonly L[];
    const yPred = yPredIn as readonly L[];
    checkTargets(yTrue, yPred);
    if (average === 'samples') {
      throw new MetricInputError(
        "average 'samples' is only meaningful for multilabel targets (label-indicator matrices)",
      );
    }
    labels = setWiseLabels(yTrue, yPred, options, average, warn);
    ({ tp, pred, tru } = confusionCounts(yTrue, yPred, labels, options.sampleWeight));
  }
  const samples = average === 'samples';
  if (average === 'micro') {
    const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
    tp = [sum(tp)];
    pred = [sum(pred)];
    tru = [sum(tru)];
  }
  const precision = prfDivide(tp, pred, 'precision', 'predicted', zeroDivision, warnFor, warn, samples);
  const recall = prfDivide(tp, tru, 'recall', 'true', zeroDivision, warnFor, warn, samples);
  let fScore: number[];
  if (beta === Number.POSITIVE_INFINITY) fScore = recall;
  else if (beta === 0) fScore = precision;
  else {
    const b2 = beta * beta;
    fScore = prfDivide(
      tp.map((t) => (1 + b2) * t),
      tru.map((t, i) => b2 * t + pred[i]!),
      'f-score',
      'true nor predicted',
      zeroDivision,
      warnFor,
      warn,
      samples,
    );
  }
  if (average === null) return { labels, precision, recall, fScore, support: tru };
  const weights = average === 'weighted' ? tru : samples ? options.sampleWeight?.slice() : undefined;
  return {
    precision: nanAverage(precision, weights),
    recall: nanAverage(recall, weights),
    fScore: nanAverage(fScore, weights),
    support: tru.reduce((s, v) => s + v, 0),
  };
}

/** Multilabel `labels` per scikit-learn: column indices, all of them by default. */
function multilabelLabels<L extends Label>(
  nLabels: number,
  options: PrfOptions<L>,
  average: Average | null,
): number[] {
  if (average === 'binary') {
    throw new MetricInputError(
      "Target is multilabel-indicator but average is 'binary'; choose another average: null, 'micro', " +
        "'macro', 'weighted' or 'samples'",
    );
  }
  const all = Array.from({ length: nLabels }, (_, i) => i);
  if (options.labels === undefined) return all;
  const labels = [...options.labels];
  if (labels.length === 0) throw new MetricInputError('labels is empty: give at least one label');
  labels.forEach((l, i) => {
    if (typeof l !== 'number' || !Number.isInteger(l)) {
      throw new MetricInputError(
        `labels[${i}] is ${JSON.stringify(l)}: multilabel labels are column indices`,
      );
    }
  });
  const nums = labels as number[];
  if (Math.max(...nums) > nLabels - 1) {
    throw new MetricInputError(
      `All labels must be in [0, n labels) for multilabel targets. Got ${Math.max(...nums)} > ${nLabels - 1}`,
    );
  }
  if (Math.min(...nums) < 0) {
    throw new MetricInputError(
      `All labels must be in [0, n labels) for multilabel targets. Got ${Math.min(...nums)} < 0`,
    );
  }
  return nums;
}

/**
 * scikit-learn's `multilabel_confusion_matrix` counts on the selected columns: per label (or, with
 * `samplewise`, per sample) the weighted true positives, predicted and true counts.
 */
function multilabelCounts(
  yTrue: MultilabelIndicator,
  yPred: MultilabelIndicator,
  labels: readonly number[],
  sampleWeight: readonly number[] | undefined,
  samplewise: boolean,
): { tp: number[]; pred: number[]; tru: number[] } {
  const n = yTrue.length;
  if (samplewise) {
    const tp = new Array<number>(n).fill(0);
    const pred = new Array<number>(n).fill(0);
    const tru = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      for (const l of labels) {
        const t = yTrue[i]![l] === 1;
        const p = yPred[i]![l] === 1;
        if (t && p) tp[i]!++;
        if (p) pred[i]!++;
        if (t) tru[i]!++;
      }
      // count_nonzero(axis=1, sample_weight) multiplies each sample's counts by its weight
      if (sampleWeight) {
        tp[i] = tp[i]! * sampleWeight[i]!;
        pred[i] = pred[i]! * sampleWeight[i]!;
        tru[i] = tru[i]! * sampleWeight[i]!;
      }
    }
    return { tp, pred, tru };
  }
  const tp = new Array<number>(labels.length).fill(0);
  const pred = new Array<number>(labels.length).fill(0);
  const tru = new Array<number>(labels.length).fill(0);
  for (let i = 0; i < n; i++) {
    const w = sampleWeight ? sampleWeight[i]! : 1;
    labels.forEach((l, k) => {
      const t = yTrue[i]![l] === 1;
      const p = yPred[i]![l] === 1;
      if (t && p) tp[k]! += w;
      if (p) pred[k]! += w;
      if (t) tru[k]! += w;
    });
  }
  return { tp, pred, tru };
}
