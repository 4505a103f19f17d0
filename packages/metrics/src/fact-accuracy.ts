/**
 * Fact accuracy: does a generated reply state the expected fact? The share of predictions that
 * contain every expected string of their reference — a price ("$34.50"), a time ("3 to 5 business
 * days"), a status — after light normalization. The generative-QA counterpart of evaluate's
 * `exact_match`, for free-form replies where the fact sits inside a sentence.
 */
import { MetricInputError } from './errors.js';

/** One reference: the string a reply must contain, or several that it must all contain. */
export type FactReference = string | readonly string[];

export interface FactAccuracyOptions {
  /** Compare case-insensitively (default true). */
  ignoreCase?: boolean;
}

/** Unicode NFKC, runs of whitespace as one space, trimmed, lower case unless `ignoreCase` is false. */
export function normalizeFactText(text: string, options: FactAccuracyOptions = {}): string {
  const t = text.normalize('NFKC').replace(/\s+/gu, ' ').trim();
  return options.ignoreCase === false ? t : t.toLowerCase();
}

const ALNUM = /[\p{L}\p{N}]/u;

/**
 * Whether `prediction` contains `fact` (both normalized) as a whole: where the fact begins or ends
 * with a letter or digit, the reply must not continue it with one ("12 left" is not in "112 left",
 * "$4.9" is not in "$4.95"; "$50" is in "over $50.").
 */
export function containsFact(prediction: string, fact: string, options: FactAccuracyOptions = {}): boolean {
  const p = normalizeFactText(prediction, options);
  const f = normalizeFactText(fact, options);
  if (f === '') throw new MetricInputError('containsFact: the fact is empty');
  const boundStart = ALNUM.test(f.charAt(0));
  const boundEnd = ALNUM.test(f.charAt(f.length - 1));
  for (let i = p.indexOf(f); i !== -1; i = p.indexOf(f, i + 1)) {
    const before = p.charAt(i - 1);
    const after = p.charAt(i + f.length);
    if ((!boundStart || !ALNUM.test(before)) && (!boundEnd || !ALNUM.test(after))) return true;
  }
  return false;
}

/** Whether `prediction` contains every fact of `reference`. */
export function isFactCorrect(
  prediction: string,
  reference: FactReference,
  options: FactAccuracyOptions = {},
): boolean {
  const facts = typeof reference === 'string' ? [reference] : reference;
  return facts.every((f) => containsFact(prediction, f, options));
}

/**
 * The share of `predictions` that contain every fact of their reference (0 … 1). Lengths must
 * match; a reference must name at least one non-empty fact.
 *
 * ```ts
 * factAccuracy(['The copper kettle costs $34.50.', 'We have 112 left.'], ['$34.50', '12 left']); // 0.5
 * ```
 */
export function factAccuracy(
  predictions: readonly string[],
  references: readonly FactReference[],
  options: FactAccuracyOptions = {},
): number {
  if (predictions.length !== references.length) {
    throw new MetricInputError(
      `factAccuracy: ${predictions.length} predictions but ${references.length} references`,
    );
  }
  if (predictions.length === 0) throw new MetricInputError('factAccuracy: no predictions');
  let correct = 0;
  for (const [i, ref] of references.entries()) {
    const facts = typeof ref === 'string' ? [ref] : ref;
    if (facts.length === 0 || facts.some((f) => f.trim() === '')) {
      throw new MetricInputError(`factAccuracy: references[${i}] has no fact (or an empty one)`);
    }
    if (isFactCorrect(predictions[i]!, facts, options)) correct++;
  }
  return correct / predictions.length;
}
