import { MetricInputError, type WarningHandler, defaultWarningHandler, onceEach } from './errors.js';
import { type Label, checkTargets, uniqueLabels } from './labels.js';

/**
 * How per-label scores are combined, as scikit-learn's `average`:
 * - `'binary'`: only the scores of `posLabel` (targets must have at most two classes);
 * - `'micro'`: from the summed true-positive / predicted / true counts of all labels;
 * - `'macro'`: the unweighted mean of the per-label scores;
 * - `'weighted'`: the mean of the per-label scores weighted by each label's support.
 * `null` returns the per-label scores.
 */
export type Average = 'binary' | 'micro' | 'macro' | 'weighted';

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
    const where = out.length === 1 ? 'due to' : 'in labels with';
    warn(
      `${name} is ill-defined and being set to 0.0 ${where} no ${modifier} samples. ` +
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
  yTrue: readonly L[],
  yPred: readonly L[],
  options: PrfOptions<L> & { average: Average },
): AveragedScores;
export function precisionRecallFscoreSupport<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  options?: PrfOptions<L> & { average?: null },
): PerLabelScores<L>;
export function precisionRecallFscoreSupport<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  options?: PrfOptions<L>,
): AveragedScores | PerLabelScores<L>;
/**
 * Precision, recall, F-beta and support, like scikit-learn's
 * `precision_recall_fscore_support` (current semantics, ≥ 1.3: the F-score is computed from the
 * counts, `(1+β²)·tp / (β²·true + predicted)`, and is `zeroDivision` when both are zero).
 *
 * @example
 * precisionRecallFscoreSupport(['cat', 'dog', 'pig'], ['cat', 'pig', 'dog'], { average: 'macro' })
 * // { precision: 0.333…, recall: 0.333…, fScore: 0.333…, support: 3 }
 */
export function precisionRecallFscoreSupport<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  options: PrfOptions<L> = {},
): AveragedScores | PerLabelScores<L> {
  return prfs(yTrue, yPred, options, options.average ?? null, ALL_METRICS);
}

/** @internal The shared computation; `warnFor` selects which ill-defined scores warn. */
export function prfs<L extends Label>(
  yTrue: readonly L[],
  yPred: readonly L[],
  options: PrfOptions<L>,
  average: Average | null,
  warnFor: readonly Metric[],
): AveragedScores | PerLabelScores<L> {
  const zeroDivision = options.zeroDivision ?? 'warn';
  checkZeroDivision(zeroDivision);
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new MetricInputError(`beta is ${beta}: beta should be >= 0 in the F-beta score`);
  if (average !== null && !['binary', 'micro', 'macro', 'weighted'].includes(average)) {
    throw new MetricInputError(
      `average is ${JSON.stringify(average)}: must be null, 'binary', 'micro', 'macro' or 'weighted'`,
    );
  }
  checkTargets(yTrue, yPred);
  if (options.sampleWeight && options.sampleWeight.length !== yTrue.length) {
    throw new MetricInputError(
      `sampleWeight has ${options.sampleWeight.length} entries but there are ${yTrue.length} samples`,
    );
  }
  const warn = onceEach(options.onWarning ?? defaultWarningHandler('UndefinedMetricWarning'));
  const labels = setWiseLabels(yTrue, yPred, options, average, warn);
  let { tp, pred, tru } = confusionCounts(yTrue, yPred, labels, options.sampleWeight);
  if (average === 'micro') {
    const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
    tp = [sum(tp)];
    pred = [sum(pred)];
    tru = [sum(tru)];
  }
  const precision = prfDivide(tp, pred, 'precision', 'predicted', zeroDivision, warnFor, warn);
  const recall = prfDivide(tp, tru, 'recall', 'true', zeroDivision, warnFor, warn);
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
    );
  }
  if (average === null) return { labels, precision, recall, fScore, support: tru };
  const weights = average === 'weighted' ? tru : undefined;
  return {
    precision: nanAverage(precision, weights),
    recall: nanAverage(recall, weights),
    fScore: nanAverage(fScore, weights),
    support: tru.reduce((s, v) => s + v, 0),
  };
}
