/**
 * Hugging Face `evaluate`'s `exact_match`: the fraction of predictions equal to their reference
 * after optional normalization.
 */
import { MetricInputError } from './errors.js';

/** Options of {@link exactMatch}; the defaults are `evaluate`'s (no normalization). */
export interface ExactMatchOptions {
  /**
   * Removed from both sides before comparing, in order (`regexes_to_ignore`; Python's `re.sub(r,
   * '', x)`). Strings are compiled as JavaScript regular expressions with the `u` flag; every
   * match is removed (a `RegExp` without the `g` flag is made global).
   */
  regexesToIgnore?: readonly (string | RegExp)[];
  /** Lowercase both sides (`ignore_case`). */
  ignoreCase?: boolean;
  /** Remove ASCII punctuation, Python's `string.punctuation` (`ignore_punctuation`). */
  ignorePunctuation?: boolean;
  /** Remove the digits 0–9 (`ignore_numbers`). */
  ignoreNumbers?: boolean;
}

const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;
const DIGITS = /[0-9]/g;

function globalRegex(r: string | RegExp, i: number): RegExp {
  if (typeof r === 'string') {
    try {
      return new RegExp(r, 'gu');
    } catch (e) {
      throw new MetricInputError(`regexesToIgnore[${i}] ${JSON.stringify(r)}: ${(e as Error).message}`);
    }
  }
  if (r instanceof RegExp)
    return r.global ? new RegExp(r.source, r.flags) : new RegExp(r.source, `${r.flags}g`);
  throw new MetricInputError(`regexesToIgnore[${i}] is ${String(r)}: must be a string or a RegExp`);
}

/**
 * The fraction (0–1) of `predictions[i] === references[i]` after, in this order: removing
 * `regexesToIgnore`, lowercasing, removing punctuation, removing digits — exactly the steps of
 * `evaluate.load('exact_match').compute(...)`. NaN for empty input (NumPy's mean of nothing).
 *
 * @example
 * exactMatch(['The Cat.', 'dog'], ['the cat', 'Dog'], { ignoreCase: true, ignorePunctuation: true }) // 1
 */
export function exactMatch(
  predictions: readonly string[],
  references: readonly string[],
  options: ExactMatchOptions = {},
): number {
  if (!Array.isArray(predictions) || !Array.isArray(references)) {
    throw new MetricInputError('predictions and references must be arrays of strings');
  }
  if (predictions.length !== references.length) {
    throw new MetricInputError(
      `predictions has ${predictions.length} entries but references has ${references.length} (one per prediction)`,
    );
  }
  for (const [name, a] of [
    ['predictions', predictions],
    ['references', references],
  ] as const) {
    a.forEach((v, i) => {
      if (typeof v !== 'string')
        throw new MetricInputError(`${name}[${i}] is ${String(v)}: must be a string`);
    });
  }
  const regexes = (options.regexesToIgnore ?? []).map(globalRegex);
  const normalize = (s: string) => {
    for (const r of regexes) s = s.replace(r, '');
    if (options.ignoreCase) s = s.toLowerCase();
    if (options.ignorePunctuation) s = s.replace(PUNCTUATION, '');
    if (options.ignoreNumbers) s = s.replace(DIGITS, '');
    // NumPy's fixed-width unicode arrays drop trailing NUL characters.
    return s.replace(/\0+$/, '');
  };
  let hits = 0;
  for (let i = 0; i < predictions.length; i++)
    if (normalize(predictions[i]!) === normalize(references[i]!)) hits++;
  return hits / predictions.length;
}
