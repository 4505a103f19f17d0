/**
 * Multilabel targets in scikit-learn's "multilabel-indicator" form: one row per sample, one 0/1
 * column per label.
 */
import { MetricInputError } from './errors.js';

/** `y[i][l]` is 1 when sample `i` has label `l`, else 0 (scikit-learn's label-indicator matrix). */
export type MultilabelIndicator = readonly (readonly number[])[];

/** Whether `y` is given as an indicator matrix (its first row is an array). */
export function isIndicator(y: unknown): y is MultilabelIndicator {
  return Array.isArray(y) && y.length > 0 && Array.isArray(y[0]);
}

/**
 * Checks two indicator matrices (same shape, rows of equal length, entries 0 or 1) and returns the
 * number of labels (columns).
 */
export function checkIndicators(yTrue: MultilabelIndicator, yPred: MultilabelIndicator): number {
  for (const [name, y] of [
    ['yTrue', yTrue],
    ['yPred', yPred],
  ] as const) {
    if (!isIndicator(y) || !y.every((row) => Array.isArray(row))) {
      throw new MetricInputError(
        `${name} must be a label-indicator matrix (number[][], one row of 0/1 per sample) like the other argument`,
      );
    }
  }
  if (yTrue.length !== yPred.length) {
    throw new MetricInputError(
      `yTrue and yPred have different lengths: ${yTrue.length} and ${yPred.length} (one row per sample)`,
    );
  }
  const nLabels = yTrue[0]!.length;
  for (const [name, y] of [
    ['yTrue', yTrue],
    ['yPred', yPred],
  ] as const) {
    y.forEach((row, i) => {
      if (row.length !== nLabels) {
        throw new MetricInputError(`${name}[${i}] has ${row.length} columns but yTrue[0] has ${nLabels}`);
      }
      row.forEach((v, l) => {
        if (v !== 0 && v !== 1) {
          throw new MetricInputError(`${name}[${i}][${l}] is ${String(v)}: indicator entries must be 0 or 1`);
        }
      });
    });
  }
  return nLabels;
}
