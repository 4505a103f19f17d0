import { MetricInputError } from './errors.js';
import { compareCodePoints } from './python-compat.js';

/** A class label: a string, or an integer (as scikit-learn accepts both; don't mix them). */
export type Label = string | number;

/** Checks that two label arrays are parallel and of one kind, and returns that kind. */
export function checkTargets(
  yTrue: readonly Label[],
  yPred: readonly Label[],
): 'string' | 'number' | 'empty' {
  if (!Array.isArray(yTrue)) throw new MetricInputError('yTrue must be an array of labels');
  if (!Array.isArray(yPred)) throw new MetricInputError('yPred must be an array of labels');
  if (yTrue.length !== yPred.length) {
    throw new MetricInputError(
      `yTrue and yPred have different lengths: ${yTrue.length} and ${yPred.length} (one prediction per sample)`,
    );
  }
  let kind: 'string' | 'number' | undefined;
  const check = (v: Label, where: string) => {
    const k = typeof v;
    if (k === 'number') {
      if (!Number.isInteger(v)) {
        throw new MetricInputError(
          `${where} is ${v}: numeric labels must be integers (continuous targets are not classification labels)`,
        );
      }
    } else if (k !== 'string') {
      throw new MetricInputError(`${where} is ${String(v)} (${k}): labels must be strings or integers`);
    }
    if (kind === undefined) kind = k as 'string' | 'number';
    else if (kind !== k) {
      throw new MetricInputError(
        `${where} is a ${k} but earlier labels are ${kind}s: mix of label types (string and number)`,
      );
    }
  };
  for (let i = 0; i < yTrue.length; i++) check(yTrue[i]!, `yTrue[${i}]`);
  for (let i = 0; i < yPred.length; i++) check(yPred[i]!, `yPred[${i}]`);
  return kind ?? 'empty';
}

/** Sorts labels the way NumPy's `np.unique` does: numbers ascending, strings by code point. */
export function sortLabels<L extends Label>(labels: Iterable<L>): L[] {
  const arr = [...new Set(labels)];
  return arr.sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : compareCodePoints(String(a), String(b)),
  );
}

/** `sklearn.utils.multiclass.unique_labels(y_true, y_pred)`: the sorted union of labels. */
export function uniqueLabels<L extends Label>(yTrue: readonly L[], yPred: readonly L[]): L[] {
  return sortLabels<L>([...yTrue, ...yPred]);
}
