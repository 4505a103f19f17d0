/**
 * Single-score helpers with scikit-learn's defaults (`average: 'binary'`), and accuracy.
 */
import { MetricInputError } from './errors.js';
import { type Average, type Metric, type PrfOptions, prfs } from './classification.js';
import { type Label, checkTargets } from './labels.js';
import { type MultilabelIndicator, checkIndicators, isIndicator } from './multilabel.js';

type ScoreOptions<L extends Label> = Omit<PrfOptions<L>, 'beta'>;

type Y<L extends Label> = readonly L[] | MultilabelIndicator;

function single<L extends Label>(
  metric: Metric,
  yTrue: Y<L>,
  yPred: Y<L>,
  options: PrfOptions<L>,
): number | number[] {
  const average = options.average === undefined ? 'binary' : options.average;
  const r = prfs(yTrue, yPred, options, average, [metric]);
  const key = metric === 'f-score' ? 'fScore' : metric;
  return (r as unknown as Record<string, number | number[]>)[key]!;
}

/** Precision `tp / (tp + fp)` (scikit-learn's `precision_score`; `average` defaults to `'binary'`). */
export function precisionScore<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  options: ScoreOptions<L> & { average: null },
): number[];
export function precisionScore<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  options?: ScoreOptions<L> & { average?: Average },
): number;
export function precisionScore<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  options: ScoreOptions<L> = {},
): number | number[] {
  return single('precision', yTrue, yPred, options);
}

/** Recall `tp / (tp + fn)` (scikit-learn's `recall_score`; `average` defaults to `'binary'`). */
export function recallScore<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  options: ScoreOptions<L> & { average: null },
): number[];
export function recallScore<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  options?: ScoreOptions<L> & { average?: Average },
): number;
export function recallScore<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  options: ScoreOptions<L> = {},
): number | number[] {
  return single('recall', yTrue, yPred, options);
}

/** F1 (scikit-learn's `f1_score`; `average` defaults to `'binary'`). */
export function f1Score<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  options: ScoreOptions<L> & { average: null },
): number[];
export function f1Score<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  options?: ScoreOptions<L> & { average?: Average },
): number;
export function f1Score<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  options: ScoreOptions<L> = {},
): number | number[] {
  return single('f-score', yTrue, yPred, { ...options, beta: 1 });
}

/** F-beta (scikit-learn's `fbeta_score`; `average` defaults to `'binary'`). */
export function fbetaScore<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  beta: number,
  options: ScoreOptions<L> & { average: null },
): number[];
export function fbetaScore<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  beta: number,
  options?: ScoreOptions<L> & { average?: Average },
): number;
export function fbetaScore<L extends Label>(
  yTrue: Y<L>,
  yPred: Y<L>,
  beta: number,
  options: ScoreOptions<L> = {},
): number | number[] {
  return single('f-score', yTrue, yPred, { ...options, beta });
}

/**
 * Fraction (or, with `normalize: false`, number) of samples whose prediction equals the truth,
 * like scikit-learn's `accuracy_score`. For label-indicator matrices (multilabel) this is subset
 * accuracy: a sample counts only if its whole label set is right.
 */
export function accuracyScore<L extends Label>(
  yTrue: readonly L[] | MultilabelIndicator,
  yPred: readonly L[] | MultilabelIndicator,
  options: { normalize?: boolean; sampleWeight?: readonly number[] } = {},
): number {
  let same: (i: number) => boolean;
  if (isIndicator(yTrue) || isIndicator(yPred)) {
    const t = yTrue as MultilabelIndicator;
    const p = yPred as MultilabelIndicator;
    checkIndicators(t, p);
    same = (i) => t[i]!.every((v, l) => v === p[i]![l]);
  } else {
    checkTargets(yTrue as readonly L[], yPred as readonly L[]);
    same = (i) => yTrue[i] === yPred[i];
  }
  const w = options.sampleWeight;
  if (w && w.length !== yTrue.length) {
    throw new MetricInputError(`sampleWeight has ${w.length} entries but there are ${yTrue.length} samples`);
  }
  let correct = 0;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const wi = w ? w[i]! : 1;
    if (same(i)) correct += wi;
    total += wi;
  }
  if (options.normalize === false) return correct;
  return correct / total;
}
